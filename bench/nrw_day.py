"""NRW day benchmark: how solve time, served share and kilometres grow with the day's size.

Days come from the demo-day generator (real NRW places from the fixtures, fixed seeds);
the demo fleet ("demo": its staffing per request, scaled with the day's size) is given 1.5
times ("ample") or 0.6 times ("tight"). Each day is planned twice in the same run: by the
planner and by a baseline that keeps its first crews and its first routing solution (no local
search, no crew rounds), so the table shows what search and crew rounds buy. Every plan is
checked by the independent validator.

Generator families (`--family`): `demo` (the demo day's staffing) and `mix` (bench.nrw_mix:
1–5 persons needing 2–4 escorts, a third needing a woman, shifts starting at ten different
hours; its shares are parameters of `Mix`), its fleet sized on escort and vehicle hours;
`mix-alone` is the same day with the fleet sized on what single tours need (`Mix.sizing`).
Each row also shows the floor (every request alone on its own tour, vehicles and escorts
chosen by CP-SAT: a valid plan, so no optimum is below it), the planner's upper bound per
priority (`stats.bound`) and the gap to it.

    python -m bench.nrw_day                       # sizes 100 150 300 1000, ample and tight
    python -m bench.nrw_day --sizes 150 --fleets ample --out bench/results/nrw150.csv
    python -m bench.nrw_day --family demo mix --solvers planner --sizes 150 300 1000
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.nrw_mix import Mix, mixed_day
from fixtures.demo_day import generate_day
from planner.bound import served_by_priority
from planner.diagnose import Fleet, feasible_alone
from planner.io import read_plan, read_scenario, write_plan, write_scenario
from planner.locked import commit_all, kept
from planner.model import Plan, Scenario
from planner.params import SolveParams
from planner.solve import floor_plan, solve
from planner.travel import TravelMatrix
from planner.validate import validate

DAY = dt.date(2026, 11, 24)  # a Tuesday
FLEET_FACTOR = {"ample": 1.5, "demo": 1.0, "tight": 0.6}
FAMILIES = ("demo", "mix", "mix-alone")
SOLVERS = ("first-solution", "planner")


def time_limit_for(size: int) -> float:
    """The targets' budgets: 20 s at 150 requests, 120 s at 1000, in between proportional."""
    return round(min(120.0, max(10.0, size * 0.13)), 1)


@dataclass(frozen=True)
class Row:
    family: str
    size: int
    fleet: str
    vehicles: int
    escorts: int
    solver: str
    time_limit_s: float
    wall_s: float
    served: int
    served_by_priority: str  # "p5/p4/p3/p2/p1": the objective is lexicographic in these
    unassigned: int
    alone_feasible: int
    served_of_alone_feasible: int
    km: float
    crew_hours: float
    violations: int
    reasons: str
    floor_by_priority: str  # the floor's "p5/../p1" (single tours by CP-SAT)
    floor_optimal: bool  # CP-SAT proved the floor optimal for its restriction
    below_floor: bool  # the plan is lexicographically below the floor (must never happen)
    bound_by_priority: str  # stats.bound: no plan serves more at that priority
    gap_by_priority: str  # bound − served
    optimal: bool  # gap zero at every level
    rerun_locked: int = -1  # --rerun: the plan's tours committed, re-planned with cross_zab (-1: not run)
    rerun_kept: int = -1  # of those, driven as committed by the re-run
    rerun_violations: int = -1


def _levels(values: tuple[int, ...] | list[int]) -> str:
    return "/".join(str(v) for v in values)


def _alone_feasible(scenario: Scenario) -> set[str]:
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    out = set()
    for r in scenario.requests:
        fleet = Fleet(
            tuple(v for v in scenario.vehicles if v.zab == r.zab),
            tuple(e for e in scenario.escorts if e.zab == r.zab),
        )
        if feasible_alone(r, fleet, matrix):
            out.add(r.id)
    return out


