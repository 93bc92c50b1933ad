"""The floor's greedy hint on benchmark days: served per priority, per day, without CP-SAT.

The hint is CP-SAT's first plan in every floor and master solve, and the answer where CP-SAT
finds nothing in its time; on tight days the solver under contention often stays near it
(issue 17, fifth round). Deterministic: no solver, no time limit.

    python -m bench.floor_hint --family mix-alone mix demo --sizes 150 --fleets tight --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from bench.nrw_day import FAMILIES, FLEET_FACTOR, day_of
from planner.floor import greedy_tours
from planner.model import Scenario, StopType
from planner.solve import partition
from planner.travel import TravelMatrix


def hint_by_priority(scenario: Scenario) -> tuple[int, ...]:
    """Requests per priority (5 first) that the greedy hint serves, ZAB by ZAB."""
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    priority = {r.id: r.priority for r in scenario.requests}
    served: Counter[int] = Counter()
    for part in partition(scenario):
        for tour in greedy_tours(part.requests, part.vehicles, part.escorts, matrix, cross_zab=False):
            served.update(priority[s.request] for s in tour.stops if s.type is StopType.PICKUP and s.request)
    return tuple(served[p] for p in range(5, 0, -1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--family", nargs="+", choices=FAMILIES, default=["mix-alone", "mix", "demo"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[150])
    parser.add_argument("--fleets", nargs="+", choices=sorted(FLEET_FACTOR), default=["tight"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args(argv)
    for family in args.family:
        for size in args.sizes:
            for fleet in args.fleets:
                for seed in args.seeds:
                    levels = "/".join(map(str, hint_by_priority(day_of(family, size, fleet, seed))))
                    print(f"{family:<9} {size:>5} {fleet:<6} seed {seed}: hint p5..1 {levels}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
