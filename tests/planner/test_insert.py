"""Insertion of open requests into routed tours, idle escorts completing the crew."""

from __future__ import annotations

import dataclasses
import time

from planner.floor import single_tours
from planner.insert import insert_open
from planner.model import Escort, Plan, PlanStats, StopType, StopWindow, Tour
from planner.solve import _Part
from planner.validate import validate
from tests.factories import H, request, tiny_scenario


def staff(genders: str) -> tuple[Escort, ...]:
    """Escorts E-E01.. of ZAB Essen, 05:00–15:00, of the given genders."""
    return tuple(Escort(f"E-E{i:02d}", "ZAB-E", g, (), 5 * H, 15 * H) for i, g in enumerate(genders, 1))


def test_an_idle_escort_joins_so_that_a_second_request_rides_along() -> None:
    """R-1 rides with one escort; R-2 at the same time needs two and a woman: the idle woman
    joins the crew, R-2 is inserted, and the plan stays valid. On a committed tour nobody may join."""
    scenario = tiny_scenario(
        escorts=staff("mmf"),
        requests=(
            request("R-1", escorts_required=1),
            request("R-2", escorts_required=1, requires_female_escort=True),
        ),
    )
    part = _Part(scenario)
    vehicle = scenario.vehicles[0]
    stops = [("R-1", StopType.PICKUP), ("R-1", StopType.DROPOFF)]
    timing = part._timing(vehicle, stops, (5 * H, 15 * H))
    assert timing is not None
    tour = Tour(vehicle.id, ("E-E01",), timing.start, timing.end, timing.stops)
    kwargs = dict(
        requests=part.requests,
        vehicles=part.vehicles,
        staff=part.escorts,
        cross_zab=False,
        timing=part._timing,
        deadline=time.perf_counter() + 30,
    )
    [joined] = insert_open([tour], [scenario.requests[1]], locked=set(), **kwargs)  # type: ignore[arg-type]
    assert {s.request for s in joined.stops if s.type is StopType.PICKUP} == {"R-1", "R-2"}
    assert set(joined.escorts) == {"E-E01", "E-E03"}
    plan = Plan(scenario.date, (joined,), (), PlanStats(2, 0, 0.0, 0.0))
    assert validate(scenario, plan) == []
    [kept] = insert_open([tour], [scenario.requests[1]], locked={0}, **kwargs)  # type: ignore[arg-type]
    assert kept == tour


def test_the_master_takes_a_routed_tour_of_two_requests_and_chooses_its_crew_anew() -> None:
    """One vehicle, two requests at the same hour: as single tours only one fits; the routed
    tour of both is a column of the master, which gives it a crew of its own choosing (the
    routed crew's E-E01 is committed elsewhere, so another woman must ride)."""
    from planner.floor import single_tours

    scenario = tiny_scenario(
        escorts=staff("fmf"),
        requests=(
            request("R-1", escorts_required=1, requires_female_escort=True),
            request("R-2", escorts_required=1),
        ),
    )
    part = _Part(scenario)
    vehicle = scenario.vehicles[0]
    stops = [
        ("R-1", StopType.PICKUP),
        ("R-2", StopType.PICKUP),
        ("R-1", StopType.DROPOFF),
        ("R-2", StopType.DROPOFF),
    ]
    timing = part._timing(vehicle, stops, (5 * H, 15 * H))
    assert timing is not None
    routed = Tour(vehicle.id, ("E-E01", "E-E02"), timing.start, timing.end, timing.stops)
    others = tuple(e for e in scenario.escorts if e.id != "E-E01")
    alone = single_tours(scenario.requests, scenario.vehicles, others, part.matrix, cross_zab=False)
    assert len(alone.tours) == 1  # one vehicle at that hour: singles serve one request
    chosen = single_tours(
        scenario.requests, scenario.vehicles, others, part.matrix, cross_zab=False, columns=[routed]
    )
    assert chosen.optimal
    [tour] = chosen.tours
    assert {s.request for s in tour.stops if s.type is StopType.PICKUP} == {"R-1", "R-2"}
    assert set(tour.escorts) == {"E-E02", "E-E03"}
    assert validate(scenario, Plan(scenario.date, (tour,), (), PlanStats(2, 0, 0.0, 0.0))) == []


def test_the_master_drives_a_return_with_its_outbound_trip_so_that_a_crew_of_four_rides() -> None:
    """One vehicle. R-OUT (Essen → DUS) is routed alone with two escorts; R-BACK (DUS → Essen
    right after, three persons, four escorts with a woman) is open while the staff that could
    take it sits idle in four different shifts. As single tours the two overlap on the one
    vehicle; only a tour of both serves both, with a crew of four from mixed shifts chosen by
    the master (its columns of two requests)."""
    out = request("R-OUT", priority=3, pick=(6 * H, 6 * H + 1800), drop=(6 * H + 1800, 8 * H))
    back = dataclasses.replace(
        request("R-BACK", priority=4, persons=3, escorts_required=4, requires_female_escort=True),
        pickup=StopWindow("AP-DUS", 7 * H + 1800, 8 * H, 20),
        dropoff=StopWindow("ABH-05113", 8 * H, 9 * H + 1800, 20),
    )
    shifts = [("f", 5 * H), ("m", 4 * H), ("m", 5 * H + 1800), ("m", 4 * H + 1800), ("f", 9 * H)]
    escorts = tuple(Escort(f"E-E{i:02d}", "ZAB-E", g, (), s, s + 8 * H) for i, (g, s) in enumerate(shifts, 1))
    scenario = tiny_scenario(requests=(out, back), escorts=escorts)
    part = _Part(scenario)
    vehicle = scenario.vehicles[0]
    timing = part._timing(vehicle, [("R-OUT", StopType.PICKUP), ("R-OUT", StopType.DROPOFF)], (6 * H, 12 * H))
    assert timing is not None
    routed = Tour(vehicle.id, ("E-E02", "E-E04"), timing.start, timing.end, timing.stops)
    singles = single_tours(scenario.requests, scenario.vehicles, escorts, part.matrix, cross_zab=False)
    assert singles.optimal and len(singles.tours) == 1  # alone, each fits; both do not
    [tour], _ = part._master([routed], [], set(), {}, 10.0, 0)
    assert {s.request for s in tour.stops if s.type is StopType.PICKUP} == {"R-OUT", "R-BACK"}
    assert len(tour.escorts) == 4 and "E-E01" in tour.escorts
    assert validate(scenario, Plan(scenario.date, (tour,), (), PlanStats(2, 0, 0.0, 0.0))) == []
