"""The floor: every request alone on its own tour, vehicles and escorts chosen by CP-SAT.

Restriction: each tour carries exactly one request and is timed by `schedule` for one of the
request's candidate windows (every maximal crew window of its ZAB's staff on duty, intersected
with a free part of a vehicle's day), shortest first; the model may run the whole tour later by
up to its *slack* (every stop still within its window: travel, waits, breaks and rides are the
same when all times move together), within the hours of the chosen vehicle and of every escort
class aboard. Within that restriction the model is exact:

- a vehicle runs at most one tour at a time: vehicles that are interchangeable (same ZAB,
  depot, hours, seats, wheelchair, no fixed tour) form a *type*; tours of a type never overlap
  more often than the type has vehicles (a cumulative constraint). Interval graphs are perfect,
  so such tours can always be put on the type's vehicles one by one (expanded at the end).
  A vehicle that already carries fixed tours is a type of its own, used only in its free time;
- each escort rides at most one tour, of his or her vehicle's ZAB, and the shift covers the
  tour: escorts are counted by *class* (ZAB, shift, woman, medic) and expanded to persons at
  the end;
- the crew has at least the escorts the request needs (at least one), a woman and a medic where
  asked, and the persons plus the crew fit the vehicle's seats;
- objective: served requests per priority, strictly lexicographic (5 first) by weights
  w_p = prod_{q<p} (n_q + 1), so one request of priority p outweighs all lower ones together.

Every plan this builds is valid (spec rules 1–11), so no optimal plan is below it; it is the
exact optimum of the restriction when CP-SAT proves it (`Singles.optimal`), otherwise the best
found in the time (at least the greedy hint). The same model puts requests left open onto the
vehicles and escorts a plan leaves idle (the fill: routed tours as `fixed`) and, with routed
tours of several requests as `columns`, is the master of planner.solve; `planner.solve.floor_plan`
is the floor of a whole scenario (committed tours kept as they are).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from planner.diagnose import crew_windows, visits_of
from planner.model import Escort, Request, Stop, StopType, Tour, Vehicle
from planner.schedule import Timing, schedule
from planner.travel import TravelMatrix

Interval = tuple[int, int]

# two search threads even where two parts are solved at once on two cores: the second thread
# runs CP-SAT's neighbourhood searches, which find better choices in half the CPU time than the
# default search alone (python -m bench.master_threads: 621–630 against 618 served over 20 parts)
CP_SAT_WORKERS = 2
GREEDY_ORDERS_UP_TO = 3000  # candidates: beyond, one greedy order only (0.03 s per order at 631)


@dataclass(frozen=True, slots=True)
class Singles:
    """Tours of one request each, and how sure the model is of them."""

    tours: tuple[Tour, ...]
    optimal: bool  # CP-SAT proved no better choice of single tours exists (within the restriction)
    seconds: float


@dataclass(frozen=True, slots=True)
class _Type:
    zab: str
    depot: str
    seats: int
    wheelchair: bool
    vehicles: tuple[Vehicle, ...]
    free: tuple[Interval, ...]  # parts of the day not taken by fixed tours
    busy: tuple[Interval, ...] = ()  # the fixed tours' times (a type of one vehicle)


@dataclass(frozen=True, slots=True)
class _Class:
    zab: str
    shift: Interval
    female: bool
    medical: bool
    members: tuple[Escort, ...]


@dataclass(slots=True)
class _Candidate:
    """A tour that may be chosen: its requests, timing and what its crew and vehicle need."""

    requests: tuple[Request, ...]
    zab: str
    depot: str
    timing: Timing
    types: list[int]
    classes: list[int]
    low: int  # crew size at least (peak escorts on board, at least one)
    high: int  # crew size at most that can be needed (one more where a woman and a medic are asked)
    persons: int  # peak persons on board
    female: bool
    medical: bool
    origin: Tour | None = None  # the routed tour this column is (its vehicle and crew: the hint)
    slack: int = 0  # seconds the whole tour may start later: every stop still in its window
    type_shift: dict[int, Interval] = field(default_factory=dict)  # later starts each type allows
    class_shift: dict[int, Interval] = field(default_factory=dict)  # and each escort class

    @property
    def key(self) -> str:
        return self.requests[0].id


def _single(r: Request, zab: str, depot: str, timing: Timing) -> _Candidate:
    low, high = crew_bounds(r)
    return _Candidate(
        (r,),
        zab,
        depot,
        timing,
        [],
        [],
        low,
        high,
        r.persons,
        r.requires_female_escort,
        r.requires_medical_escort,
        slack=_slack(timing.stops, {r.id: r}),
    )


def _slack(stops: Sequence[Stop], requests: dict[str, Request]) -> int:
    """How much later the whole tour may run: travel, waits, breaks and rides stay the same
    when every time moves by the same amount, so only the stops' latest starts limit it."""
    room = [
        (requests[s.request].pickup if s.type is StopType.PICKUP else requests[s.request].dropoff).latest
        - s.start
        for s in stops
        if s.request and s.type is not StopType.BREAK
    ]
    return max(0, min(room, default=0))


