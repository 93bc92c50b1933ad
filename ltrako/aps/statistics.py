"""APS planning statistics over the stored transports: counts per period and breakdown.

Aggregates only: no case reference, person or free text leaves this module. The unit is the
transport request, counted in the period of its service date. A request's nationality is that
of its first person (families rarely mix nationalities; each request counts once, so the
breakdowns add up to the total). Role `ministry` and `admin` see all of NRW, `zab` its own
(responsible) ZAB; everyone else is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func
from sqlalchemy import select as wide_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from ltrako.aps.tables import country_name
from ltrako.core import policy
from ltrako.core.clock import FIRST_DAY, LAST_DAY, in_service_range
from ltrako.core.errors import FieldProblem, InvalidInput
from ltrako.core.security import Principal
from ltrako.models import (
    Abh,
    DublinTransfer,
    MedicalReception,
    Person,
    ReceptionStatus,
    Regierungsbezirk,
    RequestStatus,
    RequestStatusChange,
    TransitRequest,
    TransitStatus,
    TransportRequest,
    TransportRequestPerson,
    Zab,
)
from ltrako.planning.dayplan import reason_label
from ltrako.requests import dublin
from ltrako.requests.lifecycle import CANCEL_REASONS, RETURNED

S = RequestStatus

METRICS: dict[str, str] = {
    "requested": "beantragt",
    "planned": "eingeplant (angenommen/übernommen)",
    "executed": "durchgeführt",
    "returned": "erfolgreich rückgeführt",
    "cancelled": "storniert",
    "self_transport": "Eigentransport der ABH",
    "pool_entered": "in die Restplatzbörse",
    "pool_placed": "über die Restplatzbörse vermittelt",
    "transit_approved": "Durchbeförderung bewilligt",
    "transit_rejected": "Durchbeförderung abgelehnt",
    "transit_late": "Durchbeförderung verspätet beantragt",
    "medical_receptions": "med. Inempfangnahmen",
    "medical_confirmed": "med. Inempfangnahmen bestätigt",
    "dublin_transfers": "Dublin-Überstellungen",
    "dublin_made": "Dublin-Überstellungen durchgeführt",
    "dublin_expired": "Dublin-Überstellungsfrist abgelaufen",
}
BREAKDOWNS: dict[str, str] = {
    "total": "NRW gesamt",
    "month": "Monat",
    "zab": "ZAB",
    "regierungsbezirk": "Regierungsbezirk",
    "abh": "Ausländerbehörde",
    "origin": "Herkunft",
    "purpose": "Transportart",
    "nationality": "Staatsangehörigkeit",
}
ORIGIN_LABELS = {"municipal": "kommunaler Bereich", "state_facility": "Landeseinrichtung"}
PURPOSE_LABELS = {
    "flight": "Flughafen",
    "dublin_handover": "Dublin-Übergabe an der Grenze",
    "consulate": "Botschaft/Konsulat",
    "court": "Gericht",
    "detention": "Haft",
    "other": "sonstige",
}
PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    first: dt.date
    last: dt.date

    def months(self) -> list[str]:
        out, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def parse_period(text: str) -> Period:
    """`2026`, `2026-H2`, `2026-Q4` or `2026-11` → the first and last day."""
    match = PERIOD.match(text.strip())
    if match is None or (match[2] is not None and not 1 <= int(match[2]) <= 12):
        raise InvalidInput(
            [FieldProblem("period", "Zeitraum als JJJJ, JJJJ-H1/H2, JJJJ-Q1…Q4 oder JJJJ-MM angeben.")]
        )
    year = int(match[1])
    if not in_service_range(dt.date(max(year, 1), 1, 1)):
        raise InvalidInput(
            [FieldProblem("period", f"Jahr zwischen {FIRST_DAY.year} und {LAST_DAY.year}.", "year")]
        )
    if match[2] is not None:
        first_month, span = int(match[2]), 1
    elif match[3] is not None:
        first_month, span = 3 * int(match[3]) - 2, 3
    elif match[4] is not None:
        first_month, span = 6 * int(match[4]) - 5, 6
    else:
        first_month, span = 1, 12
    first = dt.date(year, first_month, 1)
    last = dublin.add_months(first, span) - dt.timedelta(days=1)
    return Period(text.strip(), first, last)


@dataclass(slots=True)
class StatRow:
    key: str
    label: str
    counts: Counter[str] = field(default_factory=Counter)
    cancelled_by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def rescue_rate(self) -> float | None:
        """Share of the requests that entered the Restplatzbörse and were placed there."""
        entered = self.counts["pool_entered"]
        return round(self.counts["pool_placed"] / entered, 4) if entered else None

    def add(self, facts: RequestFacts, metrics: Iterable[str]) -> None:
        for metric in metrics:
            self.counts[metric] += 1
        self.counts["medical_receptions"] += facts.receptions
        self.counts["medical_confirmed"] += facts.receptions_confirmed
        if facts.status is S.CANCELLED:
            self.cancelled_by_reason[facts.status_reason or "other"] += 1


@dataclass(frozen=True, slots=True)
class Statistics:
    period: Period
    breakdown: str
    scope: str  # "NRW" or the ZAB id the figures are limited to
    rows: list[StatRow]
    total: StatRow


@dataclass(slots=True)
class RequestFacts:
    """What the statistics need to know about one request (ids and codes only)."""

    id: str
    service_date: dt.date
    zab_id: str
    regierungsbezirk_id: str
    abh_id: str | None
    origin: str
    purpose: str
    status: RequestStatus
    status_reason: str | None
    nationality: str = "XXX"
    committed: bool = False
    entered_pool: bool = False
    taken_over: bool = False
    transit: set[str] = field(default_factory=set)  # approved / rejected / late
    receptions: int = 0
    receptions_confirmed: int = 0
    dublin_deadline: dt.date | None = None
    has_dublin: bool = False

    def metrics(self, as_of: dt.date) -> Iterator[str]:
        yield "requested"
        if self.committed:
            yield "planned"
        if self.status is S.COMPLETED:
            yield "executed"
            if self.status_reason == RETURNED:
                yield "returned"
        if self.status is S.CANCELLED:
            yield "cancelled"
        if self.status is S.SELF_TRANSPORT:
            yield "self_transport"
        if self.entered_pool:
            yield "pool_entered"
        if self.taken_over:
            yield "pool_placed"
        yield from (f"transit_{kind}" for kind in sorted(self.transit))
        if self.has_dublin:
            yield "dublin_transfers"
            if self.status is S.COMPLETED:
                yield "dublin_made"
            elif self.dublin_deadline is not None and self.dublin_deadline < as_of:
                yield "dublin_expired"


def _ever(*targets: RequestStatus) -> Any:
    """True if the request's history ever reached one of `targets` (a correlated EXISTS)."""
    return exists().where(
        col(RequestStatusChange.request_id) == col(TransportRequest.id),
        col(RequestStatusChange.to_status).in_(targets),
    )


