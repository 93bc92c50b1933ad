"""Run the solvers over a benchmark directory: CSV per instance, route files, class summaries.

    ltrako bench lilim ../shared/benchmarks/lilim --time-limit 30 --out lilim.csv --routes-dir routes/
    ltrako bench sartori ../shared/benchmarks/sartori-buriol --time-limit 30 --out sb.csv --routes-dir routes/

A solution with more vehicles than the best-known one is worse whatever its distance, so the
summary counts instances at the best-known vehicle number and averages the distance gap over
those only.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.pdptw.check import check, route_text
from bench.pdptw.instances import BestKnown, best_known, instance_files, read
from bench.pdptw.solvers import SOLVERS, gap_pct

SETS = {
    "lilim": {"100": ("pdp_100", "bks_100.csv"), "200": ("pdp_200", "bks_200.csv")},
    "sartori": {"100": ("n100", "bks_n100.csv"), "200": ("n200", "bks_n200.csv")},
}


@dataclass(frozen=True)
class Row:
    instance: str
    group: str
    solver: str
    vehicles: int
    distance: float
    bks_vehicles: int
    bks_distance: float
    gap_pct: float
    seconds: float
    valid: bool
    engine: str


def _jobs(family: str, root: Path, sets: Iterable[str]) -> list[tuple[Path, BestKnown]]:
    """Instance files with their best-known solutions; `root` may be the family or one set."""
    jobs: list[tuple[Path, BestKnown]] = []
    for key in sets:
        folder, table = SETS[family][key]
        if (root / folder).is_dir():
            directory, bks_file = root / folder, root / table
        elif root.name == folder:
            directory, bks_file = root, root.parent / table
        else:
            continue
        known = best_known(bks_file)
        jobs.extend((path, known[path.stem]) for path in instance_files(directory) if path.stem in known)
    return jobs


def run(
    family: str,
    root: Path,
    *,
    solvers: list[str],
    seconds: float,
    out: Path,
    routes_dir: Path | None,
    sets: list[str],
    instances: list[str] | None = None,
    limit: int | None = None,
    seed: int = 0,
) -> list[Row]:
    jobs = _jobs(family, root, sets)
    if instances:
        jobs = [j for j in jobs if j[0].stem in instances]
    if limit is not None:
        jobs = jobs[:limit]
    rows: list[Row] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(Row.__dataclass_fields__))
        writer.writeheader()
        for path, bks in jobs:
            instance = read(path)
            for solver in solvers:
                result = SOLVERS[solver](instance, seconds, seed)
                checked = check(instance, result.routes)
                row = Row(
                    instance=instance.name,
                    group=instance.group,
                    solver=solver,
                    vehicles=checked.vehicles,
                    distance=round(checked.distance, 4),
                    bks_vehicles=bks.vehicles,
                    bks_distance=bks.distance,
                    gap_pct=round(gap_pct(checked.distance, bks.distance), 3) + 0.0,  # no "-0.000"
                    seconds=round(result.seconds, 2),
                    valid=checked.feasible,
                    engine=result.engine,
                )
                rows.append(row)
                writer.writerow(asdict(row))
                handle.flush()
                print(_line(row), flush=True)
                if routes_dir is not None:
                    target = routes_dir / solver
                    target.mkdir(parents=True, exist_ok=True)
                    (target / f"{instance.name}.txt").write_text(route_text(instance, result.routes, solver))
    return rows


def _line(row: Row) -> str:
    mark = "=" if row.vehicles == row.bks_vehicles else ("+" if row.vehicles > row.bks_vehicles else "-")
    return (
        f"{row.instance:<12} {row.solver:<7} vehicles {row.vehicles:>3}{mark}{row.bks_vehicles:<3} "
        f"distance {row.distance:>10.2f} (bks {row.bks_distance:>10.2f}, gap {row.gap_pct:>7.2f} %) "
        f"{row.seconds:>6.1f} s {'valid' if row.valid else 'INVALID'} {row.engine}"
    )


def summary(rows: list[Row]) -> str:
    """Per class and solver: instances at best-known vehicles, mean gap on those, time, validity."""
    by: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        by[(row.group, row.solver)].append(row)
        by[("all", row.solver)].append(row)
    solvers = sorted({r.solver for r in rows}, key=list(SOLVERS).index)
    groups = [*sorted({g for g, _ in by} - {"all"}), "all"]
    lines = [
        "class   " + "".join(f"| {s:<31}" for s in solvers),
        "        " + "".join(f"| {'at bks veh':>10} {'gap %':>7} {'s':>5} {'ok':>5} " for _ in solvers),
    ]
    for group in groups:
        cells = []
        for solver in solvers:
            entries = by.get((group, solver), [])
            at = [r for r in entries if r.valid and r.vehicles <= r.bks_vehicles]
            gap = statistics.fmean(r.gap_pct for r in at) if at else math.nan
            seconds = statistics.fmean(r.seconds for r in entries) if entries else math.nan
            valid = sum(r.valid for r in entries)
            cells.append(
                f"| {len(at):>4}/{len(entries):<5} {gap:>7.2f} {seconds:>5.1f} {valid:>2}/{len(entries):<2} "
            )
        lines.append(f"{group:<8}" + "".join(cells))
    return "\n".join(lines)
