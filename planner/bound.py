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

4. **Time profile** (`profile_bound`, CP-SAT). A served request is aboard, without a break in
   between, for at least the direct travel time, starting at a pickup departure its windows
   allow; meanwhile its `escorts_required` escorts are on duty and aboard, and nobody else's
   escorts are counted for it (rule 7, each escort in one vehicle). So at every moment the
   escorts required by the requests aboard do not exceed the escorts on duty, and persons plus
   required escorts aboard do not exceed the seats of the vehicles within their hours. Sharper:
   a tour leaves its depot no later than the pickup's latest time minus the direct travel from
   the nearest depot, and returns no earlier than the earliest dropoff departure plus the
   direct travel back (triangle inequality; slack: the validator's 60-s tolerance, twice); its crew's shifts
   cover the whole tour. So the requests that must leave before the next shift start count
   against the escorts who started by then, and those that cannot be back before a shift
   end against the escorts who end later: one cumulative constraint per shift start and per
   shift end, each with its group's on-duty profile as capacity. CP-SAT maximises the level's
   served requests under all of them; its proven objective bound (the optimum when proven) is
   a bound of every plan. This is what binds on days where escorts, not hours, are scarce: the
   early requests of a day can take only the escorts of the early shifts.

A largest subset under one knapsack constraint of this kind is found by taking the lightest
items first; the bound of a level is the smallest of these counts (each is a valid bound),
summed over the pools. Lower levels are not bounded jointly with higher ones: each level's
figure holds whatever the plan does at other levels, so a plan matching the bound at every
level is optimal in served priority.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ortools.sat.python import cp_model

from planner.model import Escort, Plan, Request, Scenario, StopType, UnassignedReason, Vehicle
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


def upper_bound(
    scenario: Scenario, plan: Plan, matrix: TravelMatrix, time_limit_s: float = 1.0
) -> tuple[int, ...]:
    """Per priority 5..1, the most requests of that priority any valid plan can serve
    (`time_limit_s` shared by the time-profile models in proportion to their requests)."""
    deadline = time.perf_counter() + time_limit_s
    impossible = {u.request for u in plan.unassigned if u.reason in NOT_ALONE}
    candidates = [r for r in scenario.requests if r.id not in impossible]
    pools: dict[str | None, list[Request]] = defaultdict(list)
    for r in candidates:
        pools[None if scenario.cross_zab else r.zab].append(r)
    total = [0] * len(PRIORITIES)
    remaining = len(candidates)
    for zab, requests in pools.items():
        staff = [e for e in scenario.escorts if zab is None or e.zab == zab]
        fleet = [v for v in scenario.vehicles if zab is None or v.zab == zab]
        escort_s = sum(min(e.shift_end - e.shift_start, MAX_TOUR_S) for e in staff)
        seat_s = sum(max(0, v.seats - 1) * max(0, v.available_until - v.available_from) for v in fleet)
        for i, p in enumerate(PRIORITIES):
            level = [r for r in requests if r.priority == p]
            ride = {r.id: matrix.time(r.pickup.location, r.dropoff.location) for r in level}
            most = min(
                _most(level, (r.escorts_required * ride[r.id] for r in level), escort_s),
                _most(level, (r.persons * ride[r.id] for r in level), seat_s),
            )
            if most > 0:
                share = (deadline - time.perf_counter()) * len(level) / max(1, remaining)
                most = min(most, profile_bound(level, staff, fleet, matrix, share))
            remaining -= len(level)
            total[i] += most
    return tuple(total)


SLACK_S = 60  # the validator's tolerance (spec rule 2), also covering rounding of travel times


def profile_bound(
    requests: Sequence[Request],
    escorts: Sequence[Escort],
    vehicles: Sequence[Vehicle],
    matrix: TravelMatrix,
    time_limit_s: float,
) -> int:
    """Relaxation 4: the most of `requests` that fit the time profiles of escorts and seats."""
    depots = sorted({v.depot for v in vehicles})
    if not requests or not depots or not escorts or time_limit_s <= 0.05:
        return len(requests)
    model = cp_model.CpModel()
    chosen: list[cp_model.IntVar] = []
    items: list[tuple[Request, cp_model.IntervalVar, int, int]] = []  # request, aboard, leave, back
    for k, r in enumerate(requests):
        service_p, service_d = r.pickup.service_min * 60, r.dropoff.service_min * 60
        ride = max(0, matrix.time(r.pickup.location, r.dropoff.location) - SLACK_S)
        lo = r.pickup.earliest - SLACK_S + service_p  # the validator's tolerance at both ends
        hi = min(r.pickup.latest + SLACK_S + service_p, r.dropoff.latest + SLACK_S - ride)
        if hi < lo:
            continue  # no timing reaches the dropoff in its window
        x = model.new_bool_var(f"x{k}")
        start = model.new_int_var(lo, hi, f"s{k}")
        aboard = model.new_optional_fixed_size_interval_var(start, ride, x, f"a{k}")
        leave = r.pickup.latest - min(matrix.time(d, r.pickup.location) for d in depots) + 2 * SLACK_S
        back = (
            max(lo + ride, r.dropoff.earliest)
            + service_d
            + min(matrix.time(r.dropoff.location, d) for d in depots)
            - 2 * SLACK_S
        )
        chosen.append(x)
        items.append((r, aboard, leave, back))
    if not items:
        return 0
    starts = sorted({e.shift_start for e in escorts})
    ends = sorted({e.shift_end for e in escorts})
    groups: list[tuple[list[Escort], list[tuple[Request, cp_model.IntervalVar, int, int]]]] = []
    for i, s in enumerate(starts):  # requests that must leave before the next start: early staff
        after = starts[i + 1] if i + 1 < len(starts) else math.inf
        groups.append(([e for e in escorts if e.shift_start <= s], [it for it in items if it[2] < after]))
    for i, f in enumerate(ends):  # requests that cannot be back by the previous end: late staff
        before = ends[i - 1] if i > 0 else -math.inf
        groups.append(([e for e in escorts if e.shift_end >= f], [it for it in items if it[3] > before]))
    for staff, members in groups:
        if members:
            profile = [(e.shift_start, e.shift_end, 1) for e in staff]
            _profiled(model, [(iv, r.escorts_required) for r, iv, _, _ in members], profile)
    seats = [(v.available_from, v.available_until, v.seats) for v in vehicles]
    _profiled(model, [(iv, r.persons + r.escorts_required) for r, iv, _, _ in items], seats)
    model.maximize(sum(chosen))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value)
    return min(len(requests), math.floor(solver.best_objective_bound + 1e-6))


