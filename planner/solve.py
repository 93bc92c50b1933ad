"""solve(scenario, params) -> Plan: crews, routing, exact timing, reasons, validation.

First pass (`cross_zab` false): each ZAB is an independent problem and the ZABs are solved in
parallel processes. Second pass (Restplatzbörse): one problem over all ZABs. Every plan is
checked by the independent validator before it is returned; a part whose search fails keeps
its committed tours and reports its other requests as unassigned instead of raising.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from planner.bound import served_by_priority, upper_bound
from planner.build import allowed_vehicles, build_problem
from planner.chains import Chains
from planner.check import ensure_valid
from planner.clock import Clock
from planner.crew import Assignment, Crew, bind_crews, form_crews, trim
from planner.diagnose import (
    Fleet,
    explain,
    failed,
    feasible_alone,
    locked_conflict,
)
from planner.floor import Singles, single_tours
from planner.insert import insert_open
from planner.locked import Committed, time_committed
from planner.model import (
    Escort,
    HaversineTravel,
    LockedTour,
    Plan,
    PlanStats,
    Request,
    Scenario,
    StopType,
    Tour,
    Unassigned,
    UnassignedReason,
    Vehicle,
)
from planner.pairs import pair_tours
from planner.params import SolveParams
from planner.reshape import reshape
from planner.schedule import RideLimit, Timing, Visit, schedule
from planner.search import solve_routing
from planner.travel import HaversineProvider, TravelMatrix
from planner.validate import Violation, validate

log = logging.getLogger(__name__)

PartResult = tuple[list[Tour], list[Unassigned]]
StopKey = tuple[str, StopType]  # (request id, pickup or dropoff)
LockedMap = dict[str, tuple[int, tuple[StopKey, ...]]]  # vehicle -> (assignment, committed order)


def solve(scenario: Scenario, params: SolveParams | None = None) -> Plan:
    """A valid plan for the scenario: tours with crews and times, every other request with a reason."""
    params = params or SolveParams()
    began = time.perf_counter()
    ensure_valid(scenario)
    scenario = _with_matrix(scenario)
    parts = partition(scenario)
    budget = max(0.5, params.time_limit_s * 0.85 - (time.perf_counter() - began))
    results = _run(parts, params, budget)
    tours = [t for tours, _ in results for t in tours]
    unassigned = [entry for _, listed in results for entry in listed]
    plan = _assemble(scenario, tours, unassigned, began)
    problems = validate(scenario, plan)
    if problems:
        log.error("plan failed validation, %d problems; dropping the tours concerned", len(problems))
        plan = _drop_invalid(scenario, plan, problems, began)
    return with_bound(scenario, plan, BOUND_SHARE * params.time_limit_s)


def with_bound(scenario: Scenario, plan: Plan, time_limit_s: float = 2.0) -> Plan:
    """The plan with `stats.bound` (per priority, what no plan can exceed) and `stats.optimal`."""
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    bound = upper_bound(scenario, plan, matrix, time_limit_s)
    optimal = served_by_priority(scenario, plan) == bound
    return dataclasses.replace(plan, stats=dataclasses.replace(plan.stats, bound=bound, optimal=optimal))


def floor_plan(scenario: Scenario, time_limit_s: float = 10.0, seed: int = 0) -> tuple[Plan, bool]:
    """The floor of the day (every request alone on its own tour, committed tours as they
    stand, vehicles and escorts chosen by CP-SAT) and whether it is proven optimal for that
    restriction: CP-SAT proved it, or it serves the bound at every level (no plan at all serves
    more, so no plan of single tours does). `solve` never returns a plan lexicographically below
    its own floor."""
    began = time.perf_counter()
    ensure_valid(scenario)
    scenario = _with_matrix(scenario)
    parts = partition(scenario)
    total = sum(len(p.requests) for p in parts) or 1
    tours: list[Tour] = []
    unassigned: list[Unassigned] = []
    optimal = True
    for part in parts:
        solver = _Part(part)
        part_tours, conflicts = solver.committed()
        ids = {s.request for t in part_tours for s in t.stops if s.request}
        free = [r for r in part.requests if r.id not in ids and r.id not in conflicts]
        singles = solver._singles(free, part_tours, time_limit_s * len(part.requests) / total, seed)
        optimal = optimal and singles.optimal
        part_tours += singles.tours
        served = {s.request for t in part_tours for s in t.stops if s.request}
        tours += part_tours
        unassigned += [solver._explain(r, conflicts) for r in part.requests if r.id not in served]
    plan = with_bound(scenario, _assemble(scenario, tours, unassigned, began))
    return plan, optimal or bool(plan.stats.optimal)


def retime(scenario: Scenario, locked: LockedTour) -> Tour | None:
    """A committed tour timed anew on its own: same vehicle, crew and stop order, the requests'
    current windows (after a cancellation or an amendment). None if it can no longer be driven
    or the timed tour fails the validator (checked against the tour's own requests only)."""
    ensure_valid(scenario)
    scenario = _with_matrix(scenario)
    [tour] = _Part(dataclasses.replace(scenario, locked=(locked,))).committed_tours.tours
    if tour is None:
        return None
    ids = {s.request for s in locked.stops}
    own = dataclasses.replace(
        scenario, requests=tuple(r for r in scenario.requests if r.id in ids), locked=(locked,)
    )
    plan = _assemble(own, [tour], [], time.perf_counter())
    return tour if not validate(own, plan) else None


def _with_matrix(scenario: Scenario) -> Scenario:
    """The scenario with its travel as a matrix, computed once for all parts."""
    if not isinstance(scenario.travel, HaversineTravel):
        return scenario
    provider = HaversineProvider(scenario.travel.circuity, scenario.travel.speed_kmh)
    return dataclasses.replace(scenario, travel=provider.matrix(scenario.locations))


def partition(scenario: Scenario) -> list[Scenario]:
    """The independent problems: one per ZAB with requests (its vehicles, escorts and committed
    tours) in the first pass, the whole scenario with `cross_zab`."""
    if scenario.cross_zab:
        return [scenario]
    zabs = sorted({r.zab for r in scenario.requests} | {v.zab for v in scenario.vehicles})
    vehicle_zab = {v.id: v.zab for v in scenario.vehicles}
    parts = []
    for zab in zabs:
        part = dataclasses.replace(
            scenario,
            vehicles=tuple(v for v in scenario.vehicles if v.zab == zab),
            escorts=tuple(e for e in scenario.escorts if e.zab == zab),
            requests=tuple(r for r in scenario.requests if r.zab == zab),
            locked=tuple(t for t in scenario.locked if vehicle_zab.get(t.vehicle) == zab),
        )
        if part.requests:
            parts.append(part)
    return parts


def _run(
    parts: list[Scenario],
    params: SolveParams,
    budget: float,
    solve_part: Callable[[Scenario, SolveParams, float, float], PartResult] | None = None,
) -> list[PartResult]:
    """Every part within the budget, largest first, on up to `params.workers` processes, each
    part with its time from `_Shares` when it starts (so the time a part leaves over goes to
    the parts after it instead of idling until the deadline).
    `solve_part(part, params, limit, deadline)`: `_solve_part`, or a stand-in in tests."""
    solve_part = solve_part or _solve_part
    workers = max(1, min(params.workers, len(parts)))
    deadline = time.time() + budget
    order = sorted(range(len(parts)), key=lambda i: -len(parts[i].requests))
    results: list[PartResult | None] = [None] * len(parts)
    if budget < 3.0:
        workers = 1
    shares = _Shares([len(p.requests) for p in parts], workers, budget)
    if workers == 1:
        for i in order:
            began = time.time()
            limit = shares.start(len(parts[i].requests), deadline - began)
            results[i] = solve_part(parts[i], params, limit, deadline)
            shares.end(limit, time.time() - began)
        return [r for r in results if r is not None]
    # fork: workers inherit the imported solver and need no `__main__` guard in the caller.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    waiting = list(order)
    running: dict[Future[PartResult], tuple[int, float, float]] = {}  # future -> part, start, limit
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        while waiting or running:
            while waiting and len(running) < workers:
                i = waiting.pop(0)
                began = time.time()
                limit = shares.start(len(parts[i].requests), deadline - began)
                try:
                    running[pool.submit(solve_part, parts[i], params, limit, deadline)] = (i, began, limit)
                except BrokenProcessPool:  # a worker died: the parts not started yet keep what stands
                    results[i] = _fallback(parts[i], "BrokenProcessPool")
            if not running:
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                i, began, limit = running.pop(future)
                shares.end(limit, time.time() - began)
                try:
                    results[i] = future.result()
                except Exception as exc:  # a crashed worker must not lose the day's requests
                    log.exception("part %d failed in its worker", i)
                    results[i] = _fallback(parts[i], type(exc).__name__)
    return [r for r in results if r is not None]


class _Shares:
    """The parts' time. Each part gets its share of the budget by size (the workers' time in
    proportion to its requests, never more than the budget), plus a part of what the parts
    that ended before it left unused, in proportion to its requests among those not started
    yet (the last part gets all that is left). A part that runs past its share takes nothing
    from the others' shares: it only delays the next part on its worker, whose time the common
    deadline caps. (A share of the worker time still free, judged from the running parts'
    shares, was tried first: parts of 200 requests run past their shares, so the parts started
    after them got too much and the last ones too little: mix-alone 1000 tight seed 1 served
    649 instead of 691, one run each.)"""

    def __init__(self, sizes: Sequence[int], workers: int, budget: float) -> None:
        self.total = sum(sizes) or 1
        self.unstarted = sum(sizes)
        self.workers = workers
        self.budget = budget
        self.saved = 0.0

    def start(self, size: int, left: float) -> float:
        bonus = self.saved * size / max(1, self.unstarted)
        self.saved -= bonus
        self.unstarted -= size
        own = min(self.budget, self.budget * self.workers * size / self.total)
        return max(0.3, min(left, own + bonus))

    def end(self, limit: float, took: float) -> None:
        self.saved += max(0.0, limit - took)


def _solve_part(part: Scenario, params: SolveParams, time_limit: float, deadline: float) -> PartResult:
    """One part within its share of the time, and never past the common deadline (the share
    is set when the part is submitted; its worker may start it a little later)."""
    try:
        return _Part(part).solve(params, max(0.3, min(time_limit, deadline - time.time())))
    except Exception as exc:
        log.exception("planning of a part failed")
        return _fallback(part, type(exc).__name__)


def _fallback(part: Scenario, why: str) -> PartResult:
    """Committed tours as they stand, every other request unassigned with reason `other`."""
    solver = _Part(part)
    tours: list[Tour] = []
    kept: set[str] = set()
    unassigned: list[Unassigned] = []
    for locked, tour in zip(part.locked, solver.committed_tours.tours, strict=True):
        ids = {s.request for s in locked.stops if s.request in solver.requests}
        if tour is None:
            unassigned.extend(locked_conflict(solver.requests[r], locked.vehicle) for r in sorted(ids))
        else:
            tours.append(tour)
        kept |= ids
    unassigned.extend(failed(r, why) for r in part.requests if r.id not in kept)
    return tours, unassigned


class _Part:
    """One independent planning problem: a ZAB's day, or all ZABs in the second pass."""

    def __init__(self, part: Scenario) -> None:
        self.part = part
        self.matrix = TravelMatrix(part.travel, part.locations)
        self.clock = Clock(part.date, part.timezone)
        self.requests = {r.id: r for r in part.requests}
        self.vehicles = {v.id: v for v in part.vehicles}
        self.escorts = {e.id: e for e in part.escorts}
        self._fleets: dict[str | None, Fleet] = {}
        self._alone_cache: dict[str, bool] = {}

    def solve(self, params: SolveParams, time_limit: float) -> PartResult:
        """Route with the formed crews; then, while requests that could be served alone are
        left over, give idle escorts crews tailored to them (drivers keep their trimmed crews)
        and route again, keeping the better result (crews are a decision, not an input)."""
        began = time.perf_counter()
        locked_assignments, locked_map, conflicts = self._locked_tours()
        committed, _ = self.committed()
        locked_ids = {rid for _, seq in locked_map.values() for rid, _ in seq}
        free = [r for r in self.part.requests if r.id not in locked_ids and r.id not in conflicts]
        floor = self._singles(free, committed, FLOOR_SHARE * time_limit, params.seed)
        time_limit -= time.perf_counter() - began
        reserve = FILL_SHARE * time_limit
        time_limit -= reserve
        deadline = time.perf_counter() + time_limit
        taken = {e.id for a in locked_assignments for e in a.crew.escorts}
        crews: list[Crew] = []
        for zab in sorted({e.zab for e in self.part.escorts}):
            staff = [e for e in self.part.escorts if e.zab == zab and e.id not in taken]
            crews.extend(
                form_crews(staff, [r for r in self.part.requests if self.part.cross_zab or r.zab == zab])
            )
        assignments = bind_crews(crews, self.part.vehicles, self.part.requests, taken=locked_assignments)
        first = FIRST_ROUND_SHARE if params.crew_rounds else 1.0
        best = self._round(assignments, locked_map, conflicts, params, first * time_limit)
        history = list(best.tours.values())  # every routed tour: columns of the master below
        for round_no in range(params.crew_rounds):
            left = deadline - time.perf_counter()
            pending = [r for r in self._open(best, conflicts) if self._alone(r)]
            if left < MIN_ROUND_S or not pending:
                break
            reshaped = reshape(
                best.assignments,
                best.tours,
                pending,
                part=self.part,
                escorts=self.escorts,
                vehicles=self.vehicles,
                fleet_of=self._fleet,
                matrix=self.matrix,
            )
            if reshaped is None:
                break
            share = left * 0.9 / (params.crew_rounds - round_no)
            candidate = self._round(reshaped, locked_map, conflicts, params, share)
            history += candidate.tours.values()
            if candidate.score <= best.score:
                break
            best = candidate
        tours, served = list(best.tours.values()), set(best.served)
        if locked_ids - served - set(conflicts):
            # the search found no solution at all: committed tours must still stand
            tours, served = self._keep_locked(tours, served)
        # open requests join routed tours (idle escorts completing the crew), then idle vehicles
        # and escorts take what is still open alone (the floor's model on what is left)
        still_open = [r for r in self.part.requests if r.id not in served and r.id not in conflicts]
        polish = time.perf_counter() + reserve / 6
        if still_open:
            tours = insert_open(
                tours,
                [r for r in still_open if self._alone(r)],
                requests=self.requests,
                vehicles=self.vehicles,
                staff=self.escorts,
                locked={i for i, t in enumerate(tours) if any(s.request in locked_ids for s in t.stops)},
                cross_zab=self.part.cross_zab,
                timing=self._timing,
                deadline=polish,
            )
            served = {s.request for t in tours for s in t.stops if s.request}
            still_open = [r for r in still_open if r.id not in served]
        fill_s = max(0.2, polish - time.perf_counter() + reserve * 5 / 6)
        tours += self._singles(still_open, tours, fill_s / 5, params.seed).tours
        # the master keeps to its share: time a part leaves over goes to parts still waiting
        # for a worker (measured: taking it cost those parts more than the master gained)
        master_s = max(0.2, polish + reserve * 5 / 6 - time.perf_counter())
        floor_tours = committed + list(floor.tours)
        if self._rank(floor_tours) > self._rank(tours):
            # the routed plan misses requests the floor serves: their floor tours replace the
            # routed tours in their way, so the master starts from the better of both
            log.info("part %s: the floor beats the routed plan; its tours are merged in", self.part.date)
            history += tours
            until = time.perf_counter() + master_s / 3
            missing = [self.requests[_first_request(t)] for t in floor.tours]
            merged = self._merged(tours, missing, locked_ids, until, params.seed)
            tours = max(merged, floor_tours, key=self._rank)
            master_s = max(0.2, polish + reserve * 5 / 6 - time.perf_counter())
        tours, columns = self._master(tours, history, locked_ids, conflicts, master_s, params.seed)
        end = polish + reserve * 5 / 6
        served = {s.request for t in tours for s in t.stops if s.request}
        still_open = [r for r in free if r.id not in served and self._alone(r)]
        if still_open and end - time.perf_counter() > MIN_ROUND_S:
            # time the master left over: the same room-making for every request still open
            before = self._rank(tours)
            tours = self._merged(tours, still_open, locked_ids, end, params.seed, columns)
            log.info("room after the master: %s -> %s", before[:5], self._rank(tours)[:5])
        if self._rank(floor_tours) > self._rank(tours):  # never lexicographically below the floor
            tours = floor_tours
        served = {s.request for t in tours for s in t.stops if s.request}
        unassigned = [self._explain(r, conflicts) for r in self.part.requests if r.id not in served]
        return tours, unassigned

    def _singles(
        self,
        requests: list[Request],
        fixed: list[Tour],
        limit: float,
        seed: int,
        columns: Sequence[Tour] = (),
        hint: int = 0,
    ) -> Singles:
        return single_tours(
            requests,
            self.part.vehicles,
            self.part.escorts,
            self.matrix,
            cross_zab=self.part.cross_zab,
            fixed=fixed,
            columns=columns,
            hint=hint,
            time_limit=limit,
            seed=seed,
        )

    def _master(
        self,
        tours: list[Tour],
        history: list[Tour],
        locked_ids: set[str],
        conflicts: dict[str, str],
        limit: float,
        seed: int,
    ) -> tuple[list[Tour], list[Tour]]:
        """Tours and crews chosen together: the plan's tours, every routed tour of the rounds
        and single-request tours as columns of the CP-SAT model of planner.floor (vehicles by
        type, escorts by class), committed tours fixed. Kept only if lexicographically better.
        Also returned: the columns it built and was given, for the room-making after it."""
        fixed = [t for t in tours if any(s.request in locked_ids for s in t.stops)]
        on_fixed = {s.request for t in fixed for s in t.stops if s.request}
        scope = [r for r in self.part.requests if r.id not in on_fixed and r.id not in conflicts]
        began = time.perf_counter()
        current = [t for t in tours if t not in fixed]
        others = [t for t in history if t not in tours]
        best = tours
        # first the routed tours alone (a small model, solved fast), then with tours of two
        # requests added, started from the best plan so far (its tours keep vehicle and crew)
        chosen = self._singles(
            scope, fixed, MASTER_FIRST * limit, seed, columns=current + others, hint=len(current)
        )
        candidate = fixed + list(chosen.tours)
        if self._rank(candidate) > self._rank(best):
            best = candidate
        left = limit - (time.perf_counter() - began)
        pairs = pair_tours(
            scope,
            self.part.vehicles,
            self.part.escorts,
            self.matrix,
            cross_zab=self.part.cross_zab,
            deadline=time.perf_counter() + PAIR_SHARE * left,
        )
        base = [t for t in best if t not in fixed]
        rest = [t for t in current + others if t not in base]
        left = limit - (time.perf_counter() - began)
        chains = Chains(
            scope,
            self.part.vehicles,
            self.part.escorts,
            self.matrix,
            cross_zab=self.part.cross_zab,
        )
        grown = chains.grow(pairs + base, time.perf_counter() + CHAIN_SHARE * left)
        pool = rest + pairs + grown
        seen = set(pool)
        # pricing: open requests put into the chosen tours give new columns; solved again from
        # the best plan so far while that adds columns and time is left
        for round_no in range(PRICING_ROUNDS):
            left = limit - (time.perf_counter() - began)
            if not pool or left < 0.2:
                break
            base = [t for t in best if t not in fixed]
            share = left if round_no == PRICING_ROUNDS - 1 else left * PRICING_SHARE
            chosen = self._singles(scope, fixed, share, seed, columns=base + pool, hint=len(base))
            candidate = fixed + list(chosen.tours)
            if self._rank(candidate) > self._rank(best):
                best = candidate
            served = {s.request for t in best for s in t.stops if s.request}
            pending = [r for r in scope if r.id not in served and self._alone(r)]
            left = limit - (time.perf_counter() - began)
            if not pending or left < 0.4:
                break
            base = [t for t in best if t not in fixed]
            new = [t for t in chains.extend(base, pending, time.perf_counter() + 0.2 * left) if t not in seen]
            if not new:
                break
            seen.update(new)
            pool += new
        log.info(
            "master: %d -> %d served, %d columns, %.1f of %.1f s",
            sum(self._rank(tours)[:5]),
            sum(self._rank(best)[:5]),
            len(pool),
            time.perf_counter() - began,
            limit,
        )
        return best, pool

    def _merged(
        self,
        tours: list[Tour],
        missing: Sequence[Request],
        locked_ids: set[str],
        deadline: float,
        seed: int,
        columns: Sequence[Tour] = (),
    ) -> list[Tour]:
        """`tours` with room made for `missing` requests they leave open, highest priority
        first: a tour at a time (never a committed one, fewest requests first), then two at
        once, gives up vehicle and crew, and the floor's model places the open request, the
        other `missing` ones still open and those tours' requests on what is free then, alone
        or in those of `columns` (the master's) made of these requests only; kept where
        lexicographically better."""
        best = list(tours)
        pooled = [(c, _requests_of(c)) for c in columns]
        for r in sorted(missing, key=lambda r: (-r.priority, r.pickup.earliest, r.id)):
            served = {i for t in best for i in _requests_of(t)}
            if r.id in served or time.perf_counter() > deadline:
                continue
            # every request still open may take what a group frees, not only r
            others = [m for m in missing if m.id != r.id and m.id not in served]
            movable = [t for t in best if not any(s.request in locked_ids for s in t.stops)]
            movable.sort(key=lambda t: (_pickups(t), abs(t.start - r.pickup.earliest)))
            groups: list[tuple[Tour, ...]] = [(t,) for t in movable[:ROOM_TRIES]]
            groups += itertools.combinations(movable[:ROOM_PAIRS], 2)  # vehicle and crew from two tours
            for group in groups:
                left = deadline - time.perf_counter()
                if left < 0.05:
                    break
                fixed = [t for t in best if t not in group]
                freed = [self.requests[i] for i in sorted({i for t in group for i in _requests_of(t)})]
                scope = {r.id} | {f.id for f in freed} | {m.id for m in others}
                fitting = [c for c, ids in pooled if ids <= scope]
                placed = self._singles([r, *freed, *others], fixed, min(ROOM_S, left), seed, columns=fitting)
                candidate = fixed + list(placed.tours)
                if self._rank(candidate) > self._rank(best):
                    best = candidate
                    break
        return best

    def _rank(self, tours: Iterable[Tour]) -> tuple[int, ...]:
        """Served requests per priority (5 first), fewer metres, fewer crew seconds: larger is better."""
        return self._score(dict(enumerate(tours)))

    def _round(
        self,
        assignments: list[Assignment],
        locked_map: LockedMap,
        conflicts: dict[str, str],
        params: SolveParams,
        time_limit: float,
    ) -> _Round:
        locked_ids = {rid for _, seq in locked_map.values() for rid, _ in seq}
        options = allowed_vehicles(self.part.requests, assignments, self.part.cross_zab)
        routable = [
            r
            for r, vehicles in zip(self.part.requests, options, strict=True)
            if r.id not in conflicts and (r.id in locked_ids or vehicles)
        ]
        if not routable or not assignments:
            return _Round(assignments, {}, self._score({}))
        problem, index = build_problem(
            routable, assignments, self.matrix, cross_zab=self.part.cross_zab, locked=locked_map
        )
        solution = solve_routing(problem, params, max(0.2, time_limit))
        log.info("part %s: %s in %.1f s", self.part.date, solution.status, solution.seconds)
        routes = {v: [index.stops[n] for n in route] for v, route in enumerate(solution.routes) if route}
        tours = self._tours(assignments, routes)
        return _Round(assignments, tours, self._score(tours))

    def _open(self, state: _Round, conflicts: dict[str, str]) -> list[Request]:
        served = state.served
        return [r for r in self.part.requests if r.id not in served and r.id not in conflicts]

    def _alone(self, request: Request) -> bool:
        """Whether the request could be served alone (fixed for the part: asked once per request)."""
        if request.id not in self._alone_cache:
            self._alone_cache[request.id] = feasible_alone(request, self._fleet(request), self.matrix)
        return self._alone_cache[request.id]

    def _fleet(self, request: Request) -> Fleet:
        zab = None if self.part.cross_zab else request.zab
        if zab not in self._fleets:
            vehicles = tuple(v for v in self.part.vehicles if zab is None or v.zab == zab)
            escorts = tuple(e for e in self.part.escorts if zab is None or e.zab == zab)
            self._fleets[zab] = Fleet(vehicles, escorts)
        return self._fleets[zab]

    def _score(self, tours: dict[int, Tour]) -> tuple[int, ...]:
        """Served requests per priority (highest first), then fewer metres, then fewer crew
        seconds: larger is better (the plan's strictly lexicographic objective)."""
        served = [
            self.requests[s.request]
            for t in tours.values()
            for s in t.stops
            if s.type is StopType.PICKUP and s.request
        ]
        by_priority = tuple(sum(1 for r in served if r.priority == p) for p in range(5, 0, -1))
        crew_s = sum(len(t.escorts) * (t.end - t.start) for t in tours.values())
        return (*by_priority, -_meters(self.matrix, self.vehicles, tours.values()), -crew_s)

    # ------------------------------------------------------------------ locked
    @functools.cached_property
    def committed_tours(self) -> Committed:
        """Committed tours timed together per vehicle (planner.locked), computed once."""
        return time_committed(self.part.locked, self.vehicles, self.escorts, self.requests, self._timing)

    def _locked_tours(self) -> tuple[list[Assignment], LockedMap, dict[str, str]]:
        """Assignments of committed tours, their stop orders, and requests that cannot keep them."""
        assignments: list[Assignment] = []
        mapping: LockedMap = {}
        committed = self.committed_tours
        for i, (locked, tour) in enumerate(zip(self.part.locked, committed.tours, strict=True)):
            if tour is None:
                continue
            crew_members = tuple(self.escorts[e] for e in locked.escorts)
            window = (max(e.shift_start for e in crew_members), min(e.shift_end for e in crew_members))
            crew = Crew(self.vehicles[locked.vehicle].zab, crew_members, window)
            limit = committed.limits[i]
            assignments.append(Assignment(crew, self.vehicles[locked.vehicle], locked=True, limit=limit))
            key = f"{locked.vehicle}#{i}"  # a vehicle may carry several committed tours
            mapping[key] = (len(assignments) - 1, tuple((s.request, s.type) for s in locked.stops))
        return assignments, mapping, committed.conflicts(self.part.locked)

    def committed(self) -> tuple[list[Tour], dict[str, str]]:
        """Committed tours as timed together, and the requests of those that cannot be driven."""
        committed = self.committed_tours
        return [t for t in committed.tours if t is not None], committed.conflicts(self.part.locked)

    def _keep_locked(self, tours: list[Tour], served: set[str]) -> tuple[list[Tour], set[str]]:
        for locked, tour in zip(self.part.locked, self.committed_tours.tours, strict=True):
            ids = {s.request for s in locked.stops}
            if ids & served or tour is None:
                continue
            tours.append(tour)
            served |= ids
        return tours, served

    # ------------------------------------------------------------------- tours
    def _tours(self, assignments: Sequence[Assignment], routes: dict[int, list[StopKey]]) -> dict[int, Tour]:
        """Exact timing of each route, crews trimmed to what the tour needs; a route whose
        timing fails loses its lowest-priority requests until it fits."""
        tours: dict[int, Tour] = {}
        for v, stops in routes.items():
            a = assignments[v]
            timing = self._timing(a.vehicle, stops, a.window)
            while timing is None and stops:
                stops = _without_weakest(stops, self.requests, locked=a.locked)
                timing = self._timing(a.vehicle, stops, a.window) if stops else None
            if timing is None:
                continue
            members = a.crew.escorts if a.locked else self._trimmed(a.crew, stops)
            tours[v] = Tour(
                a.vehicle.id, tuple(e.id for e in members), timing.start, timing.end, timing.stops
            )
        return tours

    def _trimmed(self, crew: Crew, stops: list[StopKey]) -> tuple[Escort, ...]:
        ids = {rid for rid, _ in stops}
        requests = [self.requests[r] for r in ids]
        return trim(
            crew,
            needed=_peak_escorts(stops, self.requests),
            female=any(r.requires_female_escort for r in requests),
            medical=any(r.requires_medical_escort for r in requests),
        )

    def _timing(
        self, vehicle: Vehicle, stops: Sequence[tuple[str, StopType]], window: tuple[int, int]
    ) -> Timing | None:
        visits: list[Visit] = []
        position: dict[tuple[str, StopType], int] = {}
        onboard, aboard = [], 0
        for k, (rid, kind) in enumerate(stops):
            r = self.requests[rid]
            w = r.pickup if kind is StopType.PICKUP else r.dropoff
            visits.append(Visit(kind, rid, w.location, w.earliest, w.latest, w.service_min * 60))
            position[(rid, kind)] = k
            aboard += r.persons if kind is StopType.PICKUP else -r.persons
            onboard.append(aboard)
        rides = [
            RideLimit(
                position[(rid, StopType.PICKUP)], position[(rid, StopType.DROPOFF)], r.max_ride_min * 60
            )
            for rid, r in ((rid, self.requests[rid]) for rid, kind in stops if kind is StopType.PICKUP)
            if r.max_ride_min is not None and (rid, StopType.DROPOFF) in position
        ]
        return schedule(self.matrix, vehicle.depot, visits, rides, window, onboard=onboard)

    # ------------------------------------------------------------------ reasons
    def _explain(self, request: Request, conflicts: dict[str, str]) -> Unassigned:
        if request.id in conflicts:
            return locked_conflict(request, conflicts[request.id])
        return explain(request, self._fleet(request), self.matrix, self.clock)


FIRST_ROUND_SHARE = 0.45
BOUND_SHARE = 0.06  # of the whole limit: the time-profile models of the bound (planner.bound)
FLOOR_SHARE = 0.15  # of a part's time: the floor (single tours by CP-SAT), computed first
FILL_SHARE = 0.5  # of the rest: insertion, fill on idle staff and the master (most of it)
MASTER_FIRST = 0.25  # of the master's time: routed tours and singles only
PAIR_SHARE = 0.3  # of the master's remaining time at most: timing tours of two requests
CHAIN_SHARE = 0.2  # of what is left then, at most: growing chains
PRICING_ROUNDS = 3  # master solves with new columns from its open requests
PRICING_SHARE = 0.5  # of the time left, for each solve but the last
MIN_ROUND_S = 0.3
ROOM_TRIES = 12  # tours tried, one at a time, to make room for a request the floor serves
ROOM_S = 0.3  # CP-SAT time for one such try (a handful of requests)
ROOM_PAIRS = 6  # then two tours at once, among this many first ones


@dataclasses.dataclass(frozen=True)
class _Round:
    """One routing of the part: crews on vehicles and the timed tours (by routing vehicle)."""

    assignments: list[Assignment]
    tours: dict[int, Tour]
    score: tuple[int, ...]

    @property
    def served(self) -> set[str]:
        return {s.request for t in self.tours.values() for s in t.stops if s.request}


def _pickups(tour: Tour) -> int:
    return sum(1 for s in tour.stops if s.type is StopType.PICKUP)


def _requests_of(tour: Tour) -> set[str]:
    return {s.request for s in tour.stops if s.request}


def _first_request(tour: Tour) -> str:
    return next(s.request for s in tour.stops if s.request)


def _meters(matrix: TravelMatrix, vehicles: dict[str, Vehicle], tours: Iterable[Tour]) -> int:
    return sum(matrix.route_meters(vehicles[t.vehicle].depot, (s.location for s in t.stops)) for t in tours)


def _peak_escorts(stops: Sequence[tuple[str, StopType]], requests: dict[str, Request]) -> int:
    peak = load = 0
    for rid, kind in stops:
        load += requests[rid].escorts_required if kind is StopType.PICKUP else -requests[rid].escorts_required
        peak = max(peak, load)
    return max(1, peak)


def _without_weakest(
    stops: list[tuple[str, StopType]], requests: dict[str, Request], *, locked: bool
) -> list[tuple[str, StopType]]:
    """The stops without the request of lowest priority (a repair when timing fails)."""
    if locked:
        return []
    ids = {rid for rid, _ in stops}
    weakest = min(ids, key=lambda r: (requests[r].priority, r))
    return [s for s in stops if s[0] != weakest]


def _assemble(scenario: Scenario, tours: list[Tour], unassigned: list[Unassigned], began: float) -> Plan:
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    meters = _meters(matrix, {v.id: v for v in scenario.vehicles}, tours)
    order = {r.id: i for i, r in enumerate(scenario.requests)}
    tours.sort(key=lambda t: (t.vehicle, t.start))
    unassigned.sort(key=lambda u: order.get(u.request, 0))
    served = sum(1 for t in tours for s in t.stops if s.type is StopType.PICKUP)
    stats = PlanStats(served, len(unassigned), round(meters / 1000, 1), round(time.perf_counter() - began, 2))
    return Plan(scenario.date, tuple(tours), tuple(unassigned), stats)


def _drop_invalid(scenario: Scenario, plan: Plan, problems: list[Violation], began: float) -> Plan:
    """Remove every tour a violation points at; its requests become unassigned (`other`)."""
    bad = {p.tour for p in problems if p.tour is not None}
    tours = [t for i, t in enumerate(plan.tours) if i not in bad]
    kept = {s.request for t in tours for s in t.stops if s.request}
    listed = {u.request for u in plan.unassigned}
    unassigned = list(plan.unassigned)
    committed = {s.request: t.vehicle for t in scenario.locked for s in t.stops}
    why = "; ".join(str(p) for p in problems[:2])
    for r in scenario.requests:
        if r.id in kept or r.id in listed:
            continue
        if r.id in committed:  # a committed transport is never lost silently
            detail = (
                f"Feste Tour auf {committed[r.id]} bei der Schlussprüfung nicht haltbar ({why}); "
                "bitte neu disponieren."
            )
            unassigned.append(Unassigned(r.id, UnassignedReason.LOCKED_CONFLICT, detail))
        else:
            unassigned.append(
                Unassigned(r.id, UnassignedReason.OTHER, "Tour bei der Schlussprüfung verworfen.")
            )
    repaired = _assemble(scenario, tours, unassigned, began)
    remaining = validate(scenario, repaired)
    if remaining:
        log.error("plan still invalid after repair: %s", "; ".join(map(str, remaining[:5])))
    return repaired