def _shifted(tour: Tour, delta: int) -> Tour:
    """The same tour `delta` seconds later."""
    if not delta:
        return tour
    stops = tuple(
        replace(s, arrival=s.arrival + delta, start=s.start + delta, departure=s.departure + delta)
        for s in tour.stops
    )
    return replace(tour, start=tour.start + delta, end=tour.end + delta, stops=stops)


def _of_tour(tour: Tour, vehicle: Vehicle, requests: dict[str, Request]) -> _Candidate:
    """A routed tour as a column: same stops and times, any fitting vehicle and crew."""
    load = persons = low = peak_persons = 0
    members: list[Request] = []
    for stop in tour.stops:
        if not stop.request:
            continue
        r = requests[stop.request]
        sign = 1 if stop.type is StopType.PICKUP else -1
        if sign > 0:
            members.append(r)
        load += sign * r.escorts_required
        persons += sign * r.persons
        low, peak_persons = max(low, load), max(peak_persons, persons)
    female = any(r.requires_female_escort for r in members)
    medical = any(r.requires_medical_escort for r in members)
    low = max(1, low)
    high = max(low, 2 if female and medical else 1)
    timing = Timing(tour.start, tour.end, tour.stops)
    return _Candidate(
        tuple(members),
        vehicle.zab,
        vehicle.depot,
        timing,
        [],
        [],
        low,
        high,
        peak_persons,
        female,
        medical,
        tour,
        slack=_slack(tour.stops, requests),
    )


def crew_bounds(request: Request) -> tuple[int, int]:
    """Smallest and largest crew a single tour of the request can need."""
    low = max(1, request.escorts_required)
    high = max(low, 2 if request.requires_female_escort and request.requires_medical_escort else 1)
    return low, high


