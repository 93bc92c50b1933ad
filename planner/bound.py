"""An upper bound per priority level: how many requests of that priority no plan can exceed.

For each priority p and each pool of resources (a ZAB in the first pass, all ZABs together in
the Restplatzbörse) the bound is the largest number of priority-p requests that satisfy three
relaxations at once, each of which every valid plan satisfies:

1. **Feasible alone.** A request that cannot be served as the only request of the day is in no
   plan: dropping the other requests from a valid tour leaves a valid tour (times kept, the
   crew kept, fewer persons aboard), provided travel obeys the triangle inequality, which the
   haversine model does up to one-second rounding. The planner's reasons tell which requests
   are feasible alone (`infeasible_alone`, `time_window`, `no_wheelchair_vehicle`,
   `no_qualified_escort` are decided by scheduling the request alone with every vehicle and
   crew window); served, `no_capacity`, `locked_conflict` and `other` count as feasible.
2. **Escort time.** Every escort rides at most one tour, within the shift and at most 10 h
   (spec rules 4, 5). While a request is aboard — at least the direct travel time from pickup
   to dropoff — its `escorts_required` escorts are in the vehicle (rule 7), so
   Σ_served escorts_required × direct travel ≤ Σ_escorts min(shift length, 10 h).
3. **Seat time.** Persons aboard plus at least one escort fit the seats (rules 4, 6), and a
   vehicle is in one tour at a time within its hours (rule 3), so
   Σ_served persons × direct travel ≤ Σ_vehicles (seats − 1) × hours.

A largest subset under one knapsack constraint of this kind is found by taking the lightest
items first; the bound of a level is the smallest of these counts (each is a valid bound),
summed over the pools. Lower levels are not bounded jointly with higher ones: each level's
figure holds whatever the plan does at other levels, so a plan matching the bound at every
level is optimal in served priority.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from planner.model import Plan, Request, Scenario, StopType, UnassignedReason
from planner.schedule import MAX_TOUR_S
from planner.travel import TravelMatrix

PRIORITIES = (5, 4, 3, 2, 1)
NOT_ALONE = {
    UnassignedReason.INFEASIBLE_ALONE,
    UnassignedReason.TIME_WINDOW,
    UnassignedReason.NO_WHEELCHAIR_VEHICLE,
    UnassignedReason.NO_QUALIFIED_ESCORT,
}


def served_by_priority(scenario: Scenario, plan: Plan) -> tuple[int, ...]:
    served = {s.request for t in plan.tours for s in t.stops if s.type is StopType.PICKUP}
    return tuple(sum(1 for r in scenario.requests if r.id in served and r.priority == p) for p in PRIORITIES)


def upper_bound(scenario: Scenario, plan: Plan, matrix: TravelMatrix) -> tuple[int, ...]:
    """Per priority 5..1, the most requests of that priority any valid plan can serve."""
    impossible = {u.request for u in plan.unassigned if u.reason in NOT_ALONE}
    candidates = [r for r in scenario.requests if r.id not in impossible]
    pools: dict[str | None, list[Request]] = defaultdict(list)
    for r in candidates:
        pools[None if scenario.cross_zab else r.zab].append(r)
    total = [0] * len(PRIORITIES)
    for zab, requests in pools.items():
        escort_s = sum(
            min(e.shift_end - e.shift_start, MAX_TOUR_S)
            for e in scenario.escorts
            if zab is None or e.zab == zab
        )
        seat_s = sum(
            max(0, v.seats - 1) * max(0, v.available_until - v.available_from)
            for v in scenario.vehicles
            if zab is None or v.zab == zab
        )
        for i, p in enumerate(PRIORITIES):
            level = [r for r in requests if r.priority == p]
            ride = {r.id: matrix.time(r.pickup.location, r.dropoff.location) for r in level}
            total[i] += min(
                _most(level, (r.escorts_required * ride[r.id] for r in level), escort_s),
                _most(level, (r.persons * ride[r.id] for r in level), seat_s),
            )
    return tuple(total)


def _most(items: Sequence[Request], weights: Iterable[int], capacity: int) -> int:
    """The largest number of items whose weights fit the capacity (lightest first is optimal)."""
    count = used = 0
    for w in sorted(weights):
        if used + w > capacity:
            break
        used += w
        count += 1
    return min(count, len(items))
