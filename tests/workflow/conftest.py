"""A small two-ZAB day: Essen has one crew for two simultaneous trips, Köln a spare crew."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ltrako.convert import import_scenario
from ltrako.db import transaction
from ltrako.runtime import Runtime
from ltrako.security import SYSTEM
from planner.model import Escort, LocationKind, Vehicle
from tests.factories import H, location, request_body, tiny_scenario

DAY = dt.date(2026, 11, 25)
PLANS = "/api/v1/plans"
REQUESTS = "/api/v1/transport-requests"
ESSEN_ABH = {"abh": "ABH-05113"}
ESSEN = {"zab": "ZAB-E"}
KOELN = {"zab": "ZAB-K"}


@pytest.fixture
def day(runtime: Runtime) -> dt.date:
    """Fleet and roster of 25.11.2026: one vehicle and two escorts each in Essen and Köln."""
    scenario = dataclasses.replace(
        tiny_scenario(),
        date=DAY,
        locations=(*tiny_scenario().locations, location("ZAB-K", 50.94013, 7.00605, LocationKind.ZAB)),
        vehicles=(
            Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 5 * H, 22 * H),
            Vehicle("K-V1", "ZAB-K", "ZAB-K", 9, False, 5 * H, 22 * H),
        ),
        escorts=(
            Escort("E-E01", "ZAB-E", "f", ("medical",), 5 * H, 15 * H),
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("K-E01", "ZAB-K", "f", (), 5 * H, 15 * H),
            Escort("K-E02", "ZAB-K", "m", (), 5 * H, 15 * H),
        ),
        requests=(),
    )
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=scenario, actor=SYSTEM)
    return DAY


@pytest.fixture
def submit(client: TestClient, auth: Callable[..., dict[str, str]], day: dt.date) -> Callable[[str], str]:
    """ABH Essen submits a request (case ref `case`) to DUS on the day; returns its id."""

    def one(case: str) -> str:
        body = request_body(persons=[{"case_ref": case, "nationality": "ALB", "gender": "m"}])
        response = client.post(REQUESTS, json=body, headers=auth("abh", **ESSEN_ABH))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    return one
