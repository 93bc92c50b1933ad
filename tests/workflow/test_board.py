"""The Tagesplan tells committed from proposed and blocked, and drops proposals the day overtook."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Flight, FlightKind, RequestStatus, TransitRequest, TransportRequest
from ltrako.planning import board, dayplan
from ltrako.planning.tours import save_committed
from ltrako.requests import lifecycle
from tests.factories import request_body
from tests.jobs import planned
from tests.workflow.conftest import DAY, ESSEN, ESSEN_ABH, PLANS, REQUESTS

Auth = Callable[..., dict[str, str]]
DISPATCHER = Principal("dispo-essen", Role.ZAB, zab_id="ZAB-E")


def _plan(client: TestClient, auth: Auth) -> dict[str, object]:
    response = client.post(PLANS, json={"day": str(DAY), "time_limit_s": 3}, headers=auth("zab", **ESSEN))
    return planned(client, response)


def _page(client: TestClient, auth: Auth) -> str:
    token = auth("zab", **ESSEN)["Authorization"].removeprefix("Bearer ")
    client.cookies.set("ltrako_session", token)
    answer = client.get("/web/zab/tag", params={"day": str(DAY)})
    assert answer.status_code == 200, answer.text
    return answer.text


def _board(runtime: Runtime) -> board.Board:
    with transaction(runtime.sessions) as session:
        version = dayplan.versions_of(session, DISPATCHER, day=DAY, zab_id="ZAB-E")[-1]
        plan = dayplan.read_version(session, version, "Europe/Berlin")
        return board.day_board(session, plan, "ZAB-E")


def test_a_proposal_the_day_overtook_is_stale_and_the_committed_tour_shows_with_its_times(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    first, second = submit("E-2026-0001"), submit("E-2026-0002")
    version = _plan(client, auth)
    proposed = _board(runtime)
    assert [(t.committed, t.index) for t in proposed.tours] == [(False, 0)] and proposed.stale == 0
    on_tour = next(iter(proposed.tours[0].tour.requests))
    other = second if on_tour == first else first

    # Meanwhile a take-over commits the same crew and vehicle with the other request (an hour later).
    with transaction(runtime.sessions) as session:
        plan = dayplan.read_version(session, dayplan.get_version(session, DISPATCHER, version["id"]), "UTC")
        tour = plan.tours[0]
        shifted = dataclasses.replace(
            tour,
            start=tour.start + dt.timedelta(hours=1) if tour.start else None,
            end=tour.end + dt.timedelta(hours=1) if tour.end else None,
            stops=tuple(
                dataclasses.replace(s, request=other if s.request else None)
                for s in tour.stops
                if s.request is not None
            ),
        )
        lifecycle.claim(session, other, (RequestStatus.SUBMITTED,), RequestStatus.ACCEPTED, actor=DISPATCHER)
        save_committed(session, DAY, shifted, None)

    after = _board(runtime)
    assert after.stale == 1
    assert [(t.committed, t.index, t.tour.requests) for t in after.tours] == [(True, None, {other})]
    assert after.tours[0].tour.start == shifted.start  # the committed tour's times, not the proposal's
    page = _page(client, auth)
    assert "Tour T1 festlegen" not in page and "veraltet" in page and "festgelegt" in page
    assert "Transporter 9 Sitze (Nr. 1)" in page  # the vehicle by its name, the crew by theirs
    visible = re.sub(r"<[^>]+>", " ", page.split('id="tours-h"')[1].split("</table>")[0])
    assert "E-E01" not in visible and "Anna Becker" in visible  # ids only in the calendar links


def test_a_request_waiting_for_its_transit_is_marked_blocked(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    request_id = submit("E-2026-0001")
    with transaction(runtime.sessions) as session:
        flight = Flight(kind=FlightKind.SCHEDULED, destination_country="ALB")
        session.add(flight)
        session.flush()
        at = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
        session.add(
            TransitRequest(
                flight_id=flight.id or 0,
                airport="VIE",
                country="AT",
                basis="directive_2003_110",
                arrival=at,
                departure=at + dt.timedelta(hours=2),
                request_due=at - dt.timedelta(days=2),
            )
        )
        row = session.get(TransportRequest, request_id)
        assert row is not None
        row.flight_id = flight.id
        session.add(row)
    _plan(client, auth)
    seen = _board(runtime)
    blocked = [t for t in seen.tours if t.blocked] or []
    reasons = {**seen.blocked}
    assert "VIE" in reasons[request_id]
    assert blocked or request_id in {u.request for u in seen.unassigned}
    page = _page(client, auth)
    assert "nicht freigegeben" in page or "gesperrt" in page
    assert 'data-blocked="true"' in page


def test_a_new_proposal_on_a_vehicle_with_a_committed_tour_is_a_proposal_not_festgelegt(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    submit("E-2026-0001")
    version = _plan(client, auth)
    accepted = client.post(f"{PLANS}/{version['id']}/tours/0/accept", headers=auth("zab", **ESSEN))
    assert accepted.status_code == 200, accepted.text
    committed = _board(runtime).tours[0].tour
    assert committed.committed
    later = request_body(
        persons=[{"case_ref": "E-2026-0009", "nationality": "ALB", "gender": "m"}],
        pickup={
            "location": "ABH-05113",
            "earliest": "2026-11-25T10:00:00+01:00",
            "latest": "2026-11-25T11:00:00+01:00",
        },
        dropoff={
            "location": "AP-DUS",
            "earliest": "2026-11-25T11:00:00+01:00",
            "latest": "2026-11-25T13:00:00+01:00",
        },
    )
    assert client.post(REQUESTS, json=later, headers=auth("abh", **ESSEN_ABH)).status_code == 201
    _plan(client, auth)
    seen = _board(runtime)
    states = [
        (t.committed, t.tour.start == committed.start and t.tour.end == committed.end) for t in seen.tours
    ]
    assert (True, True) in states  # the committed tour, with its own times
    proposals = [t for t in seen.tours if not t.committed]
    assert proposals and all(t.index is not None for t in proposals)  # the new trip: a proposal
    assert [t.tour.requests for t in seen.tours if t.committed] == [committed.requests]
    page = _page(client, auth)
    assert page.count('data-state="committed"') == 1 and 'data-state="proposed"' in page
