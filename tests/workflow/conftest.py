"""A small two-ZAB day: Essen has one crew for two simultaneous trips, Köln a spare crew."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM
from ltrako.planning.scenario import import_scenario
from tests.factories import request_body, two_zab_day

DAY = dt.date(2026, 11, 25)
PLANS = "/api/v1/plans"
REQUESTS = "/api/v1/transport-requests"
ESSEN_ABH = {"abh": "ABH-05113"}
ESSEN = {"zab": "ZAB-E"}
KOELN = {"zab": "ZAB-K"}


@pytest.fixture
def day(runtime: Runtime) -> dt.date:
    """Fleet and roster of 25.11.2026: one vehicle and two escorts each in Essen and Köln."""
    scenario = two_zab_day(DAY)
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
