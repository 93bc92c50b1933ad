"""The planner on small scenarios with known answers; every plan must pass the validator."""

from __future__ import annotations

import dataclasses

import pytest

from planner import solve as solve_module
from planner.model import (
    Escort,
    LocationKind,
    LockedStop,
    LockedTour,
    Plan,
    Scenario,
    StopType,
    UnassignedReason,
    Vehicle,
)
from planner.params import SolveParams
from planner.solve import solve
from planner.validate import validate
from tests.factories import H, location, request, tiny_scenario

FAST = SolveParams(time_limit_s=2, solution_limit=200, workers=1)


def planned(scenario: Scenario, params: SolveParams = FAST) -> Plan:
    plan = solve(scenario, params)
    assert validate(scenario, plan) == []
    return plan


def _reason(plan: Plan, request: str) -> UnassignedReason | None:
    return next((u.reason for u in plan.unassigned if u.request == request), None)


def test_tiny_scenario_is_served_with_a_trimmed_crew() -> None:
    """One request, one vehicle, two escorts: served, crew of two, times inside the windows."""
    plan = planned(tiny_scenario())
    assert plan.stats.served == 1 and plan.unassigned == ()
    tour = plan.tours[0]
    assert tour.vehicle == "E-V1" and sorted(tour.escorts) == ["E-E01", "E-E02"]
    assert plan.stats.km > 0