def _row(
    family: str,
    size: int,
    fleet: str,
    scenario: Scenario,
    solver: str,
    limit: float,
    plan: Plan,
    wall: float,
    alone: set[str],
    floor: tuple[Plan, bool],
) -> Row:
    served = {s.request for t in plan.tours for s in t.stops if s.request}
    levels = served_by_priority(scenario, plan)
    floor_levels = served_by_priority(scenario, floor[0])
    bound = plan.stats.bound or (0,) * 5
    return Row(
        family=family,
        size=size,
        fleet=fleet,
        vehicles=len(scenario.vehicles),
        escorts=len(scenario.escorts),
        solver=solver,
        time_limit_s=limit,
        wall_s=round(wall, 1),
        served=plan.stats.served,
        served_by_priority=_levels(levels),
        unassigned=plan.stats.unassigned,
        alone_feasible=len(alone),
        served_of_alone_feasible=len(served & alone),
        km=plan.stats.km,
        crew_hours=round(sum((t.end - t.start) * len(t.escorts) for t in plan.tours) / 3600, 1),
        violations=len(validate(scenario, plan)),
        reasons=" ".join(
            f"{k}={v}" for k, v in sorted(Counter(u.reason.value for u in plan.unassigned).items())
        ),
        floor_by_priority=_levels(floor_levels),
        floor_optimal=floor[1],
        below_floor=levels < floor_levels,
        bound_by_priority=_levels(bound),
        gap_by_priority=_levels([b - s for b, s in zip(bound, levels, strict=True)]),
        optimal=bool(plan.stats.optimal),
    )


def day_of(family: str, size: int, fleet: str, seed: int) -> Scenario:
    if family in ("mix", "mix-alone"):
        mix = Mix(sizing="alone" if family == "mix-alone" else "hours")
        return mixed_day(DAY, size, FLEET_FACTOR[fleet], seed, mix)
    scale = max(1.0, size / 40) * FLEET_FACTOR[fleet]
    return generate_day(DAY, requests=size, fleet_scale=scale, seed=seed).scenario


def run(
    sizes: list[int],
    fleets: list[str],
    seed: int,
    workers: int,
    families: Sequence[str] = ("demo",),
    solvers: Sequence[str] = SOLVERS,
    rerun: bool = False,
) -> list[Row]:
    rows = []
    for family in families:
        for size in sizes:
            for fleet in fleets:
                scenario = day_of(family, size, fleet, seed)
                alone = _alone_feasible(scenario)
                limit = time_limit_for(size)
                floor = floor_plan(scenario, time_limit_s=max(5.0, limit / 4))
                configs = {
                    "first-solution": SolveParams(
                        time_limit_s=limit, workers=workers, metaheuristic="GREEDY_DESCENT", crew_rounds=0
                    ),
                    "planner": SolveParams(time_limit_s=limit, workers=workers),
                }
                for solver in solvers:
                    began = time.perf_counter()
                    plan = solve(scenario, configs[solver])
                    wall = time.perf_counter() - began
                    row = _row(family, size, fleet, scenario, solver, limit, plan, wall, alone, floor)
                    if rerun:
                        row = _rerun(row, scenario, plan, configs[solver])
                    rows.append(row)
                    print(_line(row), flush=True)
    return rows


def _rerun(row: Row, scenario: Scenario, plan: Plan, params: SolveParams) -> Row:
    """The Restplatzbörse re-run through the exchange format: every tour of the plan committed,
    `cross_zab` true; how many committed tours it keeps."""
    committed = dataclasses.replace(scenario, cross_zab=True, locked=commit_all(plan))
    again = read_scenario(write_scenario(committed))
    second = read_plan(write_plan(solve(again, params), timezone=again.timezone), timezone=again.timezone)
    return dataclasses.replace(
        row,
        rerun_locked=len(again.locked),
        rerun_kept=kept(again.locked, second),
        rerun_violations=len(validate(again, second)),
    )


