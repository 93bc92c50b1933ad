"""Crews: which escorts ride together, on which vehicle, and who may step down afterwards.

Escorts of one ZAB whose shifts start at the same hour are formed into crews of two (three or
four where the day's requests need them), spreading the female and the medically qualified escorts so
that as many crews as possible can take requests that need them. Each crew is bound to one
vehicle of its ZAB; crews whose shifts overlap share a vehicle only one after the other.
After routing, a crew keeps only the members its tour needs (fewer crew hours).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from planner.model import Escort, Request, Vehicle

MIN_PAIR_OVERLAP_S = 4 * 3600


@dataclass(frozen=True, slots=True)
class Crew:
    zab: str
    escorts: tuple[Escort, ...]
    window: tuple[int, int]  # the members' common shift

    @property
    def size(self) -> int:
        return len(self.escorts)

    @property
    def female(self) -> bool:
        return any(e.is_female for e in self.escorts)

    @property
    def medical(self) -> bool:
        return any(e.is_medical for e in self.escorts)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.escorts)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A crew on a vehicle: one routing vehicle of the search.

    `limit` is the part of the day the crew has the vehicle when crews share it: crews with
    overlapping shifts on one vehicle split the overlap, so no tour needs to know another's.
    """

    crew: Crew
    vehicle: Vehicle
    locked: bool = False
    limit: tuple[int, int] | None = None

    @property
    def window(self) -> tuple[int, int]:
        lo = max(self.crew.window[0], self.vehicle.available_from)
        hi = min(self.crew.window[1], self.vehicle.available_until)
        if self.limit is not None:
            lo, hi = max(lo, self.limit[0]), min(hi, self.limit[1])
        return lo, hi


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _span(request: Request) -> tuple[int, int]:
    return request.pickup.earliest, request.dropoff.latest