def single_tours(
    requests: Sequence[Request],
    vehicles: Sequence[Vehicle],
    escorts: Sequence[Escort],
    matrix: TravelMatrix,
    *,
    cross_zab: bool,
    fixed: Sequence[Tour] = (),
    columns: Sequence[Tour] = (),
    hint: int = 0,
    time_limit: float = 5.0,
    seed: int = 0,
    threads: int = CP_SAT_WORKERS,
) -> Singles:
    """The lexicographically best set of tours for `requests`, on what the `fixed` tours leave
    free (their vehicles' time and their escorts): single-request tours, and the routed
    `columns` (tours of several requests) with vehicle and crew chosen anew. Columns given
    first are the greedy hint's first choice; the first `hint` columns are a feasible plan and
    keep their vehicle and crew in the hint, so the solver starts from that plan. `threads`:
    CP-SAT's search threads."""
    began = time.perf_counter()
    types, classes, candidates, routed = _columns(
        requests, vehicles, escorts, matrix, cross_zab, fixed, columns
    )
    if not candidates:
        return Singles((), True, time.perf_counter() - began)

    model = cp_model.CpModel()
    weight = _weights(requests)
    chosen: list[cp_model.IntVar] = []
    on_type: list[dict[int, cp_model.IntVar]] = []
    crew: list[dict[int, cp_model.IntVar]] = []
    shifts: list[cp_model.IntVar | int] = []
    per_request: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    per_type: dict[int, list[tuple[cp_model.IntervalVar, cp_model.IntVar]]] = defaultdict(list)
    per_class: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for i, c in enumerate(candidates):
        x = model.new_bool_var(f"x{i}")
        chosen.append(x)
        for r in c.requests:
            per_request[r.id].append(x)
        low, high = c.low, c.high
        ys = {t: model.new_bool_var(f"y{i}_{t}") for t in c.types}
        model.add(sum(ys.values()) == x)
        # the later start: a variable where the tour has slack, kept within what the chosen
        # vehicle type's hours and every escort class aboard allow
        delta = model.new_int_var(0, c.slack, f"d{i}") if c.slack else 0
        shifts.append(delta)
        duration = c.timing.end - c.timing.start
        for t, y in ys.items():
            start = c.timing.start + delta
            interval = model.new_optional_fixed_size_interval_var(start, duration, y, f"iv{i}_{t}")
            if not isinstance(delta, int):
                _keep_within(model, delta, c.type_shift[t], c.slack, y)
            per_type[t].append((interval, y))
        ns = {k: model.new_int_var(0, min(high, len(classes[k].members)), f"n{i}_{k}") for k in c.classes}
        if not isinstance(delta, int):
            for k, n in ns.items():
                if c.class_shift[k] != (0, c.slack):
                    aboard = model.new_bool_var(f"a{i}_{k}")
                    model.add(n <= min(high, len(classes[k].members)) * aboard)
                    _keep_within(model, delta, c.class_shift[k], c.slack, aboard)
        crew.append(ns)
        on_type.append(ys)
        size = sum(ns.values())
        model.add(size >= low * x)
        model.add(size <= high * x)
        if c.female:
            model.add(sum(n for k, n in ns.items() if classes[k].female) >= x)
        if c.medical:
            model.add(sum(n for k, n in ns.items() if classes[k].medical) >= x)
        for t, y in ys.items():
            room = types[t].seats - c.persons
            if room < high:
                model.add(size <= room).only_enforce_if(y)
        for k, n in ns.items():
            per_class[k].append(n)
    for xs in per_request.values():
        model.add_at_most_one(xs)
    for t, items in per_type.items():
        if len(types[t].vehicles) == 1:
            busy = [
                model.new_fixed_size_interval_var(lo, hi - lo, f"busy{t}_{lo}") for lo, hi in types[t].busy
            ]
            model.add_no_overlap([iv for iv, _ in items] + busy)
        else:
            model.add_cumulative([iv for iv, _ in items], [1] * len(items), len(types[t].vehicles))
    for k, ns_k in per_class.items():
        model.add(sum(ns_k) <= len(classes[k].members))
    served = sum(
        sum(weight[r.priority] for r in c.requests) * x for c, x in zip(candidates, chosen, strict=True)
    )
    model.maximize(served)
    greedy = _best_greedy(candidates, types, classes, weight, first=routed, hint=hint)
    for i in range(len(candidates)):
        choice = greedy.get(i)
        model.add_hint(chosen[i], choice is not None)
        for t, y in on_type[i].items():
            model.add_hint(y, choice is not None and choice[0] == t)
        for k, n in crew[i].items():
            model.add_hint(n, 0 if choice is None else choice[1].get(k, 0))
        delta = shifts[i]
        if not isinstance(delta, int):
            model.add_hint(delta, 0)  # the greedy choice runs every tour as timed

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.2, time_limit - (time.perf_counter() - began))
    solver.parameters.num_workers = threads
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # no time to solve: the greedy choice
        return Singles(_greedy_plan(candidates, types, classes, greedy), False, time.perf_counter() - began)

    def answer() -> list[tuple[_Candidate, int, dict[int, int], int]]:
        return [
            (
                c,
                next(t for t, y in on_type[i].items() if solver.value(y)),
                {k: solver.value(n) for k, n in crew[i].items()},
                solver.value(shifts[i]),
            )
            for i, c in enumerate(candidates)
            if solver.value(chosen[i])
        ]

    picked = answer()
    left = time_limit - (time.perf_counter() - began)
    if status == cp_model.OPTIMAL and left > SECONDARY_MIN_S:
        # served priority proven best over these columns: keep it, then fewer kilometres, then
        # fewer crew hours (strictly lexicographic by weights: metres outweigh any crew seconds)
        model.add(served >= round(solver.objective_value))
        _hint_from(model, solver, chosen, on_type, crew, shifts)
        span = max(1, sum(len(k.members) for k in classes) * MAX_SPAN_S)
        metres = [_meters(c, matrix) for c in candidates]
        if sum(metres) * span + span * len(candidates) < 2**62:  # the objective fits 64 bits
            model.minimize(
                sum(
                    m * span * x + sum(ns.values()) * (c.timing.end - c.timing.start)
                    for c, m, x, ns in zip(candidates, metres, chosen, crew, strict=True)
                )
            )
            solver.parameters.max_time_in_seconds = SECONDARY_SHARE * left
            if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                picked = answer()  # the same served priority, fewer kilometres and crew hours
    tours = _expand(picked, types, classes)
    return Singles(tuple(tours), status == cp_model.OPTIMAL, time.perf_counter() - began)


