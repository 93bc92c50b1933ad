"""Room-making after the master (`planner.solve._Part._merged`): an open request and the
requests of the tours given up are placed alone or in the master's columns of them."""

from __future__ import annotations

import time

from planner.model import Unassigned, UnassignedReason
from planner.pairs import pair_tours
from planner.solve import _assemble, _Part, _with_matrix
from planner.validate import validate
from tests.factories import H, request, tiny_scenario

# one vehicle and two escorts, who ride one tour a day: A (priority 5) at 6 h and B
# (priority 4) at 8 h fit one after the other on one tour, never on two
DAY = tiny_scenario(
    requests=(
        request("R-A", priority=5),
        request("R-B", priority=4, pick=(8 * H, 9 * H), drop=(9 * H, 11 * H)),
    )
)


def _room_for_b(with_columns: bool) -> set[str]:
    scenario = _with_matrix(DAY)
    part = _Part(scenario)
    a, b = scenario.requests
    alone = part._singles([a, b], [], 2.0, 0)
    assert {s.request for t in alone.tours for s in t.stops} == {"R-A"}  # single tours: A only
    columns = (
        pair_tours(
            scenario.requests,
            scenario.vehicles,
            scenario.escorts,
            part.matrix,
            cross_zab=False,
            deadline=time.perf_counter() + 5,
        )
        if with_columns
        else []
    )
    tours = part._merged(list(alone.tours), [b], set(), time.perf_counter() + 5, 0, columns)
    served = {s.request for t in tours for s in t.stops if s.request}
    left_open = [Unassigned(r.id, UnassignedReason.OTHER) for r in scenario.requests if r.id not in served]
    assert validate(scenario, _assemble(scenario, tours, left_open, time.perf_counter())) == []
    return served


def test_room_is_made_in_the_masters_columns_of_the_requests_given_up() -> None:
    assert _room_for_b(with_columns=True) == {"R-A", "R-B"}  # one tour, one crew, both requests


def test_without_columns_the_requests_given_up_go_alone() -> None:
    assert _room_for_b(with_columns=False) == {"R-A"}
