"""How a day's parts (one per ZAB) share the solve time: `planner.solve._run` and `_share`.

A stand-in part solver reports the limit it was given and returns at once, so the tests
see the shares without solving (and without depending on the machine's speed)."""

from __future__ import annotations

import dataclasses
import os

import pytest

from planner.model import Scenario, Unassigned, UnassignedReason
from planner.params import SolveParams
from planner.solve import PartResult, _run, _share
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


def test_the_share_is_the_free_worker_time_in_proportion_to_the_requests_not_started() -> None:
    # two workers, 10 s left, the other worker's part holds 4 s of it: 16 s free, and a part of
    # 20 of the 80 requests not started gets a quarter of that
    assert _share(10.0, 2, 20, 80, 4.0) == pytest.approx(4.0)
    # never past the deadline, however much worker time is free
    assert _share(10.0, 2, 80, 80, 0.0) == pytest.approx(10.0)
    # and never less than a minimum to return a plan in
    assert _share(0.0, 2, 1, 100, 50.0) == pytest.approx(0.3)


def _die(part: Scenario, params: SolveParams, limit: float, deadline: float) -> PartResult:
    os._exit(3)  # a worker process killed mid-part (out of memory, a crash in the solver)


def test_a_dead_worker_loses_no_request_of_its_part_or_of_the_parts_not_started() -> None:
    parts = [_part(name, size) for name, size in SIZES.items()]
    results = _run(parts, SolveParams(workers=2), BUDGET, _die)
    listed = [u for tours, unassigned in results for u in unassigned]
    assert sorted(u.request for u in listed) == sorted(r.id for p in parts for r in p.requests)
    assert {u.reason for u in listed} == {UnassignedReason.OTHER}
