"""How a day's parts (one per ZAB) share the solve time: `planner.solve._run` and `_Shares`.

A stand-in part solver reports the limit it was given and returns at once, so the tests
see the shares without solving (and without depending on the machine's speed)."""

from __future__ import annotations

import dataclasses
import os

import pytest

from planner.model import Scenario, Unassigned, UnassignedReason
from planner.params import SolveParams
from planner.solve import PartResult, _run, _Shares
from tests.factories import request, tiny_scenario

SIZES = {"large": 50, "middle": 30, "small": 20}
BUDGET = 100.0


def _part(name: str, size: int) -> Scenario:
    return dataclasses.replace(tiny_scenario(), requests=tuple(request(f"{name}-{k}") for k in range(size)))


def _tell_limit(part: Scenario, params: SolveParams, limit: float, deadline: float) -> PartResult:
    """No tours; the part's first request carries the limit the part was given."""
    return [], [Unassigned(part.requests[0].id, UnassignedReason.OTHER, f"{limit:.3f}")]


def _limits(workers: int) -> dict[str, float]:
    parts = [_part(name, size) for name, size in SIZES.items()]
    results = _run(parts, SolveParams(workers=workers), BUDGET, _tell_limit)
    return {u.request.split("-")[0]: float(u.detail) for _, listed in results for u in listed}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_part_that_ends_early_passes_its_time_to_the_parts_after_it(workers: int) -> None:
    limits = _limits(workers)
    # the parts that start at once share the budget by size: 50 of 100 requests on each of
    # two workers is the whole budget, 30 is 60 %; alone on one worker, 50 %
    assert limits["large"] == pytest.approx(BUDGET * min(1.0, workers * 50 / 100), abs=1.0)
    if workers == 2:
        assert limits["middle"] == pytest.approx(BUDGET * 0.6, abs=1.0)
    # every part before the last returned at once, so the last one gets what is left until the
    # deadline, not its size's share of the budget (20 %, 40 % on two workers)
    assert limits["small"] > BUDGET * 0.9


def test_a_part_gets_its_size_share_and_what_parts_before_it_left_unused() -> None:
    shares = _Shares([50, 30, 20], workers=2, budget=10.0)
    assert shares.start(50, left=10.0) == pytest.approx(10.0)  # 2 workers x 10 s x 50 %, capped
    assert shares.start(30, left=10.0) == pytest.approx(6.0)
    shares.end(6.0, took=2.0)  # ended 4 s early
    shares.end(10.0, took=12.0)  # ran 2 s past its share: takes nothing from the others
    assert shares.start(20, left=8.0) == pytest.approx(4.0 + 4.0)


def test_a_share_is_never_past_the_deadline_nor_below_a_minimum() -> None:
    shares = _Shares([80, 20], workers=2, budget=10.0)
    assert shares.start(80, left=3.0) == pytest.approx(3.0)
    assert shares.start(20, left=0.0) == pytest.approx(0.3)


def _die(part: Scenario, params: SolveParams, limit: float, deadline: float) -> PartResult:
    os._exit(3)  # a worker process killed mid-part (out of memory, a crash in the solver)


def test_a_dead_worker_loses_no_request_of_its_part_or_of_the_parts_not_started() -> None:
    parts = [_part(name, size) for name, size in SIZES.items()]
    results = _run(parts, SolveParams(workers=2), BUDGET, _die)
    listed = [u for tours, unassigned in results for u in unassigned]
    assert sorted(u.request for u in listed) == sorted(r.id for p in parts for r in p.requests)
    assert {u.reason for u in listed} == {UnassignedReason.OTHER}
