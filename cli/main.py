"""The `ltrako` command line. Each command is one unit of work on the configured database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from ltrako.core.config import Settings
from ltrako.core.db import downgrade, transaction, upgrade
from ltrako.core.errors import InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime, open_runtime
from ltrako.core.security import SYSTEM, ConfigurationError, Role, TokenError, check_production, local_issuer
from ltrako.models import Abh, Zab
from ltrako.planning.demo import load_demo_day
from ltrako.planning.scenario import export_scenario, import_scenario
from ltrako.requests.seed import load_reference
from planner.check import ScenarioError
from planner.io import FormatError, dump_json, load_json, load_scenario, read_plan, write_plan, write_scenario
from planner.model import Plan, Scenario
from planner.params import SolveParams
from planner.solve import solve
from planner.validate import validate

app = typer.Typer(
    help="ltrako: Transport- und Flugkoordination der Rückführung in NRW (LTraKo digital).",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Datenbank-Migrationen.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _runtime() -> Runtime:
    return open_runtime(Settings())


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Fehler: {message}", err=True)
    raise typer.Exit(code)


def _next_working_day(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


DateOption = Annotated[
    dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Tag (JJJJ-MM-TT).")
]


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to the newest (or the given) revision."""
    rt = _runtime()
    upgrade(rt.engine, revision)
    typer.echo(f"Datenbank auf Stand {revision}: {rt.engine.url.render_as_string(hide_password=True)}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to `revision` (``base`` = empty)."""
    downgrade(_runtime().engine, revision)


@app.command()
def seed(fleet: bool = typer.Option(True, help="Demo-Fuhrpark und -Personal mitladen.")) -> None:
    """Load the reference data (ZABs, ABHs, places, airports) and the demo fleet."""
    rt = _runtime()
    upgrade(rt.engine)
    with transaction(rt.sessions) as session:
        summary = load_reference(session, with_fleet=fleet)
    typer.echo(
        f"{summary.zabs} ZAB, {summary.abhs} ABH, {summary.locations} Orte, "
        f"{summary.vehicles} Fahrzeuge, {summary.escorts} Begleitkräfte geladen."
    )


@app.command()
def demo(
    date: DateOption = None,
    requests: int = typer.Option(40, min=1, help="Anzahl der Transportaufträge."),
    time_limit: float = typer.Option(10.0, "--time-limit", min=1, help="Rechenzeit der Planung in Sekunden."),
) -> None:
    """Load NRW reference data and a realistic demo day, plan it and summarise (main job)."""
    rt = _runtime()
    day = date.date() if date else _next_working_day(rt.clock.today())
    upgrade(rt.engine)
    with transaction(rt.sessions) as session:
        summary = load_demo_day(
            session, day=day, requests=requests, travel=rt.travel, timezone=rt.settings.timezone, actor=SYSTEM
        )
    scenario = summary.day.scenario
    purposes = Counter(d.purpose for d in summary.day.details.values())
    by_zab = Counter(r.zab for r in scenario.requests)
    typer.echo(
        f"ltrako Demo – Planungstag {day:%d.%m.%Y} ({rt.engine.url.render_as_string(hide_password=True)})"
    )
    typer.echo(
        f"  Stammdaten: {summary.seed.zabs} ZAB, {summary.seed.abhs} ABH, {summary.seed.locations} Orte"
    )
    typer.echo(
        f"  Fuhrpark: {len(scenario.vehicles)} Fahrzeuge, {len(scenario.escorts)} Begleitkräfte im Dienst"
    )
    typer.echo(
        f"  Aufträge: {len(scenario.requests)} ({', '.join(f'{k} {v}' for k, v in sorted(purposes.items()))})"
    )
    typer.echo(f"  je ZAB: {', '.join(f'{k} {v}' for k, v in sorted(by_zab.items()))}")
    typer.echo(f"  Personen neu: {summary.persons}, Flüge neu: {summary.flights}")
    with transaction(rt.sessions) as session:
        day_scenario = export_scenario(session, day=day, timezone=rt.settings.timezone, travel=rt.travel)
    typer.echo(f"  Planung (erster Durchgang je ZAB, höchstens {time_limit:.0f} s) …")
    plan = solve(day_scenario, SolveParams(time_limit_s=time_limit))
    _report(day_scenario, plan)
    scenario_out, plan_out = Path(f"demo-day-{day}.json"), Path(f"demo-plan-{day}.json")
    dump_json(write_scenario(day_scenario), scenario_out)
    dump_json(write_plan(plan, timezone=day_scenario.timezone), plan_out)
    typer.echo(f"  Szenario und Plan: {scenario_out}, {plan_out}")
    typer.echo(f"    prüfen: ltrako validate {scenario_out} {plan_out}")
    typer.echo("  API: ltrako serve  →  http://127.0.0.1:8000/docs  (Token: ltrako token zab --zab ZAB-E)")
    typer.echo("  Seiten: ltrako serve --demo-login  →  http://127.0.0.1:8000/web/login")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Adresse."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(1, help="Worker-Prozesse."),
    scheduler: bool = typer.Option(True, help="Nächtliche Restplatzbörse in diesem Dienst ausführen."),
    demo_login: bool = typer.Option(
        False,
        "--demo-login",
        help="Demo-Anmeldung der Seiten (Rolle wählen, ohne Passwort; nie in der Produktion).",
    ),
) -> None:
    """Run the HTTP API (OpenAPI at /docs) and the pages, with the nightly Restplatzbörse batch.

    No solver runs in the API processes: LTRAKO_WORKER_PROCESSES (default 1) `ltrako worker`
    processes are started beside them and stopped with them (0: workers run elsewhere).
    """
    import os

    import uvicorn

    if demo_login:
        os.environ["LTRAKO_DEMO_LOGIN"] = "true"
    try:
        check_production(Settings())  # before a default SQLite file is created or migrated
    except ConfigurationError as exc:
        _fail(str(exc), 2)
    upgrade(_runtime().engine)
    os.environ["LTRAKO_SCHEDULER"] = "1" if scheduler else "0"
    proxies = [p.strip() for p in Settings().trusted_proxies.split(",") if p.strip()]
    # uvicorn re-raises the SIGTERM it handled once it has shut down; as SystemExit here, so that
    # the worker processes are stopped below instead of being left behind.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    planners = _start_workers(Settings().worker_processes)
    try:
        # Imported by name: the web layer sits above ltrako and is loaded only here.
        uvicorn.run(
            "api.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=bool(proxies),  # X-Forwarded-* only from configured proxies
            forwarded_allow_ips=proxies or None,
        )
    finally:
        _stop_workers(planners)
        signal.signal(signal.SIGTERM, previous)


