"""Exact tour timing: shortest duration, windows, ride limits, breaks and the 10-hour day."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from planner.model import LocationKind, MatrixTravel, StopType
from planner.schedule import RideLimit, Visit, _Network, schedule
from planner.travel import TravelMatrix
from tests.factories import H, location

MIN = 60


def matrix(leg: int) -> TravelMatrix:
    """Depot D, places A and B, every leg `leg` seconds."""
    ids = ("D", "A", "B")
    seconds = tuple(tuple(0 if i == j else leg for j in range(3)) for i in range(3))
    return TravelMatrix(
        MatrixTravel(ids, seconds, seconds), [location(x, 0, 0, LocationKind.OTHER) for x in ids]
    )


def visits(pick: tuple[int, int], drop: tuple[int, int], service: int = 10 * MIN) -> list[Visit]:
    return [
        Visit(StopType.PICKUP, "R", "A", pick[0], pick[1], service),
        Visit(StopType.DROPOFF, "R", "B", drop[0], drop[1], service),
    ]


def test_schedule_without_waiting_takes_travel_plus_service() -> None:
    """Loose windows: the tour leaves late enough not to wait anywhere."""
    timed = schedule(matrix(H), "D", visits((6 * H, 12 * H), (6 * H, 14 * H)), [], (0, 24 * H))
    assert timed is not None
    assert timed.duration == 3 * H + 20 * MIN
    assert [s.arrival == s.start for s in timed.stops] == [True, True]


def test_schedule_waits_only_where_a_window_forces_it() -> None:
    """A dropoff opening at 10:00 after a pickup at 06:00 makes the tour wait, not start early."""
    timed = schedule(matrix(H), "D", visits((8 * H, 9 * H), (11 * H, 12 * H)), [], (0, 24 * H))
    assert timed is not None
    pickup, dropoff = timed.stops
    assert pickup.start == 9 * H  # as late as possible: less waiting at the airport
    assert dropoff.start == 11 * H
    assert timed.start == 8 * H and timed.end == 11 * H + 10 * MIN + H


def test_schedule_respects_the_longest_ride() -> None:
    """With a 70-minute ride limit the pickup moves so the person does not wait in the van."""
    ride = [RideLimit(0, 1, 70 * MIN)]
    timed = schedule(matrix(H), "D", visits((6 * H, 12 * H), (11 * H, 12 * H)), ride, (0, 24 * H))
    assert timed is not None
    pickup, dropoff = timed.stops
    assert dropoff.start - pickup.departure <= 70 * MIN
    assert (
        schedule(
            matrix(H),
            "D",
            visits((6 * H, 12 * H), (11 * H, 12 * H)),
            [RideLimit(0, 1, 50 * MIN)],
            (0, 24 * H),
        )
        is None
    )


def test_schedule_refuses_unreachable_windows_and_short_shifts() -> None:
    """A dropoff that closes before it can be reached, or a crew window too short: no schedule."""
    assert schedule(matrix(H), "D", visits((6 * H, 6 * H), (6 * H, 7 * H)), [], (0, 24 * H)) is None
    assert schedule(matrix(H), "D", visits((6 * H, 7 * H), (8 * H, 9 * H)), [], (5 * H, 9 * H)) is None


def test_long_tours_get_breaks_and_ten_hours_is_the_limit() -> None:
    """Over 6 h: a 30-minute break; over 9 h: 45 minutes; over 10 h with break: impossible."""
    seven = schedule(matrix(2 * H), "D", visits((0, 24 * H), (0, 24 * H), service=30 * MIN), [], (0, 24 * H))
    assert seven is not None
    breaks = [s for s in seven.stops if s.type is StopType.BREAK]
    assert seven.duration == 6 * H + 60 * MIN + 30 * MIN and [b.departure - b.start for b in breaks] == [
        30 * MIN
    ]
    nine_plus = schedule(
        matrix(3 * H), "D", visits((0, 24 * H), (0, 24 * H), service=5 * MIN), [], (0, 24 * H)
    )
    assert nine_plus is not None
    assert sum(b.departure - b.start for b in nine_plus.stops if b.type is StopType.BREAK) == 45 * MIN
    assert schedule(matrix(3 * H + 20 * MIN), "D", visits((0, 24 * H), (0, 24 * H)), [], (0, 24 * H)) is None


def test_breaks_are_placed_when_nobody_is_on_board_if_possible() -> None:
    """Between pickup and dropoff the person is aboard; the break goes after the dropoff."""
    timed = schedule(
        matrix(2 * H),
        "D",
        visits((0, 24 * H), (0, 24 * H), service=30 * MIN),
        [],
        (0, 24 * H),
        onboard=[1, 0],
    )
    assert timed is not None
    kinds = [s.type for s in timed.stops]
    assert kinds == [StopType.PICKUP, StopType.DROPOFF, StopType.BREAK]


def _one_way_bellman_ford(net: _Network, source: int, reverse: bool) -> list[float] | None:
    """The distances as computed before issue 9: passes sweeping the edges in one direction."""
    dist = [float("inf")] * net.size
    dist[source] = 0
    edges = [(v, u, w) for u, v, w in net.edges] if reverse else net.edges
    for _ in range(net.size):
        changed = False
        for u, v, w in edges:
            if dist[u] + w < dist[v]:
                dist[v] = dist[u] + w
                changed = True
        if not changed:
            return dist
    return None


@given(
    points=st.integers(1, 8),
    edges=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(-50, 100)), max_size=30),
    source=st.integers(0, 8),
    reverse=st.booleans(),
)
def test_two_way_sweeps_give_the_same_distances_and_cycles(
    points: int, edges: list[tuple[int, int, int]], source: int, reverse: bool
) -> None:
    """Sweeping forward and backward finds the same shortest paths (and the same negative
    cycles) as the one-way Bellman–Ford on any difference-constraint network."""
    net = _Network()
    for _ in range(points):
        net.point()
    for u, v, w in edges:
        net.edges.append((u % net.size, v % net.size, w))
    source %= net.size
    assert net.distances(source, reverse) == _one_way_bellman_ford(net, source, reverse)