def collect_facts(
    session: Session, first: dt.date, last: dt.date, zab_id: str | None = None
) -> dict[str, RequestFacts]:
    """The facts of every request with its service date in [first, last] (of one ZAB if given)."""
    in_period = and_(
        col(TransportRequest.service_date) >= first,
        col(TransportRequest.service_date) <= last,
        *([col(TransportRequest.zab_id) == zab_id] if zab_id else []),
    )
    first_person = (
        wide_select(func.min(col(TransportRequestPerson.person_id)))
        .where(col(TransportRequestPerson.request_id) == col(TransportRequest.id))
        .scalar_subquery()
    )
    facts: dict[str, RequestFacts] = {}
    for (
        rid,
        day,
        zab,
        rb,
        abh,
        origin,
        purpose,
        status,
        reason,
        nationality,
        committed,
        pooled,
        taken,
    ) in session.execute(
        wide_select(
            col(TransportRequest.id),
            col(TransportRequest.service_date),
            col(TransportRequest.zab_id),
            col(Zab.regierungsbezirk_id),
            col(TransportRequest.abh_id),
            col(TransportRequest.origin),
            col(TransportRequest.purpose),
            col(TransportRequest.status),
            col(TransportRequest.status_reason),
            col(Person.nationality),
            _ever(S.ACCEPTED, S.TAKEN_OVER),
            _ever(S.IN_POOL),
            _ever(S.TAKEN_OVER),
        )
        .join(Zab, col(Zab.id) == col(TransportRequest.zab_id))
        .outerjoin(Person, col(Person.id) == first_person)
        .where(in_period)
    ):
        facts[rid] = RequestFacts(
            rid,
            day,
            zab,
            rb,
            abh,
            str(origin),
            str(purpose),
            RequestStatus(status),
            reason,
            nationality or "XXX",
            bool(committed),
            bool(pooled),
            bool(taken),
        )
    for rid, status, late in session.exec(
        select(TransportRequest.id, TransitRequest.status, TransitRequest.late)
        .join(TransitRequest, col(TransitRequest.flight_id) == col(TransportRequest.flight_id))
        .where(in_period)
    ):
        if status == TransitStatus.APPROVED.value:
            facts[rid].transit.add("approved")
        if status == TransitStatus.REJECTED.value:
            facts[rid].transit.add("rejected")
        if late:
            facts[rid].transit.add("late")
    for rid, status in session.exec(
        select(MedicalReception.request_id, MedicalReception.status)
        .join(TransportRequest, col(TransportRequest.id) == col(MedicalReception.request_id))
        .where(in_period)
    ):
        facts[rid].receptions += 1
        facts[rid].receptions_confirmed += status == ReceptionStatus.CONFIRMED.value
    for transfer in session.exec(
        select(DublinTransfer)
        .join(TransportRequest, col(TransportRequest.id) == col(DublinTransfer.request_id))
        .where(in_period)
    ):
        row = facts[transfer.request_id]
        row.has_dublin = True
        row.dublin_deadline = dublin.transfer_deadline(dublin.case_of(transfer))
    return facts


