"""Import and export of planning days: lossless round trips, and nothing stored on bad input."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import func, select

from fixtures.demo_day import generate_day
from ltrako.core.db import transaction
from ltrako.core.errors import InvalidInput
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM
from ltrako.models import EscortShift, Location, RequestStatus, TransportRequest
from ltrako.planning.scenario import export_scenario, import_scenario
from planner.model import LockedStop, LockedTour, MatrixTravel, Scenario, StopType, StopWindow
from tests.factories import DAY, H


def _canonical(s: Scenario) -> Scenario:
    """Sections sorted by id, locked escorts sorted: the export's order."""
    return dataclasses.replace(
        s,
        locations=tuple(sorted(s.locations, key=lambda x: x.id)),
        vehicles=tuple(sorted(s.vehicles, key=lambda x: x.id)),
        escorts=tuple(sorted(s.escorts, key=lambda x: x.id)),
        requests=tuple(sorted(s.requests, key=lambda x: x.id)),
        locked=tuple(
            sorted(
                (dataclasses.replace(t, escorts=tuple(sorted(t.escorts))) for t in s.locked),
                key=lambda t: t.vehicle,
            )
        ),
    )


def _round_trip(runtime: Runtime, scenario: Scenario) -> Scenario:
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=scenario, actor=SYSTEM)
    with transaction(runtime.sessions) as session:
        return export_scenario(
            session, day=scenario.date, timezone="UTC", travel=runtime.travel, cross_zab=scenario.cross_zab
        )


def _rich_day() -> Scenario:
    """A demo day with a locked tour, a vehicle out of its usual hours, a night shift and a matrix."""
    scenario = generate_day(DAY, requests=25).scenario
    r0, r1 = scenario.requests[0], scenario.requests[1]
    vehicle = next(v for v in scenario.vehicles if v.zab == r0.zab)
    crew = tuple(e.id for e in scenario.escorts if e.zab == r0.zab)[:2]
    vehicles = tuple(
        dataclasses.replace(v, available_from=2 * H, available_until=26 * H) if v.id == vehicle.id else v
        for v in scenario.vehicles
    )
    escorts = tuple(
        dataclasses.replace(e, shift_start=20 * H, shift_end=29 * H) if e.id == scenario.escorts[-1].id else e
        for e in scenario.escorts
    )
    late = dataclasses.replace(r1, max_ride_min=None, pickup=StopWindow(r1.pickup.location, -H, 23 * H, 0))
    ids = tuple(loc.id for loc in scenario.locations)
    n = len(ids)
    travel = MatrixTravel(
        ids=ids,
        seconds=tuple(tuple(0 if i == j else 600 + 7 * (i + 2 * j) for j in range(n)) for i in range(n)),
        meters=tuple(tuple(0 if i == j else 9000 + 101 * (2 * i + j) for j in range(n)) for i in range(n)),
    )
    return dataclasses.replace(
        scenario,
        travel=travel,
        vehicles=vehicles,
        escorts=escorts,
        requests=(r0, late, *scenario.requests[2:]),
        locked=(
            LockedTour(
                vehicle.id, crew, (LockedStop(r0.id, StopType.PICKUP), LockedStop(r0.id, StopType.DROPOFF))
            ),
        ),
    )


def test_import_then_export_is_lossless_for_a_demo_day(runtime: Runtime) -> None:
    """Every field of a generated day comes back from the database unchanged."""
    scenario = generate_day(DAY, requests=30).scenario
    assert _round_trip(runtime, scenario) == _canonical(scenario)


def test_import_then_export_is_lossless_with_locks_matrix_and_night_shifts(runtime: Runtime) -> None:
    """Locked tours, matrix travel, availability overrides and times past midnight survive."""
    scenario = _rich_day()
    assert _round_trip(runtime, scenario) == _canonical(scenario)
    with transaction(runtime.sessions) as session:
        locked = session.get(TransportRequest, scenario.requests[0].id)
        assert locked is not None and locked.status == RequestStatus.ACCEPTED


def test_reimport_replaces_the_day_instead_of_adding_to_it(runtime: Runtime) -> None:
    """Importing the same day twice, the second time with fewer escorts, leaves the second roster."""
    scenario = generate_day(DAY, requests=10).scenario
    smaller = dataclasses.replace(scenario, escorts=scenario.escorts[:5])
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=scenario, actor=SYSTEM)
    assert _round_trip(runtime, smaller) == _canonical(smaller)


def test_invalid_import_stores_nothing(runtime: Runtime) -> None:
    """A scenario with an unknown ZAB and an inverted window is refused whole; no row is written."""
    scenario = generate_day(DAY, requests=10).scenario
    bad_request = dataclasses.replace(
        scenario.requests[0],
        zab="ZAB-XY",
        dropoff=dataclasses.replace(
            scenario.requests[0].dropoff, latest=scenario.requests[0].dropoff.earliest - 60
        ),
    )
    broken = dataclasses.replace(scenario, requests=(bad_request, *scenario.requests[1:]))
    with transaction(runtime.sessions) as session:
        before = (session.exec(select(func.count()).select_from(Location)).one(),)
    with pytest.raises(InvalidInput) as caught, transaction(runtime.sessions) as session:
        import_scenario(session, scenario=broken, actor=SYSTEM)
    assert {"requests[0].zab", "requests[0].dropoff.latest"} <= {p.field for p in caught.value.problems}
    with transaction(runtime.sessions) as session:
        assert session.exec(select(func.count()).select_from(TransportRequest)).one() == 0
        assert session.exec(select(func.count()).select_from(EscortShift)).one() == 0
        assert (session.exec(select(func.count()).select_from(Location)).one(),) == before


def test_export_for_one_zab_holds_only_its_fleet_and_requests(runtime: Runtime) -> None:
    """A first-pass export for ZAB Essen has only Essen's vehicles, staff and requests."""
    scenario = generate_day(DAY, requests=40).scenario
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=scenario, actor=SYSTEM)
        essen = export_scenario(
            session, day=DAY, timezone="Europe/Berlin", travel=runtime.travel, zab_id="ZAB-E"
        )
    assert essen.requests and {r.zab for r in essen.requests} == {"ZAB-E"}
    assert {v.zab for v in essen.vehicles} == {"ZAB-E"} and {e.zab for e in essen.escorts} == {"ZAB-E"}
    assert len(essen.requests) == sum(r.zab == "ZAB-E" for r in scenario.requests)
