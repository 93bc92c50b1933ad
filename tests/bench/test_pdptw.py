"""The PDPTW benchmark harness: readers and checker reproduce the best-known solutions,
broken solutions are caught, and every solver adapter returns valid routes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from bench.pdptw.check import check, read_routes, route_text
from bench.pdptw.instances import best_known, read
from bench.pdptw.solvers import SCALE, integer_data, solve_ltrako

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [
    Path(os.environ.get("LTRAKO_BENCHMARKS", ROOT.parent / "shared" / "benchmarks")),
    Path("/work/shared/benchmarks"),
]
BENCHMARKS = next((p for p in CANDIDATES if (p / "lilim").is_dir()), None)
pytestmark = pytest.mark.skipif(BENCHMARKS is None, reason="benchmark data (../shared/benchmarks) not found")


def _bks_routes(family_dir: str, solutions: str, name: str) -> list[list[int]]:
    assert BENCHMARKS is not None
    file = next((BENCHMARKS / family_dir / solutions).glob(f"{name}.*_*.txt"))
    return read_routes(file.read_text())


@pytest.mark.parametrize(
    ("family_dir", "instances", "table", "solutions", "name"),
    [
        ("lilim", "pdp_100", "bks_100.csv", "bks_solutions/pdp_100", "lc101"),
        ("lilim", "pdp_100", "bks_100.csv", "bks_solutions/pdp_100", "lrc207"),
        ("lilim", "pdp_200", "bks_200.csv", "bks_solutions/pdp_200", "lr1_2_1"),
        ("sartori-buriol", "n100", "bks_n100.csv", "bks_solutions", "ber-n100-3"),
    ],
)
def test_checker_reproduces_best_known_solutions(
    family_dir: str, instances: str, table: str, solutions: str, name: str
) -> None:
    """A best-known route file checks as feasible with exactly the tabulated vehicles and cost."""
    assert BENCHMARKS is not None
    instance = read(BENCHMARKS / family_dir / instances / f"{name}.txt")
    assert len(instance.pairs) * 2 == instance.size - 1
    known = best_known(BENCHMARKS / family_dir / table)[name]
    checked = check(instance, _bks_routes(family_dir, solutions, name))
    assert checked.feasible, checked.problems
    assert checked.vehicles == known.vehicles
    assert checked.distance == pytest.approx(known.distance, abs=1e-3)


def test_checker_catches_broken_solutions() -> None:
    """A delivery before its pickup, a missing node and an overfull vehicle are all reported."""
    assert BENCHMARKS is not None
    instance = read(BENCHMARKS / "lilim" / "pdp_100" / "lc101.txt")
    routes = _bks_routes("lilim", "bks_solutions/pdp_100", "lc101")
    pickup, delivery = instance.pairs[0]
    swapped = [[delivery if n == pickup else pickup if n == delivery else n for n in r] for r in routes]
    assert not check(instance, swapped).feasible
    assert not check(instance, [r for r in routes[1:]]).feasible
    merged = [[n for r in routes for n in r]]
    assert any("load" in p or "after" in p for p in check(instance, merged).problems)


def test_route_files_round_trip() -> None:
    """Routes written in the SINTEF text form read back unchanged."""
    assert BENCHMARKS is not None
    instance = read(BENCHMARKS / "lilim" / "pdp_100" / "lc101.txt")
    routes = _bks_routes("lilim", "bks_solutions/pdp_100", "lc101")
    assert read_routes(route_text(instance, routes, "ltrako")) == routes


def test_integer_travel_times_never_undercut_the_real_ones() -> None:
    """Rounded-up integer travel times keep every integer-feasible schedule feasible in floats."""
    assert BENCHMARKS is not None
    instance = read(BENCHMARKS / "lilim" / "pdp_100" / "lr201.txt")
    data = integer_data(instance)
    assert np.all(data.travel >= np.asarray(instance.travel) * SCALE["lilim"] - 1e-6)


def test_ltrako_search_returns_a_valid_solution_quickly() -> None:
    """The planner's routing search on lc101 within two seconds: feasible, every pair served."""
    assert BENCHMARKS is not None
    instance = read(BENCHMARKS / "lilim" / "pdp_100" / "lc101.txt")
    checked = check(instance, solve_ltrako(instance, 2.0).routes)
    assert checked.feasible, checked.problems


@pytest.mark.parametrize("solver", ["vroom", "pyvrp"])
def test_comparison_solvers_return_valid_solutions(solver: str) -> None:
    """VROOM and PyVRP adapters give feasible routes on lc101 (skipped without the extra)."""
    assert BENCHMARKS is not None
    pytest.importorskip({"vroom": "vroom", "pyvrp": "pyvrp"}[solver])
    from bench.pdptw.solvers import SOLVERS

    instance = read(BENCHMARKS / "lilim" / "pdp_100" / "lc101.txt")
    checked = check(instance, SOLVERS[solver](instance, 1.0, 0).routes)
    assert checked.feasible, checked.problems
