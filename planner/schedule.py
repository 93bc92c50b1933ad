"""Exact timing of one tour: the shortest schedule for a fixed stop sequence, with breaks.

A tour's times form a simple temporal network (difference constraints): travel between
stops, windows, service times, the longest ride of each person, the vehicle's and crew's
window. Its shortest possible duration is a shortest-path distance (Bellman–Ford over a few
dozen nodes), and a schedule of that duration exists. Breaks (Arbeitszeitgesetz, spec rule 5)
are tried as one block of 30 or 45 minutes after each stop; the best placement is kept: the
shortest tour, preferably with nobody on board and no stretch of more than six hours of work.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from planner.model import Stop, StopType
from planner.travel import TravelMatrix

MAX_TOUR_S = 10 * 3600
BREAK_AFTER_6H_S = 30 * 60
BREAK_AFTER_9H_S = 45 * 60
SIX_HOURS = 6 * 3600
NINE_HOURS = 9 * 3600


@dataclass(frozen=True, slots=True)
class Visit:
    """A stop to make: where, in which window service may start, how long it takes."""

    type: StopType
    request: str
    location: str
    earliest: int
    latest: int
    service_s: int


@dataclass(frozen=True, slots=True)
class RideLimit:
    """Positions (in the visit sequence) of a pickup and its dropoff, and the longest ride."""

    pickup: int
    dropoff: int
    max_s: int


@dataclass(frozen=True, slots=True)
class Timing:
    start: int
    end: int
    stops: tuple[Stop, ...]

    @property
    def duration(self) -> int:
        return self.end - self.start


class _Network:
    """Difference constraints x_j − x_i ≤ w over integer-named time points; node 0 is time zero."""

    def __init__(self) -> None:
        self.size = 1
        self.edges: list[tuple[int, int, int]] = []

    def point(self) -> int:
        self.size += 1
        return self.size - 1

    def at_most(self, later: int, earlier: int, gap: int) -> None:
        """x_later − x_earlier ≤ gap."""
        self.edges.append((earlier, later, gap))

    def at_least(self, later: int, earlier: int, gap: int) -> None:
        """x_later − x_earlier ≥ gap."""
        self.edges.append((later, earlier, -gap))

    def exactly(self, later: int, earlier: int, gap: int) -> None:
        self.at_most(later, earlier, gap)
        self.at_least(later, earlier, gap)

    def distances(self, source: int, reverse: bool = False) -> list[float] | None:
        """Shortest paths from `source` (to it, if `reverse`); None on a negative cycle.

        Bellman–Ford whose sweeps alternate between the edges' order and its reverse: edges are
        added in tour order, and paths run both ways along the tour (travel forward, windows
        back to time zero), so sweeping one way only needs a sweep per stop where alternating
        needs two to four. The distances are the same in any order; every second sweep is a
        full one in the edges' order, so 2 × size sweeps bound the search as size passes did.
        """
        inf = float("inf")
        dist = [inf] * self.size
        dist[source] = 0
        edges = [(v, u, w) for u, v, w in self.edges] if reverse else self.edges
        sweeps = itertools.cycle((edges, edges[::-1]))
        for _ in range(2 * self.size):
            changed = False
            for u, v, w in next(sweeps):
                if dist[u] + w < dist[v]:
                    dist[v] = dist[u] + w
                    changed = True
            if not changed:
                return dist
        return None


def schedule(
    matrix: TravelMatrix,
    depot: str,
    visits: Sequence[Visit],
    rides: Sequence[RideLimit],
    window: tuple[int, int],
    *,
    onboard: Sequence[int] | None = None,
) -> Timing | None:
    """The shortest feasible timing of the tour, breaks included; None if there is none.

    `window` bounds leaving and returning to the depot (vehicle and crew); `onboard[k]` is the
    number of persons aboard after visit k (used to prefer breaks with nobody on board).
    """
    plain = _solve(matrix, depot, visits, rides, window, None)
    if plain is None:
        return None
    if plain.duration <= SIX_HOURS:
        return plain if plain.duration <= MAX_TOUR_S else None
    for length in (BREAK_AFTER_6H_S, BREAK_AFTER_9H_S):
        best: tuple[tuple[int, int, int], Timing] | None = None
        for after in range(1, len(visits) + 1):
            timed = _solve(matrix, depot, visits, rides, window, (after, length))
            if timed is None or timed.duration > MAX_TOUR_S:
                continue
            needed = BREAK_AFTER_9H_S if timed.duration > NINE_HOURS else BREAK_AFTER_6H_S
            if length < needed:
                continue
            aboard = onboard[after - 1] if onboard and after > 0 else 0
            rank = (timed.duration, 1 if aboard else 0, _longest_stretch(timed))
            if best is None or rank < best[0]:
                best = (rank, timed)
        if best is not None:
            return best[1]
    return None


def shortest_duration(
    matrix: TravelMatrix,
    depot: str,
    visits: Sequence[Visit],
    rides: Sequence[RideLimit],
    window: tuple[int, int],
) -> int | None:
    """The shortest duration any timing of the tour without a break within `window` can have
    (None: there is none). A timing with a break, or within a part of `window`, keeps its stops'
    times valid without the break within `window` and is no shorter, so no `schedule` within a
    part of `window` exists where this is None, or is shorter than this."""
    plain = _solve(matrix, depot, visits, rides, window, None)
    return None if plain is None else plain.duration


def _longest_stretch(timing: Timing) -> int:
    """Longest span of work without a break (ArbZG § 4: at most six hours in a row)."""
    longest, since = 0, timing.start
    for stop in timing.stops:
        if stop.type is StopType.BREAK:
            longest = max(longest, stop.start - since)
            since = stop.departure
    return max(longest, timing.end - since)


def _solve(
    matrix: TravelMatrix,
    depot: str,
    visits: Sequence[Visit],
    rides: Sequence[RideLimit],
    window: tuple[int, int],
    pause: tuple[int, int] | None,
) -> Timing | None:
    """Shortest timing with an optional break (after visit `pause[0]`, `pause[1]` seconds)."""
    net = _Network()
    zero = 0
    start, end = net.point(), net.point()
    net.at_least(start, zero, window[0])
    net.at_most(end, zero, window[1])
    net.at_least(end, start, 0)
    points: list[tuple[int, int, int]] = []  # arrival, service start, departure per visit
    pause_points: tuple[int, int] | None = None
    where, leave = depot, start
    for k, visit in enumerate([None, *visits]):
        if k > 0:
            assert visit is not None
            arrive, begin, depart = net.point(), net.point(), net.point()
            net.exactly(arrive, leave, matrix.time(where, visit.location))
            net.at_least(begin, arrive, 0)
            net.at_least(begin, zero, visit.earliest)
            net.at_most(begin, zero, visit.latest)
            net.exactly(depart, begin, visit.service_s)  # leave when done: waiting aboard counts as ride
            points.append((arrive, begin, depart))
            where, leave = visit.location, depart
        if pause is not None and pause[0] == k:
            p_begin, p_end = net.point(), net.point()
            net.at_least(p_begin, leave, 0)
            net.exactly(p_end, p_begin, pause[1])
            pause_points = (p_begin, p_end)
            leave = p_end
    net.exactly(end, leave, matrix.time(where, depot))
    for ride in rides:
        net.at_most(points[ride.dropoff][1], points[ride.pickup][2], ride.max_s)
    to_zero = net.distances(zero, reverse=True)  # d(i → zero): earliest time is −d
    if to_zero is None:
        return None
    from_end = net.distances(end, reverse=False)
    if from_end is None:
        return None
    shortest = -from_end[start]  # min(end − start) = −d(end → start)
    net.at_most(end, start, int(shortest))
    earliest = net.distances(zero, reverse=True)
    if earliest is None:
        return None
    when = [int(-d) for d in earliest]
    stops = []
    for k, visit in enumerate(visits):
        arrive, begin, depart = points[k]
        stops.append(Stop(visit.type, visit.request, visit.location, when[arrive], when[begin], when[depart]))
    if pause_points is not None:
        assert pause is not None
        location = visits[pause[0] - 1].location if pause[0] > 0 else depot
        p_begin, p_end = pause_points
        stops.insert(
            pause[0], Stop(StopType.BREAK, None, location, when[p_begin], when[p_begin], when[p_end])
        )
    return Timing(when[start], when[end], tuple(stops))
