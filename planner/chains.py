"""Chains: tours of several requests driven one after the other by one crew, as columns of the
master (planner.floor), and the pricing that proposes new ones from the master's open requests.

Each escort rides at most one tour a day (spec rule 4), so on days where escorts are the scarce
resource a crew must carry several requests in its shift. The routed tours come from crews
formed before routing; chains are formed without a crew: a chain's crew is what its requests
need (the most escorts any of them needs, a woman or a medic if any asks), and the master
chooses vehicle type and escort classes for it. A chain is grown greedily from each request:
the next request is the one the crew reaches with the least idle time after the last dropoff,
preferring requests that need no larger or other crew; every step is timed exactly by
`schedule` within the crew windows the part's staff could form for the chain's crew, and
every prefix of two or more requests is a column.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from planner.diagnose import crew_windows
from planner.model import Escort, Request, StopType, Tour, Vehicle
from planner.pairs import time_order
from planner.travel import TravelMatrix

NEAR_S = 2 * 3600  # the next pickup at most this long after the last dropoff
CREW_GROWTH_S = 1800  # idle seconds one more escort (or a woman, a medic) is worth avoiding
TRIES = 3  # next requests timed per step before the chain ends


Order = list[tuple[Request, bool]]  # (request, pickup?) in visiting order


@dataclass(frozen=True, slots=True)
class Need:
    """The crew a tour needs: escorts (the peak of those aboard), a woman, a medic."""

    escorts: int
    female: bool
    medical: bool

    @staticmethod
    def of(order: Order) -> Need:
        peak = load = 0
        for r, up in order:
            load += r.escorts_required if up else -r.escorts_required
            peak = max(peak, load)
        members = [r for r, up in order if up]
        return Need(
            max(1, peak),
            any(r.requires_female_escort for r in members),
            any(r.requires_medical_escort for r in members),
        )

    def growth(self, other: Need) -> int:
        """How much more crew `other` asks than this (escorts, a woman, a medic)."""
        return (
            max(0, other.escorts - self.escorts)
            + (other.female and not self.female)
            + (other.medical and not self.medical)
        )


def alone(r: Request) -> Order:
    return [(r, True), (r, False)]


def order_of(tour: Tour, requests: dict[str, Request]) -> Order | None:
    """The tour's stops as an order of the part's requests (None if one is not in scope)."""
    out: Order = []
    for s in tour.stops:
        if s.request is None:
            continue
        if s.request not in requests:
            return None
        out.append((requests[s.request], s.type is StopType.PICKUP))
    return out


class Chains:
    """Chain columns of one part: crew windows cached by need, timings by stop order."""

    def __init__(
        self,
        requests: Sequence[Request],
        vehicles: Sequence[Vehicle],
        escorts: Sequence[Escort],
        matrix: TravelMatrix,
        *,
        cross_zab: bool,
    ) -> None:
        self.matrix = matrix
        self.cross_zab = cross_zab
        self.requests = sorted(requests, key=lambda r: (r.pickup.earliest, r.id))
        self.by_id = {r.id: r for r in self.requests}
        self._fleet = {z: [v for v in vehicles if v.zab == z] for z in sorted({v.zab for v in vehicles})}
        self._zab_of = {v.id: v.zab for v in vehicles}
        self._staff = {z: [e for e in escorts if e.zab == z] for z in self._fleet}
        self._seats = max((v.seats for v in vehicles), default=0)
        self._windows: dict[tuple[str, Need], list[tuple[int, int]]] = {}
        self._timed: dict[tuple[str, tuple[tuple[str, bool], ...]], Tour | None] = {}

    def grow(self, seeds: Sequence[Tour], deadline: float) -> list[Tour]:
        """Chains grown from every request and every seed tour, two ways each (first without a
        larger crew, then allowing one at a price), highest priority first."""
        out: list[Tour] = []
        starts: list[tuple[str, Order, Tour | None]] = []
        for r in sorted(self.requests, key=lambda r: (-r.priority, r.pickup.earliest, r.id)):
            for zab in self._fleet:
                if self.cross_zab or r.zab == zab:
                    starts.append((zab, alone(r), None))
        for t in seeds:
            order = order_of(t, self.by_id)
            if order and t.vehicle in self._zab_of:
                starts.append((self._zab_of[t.vehicle], order, t))
        for strict in (True, False):
            for zab, order, tour in starts:
                if time.perf_counter() > deadline:
                    return out
                out += self._grow(zab, order, tour, deadline, strict=strict)
        return out

    def extend(self, tours: Sequence[Tour], open_requests: Sequence[Request], deadline: float) -> list[Tour]:
        """Pricing from the master's answer: each open request put into each chosen tour at
        every pair of positions (aboard with others or between them), the cheapest timing
        kept, and that tour grown further. New columns only."""
        out: list[Tour] = []
        for r in sorted(open_requests, key=lambda r: (-r.priority, r.pickup.earliest)):
            for tour in tours:
                if time.perf_counter() > deadline:
                    return out
                order = order_of(tour, self.by_id)
                zab = self._zab_of.get(tour.vehicle)
                if not order or zab is None or not (self.cross_zab or r.zab == zab):
                    continue
                if r.pickup.latest < tour.start - 4 * 3600 or r.pickup.earliest > tour.end + NEAR_S:
                    continue
                best: Tour | None = None
                for i in range(len(order) + 1):
                    for j in range(i, len(order) + 1):
                        seq = [*order[:i], (r, True), *order[i:j], (r, False), *order[j:]]
                        if not self._fits(seq):
                            continue
                        timed = self._time(zab, seq)
                        if timed is not None and (best is None or _length(timed) < _length(best)):
                            best = timed
                if best is not None:
                    out.append(best)
                    grown = order_of(best, self.by_id)
                    if grown:
                        out += self._grow(zab, grown, best, deadline, strict=True)
        return out

    def _fits(self, order: Order) -> bool:
        """Persons aboard plus the crew the order needs fit the largest vehicle at every moment."""
        need = Need.of(order).escorts
        aboard = 0
        for r, up in order:
            aboard += r.persons if up else -r.persons
            if aboard + need > self._seats:
                return False
        return True

    def _grow(
        self,
        zab: str,
        order: Order,
        tour: Tour | None,
        deadline: float,
        *,
        strict: bool,
    ) -> list[Tour]:
        """Requests appended one after the other to `order` (timed as `tour`, if given):
        every timed step is a column."""
        out: list[Tour] = []
        last = order[-1][0].dropoff
        last_drop = _last_dropoff(tour) if tour else last.earliest + last.service_min * 60
        while time.perf_counter() < deadline:
            need = Need.of(order)
            taken = {r.id for r, _ in order}
            here = order[-1][0].dropoff.location
            options: list[tuple[float, str, Request]] = []
            for b in self.requests:
                if b.id in taken or not (self.cross_zab or b.zab == zab):
                    continue
                if b.pickup.earliest > last_drop + NEAR_S:
                    break
                reach = last_drop + self.matrix.time(here, b.pickup.location)
                if reach > b.pickup.latest:
                    continue
                growth = need.growth(Need.of(alone(b)))
                if strict and growth:
                    continue
                idle = max(reach, b.pickup.earliest) - last_drop
                options.append((idle + CREW_GROWTH_S * growth, b.id, b))
            options.sort(key=lambda o: (o[0], o[1]))
            for _, _, b in options[:TRIES]:
                timed = self._time(zab, order + alone(b))
                if timed is not None:
                    order = order + alone(b)
                    out.append(timed)
                    last_drop = _last_dropoff(timed)
                    break
            else:
                return out
        return out

    def _time(self, zab: str, order: Order) -> Tour | None:
        """The order timed exactly (one representative vehicle per depot and hours), or None."""
        key = (zab, tuple((r.id, up) for r, up in order))
        if key in self._timed:
            return self._timed[key]
        need = Need.of(order)
        if (zab, need) not in self._windows:
            stand_in = replace(
                order[0][0],
                escorts_required=need.escorts,
                requires_female_escort=need.female,
                requires_medical_escort=need.medical,
            )
            self._windows[(zab, need)] = [w for _, w, _ in crew_windows(stand_in, self._staff[zab])]
        wheel = any(r.wheelchair for r, _ in order)
        result = None
        shapes: dict[tuple[str, int, int], Vehicle] = {}
        for v in sorted(self._fleet[zab], key=lambda v: (-v.seats, v.id)):
            if v.wheelchair or not wheel:
                shapes.setdefault((v.depot, v.available_from, v.available_until), v)
        for vehicle in shapes.values():
            result = time_order(self.matrix, vehicle, order, self._windows[(zab, need)])
            if result is not None:
                break
        self._timed[key] = result
        return result


def _length(tour: Tour) -> int:
    return tour.end - tour.start


def _last_dropoff(tour: Tour) -> int:
    """When the crew leaves the tour's last dropoff."""
    return max(s.departure for s in tour.stops if s.type is StopType.DROPOFF)
