"""Issue 15.5 / 16.5: no request holds a thread for a solve. The API and the pages queue jobs;
only the planning workers (ltrako.workers.jobs) call the solving services."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The services that run a solver, and the solver itself.
SOLVING = re.compile(
    r"\b(plan_day|run_pool|plan_charter|nightly_job|propose)\(|from planner\.solve import|planner\.solve\b"
)


def test_the_web_layer_calls_no_solver() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "api").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SOLVING.search(line) and not line.lstrip().startswith(("def ", "#"))
    ]
    assert not found, found


def test_the_solving_services_are_called_by_the_workers() -> None:
    """The pattern finds the calls where they are (a grep that cannot fail would prove nothing)."""
    source = (ROOT / "ltrako" / "workers" / "jobs.py").read_text()
    assert {m.group(1) for m in SOLVING.finditer(source) if m.group(1)} == {
        "plan_day",
        "run_pool",
        "plan_charter",
        "propose",
    }