SECONDARY_MIN_S = 0.2  # time left after the first solve worth spending on kilometres and crew hours
SECONDARY_SHARE = 0.5  # of that time at most: the caller may solve again with more columns
MAX_SPAN_S = 10 * 3600  # no tour is longer (Arbeitszeitgesetz): bounds a crew's seconds on one tour


def greedy_tours(
    requests: Sequence[Request],
    vehicles: Sequence[Vehicle],
    escorts: Sequence[Escort],
    matrix: TravelMatrix,
    *,
    cross_zab: bool,
    fixed: Sequence[Tour] = (),
) -> tuple[Tour, ...]:
    """The single tours of `single_tours`'s greedy hint, without CP-SAT (bench.floor_hint)."""
    types, classes, candidates, _ = _columns(requests, vehicles, escorts, matrix, cross_zab, fixed, ())
    choice = _best_greedy(candidates, types, classes, _weights(requests), first=0)
    return _greedy_plan(candidates, types, classes, choice)


def _weights(requests: Sequence[Request]) -> dict[int, int]:
    """w_p = prod_{q<p} (n_q + 1): one request of priority p outweighs all lower ones together."""
    counts = Counter(r.priority for r in requests)
    weight: dict[int, int] = {}
    w = 1
    for p in range(1, 6):
        weight[p] = w
        w *= counts[p] + 1
    return weight


def _columns(
    requests: Sequence[Request],
    vehicles: Sequence[Vehicle],
    escorts: Sequence[Escort],
    matrix: TravelMatrix,
    cross_zab: bool,
    fixed: Sequence[Tour],
    columns: Sequence[Tour],
) -> tuple[list[_Type], list[_Class], list[_Candidate], int]:
    """Vehicle types and escort classes on what `fixed` leaves free, and the candidates: the
    routed `columns` that still fit, then single tours. The last value is the number of routed
    columns given (the greedy's `first`), counting those that no longer fit."""
    busy_escorts = {e for t in fixed for e in t.escorts}
    types = _types(vehicles, fixed)
    classes = _classes([e for e in escorts if e.id not in busy_escorts])
    scope = {r.id: r for r in requests}
    by_id = {v.id: v for v in vehicles}
    routed = [
        _of_tour(t, by_id[t.vehicle], scope)
        for t in columns
        if all(s.request in scope for s in t.stops if s.request)
    ]
    for c in routed:
        _fit(c, types, classes, cross_zab)
    fitting = [c for c in routed if c.types and c.classes]
    return types, classes, fitting + _candidates(requests, types, classes, matrix, cross_zab), len(routed)


def _greedy_plan(
    candidates: list[_Candidate],
    types: list[_Type],
    classes: list[_Class],
    greedy: dict[int, tuple[int, dict[int, int]]],
) -> tuple[Tour, ...]:
    picked = [(candidates[i], t, counts, 0) for i, (t, counts) in sorted(greedy.items())]
    return tuple(_expand(picked, types, classes))


def _meters(c: _Candidate, matrix: TravelMatrix) -> int:
    return matrix.route_meters(c.depot, (s.location for s in c.timing.stops))


