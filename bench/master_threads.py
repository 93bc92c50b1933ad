"""The master's CP-SAT model with one and with more search threads, on the same columns.

Each ZAB of each day is one part: its requests, vehicles and escorts, the tours of two
requests (`planner.pairs`) and the chains grown from them (`planner.chains`) as columns, solved
by `planner.floor.single_tours` for `--seconds` each. Prints requests served per part, the sum
per thread count and its ratio to the first thread count given (the baseline of the same run).
Run two copies at once to see it as the planner runs it (two parts at once on two cores).

    python -m bench.master_threads --threads 1 2 --seconds 4
"""

from __future__ import annotations

import argparse
import time

from bench.nrw_day import day_of
from planner.chains import Chains
from planner.floor import single_tours
from planner.model import Scenario, StopType
from planner.pairs import pair_tours
from planner.solve import partition
from planner.travel import TravelMatrix

DAYS = (("mix", 150, "ample"), ("mix", 150, "tight"), ("demo", 150, "tight"), ("mix", 300, "ample"))


def served_per_part(scenario: Scenario, threads: int, seconds: float) -> list[int]:
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    out = []
    for part in partition(scenario):
        args = (part.requests, part.vehicles, part.escorts, matrix)
        pairs = pair_tours(*args, cross_zab=False, deadline=time.perf_counter() + 60)
        chains = Chains(*args, cross_zab=False).grow(pairs, time.perf_counter() + 60)
        chosen = single_tours(
            *args, cross_zab=False, columns=pairs + chains, time_limit=seconds, threads=threads
        )
        out.append(sum(1 for t in chosen.tours for s in t.stops if s.type is StopType.PICKUP))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    days = [(family, size, fleet, day_of(family, size, fleet, args.seed)) for family, size, fleet in DAYS]
    totals = []
    for threads in args.threads:
        total = 0
        for family, size, fleet, scenario in days:
            parts = served_per_part(scenario, threads, args.seconds)
            total += sum(parts)
            print(f"threads {threads}  {family} {size} {fleet}: {' '.join(map(str, parts))}", flush=True)
        totals.append(total)
        print(f"threads {threads}: {total} served, ×{total / totals[0]:.3f} of threads {args.threads[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
