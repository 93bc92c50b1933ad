"""Times leave the API as local time with their offset (issue 18, item 8): the service's zone for
its own instants, a transit airport's own zone for arrival and departure there."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient

from ltrako.core.clock import local_label, zone_label
from tests.factories import request_body

Auth = Callable[..., dict[str, str]]
API = "/api/v1"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(?P<zone>Z|[+-]\d\d:\d\d)?$")


def _instants(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _instants(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _instants(item, f"{path}[{i}]")
    elif isinstance(value, str) and ISO.match(value):
        yield path, value


def _offsets(body: Any) -> dict[str, str]:
    """Each instant's path and zone part (a missing zone shows as '')."""
    return {path: ISO.match(text).group("zone") or "" for path, text in _instants(body)}  # type: ignore[union-attr]


def test_api_instants_carry_the_local_offset_and_transits_the_airports(
    client: TestClient, auth: Auth
) -> None:
    abh = auth("abh", abh="ABH-05113")
    legs = [
        {
            "flight_number": "A3 711",
            "from": "DUS",
            "to": "ATH",
            "departure": "2026-11-25T13:30",
            "arrival": "2026-11-25T17:40",
        },
        {
            "flight_number": "A3 974",
            "from": "ATH",
            "to": "TIA",
            "departure": "2026-11-25T19:30",
            "arrival": "2026-11-25T20:00",
        },
    ]
    flight = client.post(f"{API}/flights", json={"legs": legs}, headers=auth("zfa"))
    assert flight.status_code == 201, flight.text
    person = {
        "case_ref": "E-2026-0600",
        "nationality": "ALB",
        "gender": "m",
        "requires_medical_reception": True,
    }
    made = client.post(
        f"{API}/transport-requests",
        json=request_body(persons=[person], flight_id=flight.json()["id"]),
        headers=abh,
    )
    assert made.status_code == 201, made.text
    bodies = {
        "request": made.json(),
        "requests": client.get(f"{API}/transport-requests", headers=abh).json(),
        "transits": client.get(f"{API}/zfa/transits", headers=auth("zfa")).json(),
        "zrk": client.get(f"{API}/zrk/cases", headers=auth("zrk")).json(),
        "notifications": client.get(f"{API}/notifications", headers=abh).json(),
        "job": client.post(
            f"{API}/jobs", json={"kind": "plan_day", "day": "2026-11-25"}, headers=auth("zab", zab="ZAB-E")
        ).json(),
    }
    found = {f"{name}{path}": zone for name, body in bodies.items() for path, zone in _offsets(body).items()}
    assert {p.split(".")[0].split("[")[0] for p in found} >= set(bodies) - {"notifications"}, found
    arrivals = {
        p: z for p, z in found.items() if p.endswith((".arrival", ".departure")) and p.startswith("transits")
    }
    assert arrivals and set(arrivals.values()) == {"+02:00"}, arrivals  # Athens, its own time
    others = {p: z for p, z in found.items() if p not in arrivals}
    assert others and set(others.values()) == {"+01:00"}, others  # Berlin in November
    (transit,) = bodies["transits"]
    assert transit["airport_timezone"] == "Europe/Athens"
    assert transit["arrival_label"] == "25.11.2026 17:40 (OEZ)"  # legs are booked in airport time


def test_zone_labels_name_the_zone_as_a_german_reader_expects() -> None:
    winter = dt.datetime(2026, 11, 20, 5, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 20, 4, 0, tzinfo=dt.UTC)
    assert local_label(winter, "Europe/Berlin") == "06:00 (MEZ)"
    assert local_label(summer, "Europe/Berlin") == "06:00 (MESZ)"
    assert local_label(winter, "Europe/Istanbul") == "08:00 (UTC+03:00)"
    assert zone_label(winter.astimezone(dt.timezone(dt.timedelta(hours=-3, minutes=-30)))) == "UTC-03:30"
