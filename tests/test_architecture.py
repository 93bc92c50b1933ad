"""Rules of the code base: the import contracts of pyproject.toml (cli on top, ltrako's domains
layered, planner pure), and what a grep can check: time comes from the clock, roles are compared
only in the policy module."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cli", "ltrako", "api", "zfa", "fixtures", "planner", "bench")
CLOCK_MODULE = ROOT / "ltrako" / "core" / "clock.py"
# Roles are compared only where the rules live (and where a principal checks its own claims).
POLICY_MODULES = {ROOT / "ltrako" / "core" / "policy.py", ROOT / "ltrako" / "core" / "security.py"}
ROLE_CHECK = re.compile(r"\.role\s*(is not|is|==|!=|not in|in)\s")
WALL_CLOCK = re.compile(r"\b(datetime\.now|datetime\.utcnow|datetime\.today|date\.today|utcnow)\s*\(")


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def offenders(pattern: re.Pattern[str], allowed: set[Path]) -> list[str]:
    found = []
    for path in sources():
        if path in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_the_grep_finds_a_wall_clock_read() -> None:
    """The patterns match what they must (else the checks below could never fail)."""
    assert WALL_CLOCK.search("day = dt.date.today() + dt.timedelta(days=1)")
    assert WALL_CLOCK.search("now = dt.datetime.now(dt.UTC)")
    assert not WALL_CLOCK.search("now = clock.now()")
    assert ROLE_CHECK.search("if principal.role is Role.ZAB and zab.id != principal.zab_id:")
    assert ROLE_CHECK.search("    if user.role not in allowed:")
    assert not ROLE_CHECK.search("return HOME[user.role]")


@pytest.mark.parametrize("package", PACKAGES)
def test_nothing_reads_the_wall_clock_but_the_clock(package: str) -> None:
    """Services, jobs, pages and the command line take the injected clock (ltrako.core.clock)."""
    assert sources(), "no sources found"
    found = [line for line in offenders(WALL_CLOCK, {CLOCK_MODULE}) if line.startswith(package + "/")]
    assert found == [], "wall-clock reads outside ltrako/core/clock.py:\n" + "\n".join(found)


@pytest.mark.parametrize("package", PACKAGES)
def test_roles_are_compared_only_in_the_policy_module(package: str) -> None:
    """Who may do what lives in ltrako.core.policy; routes, pages and services ask it."""
    found = [line for line in offenders(ROLE_CHECK, POLICY_MODULES) if line.startswith(package + "/")]
    assert found == [], "inline role checks outside ltrako/core/policy.py:\n" + "\n".join(found)


def test_import_contracts_hold() -> None:
    """import-linter finds no forbidden import (planner stays free of database and web code)."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter not installed")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