def test_female_escort_is_on_board_when_requested() -> None:
    """A request that needs a woman rides with the woman of the day's staff."""
    s = tiny_scenario(
        escorts=(
            Escort("E-E01", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("E-E03", "ZAB-E", "f", (), 5 * H, 15 * H),
            Escort("E-E04", "ZAB-E", "m", (), 5 * H, 15 * H),
        ),
        requests=(request("R-1", requires_female_escort=True),),
    )
    plan = planned(s)
    assert plan.stats.served == 1
    assert "E-E03" in plan.tours[0].escorts


def test_unservable_requests_get_the_specific_reason() -> None:
    """No wheelchair vehicle, no woman on duty, a window that cannot be met: each gets its reason."""
    s = tiny_scenario(
        escorts=(
            Escort("E-E01", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 15 * H),
        ),
        requests=(
            request("R-wheel", wheelchair=True),
            request("R-woman", requires_female_escort=True),
            request("R-late", drop=(6 * H, 6 * H + 10 * 60)),
            request("R-ok", pick=(10 * H, 11 * H), drop=(11 * H, 13 * H)),
        ),
    )
    plan = planned(s)
    assert _reason(plan, "R-wheel") is UnassignedReason.NO_WHEELCHAIR_VEHICLE
    assert _reason(plan, "R-woman") is UnassignedReason.NO_QUALIFIED_ESCORT
    assert _reason(plan, "R-late") is UnassignedReason.TIME_WINDOW
    assert _reason(plan, "R-ok") is None
    late = next(u for u in plan.unassigned if u.request == "R-late")
    assert "Fahrzeit" in late.detail and "allein nicht erreichbar" in late.detail


def test_infeasible_alone_only_when_true() -> None:
    """Outside every shift the request is infeasible alone; with a late shift it is served."""
    evening = request("R-eve", pick=(19 * H, 20 * H), drop=(20 * H, 21 * H))
    plan = planned(tiny_scenario(requests=(evening,)))
    assert _reason(plan, "R-eve") is UnassignedReason.INFEASIBLE_ALONE
    late_staff = tuple(
        dataclasses.replace(e, shift_start=14 * H, shift_end=23 * H) for e in tiny_scenario().escorts
    )
    assert planned(tiny_scenario(requests=(evening,), escorts=late_staff)).stats.served == 1


def test_one_higher_priority_outweighs_any_number_of_lower_ones() -> None:
    """One crew, one slot: the priority-5 request wins against two compatible priority-4 ones."""
    slot = dict(pick=(6 * H, 6 * H + 600), drop=(7 * H, 7 * H + 600))
    high = request("R-high", priority=5, persons=1, escorts_required=2, **slot)
    low_a = request("R-low-a", priority=4, persons=1, escorts_required=1, **slot)
    low_b = request("R-low-b", priority=4, persons=1, escorts_required=1, **slot)
    # R-low-a and R-low-b fit together (1 + 1 escorts), R-high only alone (2 escorts).
    plan = planned(tiny_scenario(requests=(low_a, low_b, high)))
    served = {s.request for t in plan.tours for s in t.stops if s.request}
    assert served == {"R-high"}
    assert {u.request for u in plan.unassigned} == {"R-low-a", "R-low-b"}
    assert all(u.reason is UnassignedReason.NO_CAPACITY for u in plan.unassigned)


def test_locked_tour_keeps_vehicle_crew_and_order_and_takes_insertions() -> None:
    """A committed tour stays on its vehicle with its crew; a new request can be added to it."""
    second = request("R-2", pick=(9 * H, 10 * H), drop=(10 * H, 12 * H))
    locked = LockedTour(
        "E-V1", ("E-E01", "E-E02"), (LockedStop("R-1", StopType.PICKUP), LockedStop("R-1", StopType.DROPOFF))
    )
    s = tiny_scenario(requests=(tiny_scenario().requests[0], second), locked=(locked,))
    plan = planned(s)
    assert plan.stats.served == 2
    tour = plan.tours[0]
    assert tour.vehicle == "E-V1" and sorted(tour.escorts) == ["E-E01", "E-E02"]
    order = [(st.request, st.type) for st in tour.stops if st.request == "R-1"]
    assert order == [("R-1", StopType.PICKUP), ("R-1", StopType.DROPOFF)]


def test_locked_tour_that_cannot_be_kept_is_reported_as_locked_conflict() -> None:
    """A committed crew whose shift no longer covers the tour: locked_conflict, no exception."""
    staff = (dataclasses.replace(tiny_scenario().escorts[0], shift_end=6 * H), tiny_scenario().escorts[1])
    locked = LockedTour(
        "E-V1", ("E-E01", "E-E02"), (LockedStop("R-1", StopType.PICKUP), LockedStop("R-1", StopType.DROPOFF))
    )
    plan = planned(tiny_scenario(escorts=staff, locked=(locked,)))
    assert _reason(plan, "R-1") is UnassignedReason.LOCKED_CONFLICT


def two_zabs(cross_zab: bool) -> Scenario:
    """ZAB Köln has a request but no staff on duty; ZAB Essen has a free crew."""
    base = tiny_scenario()
    koeln = location("ZAB-K", 50.94013, 7.00605, LocationKind.ZAB)
    return dataclasses.replace(
        base,
        cross_zab=cross_zab,
        locations=(*base.locations, koeln),
        vehicles=(*base.vehicles, Vehicle("K-V1", "ZAB-K", "ZAB-K", 9, False, 4 * H, 23 * H)),
        requests=(request("R-K", zab="ZAB-K"),),
    )


def test_restplatzboerse_pass_lets_another_zab_drive() -> None:
    """First pass: Köln's request stays open; Restplatzbörse pass: Essen's crew takes it."""
    first = planned(two_zabs(False))
    assert _reason(first, "R-K") is UnassignedReason.NO_QUALIFIED_ESCORT
    second = planned(two_zabs(True))
    assert second.stats.served == 1 and second.tours[0].vehicle == "E-V1"


def test_search_failure_keeps_committed_tours_and_loses_no_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the search crashes, committed tours stand and all other requests are listed, valid."""

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(solve_module, "solve_routing", boom)
    second = request("R-2", pick=(9 * H, 10 * H), drop=(10 * H, 12 * H))
    locked = LockedTour(
        "E-V1", ("E-E01", "E-E02"), (LockedStop("R-1", StopType.PICKUP), LockedStop("R-1", StopType.DROPOFF))
    )
    s = tiny_scenario(requests=(tiny_scenario().requests[0], second), locked=(locked,))
    plan = planned(s)
    assert plan.stats.served == 1 and plan.tours[0].vehicle == "E-V1"
    assert _reason(plan, "R-2") is UnassignedReason.OTHER


def test_parallel_first_pass_over_several_zabs_is_valid() -> None:
    """Two ZABs solved in two processes give one valid plan serving both."""
    base = tiny_scenario()
    koeln = location("ZAB-K", 50.94013, 7.00605, LocationKind.ZAB)
    s = dataclasses.replace(
        base,
        locations=(*base.locations, koeln),
        vehicles=(*base.vehicles, Vehicle("K-V1", "ZAB-K", "ZAB-K", 9, False, 4 * H, 23 * H)),
        escorts=(
            *base.escorts,
            Escort("K-E01", "ZAB-K", "m", (), 5 * H, 15 * H),
            Escort("K-E02", "ZAB-K", "f", (), 5 * H, 15 * H),
        ),
        requests=(*base.requests, request("R-K", zab="ZAB-K")),
    )
    plan = planned(s, SolveParams(time_limit_s=4, solution_limit=100, workers=2))
    assert plan.stats.served == 2
    assert {t.vehicle for t in plan.tours} == {"E-V1", "K-V1"}
