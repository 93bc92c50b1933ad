"""The independent validator: a valid plan passes, each rule broken on purpose is caught alone."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from planner.model import (
    Escort,
    LockedStop,
    LockedTour,
    Plan,
    PlanStats,
    Scenario,
    Stop,
    StopType,
    Tour,
    Unassigned,
    UnassignedReason,
)
from planner.travel import TravelMatrix
from planner.validate import validate
from tests.factories import DAY, H, tiny_scenario

MIN = 60


def valid_plan(
    scenario: Scenario, *, escorts: tuple[str, ...] = ("E-E01", "E-E02"), start: int = 6 * H
) -> Plan:
    """R-1 picked up at 06:00 in Essen (no approach: same place as the ZAB) and handed over at DUS."""
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    out = matrix.time("ZAB-E", "ABH-05113")
    leave = start - out
    pickup = Stop(StopType.PICKUP, "R-1", "ABH-05113", start, start, start + 20 * MIN)
    arrive = pickup.departure + matrix.time("ABH-05113", "AP-DUS")
    begin = max(arrive, 7 * H)
    dropoff = Stop(StopType.DROPOFF, "R-1", "AP-DUS", arrive, begin, begin + 30 * MIN)
    end = dropoff.departure + matrix.time("AP-DUS", "ZAB-E")
    tour = Tour("E-V1", escorts, leave, end, (pickup, dropoff))
    return Plan(DAY, (tour,), (), PlanStats(1, 0, 60.0, 0.1))


def _rules(scenario: Scenario, plan: Plan) -> set[int]:
    return {v.rule for v in validate(scenario, plan)}


def test_valid_plan_has_no_violations() -> None:
    """The hand-built plan of the tiny scenario is valid."""
    assert validate(tiny_scenario(), valid_plan(tiny_scenario())) == []


def _tour(plan: Plan, **changes: object) -> Plan:
    return dataclasses.replace(plan, tours=(dataclasses.replace(plan.tours[0], **changes),))


def _stops(plan: Plan, index: int, **changes: object) -> Plan:
    stops = list(plan.tours[0].stops)
    stops[index] = dataclasses.replace(stops[index], **changes)
    return _tour(plan, stops=tuple(stops))


def _request(scenario: Scenario, **changes: object) -> Scenario:
    return dataclasses.replace(scenario, requests=(dataclasses.replace(scenario.requests[0], **changes),))


def break_rule_1() -> tuple[Scenario, Plan]:
    """The request is driven and also listed as unassigned."""
    s = tiny_scenario()
    plan = valid_plan(s)
    return s, dataclasses.replace(plan, unassigned=(Unassigned("R-1", UnassignedReason.NO_CAPACITY),))


def break_rule_2() -> tuple[Scenario, Plan]:
    """The dropoff arrives ten minutes earlier than the drive allows."""
    s = tiny_scenario()
    plan = valid_plan(s)
    drop = plan.tours[0].stops[1]
    early = drop.arrival - 10 * MIN
    return s, _stops(plan, 1, arrival=early, start=max(early, 7 * H))


def break_rule_3() -> tuple[Scenario, Plan]:
    """The vehicle is only available from 06:30."""
    s = tiny_scenario()
    return dataclasses.replace(
        s, vehicles=(dataclasses.replace(s.vehicles[0], available_from=6 * H + 30 * MIN),)
    ), valid_plan(s)


def break_rule_4() -> tuple[Scenario, Plan]:
    """One escort's shift ends at 07:30, before the tour is back."""
    s = tiny_scenario()
    escorts = (s.escorts[0], dataclasses.replace(s.escorts[1], shift_end=7 * H + 30 * MIN))
    return dataclasses.replace(s, escorts=escorts), valid_plan(s)


def break_rule_5() -> tuple[Scenario, Plan]:
    """The tour is stretched to seven hours without any break."""
    s = tiny_scenario()
    plan = valid_plan(s)
    return s, _tour(plan, end=plan.tours[0].start + 7 * H)


def break_rule_6() -> tuple[Scenario, Plan]:
    """Two seats for one person and two escorts."""
    s = tiny_scenario()
    return dataclasses.replace(s, vehicles=(dataclasses.replace(s.vehicles[0], seats=2),)), valid_plan(s)


