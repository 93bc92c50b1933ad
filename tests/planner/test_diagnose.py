"""Reasons for unassigned requests: could the request be served alone?"""

from __future__ import annotations

from fixtures.demo_day import generate_day
from planner.diagnose import Fleet, alone_option, crew_windows, visits_of
from planner.model import Request, Vehicle
from planner.schedule import schedule
from planner.travel import TravelMatrix
from tests.factories import DAY


def _every_vehicle(
    request: Request, fleet: Fleet, matrix: TravelMatrix
) -> tuple[Vehicle, tuple[int, int]] | None:
    """`alone_option` as before issue 9: every vehicle timed, none skipped."""
    visits, rides = visits_of(request)
    for zab, (start, end), size in crew_windows(request, fleet.escorts):
        for vehicle in fleet.vehicles:
            if vehicle.zab != zab or (request.wheelchair and not vehicle.wheelchair):
                continue
            if vehicle.seats < request.persons + size:
                continue
            window = (max(start, vehicle.available_from), min(end, vehicle.available_until))
            if window[0] < window[1] and schedule(
                matrix, vehicle.depot, visits, rides, window, onboard=[request.persons, 0]
            ):
                return vehicle, (start, end)
    return None


def test_alone_option_times_each_depot_and_window_once_with_the_same_answer() -> None:
    """Skipping vehicles whose depot and window were already timed gives the same vehicle and
    shift for every request of a demo day, including those no vehicle can serve alone."""
    scenario = generate_day(DAY, requests=150, seed=2).scenario
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    answers = []
    for r in scenario.requests:
        fleet = Fleet(
            tuple(v for v in scenario.vehicles if v.zab == r.zab),
            tuple(e for e in scenario.escorts if e.zab == r.zab),
        )
        answers.append(alone_option(r, fleet, matrix))
        assert answers[-1] == _every_vehicle(r, fleet, matrix)
    assert None in answers and any(answers)