def _end_with_parent() -> None:
    """In a worker about to start: SIGTERM when `serve` dies, also when it is killed (Linux)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    """`count` planning worker processes (`ltrako worker`), each a process of its own."""
    command = [sys.executable, "-m", "cli.main", "worker"]
    started = [subprocess.Popen(command, preexec_fn=_end_with_parent) for _ in range(count)]
    if started:
        typer.echo(f"{count} Planungs-Worker-Prozess(e) gestartet (LTRAKO_WORKER_PROCESSES).")
    return started


def _stop_workers(started: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM: a worker finishes its job's bookkeeping; one that does not stop in time is killed
    (its job is taken over by the next worker after the lease runs out)."""
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@app.command()
def worker(
    threads: int = typer.Option(1, min=1, max=8, help="Gleichzeitige Planungsaufträge dieses Prozesses."),
) -> None:
    """Run planning jobs off the queue in the database until stopped (Ctrl+C, SIGTERM).

    Any number of workers on any machine may share one PostgreSQL; a job whose worker dies is
    taken over by another after its lease (LTRAKO_JOB_LEASE_S) has run out.
    """
    import os
    import signal
    import threading

    from ltrako.workers import jobs

    rt = _runtime()
    upgrade(rt.engine)
    if rt.settings.worker_nice:  # the API processes on the machine come first (LTRAKO_WORKER_NICE)
        os.nice(rt.settings.worker_nice)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    workers = [
        threading.Thread(target=jobs.work, args=(rt, stop), name=f"worker-{i}") for i in range(threads)
    ]
    for thread in workers:
        thread.start()
    typer.echo(f"Planungs-Worker läuft ({threads} Threads); Ende mit Strg+C.")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        stop.set()
    for thread in workers:
        thread.join()


