"""Durchbeförderung detection on itineraries (Directive 2003/110/EC) and the CLI check."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from ltrako.core.errors import InvalidInput
from zfa.itinerary import read_itinerary
from zfa.transit import TransitBasis, TransitRules, transits

BERLIN = dt.timezone(dt.timedelta(hours=1))
BOOKED = dt.datetime(2026, 11, 28, 10, tzinfo=BERLIN)


def leg(origin: str, destination: str, departure: str, arrival: str) -> dict[str, Any]:
    return {"from": origin, "to": destination, "departure": departure, "arrival": arrival}


def test_a_direct_flight_needs_nothing() -> None:
    itinerary = read_itinerary([leg("DUS", "TIA", "2026-12-01T07:00", "2026-12-01T09:30")])
    assert transits(itinerary, BOOKED) == []


def test_a_connection_via_paris_needs_a_request_to_france_two_days_ahead() -> None:
    itinerary = read_itinerary(
        [
            leg("DUS", "CDG", "2026-12-01T07:00", "2026-12-01T08:20"),
            leg("CDG", "ALG", "2026-12-01T10:30", "2026-12-01T12:10"),
        ]
    )
    (paris,) = transits(itinerary, BOOKED)
    assert (paris.airport, paris.country, paris.basis) == ("CDG", "FR", TransitBasis.DIRECTIVE)
    assert paris.arrival.isoformat() == "2026-12-01T08:20:00+01:00"
    assert paris.request_due.isoformat() == "2026-11-29T08:20:00+01:00"  # Art. 4(1): 2 days before
    assert paris.transit_minutes == 130 and not paris.late and not paris.too_long
    late = transits(itinerary, dt.datetime(2026, 11, 29, 8, 21, tzinfo=BERLIN))[0]
    on_time = transits(itinerary, dt.datetime(2026, 11, 29, 8, 20, tzinfo=BERLIN))[0]
    assert late.late and not on_time.late


def test_a_non_eu_hub_needs_bilateral_clearance() -> None:
    itinerary = read_itinerary(
        [
            leg("DUS", "IST", "2026-12-01T10:00", "2026-12-01T14:10"),
            leg("IST", "KBL", "2026-12-01T20:00", "2026-12-02T03:30"),
        ]
    )
    (istanbul,) = transits(itinerary, BOOKED)
    assert istanbul.country == "TR" and istanbul.basis is TransitBasis.BILATERAL
    assert istanbul.arrival.utcoffset() == dt.timedelta(hours=3)  # Istanbul local time


def test_domestic_connections_and_stops_in_the_destination_state_need_none() -> None:
    via_frankfurt = read_itinerary(
        [
            leg("DUS", "FRA", "2026-12-01T06:00", "2026-12-01T06:50"),
            leg("FRA", "LOS", "2026-12-01T10:00", "2026-12-01T16:30"),
        ]
    )
    assert transits(via_frankfurt, BOOKED) == []
    inside_turkey = read_itinerary(
        [
            leg("DUS", "IST", "2026-12-01T10:00", "2026-12-01T14:10"),
            leg("IST", "ESB", "2026-12-01T16:00", "2026-12-01T17:10"),
        ]
    )
    assert transits(inside_turkey, BOOKED) == []


def test_a_layover_over_24_hours_and_a_refusing_state_are_flagged() -> None:
    itinerary = read_itinerary(
        [
            leg("DUS", "AMS", "2026-12-01T07:00", "2026-12-01T08:00"),
            leg("AMS", "LOS", "2026-12-02T08:01", "2026-12-02T15:00"),
        ]
    )
    (amsterdam,) = transits(itinerary, BOOKED)
    assert amsterdam.too_long and amsterdam.transit_minutes == 24 * 60 + 1
    refusing = dataclasses.replace(TransitRules(), refusing_states=frozenset({"NL"}))
    assert transits(itinerary, BOOKED, refusing)[0].refused


@pytest.mark.parametrize(
    ("legs", "field"),
    [
        ([leg("DUS", "XQZ", "2026-12-01T07:00", "2026-12-01T08:00")], "legs[0].to"),
        ([leg("DUS", "CDG", "2026-12-01T07:00", "2026-12-01T06:00")], "legs[0].arrival"),
        (
            [
                leg("DUS", "CDG", "2026-12-01T07:00", "2026-12-01T08:20"),
                leg("ORY", "ALG", "2026-12-01T10:00", "2026-12-01T12:00"),
            ],
            "legs[1].from",
        ),
        (
            [
                leg("DUS", "CDG", "2026-12-01T07:00", "2026-12-01T08:20"),
                leg("CDG", "ALG", "2026-12-01T08:00", "2026-12-01T10:00"),
            ],
            "legs[1].departure",
        ),
    ],
)
def test_bad_itineraries_name_the_field(legs: list[dict[str, Any]], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_itinerary(legs)
    assert field in [p.field for p in caught.value.problems]


def test_cli_check_prints_the_transits_as_json(tmp_path: Path) -> None:
    path = tmp_path / "itinerary.json"
    path.write_text(
        json.dumps(
            {
                "legs": [
                    leg("DUS", "CDG", "2026-12-01T07:00", "2026-12-01T08:20"),
                    leg("CDG", "ALG", "2026-12-01T10:30", "2026-12-01T12:10"),
                ],
                "escorted": True,
                "booked_at": "2026-11-30T10:00:00+01:00",
            }
        )
    )
    result = CliRunner().invoke(app, ["zfa", "check", str(path)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["transit_required"] is True
    assert {k: answer["transits"][0][k] for k in ("airport", "country", "basis", "late", "request_due")} == {
        "airport": "CDG",
        "country": "FR",
        "basis": "directive_2003_110",
        "late": True,
        "request_due": "2026-11-29T08:20:00+01:00",
    }
    path.write_text(json.dumps({"legs": [leg("DUS", "ZZZ", "2026-12-01T07:00", "2026-12-01T08:00")]}))
    bad = CliRunner().invoke(app, ["zfa", "check", str(path)])
    assert bad.exit_code == 2 and "legs[0].to" in bad.output
