"""ZFA and ZRK queues as pages (no browser needed): decide, download, details only for the ZRK."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM, Principal, Role
from ltrako.models import Flight
from ltrako.planning.demo import load_demo_day
from zfa import workflow

DAY = dt.date(2026, 11, 26)


def _login(client: TestClient, role: str, **claims: str) -> None:
    answer = client.post(
        "/web/login", data={"role": role, "name": f"t-{role}", **claims}, follow_redirects=False
    )
    assert answer.status_code == 303
    client.cookies.set("ltrako_session", answer.cookies["ltrako_session"])


def test_zfa_decides_a_transit_and_downloads_its_document(runtime: Runtime, client: TestClient) -> None:
    with transaction(runtime.sessions) as session:
        load_demo_day(
            session, day=DAY, requests=40, travel=runtime.travel, timezone="Europe/Berlin", actor=SYSTEM
        )
    with transaction(runtime.sessions) as session:
        zfa = Principal("t-zfa", Role.ZFA)
        transits = [
            t
            for f in session.exec(select(Flight.id)).all()
            for t in workflow.detect(session, zfa, flight_id=f or 0)
        ]
    assert transits, "the demo day has flights with a stop abroad"
    first = transits[0].id
    _login(client, "zfa")
    page = client.get("/web/zfa")
    assert page.status_code == 200 and f"Unterlagen {first}" in page.text
    done = client.post(f"/web/zfa/transits/{first}/submit")
    assert "gespeichert" in done.text
    approved = client.post(f"/web/zfa/transits/{first}/approve")
    assert "gespeichert" in approved.text
    twice = client.post(f"/web/zfa/transits/{first}/approve")
    assert 'role="alert"' in twice.text and "bewilligt" in twice.text
    document = client.get(f"/web/zfa/transits/{first}/document")
    assert document.headers["content-type"].startswith("application/json")
    assert json.loads(document.content)


def test_zrk_queue_is_for_the_zrk(runtime: Runtime, client: TestClient) -> None:
    with transaction(runtime.sessions) as session:
        load_demo_day(
            session, day=DAY, requests=40, travel=runtime.travel, timezone="Europe/Berlin", actor=SYSTEM
        )
    _login(client, "zab", zab="ZAB-E")
    refused = client.get("/web/zrk")
    assert refused.status_code == 403 and "Kein Zugriff" in refused.text
    _login(client, "zrk")
    page = client.get("/web/zrk")
    assert page.status_code == 200 and "Medizinische Inempfangnahmen" in page.text


def test_pages_need_a_login(client: TestClient) -> None:
    answer = client.get("/web/zab/tag", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/web/login"
    client.cookies.set("ltrako_session", "forged")
    forged = client.get("/web/abh", follow_redirects=False)
    assert forged.headers["location"] == "/web/login"