def _line(row: Row) -> str:
    share = row.served / row.size
    return (
        f"{row.family:<9} {row.size:>5} {row.fleet:<6} {row.solver:<15} {row.vehicles:>4}v {row.escorts:>5}e "
        f"limit {row.time_limit_s:>6.1f}s wall {row.wall_s:>6.1f}s  served {row.served:>4} ({share:6.1%}) "
        f"by priority 5..1 {row.served_by_priority:<16} "
        f"of alone-feasible {row.served_of_alone_feasible}/{row.alone_feasible}  km {row.km:>9.1f}  "
        f"crew-h {row.crew_hours:>7.1f}  violations {row.violations}  floor {row.floor_by_priority}"
        f"{'' if row.floor_optimal else '?'} bound {row.bound_by_priority} gap {row.gap_by_priority}"
        f"{' BELOW FLOOR' if row.below_floor else ''}  {row.reasons}"
        + (f"  re-run kept {row.rerun_kept}/{row.rerun_locked}" if row.rerun_locked >= 0 else "")
    )


def table(rows: list[Row]) -> list[str]:
    """The markdown table of bench/RESULTS.md: served against floor and bound, per priority."""
    out = [
        "| family | size | fleet | solver | wall s | served | of alone-feasible | served p5/4/3/2/1 "
        "| floor p5/4/3/2/1 | bound p5/4/3/2/1 | gap p5/4/3/2/1 | ≥ floor | km | crew-h | re-run kept |",
        "|---|---:|---|---|---:|---:|---:|---|---|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        share = r.served_of_alone_feasible / max(1, r.alone_feasible)
        out.append(
            f"| {r.family} | {r.size} | {r.fleet} | {r.solver} | {r.wall_s} | {r.served} "
            f"| {r.served_of_alone_feasible}/{r.alone_feasible} ({share:.1%}) | {r.served_by_priority} "
            f"| {r.floor_by_priority}{'' if r.floor_optimal else ' (not proven)'} | {r.bound_by_priority} "
            f"| {r.gap_by_priority} | {'no' if r.below_floor else 'yes'} | {r.km} | {r.crew_hours} "
            f"| {f'{r.rerun_kept}/{r.rerun_locked}' if r.rerun_locked >= 0 else '–'} |"
        )
    return out


def ratios(rows: list[Row]) -> list[str]:
    """Planner against the first-solution baseline of the same day, same run."""
    out = []
    by_key = {(r.family, r.size, r.fleet, r.solver): r for r in rows}
    for (family, size, fleet, solver), row in sorted(by_key.items()):
        base = by_key.get((family, size, fleet, "first-solution"))
        if solver != "planner" or base is None:
            continue
        out.append(
            f"{family:<9} {size:>5} {fleet:<6} served ×{row.served / max(1, base.served):.3f}  "
            f"km ×{row.km / max(1e-9, base.km):.3f}  "
            f"crew-hours ×{row.crew_hours / max(1e-9, base.crew_hours):.3f}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 150, 300, 1000])
    parser.add_argument("--fleets", nargs="+", choices=sorted(FLEET_FACTOR), default=["ample", "tight"])
    parser.add_argument("--family", nargs="+", choices=FAMILIES, default=["demo"])
    parser.add_argument("--solvers", nargs="+", choices=SOLVERS, default=list(SOLVERS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench/results/nrw_day.csv"))
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="also re-plan each plan with all its tours committed and cross_zab true (exchange format)",
    )
    args = parser.parse_args(argv)
    rows = run(args.sizes, args.fleets, args.seed, args.workers, args.family, args.solvers, args.rerun)
    if "first-solution" in args.solvers and "planner" in args.solvers:
        print("\nplanner ÷ first-solution baseline (same day, same run):")
        print("\n".join(ratios(rows)))
    print("\n" + "\n".join(table(rows)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(Row.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(row.__dict__ for row in rows)
    print(f"\n→ {args.out}")
    lost = any(r.rerun_kept < r.rerun_locked or r.rerun_violations > 0 for r in rows)
    return 1 if lost or any(r.violations or r.below_floor for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