@app.command()
def token(
    role: Role = typer.Argument(..., help="Rolle: abh, zab, zfa, zrk, ministry, dpo, admin."),
    zab: str | None = typer.Option(None, help="ZAB-Kennung (Rolle zab), z. B. ZAB-E."),
    abh: str | None = typer.Option(None, help="ABH-Kennung (Rolle abh), z. B. ABH-05113."),
    subject: str | None = typer.Option(None, help="Kennung der Person (Standard: zufällig)."),
) -> None:
    """Print a bearer token of the local issuer (demo, development, tests)."""
    rt = _runtime()
    with transaction(rt.sessions) as session:
        if zab and session.get(Zab, zab) is None:
            _fail(f"Unbekannte ZAB {zab!r}.")
        if abh and session.get(Abh, abh) is None:
            _fail(f"Unbekannte ABH {abh!r}.")
    try:
        typer.echo(local_issuer(rt.settings, rt.clock).issue(role, subject=subject, zab=zab, abh=abh))
    except TokenError as exc:
        _fail(str(exc), 2)


@app.command("export-scenario")
def export_scenario_cmd(
    date: DateOption = None,
    zab: str | None = typer.Option(None, help="Nur diese ZAB."),
    cross_zab: bool = typer.Option(False, "--cross-zab", help="Restplatzbörse: jede ZAB darf fahren."),
    out: Path | None = typer.Option(None, help="Datei (Standard: Standardausgabe)."),
) -> None:
    """Build the day's ltrako-scenario/1 from the database."""
    if date is None:
        _fail("--date angeben.", 2)
    assert date is not None
    rt = _runtime()
    with transaction(rt.sessions) as session:
        scenario = export_scenario(
            session,
            day=date.date(),
            timezone=rt.settings.timezone,
            travel=rt.travel,
            zab_id=zab,
            cross_zab=cross_zab,
        )
    document = write_scenario(scenario)
    if out is None:
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        dump_json(document, out)
        typer.echo(f"{len(scenario.requests)} Aufträge, {len(scenario.vehicles)} Fahrzeuge → {out}")


