"""The `ltrako` command line end to end: demo day, export, import, tokens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from cli.main import app
from fixtures.demo_day import generate_day
from ltrako.core.clock import SystemClock
from ltrako.core.config import Settings
from ltrako.core.security import Role, local_issuer
from planner.io import dump_json, load_scenario, write_scenario
from tests.factories import DAY

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "LTRAKO_LOCAL_KEY_FILE": str(tmp_path / "issuer.key"),
        "LTRAKO_JWT_SECRET": "",
    }


def test_demo_loads_a_day_that_exports_and_imports_again(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ltrako demo` loads and plans 40 requests (valid plan written next to it); the exported
    day has them and re-imports cleanly."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--date", "2026-11-24", "--time-limit", "3"], env=env)
    assert result.exit_code == 0, result.output
    assert "81 ABH" in result.output and "Aufträge: 40" in result.output
    assert "gültig: ja" in result.output
    assert (tmp_path / "demo-plan-2026-11-24.json").exists()
    out = tmp_path / "day.json"
    result = runner.invoke(app, ["export-scenario", "--date", "2026-11-24", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    scenario = load_scenario(out)
    assert len(scenario.requests) == 40 and scenario.vehicles and scenario.escorts
    result = runner.invoke(app, ["import-scenario", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "0 Aufträge neu, 40 aktualisiert" in result.output


def test_plan_writes_a_plan_that_validate_accepts(tmp_path: Path) -> None:
    """`ltrako plan` plans a scenario file; `ltrako validate` accepts the result and rejects a
    tampered copy with exit code 1 and the broken rule."""
    scenario = tmp_path / "day.json"
    dump_json(write_scenario(generate_day(DAY, requests=12).scenario), scenario)
    plan = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", str(scenario), "--out", str(plan), "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    assert "gültig: ja" in result.output
    ok = runner.invoke(app, ["validate", str(scenario), str(plan)])
    assert ok.exit_code == 0 and "alle elf Regeln" in ok.output
    document = json.loads(plan.read_text())
    document["tours"][0]["escorts"] = []
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    bad = runner.invoke(app, ["validate", str(scenario), str(broken)])
    assert bad.exit_code == 1 and "Regel 4" in bad.output


def test_import_scenario_reports_the_broken_key(env: dict[str, str], tmp_path: Path) -> None:
    """A scenario with a missing key is refused with exit code 2 and the key's path."""
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "ltrako-scenario/1", "date": "2026-11-24"}))
    result = runner.invoke(app, ["import-scenario", str(broken)], env=env)
    assert result.exit_code == 2
    assert "timezone" in result.output


def test_token_prints_a_token_the_service_accepts(env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    """`ltrako token zab --zab ZAB-E` prints a token that verifies as a ZAB Essen dispatcher."""
    result = runner.invoke(app, ["token", "zab", "--zab", "ZAB-E"], env=env)
    assert result.exit_code == 0, result.output
    settings = Settings(database_url=db_url, local_key_file=env["LTRAKO_LOCAL_KEY_FILE"])
    principal = local_issuer(settings, SystemClock()).verify(result.output.strip())  # the CLI's clock
    assert principal.role is Role.ZAB and principal.zab_id == "ZAB-E"
    unknown = runner.invoke(app, ["token", "abh", "--abh", "ABH-99999"], env=env)
    assert unknown.exit_code == 1 and "Unbekannte ABH" in unknown.output


def test_restplatz_run_by_hand_records_the_run(env: dict[str, str]) -> None:
    """`ltrako restplatz run --date` is the nightly job by hand: it prints the run record."""
    result = runner.invoke(app, ["restplatz", "run", "--date", "2026-11-24", "--time-limit", "2"], env=env)
    assert result.exit_code == 0, result.output
    assert "Restplatzbörse 24.11.2026" in result.output and "finished" in result.output
    bad = runner.invoke(app, ["restplatz", "run", "--date", "24.11.2026"], env=env)
    assert bad.exit_code == 2 and "--date" in bad.output


@pytest.mark.parametrize(
    ("proxies", "headers", "allowed"),
    [("", False, None), ("10.0.0.5, 10.0.0.6", True, ["10.0.0.5", "10.0.0.6"])],
)
def test_serve_believes_forwarded_headers_only_from_configured_proxies(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, proxies: str, headers: bool, allowed: object
) -> None:
    """16.10: without LTRAKO_TRUSTED_PROXIES, X-Forwarded-For is ignored (it set the address the
    sign-in rate limit counts by, for any client); with it, only those proxies are believed."""
    started: dict[str, object] = {}
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started.update(kwargs))
    env = {**env, "LTRAKO_TRUSTED_PROXIES": proxies, "LTRAKO_WORKER_PROCESSES": "0"}
    result = runner.invoke(app, ["serve", "--no-scheduler"], env=env)
    assert result.exit_code == 0, result.output
    assert started["proxy_headers"] is headers and started["forwarded_allow_ips"] == allowed


class _FakeProcess:
    """A stand-in for a `ltrako worker` process: records how it is started and stopped."""

    started: ClassVar[list[list[str]]] = []
    stopped: ClassVar[int] = 0

    def __init__(self, command: list[str], **_options: object) -> None:
        self.command, self.running = command, True
        _FakeProcess.started.append(command)

    def poll(self) -> int | None:
        return None if self.running else 0

    def terminate(self) -> None:
        self.running = False
        _FakeProcess.stopped += 1

    def wait(self, timeout: float) -> int:
        return 0

    def kill(self) -> None:  # pragma: no cover - only when terminate does not end it
        self.running = False


def test_serve_solves_in_worker_processes_and_stops_them_with_it(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16.5: the API process solves nothing; LTRAKO_WORKER_PROCESSES `ltrako worker`
    processes run beside it, started before the API and stopped when it ends."""
    order: list[str] = []
    _FakeProcess.started, _FakeProcess.stopped = [], 0
    monkeypatch.setattr("cli.main.subprocess.Popen", _FakeProcess)
    monkeypatch.setattr(
        "uvicorn.run", lambda *args, **kwargs: order.append(f"api with {len(_FakeProcess.started)} workers")
    )
    result = runner.invoke(app, ["serve", "--no-scheduler"], env={**env, "LTRAKO_WORKER_PROCESSES": "2"})
    assert result.exit_code == 0, result.output
    assert order == ["api with 2 workers"] and _FakeProcess.stopped == 2
    assert all(command[-3:] == ["-m", "cli.main", "worker"] for command in _FakeProcess.started)
    assert "2 Planungs-Worker-Prozess(e)" in result.output
