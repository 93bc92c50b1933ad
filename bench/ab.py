"""Two versions of the planner on the same days, one solve after the other: is a change better?

The working tree (or `--new` commit) against `--base` (a commit, checked out in a temporary
worktree). Each day is drawn once (`bench.nrw_day.day_of`, the working tree's generators),
written in the exchange format and solved by both versions in their own processes, the
base first, with the day's time limit of the targets; nothing else should run meanwhile.
Each version plans with its own `ltrako plan`. Printed: per day the served counts per
priority and the solve seconds (`stats.solve_seconds`, before the bound) of both, whether the new
version is lexicographically better (>), worse (<) or equal (=), and the sums. One day's
counts move by a few requests between runs of the same code (issue 17: ±2 priority-5 requests
at 150), so read the sums over many days, not one day.

    python -m bench.ab --base 60aa362 --days "mix 150 ample 1" "mix 150 tight 2" "demo 300 tight 1"
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.nrw_day import day_of, time_limit_for
from planner.bound import served_by_priority
from planner.io import dump_json, load_json, load_scenario, read_plan, write_scenario

ROOT = Path(__file__).resolve().parent.parent
DAYS = [
    f"{family} 150 {fleet} {seed}"
    for family in ("mix", "mix-alone")
    for fleet in ("ample", "tight")
    for seed in (1, 2)
]


def _solve(tree: Path, scenario: Path, out: Path, limit: float) -> tuple[list[int], float]:
    """`ltrako plan` of the version in `tree` on the day: served per priority, solve seconds."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "plan",
            str(scenario),
            "--out",
            str(out),
            "--time-limit",
            str(limit),
        ],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    )
    day = load_scenario(scenario)
    plan = read_plan(load_json(out), timezone=day.timezone)
    return list(served_by_priority(day, plan)), plan.stats.solve_seconds


def _checkout(commit: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(into), commit], check=True)
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", required=True, help="commit to compare against")
    parser.add_argument("--new", help="commit to compare (default: the working tree)")
    parser.add_argument(
        "--days", nargs="+", default=DAYS, help='"family size fleet seed", e.g. "mix 150 ample 1"'
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"base": _checkout(args.base, Path(tmp) / "base")}
        trees["new"] = _checkout(args.new, Path(tmp) / "new") if args.new else ROOT
        try:
            sums = {side: [0] * 5 for side in trees}
            better = worse = 0
            for day in args.days:
                family, size, fleet, seed = day.split()
                path = Path(tmp) / "day.json"
                dump_json(write_scenario(day_of(family, int(size), fleet, int(seed))), path)
                got = {
                    side: _solve(tree, path, Path(tmp) / f"plan-{side}.json", time_limit_for(int(size)))
                    for side, tree in trees.items()
                }
                (base, base_s), (new, new_s) = got["base"], got["new"]
                for side, (levels, _) in got.items():
                    sums[side] = [a + b for a, b in zip(sums[side], levels, strict=True)]
                better, worse = better + (new > base), worse + (new < base)
                mark = ">" if new > base else "<" if new < base else "="
                print(
                    f"{day}: base {base} {sum(base)} {base_s:.1f} s"
                    f" | new {new} {sum(new)} {new_s:.1f} s {mark}",
                    flush=True,
                )
            print(
                f"sums p5..1: base {sums['base']} ({sum(sums['base'])}),"
                f" new {sums['new']} ({sum(sums['new'])});"
                f" new better on {better}, worse on {worse}, equal on {len(args.days) - better - worse} days"
            )
        finally:
            for tree in trees.values():
                if tree != ROOT:
                    subprocess.run(
                        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
