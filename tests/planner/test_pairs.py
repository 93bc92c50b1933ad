"""Tours of two requests: `time_order` checks the hull of the crew windows before trying each."""

from __future__ import annotations

from bench.columns import every_window
from planner.diagnose import crew_windows
from planner.model import StopWindow
from planner.pairs import _joint, _orders, time_order
from planner.travel import TravelMatrix
from tests.factories import H, request, tiny_scenario


def test_the_hull_check_finds_exactly_the_tours_that_trying_every_window_finds() -> None:
    """Outbound rides and returns at many hours, crew windows cut into pieces of 1–6 hours:
    the hull check must keep every window that can hold the tour (same tour, same window
    first) and drop only those that cannot."""
    rides = [
        request(f"R-out{h}", pick=(h * H, (h + 1) * H), drop=((h + 1) * H, (h + 3) * H))
        for h in range(5, 17, 2)
    ] + [
        request(
            f"R-back{h}",
            pickup=StopWindow("AP-DUS", h * H, (h + 1) * H, 20),
            dropoff=StopWindow("ABH-05113", h * H, (h + 3) * H, 20),
            max_ride_min=90,
        )
        for h in range(6, 18, 2)
    ]
    scenario = tiny_scenario(requests=tuple(rides))
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    vehicle = scenario.vehicles[0]
    timed = untimed = fitted = 0
    for a in rides:
        for b in rides:
            if a is b:
                continue
            for seq, pooled in _orders(a, b):
                whole = [w for _, w, _ in crew_windows(_joint(a, b, pooled), scenario.escorts)]
                pieces = [(lo, lo + k * H) for lo, _ in whole for k in (1, 2, 3, 4, 6)]
                for windows in (whole, pieces, [(4 * H, 8 * H), (9 * H, 14 * H), (15 * H, 23 * H)]):
                    tour = time_order(matrix, vehicle, seq, windows)
                    assert tour == every_window(matrix, vehicle, seq, windows)
                    timed += tour is not None
                    untimed += tour is None
                shortest = every_window(matrix, vehicle, seq, [(0, 24 * H)])  # over the whole day
                if shortest is not None:
                    # a window exactly as long as the shortest tour holds it, a minute less does
                    # not (next to a window far too short, so that the hull is checked)
                    start, length = shortest.start, shortest.end - shortest.start
                    exact = time_order(matrix, vehicle, seq, [(4 * H, 4 * H + 300), (start, start + length)])
                    assert exact is not None and exact.end - exact.start == length
                    assert (
                        time_order(matrix, vehicle, seq, [(4 * H, 4 * H + 300), (start, start + length - 60)])
                        is None
                    )
                    fitted += 1
    assert timed > 20 and untimed > 20 and fitted > 20  # every outcome exercised
