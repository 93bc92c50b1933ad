"""The tour type (DayTour): pure conversions rows ↔ planner ↔ tour, committed vs proposed, and
plans that break a rule of the exchange format are never stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from ltrako.core.db import transaction
from ltrako.core.errors import PlanInvalid
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import PlanVersion, RestplatzOffer, RunStatus
from ltrako.models import Tour as TourRow
from ltrako.planning import convert, dayplan, restplatz
from ltrako.planning.tour import DayTour, TourState, keeps_commitment, with_state
from planner import model as pm
from planner.clock import Clock as DayClock
from planner.params import SolveParams
from tests.workflow.conftest import DAY

BERLIN = "Europe/Berlin"
DISPATCHER = Principal("disponent-e", Role.ZAB, zab_id="ZAB-E")
H = 3600


def planned(day: dt.date = DAY, *, requests: tuple[str, ...] = ("R1",), start_h: int = 6) -> pm.Tour:
    """A planner tour: pickup and dropoff of each request in turn, one hour apart, a break last."""
    stops, t = [], start_h * H
    for r in requests:
        stops.append(pm.Stop(pm.StopType.PICKUP, r, "A", t, t, t + 600))
        stops.append(pm.Stop(pm.StopType.DROPOFF, r, "B", t + H, t + H, t + H + 600))
        t += 2 * H
    stops.append(pm.Stop(pm.StopType.BREAK, None, "B", t, t, t + 1800))
    return pm.Tour("E-V1", ("E-E02", "E-E01"), start_h * H - 900, t + 1800, tuple(stops))


def test_a_planner_tour_keeps_its_times_through_the_tour_type_and_rows() -> None:
    """pm.Tour → DayTour → rows → DayTour → pm.Tour gives back the same tour (crew sorted)."""
    clock = DayClock(DAY, BERLIN)
    tour = convert.day_tour(planned(), clock)
    assert tour.escorts == ("E-E01", "E-E02") and tour.state is TourState.PROPOSED
    assert tour.start == dt.datetime(2026, 11, 25, 5, 45, tzinfo=ZoneInfo(BERLIN))
    row = TourRow(id=7, day=DAY, vehicle_id=tour.vehicle, is_committed=True, revision=3)
    row.start, row.end = tour.start, tour.end
    stops = convert.stop_rows(7, tour)
    crew = [e.escort_id for e in convert.escort_rows(7, DAY, tour)]
    back = convert.committed_tour(row, crew, list(reversed(stops)))  # order comes from `seq`
    assert back.state is TourState.COMMITTED and (back.tour_id, back.revision) == (7, 3)
    assert back.stops == tour.stops and back.escorts == tour.escorts
    assert convert.planner_tour(back, clock) == dataclasses.replace(planned(), escorts=("E-E01", "E-E02"))
    assert convert.locked_of(back) == pm.LockedTour(
        "E-V1",
        ("E-E01", "E-E02"),
        (pm.LockedStop("R1", pm.StopType.PICKUP), pm.LockedStop("R1", pm.StopType.DROPOFF)),
    )


def test_seconds_count_elapsed_time_on_a_daylight_saving_day() -> None:
    """On 28.03.2027 (23 hours) 05:00 local is 4 h after midnight, and back again."""
    day = dt.date(2027, 3, 28)
    clock = DayClock(day, BERLIN)
    tour = convert.day_tour(planned(day, start_h=4), clock)
    assert tour.stops[0].start == dt.datetime(2027, 3, 28, 5, 0, tzinfo=ZoneInfo(BERLIN))
    assert convert.planner_tour(tour, clock).stops[0].start == 4 * H


def test_a_proposal_is_the_committed_tour_only_when_it_carries_exactly_its_stops() -> None:
    """The committed tour's own times show; a proposal that adds a request stays proposed."""
    clock = DayClock(DAY, BERLIN)
    committed = dataclasses.replace(
        convert.day_tour(planned(), clock), state=TourState.COMMITTED, tour_id=1, revision=1
    )
    same_later = convert.day_tour(planned(start_h=7), clock)
    shown = with_state(same_later, {committed.key: committed})
    assert shown.committed and shown.start == committed.start and shown.tour_id == 1
    extended = convert.day_tour(planned(requests=("R1", "R2")), clock)
    assert keeps_commitment(committed, extended)
    assert with_state(extended, {committed.key: committed}).state is TourState.PROPOSED
    reordered = DayTour(
        committed.vehicle, committed.escorts, committed.start, committed.end, tuple(reversed(committed.stops))
    )
    assert not keeps_commitment(committed, reordered)
    other_crew = dataclasses.replace(extended, escorts=("E-E03",))
    assert with_state(other_crew, {committed.key: committed}).state is TourState.PROPOSED


def _unknown_vehicle(scenario: pm.Scenario, _params: SolveParams) -> pm.Plan:
    """A broken planner: it serves the first request with a vehicle the day does not have."""
    r = scenario.requests[0]
    clock_start = r.pickup.earliest
    stops = (
        pm.Stop(pm.StopType.PICKUP, r.id, r.pickup.location, clock_start, clock_start, clock_start + 60),
        pm.Stop(
            pm.StopType.DROPOFF, r.id, r.dropoff.location, clock_start + H, clock_start + H, clock_start + H
        ),
    )
    tour = pm.Tour("NO-SUCH-VEHICLE", ("E-E01",), clock_start, clock_start + H, stops)
    return pm.Plan(scenario.date, (tour,), (), pm.PlanStats(1, 0, 1.0, 0.0))


def test_a_plan_that_breaks_a_rule_is_not_stored(runtime: Runtime, submit: Callable[[str], str]) -> None:
    """plan_day refuses the broken plan (German, no personal data) and stores no version."""
    submit("E-2026-0001")
    with pytest.raises(PlanInvalid, match="Regel"):
        dayplan.plan_day(runtime, DISPATCHER, day=DAY, zab_id=None, solver=_unknown_vehicle)
    with transaction(runtime.sessions) as session:
        assert session.exec(select(func.count()).select_from(PlanVersion)).one() == 0


def test_a_restplatz_run_with_a_broken_plan_offers_nothing(
    runtime: Runtime, submit: Callable[[str], str]
) -> None:
    """The pool is re-planned by a broken planner: the run fails with the reason, no offer is made."""
    request_id = submit("E-2026-0001")
    with transaction(runtime.sessions) as session:
        dayplan.reject_request(
            session, DISPATCHER, request_id=request_id, reason=dayplan.RejectReason.NO_STAFF
        )
    run = restplatz.run_pool(runtime, DAY, actor=Principal("op", Role.ADMIN), solver=_unknown_vehicle)
    assert run is not None and run.status is RunStatus.FAILED and "Regel" in (run.error or "")
    with transaction(runtime.sessions) as session:
        assert session.exec(select(func.count()).select_from(RestplatzOffer)).one() == 0
