"""bench.nrw_mix sizes its fleet on escort hours or on what single tours need (`Mix.sizing`)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from bench.nrw_mix import Mix, mixed_day
from planner.model import Scenario
from planner.travel import TravelMatrix

DAY = dt.date(2026, 11, 24)


def _single_tours(scenario: Scenario, zab: str) -> list[tuple[int, int]]:
    """(leave, back) of every request of the ZAB driven alone from its earliest pickup."""
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    out = []
    for r in scenario.requests:
        if r.zab != zab:
            continue
        leave = r.pickup.earliest - matrix.time(zab, r.pickup.location)
        back = (
            r.pickup.earliest
            + r.pickup.service_min * 60
            + matrix.time(r.pickup.location, r.dropoff.location)
            + r.dropoff.service_min * 60
            + matrix.time(r.dropoff.location, zab)
        )
        out.append((leave, back))
    return out


def test_sized_alone_every_zab_has_one_and_a_half_times_the_escorts_and_overlapping_tours() -> None:
    day = mixed_day(DAY, 60, 1.5, seed=3, mix=Mix(sizing="alone"))
    escorts = Counter(e.zab for e in day.escorts)
    vehicles = Counter(v.zab for v in day.vehicles)
    required: Counter[str] = Counter()
    for r in day.requests:
        required[r.zab] += r.escorts_required
    assert required
    for zab, need in required.items():
        assert escorts[zab] == max(2, math.ceil(1.5 * need))
        tours = _single_tours(day, zab)
        overlapping = max(sum(1 for a, b in tours if a <= t < b) for t, _ in tours)
        assert vehicles[zab] == max(1, math.ceil(1.5 * overlapping))


def test_both_sizings_draw_the_same_requests_and_hours_leave_fewer_escorts_than_single_tours_take() -> None:
    by_hours = mixed_day(DAY, 60, 1.5, seed=3)
    alone = mixed_day(DAY, 60, 1.5, seed=3, mix=Mix(sizing="alone"))
    assert by_hours.requests == alone.requests
    # every escort rides one tour a day: sized on hours, the day has fewer than single tours take
    assert len(by_hours.escorts) < sum(r.escorts_required for r in by_hours.requests) < len(alone.escorts)
