"""Durchbeförderung: which stops abroad need a transit request, by when, and what is wrong.

Council Directive 2003/110/EC (facts with sources: ../shared/domain/FACTS.md, section 1):
- Art. 4(1): the request is made at least 2 days before the transit;
- Art. 4(2): the requested state answers within 2 days, extendable by at most 48 hours;
- Art. 5(1): the transit is completed within 24 hours at most.
A stop in a state that applies the directive needs a request under it; a stop in any other
state abroad needs a bilateral clearance (same lead time by default, configurable). Stops in
Germany need nothing, nor does a stop in the destination state itself (the person has
arrived there). States that currently refuse transits are a configurable list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from fixtures.reference import airport_country, airport_timezone
from zfa.itinerary import Itinerary

GERMANY = "DE"
# EU member states bound by the directive. Denmark does not take part in measures under Title V
# TFEU (Protocol No 22); Ireland did not opt in to this directive. The associated Schengen states
# (CH, NO, IS, LI) are not bound by it and count as bilateral unless configured otherwise.
# Assumption to check against the directive's recitals (OJ L 321, 6.12.2003) before relying on it.
DIRECTIVE_STATES = frozenset(
    "AT BE BG HR CY CZ EE FI FR DE GR HU IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # noqa: SIM905
)


class TransitBasis(StrEnum):
    DIRECTIVE = "directive_2003_110"
    BILATERAL = "bilateral"


@dataclass(frozen=True, slots=True)
class TransitRules:
    lead_time: dt.timedelta = dt.timedelta(days=2)  # Art. 4(1)
    answer_time: dt.timedelta = dt.timedelta(days=2)  # Art. 4(2)
    answer_extension: dt.timedelta = dt.timedelta(hours=48)  # Art. 4(2)
    max_transit: dt.timedelta = dt.timedelta(hours=24)  # Art. 5(1)
    bilateral_lead_time: dt.timedelta = dt.timedelta(days=2)  # no EU rule: the directive's, by default
    directive_states: frozenset[str] = DIRECTIVE_STATES
    refusing_states: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Transit:
    airport: str
    country: str
    basis: TransitBasis
    arrival: dt.datetime  # local at the airport
    departure: dt.datetime
    request_due: dt.datetime  # the latest submission that keeps the lead time
    late: bool  # booked after `request_due`: no timely request possible
    too_long: bool  # longer than the maximum transit time
    refused: bool  # the state currently refuses transits

    @property
    def transit_minutes(self) -> int:
        return int((self.departure - self.arrival).total_seconds() // 60)

    def answer_due(self, submitted: dt.datetime, rules: TransitRules, extended: bool = False) -> dt.datetime:
        """When the requested state must have answered a request submitted at `submitted`."""
        return submitted + rules.answer_time + (rules.answer_extension if extended else dt.timedelta())


def transits(
    itinerary: Itinerary, booked_at: dt.datetime | None, rules: TransitRules | None = None
) -> list[Transit]:
    """One entry per stop abroad before the final destination (not in the destination state)."""
    rules = rules or TransitRules()
    destination = itinerary.destination_country
    out = []
    for inbound, outbound in zip(itinerary.legs, itinerary.legs[1:], strict=False):
        airport = inbound.destination
        country = airport_country(airport)
        if country in (GERMANY, destination):
            continue
        zone = ZoneInfo(airport_timezone(airport))
        arrival, departure = inbound.arrival.astimezone(zone), outbound.departure.astimezone(zone)
        basis = TransitBasis.DIRECTIVE if country in rules.directive_states else TransitBasis.BILATERAL
        lead = rules.lead_time if basis is TransitBasis.DIRECTIVE else rules.bilateral_lead_time
        due = arrival - lead
        out.append(
            Transit(
                airport=airport,
                country=country,
                basis=basis,
                arrival=arrival,
                departure=departure,
                request_due=due,
                late=booked_at is not None and booked_at > due,
                too_long=departure - arrival > rules.max_transit,
                refused=country in rules.refusing_states,
            )
        )
    return out


def check_document(
    itinerary: Itinerary, booked_at: dt.datetime | None, escorted: bool, rules: TransitRules | None = None
) -> dict[str, object]:
    """The JSON answer of `ltrako zfa check`."""
    found = transits(itinerary, booked_at, rules)
    return {
        "transit_required": bool(found),
        "escorted": escorted,
        "transits": [
            {
                "airport": t.airport,
                "country": t.country,
                "basis": t.basis.value,
                "arrival": t.arrival.isoformat(),
                "departure": t.departure.isoformat(),
                "transit_minutes": t.transit_minutes,
                "request_due": t.request_due.isoformat(),
                "late": t.late,
                "too_long": t.too_long,
                "refused": t.refused,
            }
            for t in found
        ],
    }


def rules_from(refusing_states: list[str]) -> TransitRules:
    """The directive's rules with the configured list of refusing states."""
    return TransitRules(refusing_states=frozenset(code.upper() for code in refusing_states))