def break_rule_7() -> tuple[Scenario, Plan]:
    """The person needs three escorts, the crew has two."""
    s = _request(tiny_scenario(), escorts_required=3)
    return s, valid_plan(s)


def break_rule_8() -> tuple[Scenario, Plan]:
    """Medical escort requested, crew of two men without that qualification."""
    base = tiny_scenario()
    s = dataclasses.replace(
        _request(base, requires_medical_escort=True),
        escorts=(*base.escorts, Escort("E-E03", "ZAB-E", "m", (), 5 * H, 15 * H)),
    )
    return s, valid_plan(s, escorts=("E-E02", "E-E03"))


def break_rule_9() -> tuple[Scenario, Plan]:
    """A request of ZAB Köln in a vehicle of ZAB Essen on the first pass."""
    s = _request(tiny_scenario(), zab="ZAB-K")
    return s, valid_plan(s)


def break_rule_10() -> tuple[Scenario, Plan]:
    """The committed tour had one escort; the plan added a second."""
    s = tiny_scenario()
    locked = LockedTour(
        "E-V1", ("E-E01",), (LockedStop("R-1", StopType.PICKUP), LockedStop("R-1", StopType.DROPOFF))
    )
    return dataclasses.replace(s, locked=(locked,)), valid_plan(s)


def break_rule_11() -> tuple[Scenario, Plan]:
    """At most 10 minutes in the vehicle, the drive alone takes longer."""
    s = _request(tiny_scenario(), max_ride_min=10)
    return s, valid_plan(s)


BREAKERS: dict[int, Callable[[], tuple[Scenario, Plan]]] = {
    1: break_rule_1,
    2: break_rule_2,
    3: break_rule_3,
    4: break_rule_4,
    5: break_rule_5,
    6: break_rule_6,
    7: break_rule_7,
    8: break_rule_8,
    9: break_rule_9,
    10: break_rule_10,
    11: break_rule_11,
}


@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_each_rule_broken_alone_is_caught_alone(rule: int) -> None:
    """Breaking exactly one rule is reported as exactly that rule."""
    scenario, plan = BREAKERS[rule]()
    assert _rules(scenario, plan) == {rule}


def test_validator_collects_every_violation() -> None:
    """With two rules broken at once, both are reported."""
    s = _request(tiny_scenario(), escorts_required=3, max_ride_min=10)
    assert _rules(s, valid_plan(s)) == {7, 11}


def test_break_of_thirty_minutes_makes_a_seven_hour_tour_valid() -> None:
    """A 30-minute break stop inside a 7-hour tour satisfies the working-time rule."""
    s = tiny_scenario()
    plan = valid_plan(s)
    tour = plan.tours[0]
    drop = tour.stops[1]
    pause = Stop(StopType.BREAK, None, "AP-DUS", drop.departure, drop.departure, drop.departure + 30 * MIN)
    stretched = _tour(plan, stops=(*tour.stops, pause), end=tour.start + 7 * H)
    assert validate(s, stretched) == []
    short_pause = dataclasses.replace(pause, departure=pause.start + 10 * MIN)
    assert _rules(s, _tour(plan, stops=(*tour.stops, short_pause), end=tour.start + 7 * H)) == {5}


def test_unassigned_request_with_reason_is_valid() -> None:
    """Leaving a request out with a reason is a valid plan."""
    s = tiny_scenario()
    plan = Plan(DAY, (), (Unassigned("R-1", UnassignedReason.NO_CAPACITY, "x"),), PlanStats(0, 1, 0.0, 0.0))
    assert validate(s, plan) == []
    assert _rules(s, dataclasses.replace(plan, unassigned=())) == {1}


def test_one_vehicle_cannot_drive_two_tours_at_once() -> None:
    """Two overlapping tours of the same vehicle are caught (rule 3)."""
    s = tiny_scenario()
    plan = valid_plan(s)
    second = dataclasses.replace(plan.tours[0], escorts=("E-E02",), stops=())
    first = dataclasses.replace(plan.tours[0], escorts=("E-E01",))
    assert 3 in _rules(s, dataclasses.replace(plan, tours=(first, second)))