def compute(
    session: Session,
    principal: Principal,
    *,
    period: str,
    breakdown: str = "total",
    as_of: dt.date,
) -> Statistics:
    """The statistics of `period` broken down by `breakdown` (see BREAKDOWNS)."""
    return compute_many(session, principal, period=period, breakdowns=(breakdown,), as_of=as_of)[0]


def compute_many(
    session: Session,
    principal: Principal,
    *,
    period: str,
    breakdowns: Sequence[str],
    as_of: dt.date,
) -> list[Statistics]:
    """Several breakdowns of one period from one read of the stored facts."""
    unknown = [b for b in breakdowns if b not in BREAKDOWNS]
    if unknown:
        raise InvalidInput([FieldProblem("breakdown", f"Eine von: {', '.join(BREAKDOWNS)}.", "breakdown")])
    zab_scope = policy.statistics_scope(principal)
    span = parse_period(period)
    facts = collect_facts(session, span.first, span.last, zab_scope)
    # each request's metrics once (for every breakdown), as of one day
    today = as_of
    metrics = {rid: tuple(item.metrics(today)) for rid, item in facts.items()}
    return [_aggregate(session, facts, metrics, span, b, zab_scope) for b in breakdowns]


def _aggregate(
    session: Session,
    facts: dict[str, RequestFacts],
    metrics: dict[str, tuple[str, ...]],
    span: Period,
    breakdown: str,
    zab_scope: str | None,
) -> Statistics:
    labels = _labels(session, breakdown, facts.values())
    rows: dict[str, StatRow] = {}
    if breakdown == "month":
        rows = {m: StatRow(m, labels(m)) for m in span.months()}  # empty months show as zeros
    total = StatRow("total", "gesamt" if zab_scope is None else f"ZAB {zab_scope}")
    for rid, item in facts.items():
        key = _key(item, breakdown)
        row = rows.get(key)
        if row is None:
            row = rows[key] = StatRow(key, labels(key))
        row.add(item, metrics[rid])
        total.add(item, metrics[rid])
    ordered = [rows[k] for k in sorted(rows)]
    return Statistics(span, breakdown, zab_scope or "NRW", ordered, total)


def _key(facts: RequestFacts, breakdown: str) -> str:
    match breakdown:
        case "total":
            return "NRW"
        case "month":
            return facts.service_date.strftime("%Y-%m")
        case "zab":
            return facts.zab_id
        case "regierungsbezirk":
            return facts.regierungsbezirk_id
        case "abh":
            return facts.abh_id or "-"
        case "origin":
            return facts.origin
        case "purpose":
            return facts.purpose
        case _:
            return facts.nationality


def _labels(session: Session, breakdown: str, facts: Iterable[RequestFacts]) -> _Labeller:
    names: dict[str, str] = {}
    if breakdown == "zab":
        names = {z.id: z.name for z in session.exec(select(Zab))}
    elif breakdown == "regierungsbezirk":
        names = {r.id: r.name for r in session.exec(select(Regierungsbezirk))}
    elif breakdown == "abh":
        wanted = {f.abh_id for f in facts if f.abh_id}
        names = {a.id: a.name for a in session.exec(select(Abh).where(col(Abh.id).in_(wanted)))}
        names["-"] = "ohne ABH (Landeseinrichtung)"
    elif breakdown == "origin":
        names = ORIGIN_LABELS
    elif breakdown == "purpose":
        names = PURPOSE_LABELS
    elif breakdown == "total":
        names = {"NRW": "Nordrhein-Westfalen"}
    return _Labeller(names, nationality=breakdown == "nationality")


@dataclass(frozen=True, slots=True)
class _Labeller:
    names: dict[str, str]
    nationality: bool

    def __call__(self, key: str) -> str:
        if self.nationality:
            return f"{key} {country_name(key)}"
        return self.names.get(key, key)


def cancel_reason_label(code: str) -> str:
    return CANCEL_REASONS.get(code) or reason_label(code) or code
