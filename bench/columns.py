"""The master's columns: tours of two requests (`planner.pairs`) and chains (`planner.chains`).

Both time each stop order for the crew windows of the part's staff, one window after the
other, until one holds the tour. `time_order` first times the order once over the hull of the
windows and skips every window that cannot hold it. This bench builds every part's pairs and
chains of each day without a deadline, once with the windows tried one after the other
(the baseline, `every_window`) and once as the planner does, and prints the seconds, their
ratio and whether both built the same columns (they must).

    python -m bench.columns --days mix:150:ample:1 mix:150:tight:1 demo:150:tight:1 mix:300:ample:1
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from unittest import mock

import planner.chains
import planner.pairs
from bench.nrw_day import day_of
from planner.model import Request, Scenario, Tour, Vehicle
from planner.pairs import time_order  # the planner's, bound before `build` patches the modules
from planner.solve import partition
from planner.travel import TravelMatrix

DAYS = ("mix:150:ample:1", "mix:150:tight:1", "demo:150:tight:1", "mix:300:ample:1")
TimeOrder = Callable[[TravelMatrix, Vehicle, list[tuple[Request, bool]], list[tuple[int, int]]], Tour | None]


def every_window(
    matrix: TravelMatrix, vehicle: Vehicle, seq: list[tuple[Request, bool]], windows: list[tuple[int, int]]
) -> Tour | None:
    """`time_order` without the hull check: every window timed in turn (one window at a time,
    where `time_order` has no hull to check), the first that holds the tour wins."""
    for window in windows:
        tour = time_order(matrix, vehicle, seq, [window])
        if tour is not None:
            return tour
    return None


def build(scenario: Scenario, order: TimeOrder) -> tuple[int, str, float, float]:
    """Columns built for every part (count, digest) and the seconds for pairs and chains."""
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    digest = hashlib.sha256()
    count, pairs_s, chains_s = 0, 0.0, 0.0
    with (
        mock.patch.object(planner.pairs, "time_order", order),
        mock.patch.object(planner.chains, "time_order", order),
    ):
        for part in partition(scenario):
            args = (part.requests, part.vehicles, part.escorts, matrix)
            began = time.perf_counter()
            pairs = planner.pairs.pair_tours(*args, cross_zab=False, deadline=began + 1e6)
            middle = time.perf_counter()
            chains = planner.chains.Chains(*args, cross_zab=False).grow(pairs, middle + 1e6)
            pairs_s += middle - began
            chains_s += time.perf_counter() - middle
            digest.update(repr((pairs, chains)).encode())
            count += len(pairs) + len(chains)
    return count, digest.hexdigest()[:16], pairs_s, chains_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", nargs="+", default=list(DAYS), help="family:size:fleet:seed")
    args = parser.parse_args(argv)
    same = True
    totals = [0.0] * 4
    for day in args.days:
        family, size, fleet, seed = day.split(":")
        scenario = day_of(family, int(size), fleet, int(seed))
        n0, h0, p0, c0 = build(scenario, every_window)
        n1, h1, p1, c1 = build(scenario, time_order)
        same = same and (n0, h0) == (n1, h1)
        totals = [t + x for t, x in zip(totals, (p0, c0, p1, c1), strict=True)]
        print(
            f"{day:<18} columns {n1:>6} {'same' if (n0, h0) == (n1, h1) else 'DIFFERENT'}  pairs "
            f"{p0:6.2f} → {p1:6.2f} s (×{p0 / max(p1, 1e-9):.2f})  chains {c0:6.2f} → {c1:6.2f} s "
            f"(×{c0 / max(c1, 1e-9):.2f})",
            flush=True,
        )
    p0, c0, p1, c1 = totals
    ratios = f"pairs ×{p0 / max(p1, 1e-9):.2f} faster, chains ×{c0 / max(c1, 1e-9):.2f}"
    print(f"all days: {ratios}, same columns: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
