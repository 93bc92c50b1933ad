"""Served requests per priority on several seeds of one benchmark day family, size and fleet.

One day is one draw; the planner's served counts move by a few requests between draws and
between runs (the routing search is time-bound). Compare settings on several seeds, the same
day in the same run, before keeping a change (issue 17: `FILL_SHARE` was chosen so).

    python -m bench.nrw_seeds --family mix --size 150 --fleet ample --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import sys

from bench.nrw_day import FAMILIES, FLEET_FACTOR, day_of, time_limit_for
from planner.bound import PRIORITIES, served_by_priority
from planner.params import SolveParams
from planner.solve import solve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--family", choices=FAMILIES, default="mix")
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--fleet", choices=sorted(FLEET_FACTOR), default="ample")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args(argv)
    total = [0] * len(PRIORITIES)
    for seed in args.seeds:
        scenario = day_of(args.family, args.size, args.fleet, seed)
        plan = solve(scenario, SolveParams(time_limit_s=time_limit_for(args.size)))
        levels = served_by_priority(scenario, plan)
        total = [a + b for a, b in zip(total, levels, strict=True)]
        print(f"seed {seed}: served {sum(levels)}  p5..1 {'/'.join(map(str, levels))}", flush=True)
    print(
        f"{args.family} {args.size} {args.fleet}: sum p5..1 {'/'.join(map(str, total))}, total {sum(total)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