@app.command("import-scenario")
def import_scenario_cmd(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Load an ltrako-scenario/1 file into the database (needs the reference data: ltrako seed)."""
    rt = _runtime()
    upgrade(rt.engine)
    try:
        scenario = load_scenario(file)
        with transaction(rt.sessions) as session:
            summary = import_scenario(session, scenario=scenario, actor=SYSTEM)
    except (FormatError, ScenarioError, InvalidInput) as exc:
        _fail(str(exc), 2)
    except LtrakoError as exc:
        _fail(exc.message, 2)
    typer.echo(
        f"Tag {summary.day}: {summary.requests_created} Aufträge neu, "
        f"{summary.requests_updated} aktualisiert, {summary.vehicles} Fahrzeuge, "
        f"{summary.escorts} Begleitkräfte, {summary.locked_tours} feste Touren."
    )


@app.command("plan")
def plan_cmd(
    scenario_file: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="SCENARIO.json"),
    out: Path = typer.Option(..., "--out", help="Plan-Datei (ltrako-plan/1)."),
    time_limit: float = typer.Option(20.0, "--time-limit", min=0.5, help="Rechenzeit in Sekunden."),
    workers: int = typer.Option(2, min=1, help="Prozesse für die ZAB des ersten Durchgangs."),
) -> None:
    """Plan a scenario file: tours with crews and times, reasons for the rest."""
    try:
        scenario = load_scenario(scenario_file)
        plan = solve(scenario, SolveParams(time_limit_s=time_limit, workers=workers))
    except (FormatError, ScenarioError) as exc:
        _fail(str(exc), 2)
        return
    dump_json(write_plan(plan, timezone=scenario.timezone), out)
    _report(scenario, plan)
    typer.echo(f"  → {out}")


@app.command("validate")
def validate_cmd(
    scenario_file: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="SCENARIO.json"),
    plan_file: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="PLAN.json"),
) -> None:
    """Check a plan against its scenario (all eleven rules); exit code 1 if anything is violated."""
    try:
        scenario = load_scenario(
            plan_file.parent / scenario_file if not scenario_file.exists() else scenario_file
        )
        plan = read_plan(load_json(plan_file), timezone=scenario.timezone)
    except FormatError as exc:
        _fail(str(exc), 2)
        return
    violations = validate(scenario, plan)
    for violation in violations:
        typer.echo(f"  {violation}")
    if violations:
        _fail(f"{len(violations)} Verstöße gegen die Regeln des Austauschformats.", 1)
    typer.echo(
        f"Plan gültig: {plan.stats.served} Aufträge in {len(plan.tours)} Touren, alle elf Regeln erfüllt."
    )


restplatz_app = typer.Typer(
    help="Restplatzbörse: abgelehnte Fahrten ZAB-übergreifend neu planen.", no_args_is_help=True
)
app.add_typer(restplatz_app, name="restplatz")


@restplatz_app.command("run")
def restplatz_run(
    date: Annotated[
        dt.datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="Planungstag JJJJ-MM-TT.")
    ],
    time_limit: float | None = typer.Option(
        None, "--time-limit", min=0.5, help="Rechenzeit (Standard: Einstellung)."
    ),
) -> None:
    """Re-plan the day's pool now (the job the nightly batch runs) and print the run record."""
    from ltrako.planning.restplatz import run_pool

    rt = _runtime()
    upgrade(rt.engine)
    params = SolveParams(time_limit_s=time_limit) if time_limit is not None else None
    run = run_pool(rt, date.date(), actor=SYSTEM, params=params)
    assert run is not None
    typer.echo(
        f"Restplatzbörse {run.day:%d.%m.%Y}: Lauf {run.id} {run.status.value}; Pool {run.pool_size}, "
        f"neue Angebote {run.offers_made}, offene Angebote {run.offers_open}, ohne Angebot {run.still_open}"
        + (f"; Fehler: {run.error}" if run.error else "")
    )
    if run.status.value == "failed":
        raise typer.Exit(1)


@restplatz_app.command("scheduler")
def restplatz_scheduler() -> None:
    """Run only the nightly batch (foreground), e.g. beside API instances started with --no-scheduler."""
    import threading

    from ltrako.workers.nightly import JOB_ID, start_scheduler

    rt = _runtime()
    upgrade(rt.engine)
    scheduler = start_scheduler(rt)
    typer.echo(f"Nächtlicher Lauf geplant: {scheduler.get_job(JOB_ID).next_run_time}")
    try:
        threading.Event().wait()  # until interrupted; the scheduler's thread does the work
    except KeyboardInterrupt:
        scheduler.shutdown()


bench_app = typer.Typer(
    help="Öffentliche PDPTW-Benchmarks (Li & Lim, Sartori & Buriol).", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")


def _bench(
    family: str,
    directory: Path,
    time_limit: float,
    out: Path,
    routes_dir: Path | None,
    solvers: str,
    sets: str,
    instances: str | None,
    limit: int | None,
) -> None:
    # The benchmark harness (and VROOM/PyVRP, extra "bench") are loaded only here.
    from bench.pdptw.run import SETS, run, summary
    from bench.pdptw.solvers import SOLVERS

    chosen = [s.strip() for s in solvers.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SOLVERS]
    if unknown or not chosen:
        _fail(f"--solvers: unbekannt {', '.join(unknown) or '(leer)'}; möglich: {', '.join(SOLVERS)}.", 2)
    sizes = [s.strip() for s in sets.split(",") if s.strip()]
    if not sizes or any(s not in SETS[family] for s in sizes):
        _fail(f"--sets: möglich sind {', '.join(SETS[family])}.", 2)
    rows = run(
        family,
        directory,
        solvers=chosen,
        seconds=time_limit,
        out=out,
        routes_dir=routes_dir,
        sets=sizes,
        instances=instances.split(",") if instances else None,
        limit=limit,
    )
    typer.echo("")
    typer.echo(summary(rows))
    typer.echo(f"→ {out}")
    if not all(r.valid for r in rows):
        _fail("ungültige Lösungen im Benchmark.", 1)


def _bench_command(family: str, folder_help: str, summary: str) -> None:
    """`ltrako bench <family>`: the same options for every benchmark family."""

    def command(
        directory: Path = typer.Argument(..., exists=True, file_okay=False, help=folder_help),
        time_limit: float = typer.Option(30.0, "--time-limit", help="Sekunden je Instanz und Löser."),
        out: Path = typer.Option(Path(f"bench/results/{family}.csv"), "--out"),
        routes_dir: Path | None = typer.Option(
            None, "--routes-dir", help="Routen im SINTEF-Format je Löser."
        ),
        solvers: str = typer.Option(
            "ltrako,vroom,pyvrp,ortools",
            help="Kommagetrennt: ltrako, vroom, pyvrp, ortools (OR-Tools allein, ohne Portfolio).",
        ),
        sets: str = typer.Option("100", help="Instanzgrößen: 100 und/oder 200."),
        instances: str | None = typer.Option(None, help="Nur diese Instanzen (kommagetrennt)."),
        limit: int | None = typer.Option(None, help="Nur die ersten N Instanzen."),
    ) -> None:
        _bench(family, directory, time_limit, out, routes_dir, solvers, sets, instances, limit)

    command.__doc__ = summary
    bench_app.command(family)(command)


_bench_command(
    "lilim",
    "…/benchmarks/lilim oder pdp_100",
    "Li & Lim PDPTW: ltrako's search beside VROOM, PyVRP and plain OR-Tools; vehicles, then distance.",
)
_bench_command(
    "sartori",
    "…/benchmarks/sartori-buriol oder n100",
    "Sartori & Buriol real-road PDPTW (travel-time matrices): the same comparison.",
)


def _report(scenario: Scenario, plan: Plan) -> None:
    violations = validate(scenario, plan)
    reasons = Counter(u.reason.value for u in plan.unassigned)
    crew_hours = sum((t.end - t.start) * len(t.escorts) for t in plan.tours) / 3600
    typer.echo(
        f"  {plan.stats.served} von {len(scenario.requests)} Aufträgen eingeplant "
        f"in {len(plan.tours)} Touren, {plan.stats.km:.0f} km, {crew_hours:.0f} Personalstunden, "
        f"{plan.stats.solve_seconds:.1f} s; "
        f"gültig: {'ja' if not violations else f'NEIN ({len(violations)} Verstöße)'}"
    )
    if reasons:
        typer.echo("  nicht eingeplant: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
        for entry in plan.unassigned[:5]:
            typer.echo(f"    {entry.request}: {entry.detail}")


if __name__ == "__main__":  # pragma: no cover
    app()


def _register_zfa() -> None:
    # The CLI is the composition root: the one place ltrako reaches up to zfa (import contract exception).
    from cli.zfa import zfa_app

    app.add_typer(zfa_app, name="zfa")


_register_zfa()


def _register_aps() -> None:
    from cli.aps import aps_app

    app.add_typer(aps_app, name="aps")


_register_aps()

from cli.retention import retention_app  # noqa: E402  (sub-app, registered like zfa and aps)

app.add_typer(retention_app, name="retention")