def _profiled(
    model: cp_model.CpModel,
    demands: list[tuple[cp_model.IntervalVar, int]],
    supply: list[tuple[int, int, int]],
) -> None:
    """Σ demands of the intervals at any moment ≤ the supply on hand then (sum of the
    (from, until, amount) entries covering it): a cumulative constraint whose capacity is the
    peak supply, with fixed intervals taking up the difference where supply is lower."""
    demands = [(iv, d) for iv, d in demands if d > 0]
    if not demands:
        return
    points = sorted({p for lo, hi, _ in supply for p in (lo, hi)})
    horizon = (min(points, default=0) - 1, max(points, default=0) + 1)
    points = [horizon[0] - 10**6, *points, horizon[1] + 10**6]
    level = [sum(n for lo, hi, n in supply if lo <= a < hi) for a in points[:-1]]
    peak = max(level, default=0)
    intervals = [iv for iv, _ in demands]
    needs = [d for _, d in demands]
    for a, b, have in zip(points, points[1:], level, strict=False):
        if have < peak and b > a:
            intervals.append(model.new_fixed_size_interval_var(a, b - a, ""))
            needs.append(peak - have)
    model.add_cumulative(intervals, needs, peak)


def _most(items: Sequence[Request], weights: Iterable[int], capacity: int) -> int:
    """The largest number of items whose weights fit the capacity (lightest first is optimal)."""
    count = used = 0
    for w in sorted(weights):
        if used + w > capacity:
            break
        used += w
        count += 1
    return min(count, len(items))