def _keep_within(
    model: cp_model.CpModel, delta: cp_model.IntVar, allowed: Interval, slack: int, when: cp_model.IntVar
) -> None:
    if allowed[0] > 0:
        model.add(delta >= allowed[0]).only_enforce_if(when)
    if allowed[1] < slack:
        model.add(delta <= allowed[1]).only_enforce_if(when)


def _hint_from(
    model: cp_model.CpModel,
    solver: cp_model.CpSolver,
    chosen: list[cp_model.IntVar],
    on_type: list[dict[int, cp_model.IntVar]],
    crew: list[dict[int, cp_model.IntVar]],
    shifts: list[cp_model.IntVar | int],
) -> None:
    """The solver's answer as the model's hint for the next solve."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    for x, ys, ns, delta in zip(chosen, on_type, crew, shifts, strict=True):
        model.add_hint(x, solver.value(x))
        if not isinstance(delta, int):
            model.add_hint(delta, solver.value(delta))
        for y in ys.values():
            model.add_hint(y, solver.value(y))
        for n in ns.values():
            model.add_hint(n, solver.value(n))


def _best_greedy(
    candidates: list[_Candidate],
    types: list[_Type],
    classes: list[_Class],
    weight: dict[int, int],
    first: int,
    hint: int = 0,
) -> dict[int, tuple[int, dict[int, int]]]:
    """The solver's hint: the `first` candidates (routed tours) in their order, then highest
    priority first and, among equals, earliest start. For single tours alone (no routed
    columns) also smallest crew, latest start and shortest tour first, and the best of these
    by the model's objective (python -m bench.floor_hint: no one order is best on every day);
    the master's hint starts from the plan it improves."""
    top = [-max(r.priority for r in c.requests) for c in candidates]
    then: list[Callable[[_Candidate], int | tuple[int, int]]] = [lambda c: c.timing.start]
    if not first and len(candidates) <= GREEDY_ORDERS_UP_TO:
        then += [
            lambda c: (c.low, c.timing.start),
            lambda c: -c.timing.start,
            lambda c: c.timing.end - c.timing.start,
        ]
    best: dict[int, tuple[int, dict[int, int]]] = {}
    best_value = -1
    for key in then:
        order = sorted(range(len(candidates)), key=lambda i: (i >= first, top[i], key(candidates[i])))
        choice = _greedy(candidates, types, classes, order, hint)
        value = sum(weight[r.priority] for i in choice for r in candidates[i].requests)
        if value > best_value:
            best, best_value = choice, value
    return best


def _greedy(
    candidates: list[_Candidate],
    types: list[_Type],
    classes: list[_Class],
    order: Sequence[int],
    hint: int = 0,
) -> dict[int, tuple[int, dict[int, int]]]:
    """A first choice: the first `hint` candidates with their own vehicle and crew, then the
    others in `order`, each on the first fitting vehicle type; escorts from the classes that
    fewest candidates can use (each escort rides one tour: a class whose shift covers many
    tours is kept for those)."""
    used: dict[int, list[Interval]] = defaultdict(list)
    left = [len(k.members) for k in classes]
    reach = Counter(k for c in candidates for k in c.classes)
    served: set[str] = set()
    out: dict[int, tuple[int, dict[int, int]]] = {}
    type_of = {v.id: t for t, kind in enumerate(types) for v in kind.vehicles}
    class_of = {e.id: k for k, cls in enumerate(classes) for e in cls.members}
    for i in range(min(hint, len(candidates))):
        c = candidates[i]
        origin = c.origin
        if origin is None or type_of.get(origin.vehicle) not in c.types:
            continue
        if any(e not in class_of or class_of[e] not in c.classes for e in origin.escorts):
            continue
        counts: dict[int, int] = defaultdict(int)
        for e in origin.escorts:
            counts[class_of[e]] += 1
        used[type_of[origin.vehicle]].append((c.timing.start, c.timing.end))
        for k, n in counts.items():
            left[k] -= n
        out[i] = (type_of[origin.vehicle], dict(counts))
        served.update(r.id for r in c.requests)
    for i in order:
        c = candidates[i]
        if i in out or any(r.id in served for r in c.requests):
            continue
        start, end = c.timing.start, c.timing.end
        low = c.low
        crew = _greedy_crew(c, classes, left, low, reach)
        if crew is None:
            continue
        size = sum(crew.values())
        for t in c.types:
            if types[t].seats < c.persons + size or not _as_timed(c, types[t]):
                continue
            points = [start] + [lo for lo, _ in used[t] if start <= lo < end]
            busiest = max(sum(1 for lo, hi in used[t] if lo <= p < hi) for p in points)
            if busiest < len(types[t].vehicles):
                used[t].append((start, end))
                for k, n in crew.items():
                    left[k] -= n
                out[i] = (t, crew)
                served.update(r.id for r in c.requests)
                break
    return out


