"""Planner profile (issue 9): the planner's phases before and after a change, in one run.

The working tree and a `--before` revision (default 0aa8d73, the commit before the issue-9
performance work; extracted with `git archive` into a temporary directory) are measured by
the same worker code in fresh processes (`PYTHONPATH` = the tree), interleaved before, after,
after, before … on the same inputs, because timings on a shared machine are noisy:

* an NRW day (`fixtures.demo_day`, 1000 requests, demo fleet, seed 1, as `bench.nrw_day`):
  `first` stops each routing at its first solution (crew rounds included), so the plan is
  deterministic and both trees must give the identical plan (one process); `limit` plans as
  `bench.nrw_day` does (120 s at 1000 requests, two processes): quality at equal time;
* Li & Lim instances at a fixed time limit (ltrako's portfolio, as `ltrako bench lilim`).

Phases are CPU seconds (this machine is shared: CPU time is steadier than wall time) of
timing wrappers put around functions that both trees have under the same names, exclusive of
timed calls inside them and summed over the solve's worker processes; `other` is the rest of
the solve, `outside search` all of it but the search engines, `solve wall` its wall time.

    python -m bench.planner_profile                 # NRW 1000 + 3 Li & Lim instances, ~8 min
    python -m bench.planner_profile --quick         # NRW 150 + 1 Li & Lim instance, < 60 s
    python -m bench.planner_profile --top 10        # and cProfile's top functions of `first`
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# Only the standard library at module level: the worker imports planner, bench.pdptw and
# fixtures from the tree it measures, never from this one.

T = TypeVar("T")
PARTS = ("first", "limit", "lilim")  # NRW first solutions, NRW at the time limit, Li & Lim
REPO = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 24)
# phase -> functions (module, attribute path) timed as that phase; nested calls count for the inner one.
PROBES: dict[str, tuple[tuple[str, str], ...]] = {
    "crews": (("planner.solve", "form_crews"), ("planner.solve", "bind_crews")),
    "reshape": (("planner.solve", "_Part._reshape"), ("planner.solve", "reshape")),
    "build": (("planner.solve", "build_problem"),),
    "model": (("planner.routing", "_Built.__init__"),),
    "search": (("planner.solve", "solve_routing"), ("planner.search", "solve_routing")),
    "timing": (("planner.solve", "schedule"),),
    "alone": (
        ("planner.solve", "feasible_alone"),
        ("planner.solve", "alone_option"),
        ("planner.reshape", "alone_option"),
    ),
    "reasons": (("planner.solve", "explain"),),
    "check": (("planner.solve", "validate"),),
}


# ------------------------------------------------------------------------------ worker


class _Timer:
    """Exclusive wall time per phase: a call's time minus that of timed calls inside it.

    Forked worker processes of the solve (`workers` > 1) leave their times in `spill`, and
    `totals` adds them up: phases are then summed over processes, not wall time.
    """

    def __init__(self, spill: Path) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []
        self._spill = spill
        self._pid = os.getpid()

    def wrap(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)  # keeps the name: pickled by reference into worker processes
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._inner.append(0.0)
            began = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.process_time() - began
                self.spent[phase] += elapsed - self._inner.pop()
                if self._inner:
                    self._inner[-1] += elapsed
                if not self._inner and os.getpid() != self._pid:
                    (self._spill / f"{os.getpid()}.json").write_text(json.dumps(self.spent))

        return timed

    def install(self) -> None:
        import importlib

        for phase, targets in PROBES.items():
            for module_name, path in targets:
                owner: Any = importlib.import_module(module_name)
                *parents, name = path.split(".")
                for parent in parents:
                    owner = getattr(owner, parent, None)
                if owner is None or not hasattr(owner, name):
                    continue  # a probe of another revision of the planner
                setattr(owner, name, self.wrap(phase, getattr(owner, name)))

    def totals(self) -> dict[str, float]:
        out = defaultdict(float, self.spent)
        for path in self._spill.glob("*.json"):
            for phase, seconds in json.loads(path.read_text()).items():
                out[phase] += seconds
        return dict(out)


def _cpu() -> float:
    """CPU seconds of this process and of its ended worker processes (the solve's pool)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def _timed(spec: dict[str, Any], run: Callable[[], T], phases: dict[str, float]) -> tuple[T, list[str]]:
    """`run()` with its phases added to `phases` (`outside search`: all but the search), and
    cProfile's top functions if the spec asks for them."""
    timer = _Timer(Path(spec["spill"]))
    timer.install()
    profile = None
    if spec.get("top"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    began, cpu = time.perf_counter(), _cpu()
    result = run()
    phases["solve wall"] = time.perf_counter() - began
    phases["solve"] = _cpu() - cpu
    if profile is not None:
        profile.disable()
    spent = timer.totals()
    phases.update(spent)
    phases["other"] = phases["solve"] - sum(spent.values())
    inside = sum(v for k, v in phases.items() if k in PROBES or k == "other")
    phases["outside search"] = inside - phases.get("search", 0.0)
    return result, _top(profile, spec.get("top", 0))


def _nrw(spec: dict[str, Any]) -> dict[str, Any]:
    import hashlib

    from planner.io import load_scenario, write_plan
    from planner.params import SolveParams
    from planner.solve import solve
    from planner.travel import TravelMatrix
    from planner.validate import validate

    phases: dict[str, float] = {}
    began = time.process_time()
    scenario = load_scenario(spec["scenario"])
    phases["read"] = time.process_time() - began
    began = time.process_time()
    TravelMatrix(scenario.travel, scenario.locations)
    phases["matrix"] = time.process_time() - began
    if spec["mode"] == "first":  # one solution per routing: deterministic
        params = SolveParams(time_limit_s=900.0, solution_limit=1, workers=1)
    else:
        params = SolveParams(time_limit_s=spec["time_limit"], workers=spec["workers"])
    plan, top = _timed(spec, lambda: solve(scenario, params), phases)
    began = time.process_time()
    violations = validate(scenario, plan)
    phases["validate"] = time.process_time() - began
    began = time.process_time()
    document = write_plan(plan, timezone=scenario.timezone)
    json.dumps(document, ensure_ascii=False, indent=2)
    phases["export"] = time.process_time() - began
    document["stats"].pop("solve_seconds")
    served = {s.request for t in plan.tours for s in t.stops if s.request}
    by_priority = "/".join(
        str(sum(1 for r in scenario.requests if r.id in served and r.priority == p)) for p in range(5, 0, -1)
    )
    crew_hours = sum((t.end - t.start) * len(t.escorts) for t in plan.tours) / 3600
    return {
        "phases": phases,
        "quality": {
            "served": plan.stats.served,
            "by priority 5..1": by_priority,
            "km": plan.stats.km,
            "crew-h": round(crew_hours, 1),
            "violations": len(violations),
        },
        "digest": hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:12],
        "top": top,
    }


def _lilim(spec: dict[str, Any]) -> dict[str, Any]:
    import planner.search
    from bench.pdptw.check import check
    from bench.pdptw.instances import read
    from bench.pdptw.solvers import integer_data, to_problem
    from planner.params import SolveParams

    phases: dict[str, float] = {}
    began = time.process_time()
    instance = read(Path(spec["path"]))
    problem = to_problem(instance, integer_data(instance))
    phases["read"] = time.process_time() - began
    limit = spec["time_limit"]
    params = SolveParams(time_limit_s=limit, seed=0)
    # looked up after the timer is installed, so that the search is timed
    solution, _ = _timed(spec, lambda: planner.search.solve_routing(problem, params, limit), phases)
    began = time.process_time()
    checked = check(instance, tuple(r for r in solution.routes if r))
    phases["validate"] = time.process_time() - began
    return {
        "phases": phases,
        "quality": {
            "vehicles": checked.vehicles,
            "distance": round(checked.distance, 2),
            "valid": checked.feasible,
            "engine": solution.status,
        },
        "digest": "",
        "top": [],
    }


def _top(profile: Any, count: int) -> list[str]:
    """The `count` functions of the planner with the most time of their own."""
    if profile is None or not count:
        return []
    import pstats

    stats: Any = pstats.Stats(profile)
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
        if "/planner/" in filename or "ortools" in name:
            where = filename.split("/planner/")[-1] if "/planner/" in filename else ""
            label = f"planner/{where}:{line}({name})" if where else name
            rows.append((own, f"{own:7.2f} s own {cumulative:7.2f} s cum {calls:>9} calls  {label}"))
    return [text for _, text in sorted(rows, reverse=True)[:count]]


def _worker(spec: dict[str, Any]) -> None:
    result = _nrw(spec) if spec["kind"] == "nrw" else _lilim(spec)
    print(json.dumps(result))


# ------------------------------------------------------------------------------ driver


def _before_tree(revision: str, into: Path) -> Path:
    """planner/ and bench/ of `revision`, unpacked (the repository's state is not touched)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", revision, "planner", "bench"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _measure(tree: Path, spec: dict[str, Any], spill: Path) -> dict[str, Any]:
    spill.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # -P: the script's own folder stays off sys.path, so every import comes from `tree`.
    worker = json.dumps({**spec, "spill": str(spill)})
    command = [sys.executable, "-P", str(Path(__file__).resolve()), "--worker", worker]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tree)
    if done.returncode != 0:
        raise RuntimeError(f"worker failed in {tree}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _nrw_day(size: int, folder: Path) -> Path:
    from fixtures.demo_day import generate_day
    from planner.io import dump_json, write_scenario

    scenario = generate_day(DAY, requests=size, fleet_scale=max(1.0, size / 40), seed=1).scenario
    path = folder / f"nrw-{size}.json"
    dump_json(write_scenario(scenario), path)
    return path


def _table(name: str, runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    seen = {p for tree_runs in runs.values() for r in tree_runs for p in r["phases"]}
    phases = [p for p in ("read", "matrix", "solve wall", "solve", *PROBES, "other") if p in seen]
    phases += ["outside search", "validate", "export"]
    lines = [f"\n{name}", f"  {'phase':<16} {'before s':>9} {'after s':>9} {'after/before':>13}"]
    for phase in phases:
        before = statistics.median(r["phases"].get(phase, 0.0) for r in runs["before"])
        after = statistics.median(r["phases"].get(phase, 0.0) for r in runs["after"])
        ratio = f"{after / before:>13.3f}" if before >= 0.01 else f"{'-':>13}"  # below 10 ms: noise
        lines.append(f"  {phase:<16} {before:>9.3f} {after:>9.3f} {ratio}")
    for key in runs["before"][0]["quality"]:
        values = [[r["quality"][key] for r in runs[tree]] for tree in ("before", "after")]
        lines.append(f"  {key:<16} before {values[0]}  after {values[1]}")
    digests = {r["digest"] for tree in runs.values() for r in tree}
    if digests != {""}:
        same = "yes" if len(digests) == 1 else "no"
        lines.append(f"  {'same plan':<16} {same} {sorted(digests)}")
    return lines


def _jobs(args: argparse.Namespace, day: Path) -> list[tuple[str, dict[str, Any]]]:
    from bench.nrw_day import time_limit_for

    size = args.size or (150 if args.quick else 1000)
    limit = args.time_limit or (5.0 if args.quick else time_limit_for(size))
    nrw = {"kind": "nrw", "scenario": str(day)}
    jobs: list[tuple[str, dict[str, Any]]] = []
    if "first" in args.parts:
        jobs.append((f"NRW {size}, first solution per routing, workers=1", {**nrw, "mode": "first"}))
    if "limit" in args.parts:
        title = f"NRW {size}, time limit {limit:g} s, workers={args.workers}"
        jobs.append((title, {**nrw, "mode": "limit", "time_limit": limit, "workers": args.workers}))
    names = args.instances or (["lc101"] if args.quick else ["lc101", "lrc104", "lc1_2_1"])
    names = names if "lilim" in args.parts else []
    lilim_limit = args.lilim_time_limit or (2.0 if args.quick else 10.0)
    for name in names:
        path = (args.lilim / ("pdp_200" if "_2_" in name else "pdp_100") / f"{name}.txt").resolve()
        if path.is_file():
            spec = {"kind": "lilim", "path": str(path), "time_limit": lilim_limit}
            jobs.append((f"Li & Lim {name}, time limit {lilim_limit:g} s", spec))
        else:
            print(f"(skipped {name}: {path} not found)")
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", default="0aa8d73", help="git revision to compare against")
    parser.add_argument("--quick", action="store_true", help="NRW 150, one Li & Lim instance: < 60 s")
    parser.add_argument("--size", type=int, help="requests of the NRW day (default 1000; quick 150)")
    parser.add_argument("--time-limit", type=float, help="NRW limit, s (default as bench.nrw_day; quick 5)")
    parser.add_argument("--workers", type=int, default=2, help="processes of the NRW time-limit run")
    parser.add_argument("--lilim", type=Path, default=Path("../shared/benchmarks/lilim"))
    parser.add_argument("--instances", nargs="*", help="Li & Lim instances (default lc101 lrc104 lc1_2_1)")
    parser.add_argument("--lilim-time-limit", type=float, help="s per instance (default 10; quick 2)")
    parser.add_argument(
        "--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure (default all)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="runs per tree and input (median)")
    parser.add_argument("--top", type=int, default=0, help="and cProfile's top functions of the first run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(json.loads(args.worker))
        return 0
    failed = False
    with tempfile.TemporaryDirectory(prefix="planner-profile-") as tmp:
        folder = Path(tmp)
        trees = {"before": _before_tree(args.before, folder / "before"), "after": REPO}
        jobs = _jobs(args, _nrw_day(args.size or (150 if args.quick else 1000), folder))
        spills = (folder / f"spill-{n}" for n in range(10**6))
        print(f"before = {args.before}; after = the working tree {REPO}; a fresh process per run")
        for title, spec in jobs:
            runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
            for k in range(args.repeats):
                for tree in ("before", "after") if k % 2 == 0 else ("after", "before"):
                    runs[tree].append(_measure(trees[tree], spec, next(spills)))
            print("\n".join(_table(title, runs)), flush=True)
            failed |= any(
                r["quality"].get("violations", 0) or r["quality"].get("valid") is False
                for tree_runs in runs.values()
                for r in tree_runs
            )
        if args.top and jobs and jobs[0][1]["kind"] == "nrw":
            title, spec = jobs[0]
            for tree in ("before", "after"):
                print(f"\ntop {args.top} functions, {title}, {tree} (cProfile, own time):")
                print("\n".join(_measure(trees[tree], {**spec, "top": args.top}, next(spills))["top"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