def form_crews(escorts: Sequence[Escort], requests: Sequence[Request]) -> list[Crew]:
    """Crews for the escorts of one ZAB (all on duty, none locked), shaped by the day's requests."""
    groups: dict[int, list[Escort]] = defaultdict(list)
    for escort in sorted(escorts, key=lambda e: e.id):
        groups[escort.shift_start].append(escort)  # shifts starting together, whatever their end
    crews: list[Crew] = []
    leftovers: list[Escort] = []
    for start, members in sorted(groups.items()):
        if len(members) == 1:
            leftovers.extend(members)
            continue
        window = (start, min(e.shift_end for e in members))
        quads_needed = sum(1 for r in requests if r.escorts_required >= 4 and _overlaps(_span(r), window))
        triples_needed = sum(1 for r in requests if r.escorts_required == 3 and _overlaps(_span(r), window))
        quads = min(len(members) // 4, math.ceil(quads_needed / 2))
        triples = min((len(members) - 4 * quads) // 3, math.ceil(triples_needed / 2))
        crews.extend(_split(members, quads, triples))
    crews.extend(_pair_leftovers(leftovers))
    return crews


def _split(members: list[Escort], quads: int, triples: int) -> list[Crew]:
    """Partition one shift group into crews, spreading women and medical qualifications;
    each crew's window is its members' common shift."""
    n = len(members)
    pairs = (n - 4 * quads - 3 * triples) // 2
    sizes = [4] * quads + [3] * triples + [2] * pairs
    leftover = n - sum(sizes)
    if not sizes:
        sizes = [n]
    elif leftover:
        sizes[0] += leftover
    teams: list[list[Escort]] = [[] for _ in sizes]
    pool = sorted(members, key=lambda e: (not e.is_female, not e.is_medical, e.id))
    females = [e for e in pool if e.is_female]
    others = [e for e in pool if not e.is_female]
    for i, escort in enumerate(females[: len(teams)]):
        teams[i].append(escort)
    rest = females[len(teams) :] + others
    medical = [e for e in rest if e.is_medical]
    plain = [e for e in rest if not e.is_medical]
    for escort in medical:
        target = min(
            (i for i in range(len(teams)) if len(teams[i]) < sizes[i]),
            key=lambda i: (any(m.is_medical for m in teams[i]), len(teams[i]), i),
            default=None,
        )
        if target is None:
            break
        teams[target].append(escort)
    placed = {e.id for team in teams for e in team}
    for escort in (e for e in medical + plain if e.id not in placed):
        target = min(
            (i for i in range(len(teams)) if len(teams[i]) < sizes[i]), key=lambda i: (len(teams[i]), i)
        )
        teams[target].append(escort)
    return [
        Crew(
            team[0].zab,
            tuple(sorted(team, key=lambda e: e.id)),
            (max(e.shift_start for e in team), min(e.shift_end for e in team)),
        )
        for team in teams
        if team
    ]


def _pair_leftovers(single: list[Escort]) -> list[Crew]:
    """Escorts alone in their shift: paired by a maximum-weight matching on the common
    working time (at least four hours; pairs of one woman and one man weigh a little more, to
    spread women over crews); whoever stays unmatched forms a crew of one."""
    graph = nx.Graph()
    for i, a in enumerate(single):
        for b in single[i + 1 :]:
            overlap = min(a.shift_end, b.shift_end) - max(a.shift_start, b.shift_start)
            if overlap >= MIN_PAIR_OVERLAP_S and a.zab == b.zab:
                bonus = 1800 if a.is_female != b.is_female else 0
                graph.add_edge(a.id, b.id, weight=overlap + bonus)
    by_id = {e.id: e for e in single}
    crews: list[Crew] = []
    paired: set[str] = set()
    for x, y in sorted(tuple(sorted(edge)) for edge in nx.max_weight_matching(graph)):
        a, b = by_id[x], by_id[y]
        window = (max(a.shift_start, b.shift_start), min(a.shift_end, b.shift_end))
        crews.append(Crew(a.zab, (a, b), window))
        paired |= {x, y}
    crews.extend(Crew(e.zab, (e,), (e.shift_start, e.shift_end)) for e in single if e.id not in paired)
    return crews


def bind_crews(
    crews: Sequence[Crew],
    vehicles: Sequence[Vehicle],
    requests: Sequence[Request],
    taken: Iterable[Assignment] = (),
) -> list[Assignment]:
    """Put each crew on a vehicle of its ZAB, preferring a vehicle of its own, one that is
    available through the crew's shift, and the wheelchair vehicle when its shift has
    wheelchair requests. Crews sharing a vehicle split the overlap of their shifts at its
    middle; vehicles of committed tours (`taken`, listed first) are not shared with them.
    """
    fixed = list(taken)
    hosted: dict[str, list[Crew]] = defaultdict(list)
    blocked: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for a in fixed:
        blocked[a.vehicle.id].append(a.window)
    wheelchair_spans = [_span(r) for r in requests if r.wheelchair]
    of_zab: dict[str, list[Vehicle]] = defaultdict(list)
    for v in vehicles:
        of_zab[v.zab].append(v)
    for crew in sorted(crews, key=lambda c: (c.window[0], -c.size, c.ids)):
        lo, hi = crew.window
        own = [
            v
            for v in of_zab[crew.zab]
            if v.available_from < hi
            and lo < v.available_until
            and not any(_overlaps(w, crew.window) for w in blocked.get(v.id, ()))
        ]
        if not own:
            continue
        wanted = any(_overlaps(s, crew.window) for s in wheelchair_spans)

        # Overlaps written out: this key is evaluated for every crew and vehicle of a ZAB.
        def preference(
            v: Vehicle, lo: int = lo, hi: int = hi, size: int = crew.size, wanted: bool = wanted
        ) -> tuple[int, int, int, int, str]:
            clash = sum(
                max(0, min(hi, other.window[1]) - max(lo, other.window[0])) for other in hosted.get(v.id, ())
            )
            usable = min(hi, v.available_until) - max(lo, v.available_from)  # > 0: `own` overlaps
            return (clash, -usable, 0 if v.wheelchair == wanted else 1, -(v.seats - size), v.id)

        hosted[min(own, key=preference).id].append(crew)
    by_id = {v.id: v for v in vehicles}
    shared: list[Assignment] = []
    for vehicle_id, crews_on in hosted.items():
        limits = _hand_over(sorted(crews_on, key=lambda c: (c.window[0], c.ids)))
        for crew, limit in limits:
            assignment = Assignment(crew, by_id[vehicle_id], limit=limit)
            if assignment.window[0] < assignment.window[1]:
                shared.append(assignment)
    return [*fixed, *sorted(shared, key=lambda a: (a.vehicle.id, a.window[0]))]


def _hand_over(chain: list[Crew]) -> list[tuple[Crew, tuple[int, int] | None]]:
    """Crews of one vehicle in order of their shifts: the vehicle passes from one to the next
    at the middle of their overlap (boundaries never go back in time, so the parts are disjoint)."""
    if len(chain) == 1:
        return [(chain[0], None)]
    boundaries: list[int] = []
    for before, after in itertools.pairwise(chain):
        lo, hi = after.window[0], min(before.window[1], after.window[1])
        cut = (lo + hi) // 2 if hi > lo else after.window[0]
        boundaries.append(max(cut, boundaries[-1]) if boundaries else cut)
    out: list[tuple[Crew, tuple[int, int] | None]] = []
    for i, crew in enumerate(chain):
        lo = boundaries[i - 1] if i > 0 else crew.window[0]
        hi = boundaries[i] if i < len(boundaries) else crew.window[1]
        out.append((crew, (lo, hi)))
    return out


def trim(crew: Crew, *, needed: int, female: bool, medical: bool) -> tuple[Escort, ...]:
    """The smallest part of the crew that still covers the tour's needs (size, woman, medical)."""
    best = crew.escorts
    members = sorted(
        crew.escorts, key=lambda e: (not (female and e.is_female), not (medical and e.is_medical), e.id)
    )
    for size in range(max(1, needed), crew.size + 1):
        chosen = pick(members, size, female, medical)
        if chosen is not None:
            return tuple(sorted(chosen, key=lambda e: e.id))
    return best


def pick(staff: Sequence[Escort], size: int, female: bool, medical: bool) -> list[Escort] | None:
    """`size` escorts from `staff` (in its order) covering a woman and a medic where needed —
    more than `size` only when the roles need two people — or None if the staff cannot."""
    chosen: list[Escort] = []
    if female:
        woman = next((e for e in staff if e.is_female and (not medical or e.is_medical)), None)
        woman = woman or next((e for e in staff if e.is_female), None)
        if woman is None:
            return None
        chosen.append(woman)
    if medical and not any(e.is_medical for e in chosen):
        medic = next((e for e in staff if e.is_medical), None)
        if medic is None:
            return None
        chosen.append(medic)
    size = max(size, len(chosen))
    picked = {e.id for e in chosen}
    chosen.extend(e for e in staff if e.id not in picked)
    return chosen[:size] if len(chosen) >= size else None