def _as_timed(c: _Candidate, kind: _Type) -> bool:
    """Whether vehicles of the type can run the candidate unshifted (the greedy choice does):
    a free part of their day (within their hours) holds it."""
    return any(g[0] <= c.timing.start and c.timing.end <= g[1] for g in kind.free)


def _greedy_crew(
    c: _Candidate, classes: list[_Class], left: list[int], low: int, reach: Counter[int]
) -> dict[int, int] | None:
    counts: dict[int, int] = defaultdict(int)
    fitting = sorted(
        (k for k in c.classes if left[k] > 0 and c.class_shift[k][0] == 0), key=lambda k: (reach[k], k)
    )
    avail = {k: left[k] for k in fitting}

    def take(want: Callable[[_Class], bool]) -> bool:
        k = next((k for k in avail if avail[k] > 0 and want(classes[k])), None)
        if k is None:
            return False
        avail[k] -= 1
        counts[k] += 1
        return True

    if c.female and c.medical and take(lambda k: k.female and k.medical):
        pass
    else:
        if c.female and not take(lambda k: k.female):
            return None
        if c.medical and not take(lambda k: k.medical):
            return None
    while sum(counts.values()) < low:
        if not take(lambda k: not k.female and not k.medical) and not take(lambda k: True):
            return None
    return dict(counts)


def _types(vehicles: Sequence[Vehicle], fixed: Sequence[Tour]) -> list[_Type]:
    taken: dict[str, list[Interval]] = defaultdict(list)
    for t in fixed:
        taken[t.vehicle].append((t.start, t.end))
    groups: dict[tuple[object, ...], list[Vehicle]] = defaultdict(list)
    for v in sorted(vehicles, key=lambda v: v.id):
        if v.available_from >= v.available_until:
            continue
        key: tuple[object, ...] = (v.zab, v.depot, v.available_from, v.available_until, v.seats, v.wheelchair)
        groups[key + ((v.id,) if v.id in taken else ())].append(v)
    out = []
    for members in groups.values():
        v = members[0]
        out.append(
            _Type(
                v.zab,
                v.depot,
                v.seats,
                v.wheelchair,
                tuple(members),
                tuple(_free(v, taken.get(v.id, []))),
                tuple(sorted(taken.get(v.id, []))),
            )
        )
    return out


def _free(vehicle: Vehicle, taken: list[Interval]) -> list[Interval]:
    out, start = [], vehicle.available_from
    for lo, hi in sorted(taken):
        if lo > start:
            out.append((start, min(lo, vehicle.available_until)))
        start = max(start, hi)
    if start < vehicle.available_until:
        out.append((start, vehicle.available_until))
    return [iv for iv in out if iv[0] < iv[1]]


def _classes(escorts: Sequence[Escort]) -> list[_Class]:
    groups: dict[tuple[str, int, int, bool, bool], list[Escort]] = defaultdict(list)
    for e in sorted(escorts, key=lambda e: e.id):
        groups[(e.zab, e.shift_start, e.shift_end, e.is_female, e.is_medical)].append(e)
    return [_Class(z, (s, f), fem, med, tuple(m)) for (z, s, f, fem, med), m in groups.items()]


def _candidates(
    requests: Sequence[Request],
    types: list[_Type],
    classes: list[_Class],
    matrix: TravelMatrix,
    cross_zab: bool,
) -> list[_Candidate]:
    pool = [e for k in classes for e in k.members]
    windows_of: dict[tuple[object, ...], list[tuple[str, Interval, int]]] = {}
    out: list[_Candidate] = []
    for r in requests:
        key = (
            None if cross_zab else r.zab,
            r.escorts_required,
            r.requires_female_escort,
            r.requires_medical_escort,
        )
        if key not in windows_of:
            staff = [e for e in pool if cross_zab or e.zab == r.zab]
            windows_of[key] = crew_windows(r, staff)
        visits, rides = visits_of(r)
        low, _ = crew_bounds(r)
        fitting = [
            t
            for t, kind in enumerate(types)
            if (cross_zab or kind.zab == r.zab)
            and (kind.wheelchair or not r.wheelchair)
            and kind.seats >= r.persons + low
        ]
        seen: dict[tuple[str, str, int, int], _Candidate] = {}
        timed: set[tuple[str, Interval]] = set()
        for zab, (lo, hi), _ in windows_of[key]:
            for t in fitting:
                kind = types[t]
                if kind.zab != zab:
                    continue
                for gap in kind.free:
                    window = (max(lo, gap[0]), min(hi, gap[1]))
                    if window[0] >= window[1] or (kind.depot, window) in timed:
                        continue
                    timed.add((kind.depot, window))
                    timing = schedule(matrix, kind.depot, visits, rides, window, onboard=[r.persons, 0])
                    if timing is None:
                        continue
                    slot = (zab, kind.depot, timing.start, timing.end)
                    if slot in seen:
                        continue
                    seen[slot] = _single(r, zab, kind.depot, timing)
        for c in seen.values():
            _fit(c, types, classes, cross_zab)
            if c.types and c.classes:
                out.append(c)
    return out


def _fit(c: _Candidate, types: list[_Type], classes: list[_Class], cross_zab: bool) -> None:
    """The vehicle types and escort classes that may drive the candidate, each with the later
    starts (shifts within the candidate's slack) at which it can."""
    start, end = c.timing.start, c.timing.end
    wheelchair = any(r.wheelchair for r in c.requests)
    c.types, c.type_shift = [], {}
    for t, kind in enumerate(types):
        if not (
            kind.zab == c.zab
            and kind.depot == c.depot  # the timing holds for tours from its depot
            and (kind.wheelchair or not wheelchair)
            and kind.seats >= c.persons + c.low
            and (cross_zab or all(r.zab == kind.zab for r in c.requests))
        ):
            continue
        v = kind.vehicles[0]
        shift = (max(0, v.available_from - start), min(c.slack, v.available_until - end))
        if any(max(shift[0], g[0] - start) <= min(shift[1], g[1] - end) for g in kind.free):
            c.types.append(t)
            c.type_shift[t] = shift
    c.classes, c.class_shift = [], {}
    for k, cls in enumerate(classes):
        shift = (max(0, cls.shift[0] - start), min(c.slack, cls.shift[1] - end))
        if cls.zab == c.zab and shift[0] <= shift[1]:
            c.classes.append(k)
            c.class_shift[k] = shift


def _expand(
    picked: list[tuple[_Candidate, int, dict[int, int], int]], types: list[_Type], classes: list[_Class]
) -> list[Tour]:
    """Counts to persons: vehicles of a type by earliest free, escorts of a class in id order;
    each tour as much later as the solver shifted it."""
    free_at: dict[int, list[int]] = {t: [-(10**9)] * len(types[t].vehicles) for t in range(len(types))}
    left: dict[int, list[Escort]] = {k: list(cls.members) for k, cls in enumerate(classes)}
    tours = []
    for c, t, counts, delta in sorted(picked, key=lambda p: (p[0].timing.start + p[3], p[0].key)):
        start, end = c.timing.start + delta, c.timing.end + delta
        slots = free_at[t]
        v = next(i for i, busy_until in enumerate(slots) if busy_until <= start)
        slots[v] = end
        members: list[str] = []
        for k, n in counts.items():
            members.extend(e.id for e in left[k][:n])
            del left[k][:n]
        vehicle = types[t].vehicles[v]
        timed = Tour(vehicle.id, tuple(sorted(members)), c.timing.start, c.timing.end, c.timing.stops)
        tours.append(_shifted(timed, delta))
    return tours
