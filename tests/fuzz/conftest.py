"""The fuzzed world: per backend one database with the reference data, a demo day and a worked day.

The demo day (ltrako.planning.demo) is loaded for the next working day and then taken through the
daily loop once, through the API, so that every kind of record the API addresses exists:
a plan version with accepted and proposed tours, a request in the Restplatzbörse with the
run's offers, a flight with a transit request, ZRK cases, a Dublin transfer, a removal case
and a Sammelcharter. Their ids become explicit examples in the OpenAPI document the fuzzer
reads, so generated requests reach the handlers and not only their 404s.

Bounds: LTRAKO_FUZZ_EXAMPLES (default 5) generated requests per operation in the fuzzing
phase, each sent once per role, with a fixed seed. More than the default is a full run: a
random seed (printed; LTRAKO_FUZZ_SEED repeats it) and the coverage phase (boundary and
invalid values of every parameter; LTRAKO_FUZZ_COVERAGE=1 adds it to a short run).
LTRAKO_FUZZ_SHRINK=0 skips shrinking failures (quicker triage), LTRAKO_FUZZ_LOG=path writes
the log as JSON.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
import random
import shutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, event, text
from sqlmodel import col, select

from api.main import create_app
from ltrako.core.clock import FixedClock
from ltrako.core.config import Settings
from ltrako.core.db import make_engine, transaction
from ltrako.core.runtime import Runtime, runtime_on
from ltrako.core.security import SYSTEM, Role, local_issuer
from ltrako.models import Person, RequestStatus, TransportRequest
from ltrako.planning.demo import load_demo_day
from ltrako.workers import jobs
from tests.conftest import TEST_NOW, TEST_SECRET, _admin_engine, _with_database

# schemathesis 4.32's fixture-loaded schemas rename the running test per operation through
# `Function._nodeid`, which pytest 9.2 no longer has: read the node id, ignore the renaming
# (each operation is still reported as its own subtest, labelled "METHOD /path").
if not hasattr(pytest.Function, "_nodeid"):
    pytest.Function._nodeid = property(lambda self: self.nodeid, lambda self, value: None)  # type: ignore[attr-defined]

API = "/api/v1"
DEFAULT_EXAMPLES = 5
EXAMPLES = int(os.environ.get("LTRAKO_FUZZ_EXAMPLES", str(DEFAULT_EXAMPLES)))
FULL_RUN = EXAMPLES > DEFAULT_EXAMPLES
CI_SEED = 20261124
SEED = int(os.environ.get("LTRAKO_FUZZ_SEED") or (random.getrandbits(32) if FULL_RUN else CI_SEED))
COVERAGE = FULL_RUN or os.environ.get("LTRAKO_FUZZ_COVERAGE") == "1"
Case = schemathesis.Case[Any]
ZAB = "ZAB-E"
# Every role of the service, and `none`: no token at all.
ROLES = (*(role.value for role in Role), "none")


def next_working_day(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@dataclass
class World:
    """One seeded service instance and what the fuzzer should know about it."""

    backend: str
    app: FastAPI
    day: dt.date
    abh_id: str
    headers: dict[str, dict[str, str]]  # per role; `none` has none
    path_examples: dict[str, list[Any]]
    body_examples: dict[tuple[str, str], list[dict[str, Any]]]
    # Pseudonymous case references of the seeded persons: they must never reach the ministry.
    case_refs: frozenset[str]


# ----------------------------------------------------------------------------------- the log


def _input_kind(case: Case) -> str:
    """What kind of input a case is: its phase, and where it is invalid (or its coverage scenario)."""
    meta = case.meta
    if meta is None:
        return "?"
    kind = meta.phase.name.value
    scenario = getattr(meta.phase.data, "scenario", None)
    if scenario is not None:
        kind += f":{scenario.value}"
    bad = sorted(location.value for location, c in meta.components.items() if c.mode.is_negative)
    return f"{kind} invalid:{'+'.join(bad)}" if bad else f"{kind} valid"


@dataclass
class FuzzLog:
    """What was sent and what came back, per backend, role and operation (for the issue note)."""

    calls: Counter[tuple[str, str, str, int]] = field(default_factory=Counter)
    inputs: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    gaps: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    slowest: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def record(self, backend: str, role: str, case: Case, status: int, seconds: float) -> None:
        self.calls[(backend, role, case.operation.label, status)] += 1
        self.seconds[case.operation.label] += seconds
        self.slowest[case.operation.label] = max(self.slowest[case.operation.label], seconds)

    def by_status(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (_, _, _, status), n in self.calls.items():
            counts[str(status)] += n
        return counts

    def generated(self, case: Case) -> None:
        self.inputs[(case.operation.label, _input_kind(case))] += 1

    def fail(self, backend: str, role: str, case: Case, problem: str) -> None:
        self.failures[(backend, role, case.operation.label)].append(problem)

    def known(self, backend: str, case: Case, gap: str) -> None:
        self.gaps[(backend, case.operation.label, gap)] += 1

    def summary(self) -> dict[str, Any]:
        operations: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"inputs": Counter(), "statuses": Counter(), "requests": 0}
        )
        for (label, kind), n in self.inputs.items():
            operations[label]["inputs"][kind] += n
        for (_, _, label, status), n in self.calls.items():
            operations[label]["statuses"][str(status)] += n
            operations[label]["requests"] += n
        for label, seconds in self.seconds.items():
            operations[label]["seconds"] = round(seconds, 1)
        return {
            "seed": SEED,
            "examples": EXAMPLES,
            "slowest": max(self.slowest.items(), key=lambda kv: kv[1], default=("-", 0.0)),
            "statuses": dict(sorted(self.by_status().items())),
            "coverage_phase": COVERAGE,
            "roles": list(ROLES),
            "requests": sum(self.calls.values()),
            "operations": {
                label: {k: dict(sorted(v.items())) if isinstance(v, Counter) else v for k, v in row.items()}
                for label, row in sorted(operations.items())
            },
            "undocumented": {gap: sorted(labels) for gap, labels in UNDOCUMENTED.items()},
            "known_gaps": {" ".join(k): n for k, n in self.gaps.items()},
            "failures": {" ".join(k): v for k, v in self.failures.items()},
        }


LOG = FuzzLog()


class LogTap(logging.Handler):
    """Every log line of the run, to check that no seeded case reference reaches a log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.pending: list[str] = []
        self.lines = 0
        self.leaks = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.pending.append(text)
        self.lines += 1

    def leaked(self, refs: frozenset[str]) -> list[str]:
        """The lines since the last call that name one of `refs`."""
        found = [line for line in self.pending if any(ref in line for ref in refs)]
        self.pending.clear()
        self.leaks += len(found)
        return found


TAP = LogTap()


@pytest.fixture(scope="session")
def log_tap() -> Iterator[LogTap]:
    root = logging.getLogger()
    level = root.level
    root.addHandler(TAP)
    root.setLevel(logging.DEBUG)
    yield TAP
    root.removeHandler(TAP)
    root.setLevel(level)


@pytest.fixture(scope="session")
def fuzz_log() -> FuzzLog:
    return LOG


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not LOG.calls:
        return
    summary = LOG.summary()
    out = terminalreporter
    out.section("ltrako fuzz log")
    out.write_line(
        f"seed {summary['seed']}, {summary['examples']} generated per operation, coverage phase "
        f"{'on' if summary['coverage_phase'] else 'off'}, {len(ROLES)} roles: {summary['requests']} requests"
    )
    label, seconds = summary["slowest"]
    out.write_line(f"  statuses {summary['statuses']}; slowest request {seconds:.2f} s ({label})")
    out.write_line(f"  log lines checked for seeded case references: {TAP.lines}, found: {TAP.leaks}")
    for label, row in summary["operations"].items():
        invalid = sum(n for kind, n in row["inputs"].items() if "invalid" in kind)
        cases = sum(row["inputs"].values())
        statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
        out.write_line(
            f"  {label:<60} {cases:>4} inputs ({invalid:>3} invalid) {row.get('seconds', 0):>5} s  {statuses}"
        )
    for gap, labels in summary["undocumented"].items():
        if labels:
            out.write_line(f"  {gap} not documented (added for the fuzzer): {', '.join(labels)}")
    for key, n in summary["known_gaps"].items():
        out.write_line(f"  known gap, not failed: {key}: {n}x")
    for key, problems in summary["failures"].items():
        out.write_line(f"  FAILED {key}: {len(problems)}x {problems[0][:200]}")
    path = os.environ.get("LTRAKO_FUZZ_LOG")
    if path:
        Path(path).write_text(json.dumps(summary, indent=1, ensure_ascii=False))
        out.write_line(f"  log written to {path}")


# --------------------------------------------------------------------------------- the world


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzz_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[str]:
    """A fresh database per backend, shared by all roles (the fuzzer's changes carry over)."""
    if request.param == "sqlite":
        copy_path = tmp_path_factory.mktemp("fuzz") / "ltrako.db"
        shutil.copy(sqlite_template, copy_path)
        yield f"sqlite:///{copy_path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"ltrako_fz_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()  # type: ignore[no-untyped-call]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _with_database(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _without_fsync(engine: Engine) -> None:
    """A throwaway database: commits need not wait for the disk (4x faster audited refusals)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("SET synchronous_commit TO off")
            dbapi_connection.commit()
        cursor.close()


@pytest.fixture(scope="module")
def fuzz_world(fuzz_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = Settings(
        database_url=fuzz_db_url,
        jwt_secret=SecretStr(TEST_SECRET),
        local_key_file=str(tmp_path_factory.mktemp("issuer") / "issuer.key"),
        oidc_issuer=None,
        timezone="Europe/Berlin",
        restplatz_time_limit_s=0.5,  # a run without a time limit must not take the default minute
        # No worker runs: POST /plans, /restplatz/runs, /charters/{id}/plan and /jobs only queue
        # (and answer 429 once the queue is full); no solver runs behind the fuzzer's back.
    )
    engine = make_engine(settings.database_url)
    _without_fsync(engine)
    runtime = runtime_on(engine, settings, FixedClock(TEST_NOW))
    yield _seed(create_app(runtime=runtime), runtime)
    engine.dispose()


def _seed(app: FastAPI, runtime: Runtime) -> World:
    """The demo day, then one pass of the daily loop through the API; ids for the examples."""
    zone = runtime.zone
    day = next_working_day(runtime.clock.today())
    with transaction(runtime.sessions) as session:
        load_demo_day(
            session,
            day=day,
            requests=40,
            travel=runtime.travel,
            timezone=runtime.settings.timezone,
            actor=SYSTEM,
        )
        demo = session.exec(select(TransportRequest).order_by(col(TransportRequest.id))).all()
        # The ABH of ZAB Essen with the most requests on the day is the fuzzed case worker.
        abh_id = Counter(r.abh_id for r in demo if r.zab_id == ZAB and r.abh_id).most_common(1)[0][0]
        assert abh_id is not None
        koeln = next(r.id for r in demo if r.zab_id == "ZAB-K" and r.status is RequestStatus.SUBMITTED)
        dublin = next(r for r in demo if r.zab_id == ZAB and r.purpose.value == "dublin_handover")
    issuer = local_issuer(runtime.settings, runtime.clock)
    claims: dict[str, dict[str, str]] = {"abh": {"abh": abh_id}, "zab": {"zab": ZAB}}
    tokens = {
        role: issuer.issue(Role(role), subject=f"fuzz-{role}", **claims.get(role, {}))
        for role in ROLES
        if role != "none"
    }
    headers = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    headers["none"] = {}

    def at(hour: int, days: int = 0) -> str:
        return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour), tzinfo=zone).isoformat()

    submission = {  # every health-related flag set: roles without medical access must not see them
        "persons": [
            {
                "case_ref": "FZ-2026-0001",
                "nationality": "ALB",
                "gender": "f",
                "requires_female_escort": True,
                "requires_medical_escort": True,
                "wheelchair": True,
                "requires_medical_reception": True,
            }
        ],
        "pickup": {"location": abh_id, "earliest": at(6), "latest": at(7), "service_min": 20},
        "dropoff": {"location": "AP-DUS", "earliest": at(7), "latest": at(10), "service_min": 30},
        "priority": 4,
    }
    legs = [("ZF100", "DUS", "IST", "12:00", "16:15"), ("ZF101", "IST", "TBS", "18:00", "21:20")]
    flight = {
        "legs": [
            {"flight_number": n, "from": a, "to": b, "departure": f"{day}T{d}", "arrival": f"{day}T{r}"}
            for n, a, b, d, r in legs
        ]
    }
    removal = {
        "persons": [{"case_ref": "FZ-2026-0002", "nationality": "ALB", "gender": "m"}],
        "pickup_location": abh_id,
        "destination_country": "ALB",
        "documents_ready": True,
    }
    charter = {
        "airport": "DUS",
        "destination_country": "ALB",
        "seats": 20,
        "escort_seats": 40,
        "check_in": at(10, days=3),
    }
    transfer = {
        "request_id": dublin.id,
        "facility_id": dublin.pickup_location_id,
        "application_registered": str(day - dt.timedelta(days=120)),
        "accepted_on": str(day - dt.timedelta(days=60)),
    }
    with TestClient(app) as client:

        def call(method: str, path: str, role: str, **kwargs: Any) -> Any:
            response = client.request(method, f"{API}{path}", headers=headers[role], **kwargs)
            assert response.status_code < 300, (path, response.status_code, response.text)
            return response.json() if response.content else None

        own = call("POST", "/transport-requests", "abh", json=submission)["id"]
        # Köln turns one request down: it goes into the Restplatzbörse.
        call("POST", f"/transport-requests/{koeln}/reject", "admin", json={"reason": "no_staff"})

        def solved(path: str, role: str, body: dict[str, Any]) -> str:
            """A solve is queued (202); the queue is worked off here; the result's id."""
            job = call("POST", path, role, json=body)
            jobs.run_queued(runtime, "fuzz-seed")
            done = call("GET", f"/jobs/{job['id']}", role)
            assert done["status"] == "done", done
            return str(done["result_ref"])

        version_id = solved("/plans", "zab", {"day": str(day), "time_limit_s": 1})
        version = call("GET", f"/plans/{version_id}", "zab")
        tours = len(version["tours"])
        for index in range(tours - 1):  # the last tour stays proposed
            client.post(f"{API}/plans/{version['id']}/tours/{index}/accept", headers=headers["zab"])
        solved("/restplatz/runs", "admin", {"day": str(day), "time_limit_s": 1})
        offers = call("GET", "/restplatz/offers", "admin", params={"day": str(day), "status": "open"})
        booked = call("POST", "/flights", "zfa", json=flight)
        receptions = call("GET", "/zrk/cases", "zrk")
        call("POST", "/dublin-transfers", "zab", json=transfer)
        case = call("POST", "/removal-cases", "abh", json=removal)
        sammel = call("POST", "/charters", "zfa", json=charter)
    with transaction(runtime.sessions) as session:
        mine = session.exec(
            select(TransportRequest.id, TransportRequest.status).where(TransportRequest.abh_id == abh_id)
        ).all()
        case_refs = frozenset(session.exec(select(Person.case_ref)).all())
    by_status = {status: rid for rid, status in mine}
    statuses = (RequestStatus.ACCEPTED, RequestStatus.PLANNED)
    request_ids = [own, koeln, *(by_status[s] for s in statuses if s in by_status)]
    return World(
        backend=runtime.engine.dialect.name,
        app=app,
        day=day,
        abh_id=abh_id,
        headers=headers,
        path_examples={
            "request_id": list(dict.fromkeys(request_ids)),
            "version_id": [version["id"]],
            "tour_index": [max(tours - 1, 0)],
            "offer_id": [o["id"] for o in offers][:2] or [1],
            "flight_id": [booked["id"]],
            "transit_id": [t["id"] for t in booked["transits"]][:1] or [1],
            "zrk_case_id": [r["id"] for r in receptions][:2] or [1],
            "removal_case_id": [case["id"]],
            "charter_id": [sammel["id"]],
        },
        body_examples={
            ("POST", "/transport-requests"): [submission],
            ("POST", "/plans"): [{"day": str(day), "time_limit_s": 0.5}],
            ("POST", "/restplatz/runs"): [{"day": str(day), "time_limit_s": 0.5}],
            ("POST", "/transport-requests/{request_id}/reject"): [{"reason": "no_staff"}],
            ("POST", "/transport-requests/{request_id}/close"): [
                {"outcome": "cancelled", "reason": "absconded"},
                {"outcome": "self_transport"},
            ],
            ("POST", "/transport-requests/{request_id}/complete"): [{"returned": True}],
            ("POST", "/flights"): [flight],
            ("POST", "/zfa/transits/{transit_id}/decision"): [{"approved": True}],
            ("POST", "/zrk/cases/{case_id}/decision"): [{"confirmed": True}],
            ("PUT", "/zrk/cases/{case_id}/details"): [{"details": "Insulin"}],
            ("POST", "/dublin-transfers"): [transfer],
            ("POST", "/removal-cases"): [removal],
            ("PATCH", "/removal-cases/{case_id}"): [{"documents_ready": True, "priority": 5}],
            ("POST", "/charters"): [charter],
            ("POST", "/jobs"): [{"kind": "plan_day", "day": str(day), "time_limit_s": 1}],
        },
        case_refs=case_refs,
    )


# ---------------------------------------------------------------------- the OpenAPI document

QUERY_EXAMPLES: dict[str, list[Any]] = {
    "period": ["2026", "2026-H2", "2026-11"],
    "half": ["2026-H2"],
    "zab": [ZAB],
    "zab_id": [ZAB],
    "batch": ["fuzz"],
}
# Gaps of the document that only the routes can close (api/routes is not edited here). Until
# they are, the document the fuzzer reads fills them in, so the checks stay on for the rest:
# - operations that need a token but do not document the 401 they answer without one
#   (the route needs `responses={401: {"model": ErrorRead}}`);
# - `?format=csv|xlsx|html` answers documented as JSON only (the route needs the media types
#   in `responses={200: {"content": {...}}}`).
UNDOCUMENTED: dict[str, set[str]] = {"401": set(), "media types": set()}
FORMAT_MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
}


def with_examples(document: dict[str, Any], world: World) -> dict[str, Any]:
    """The service's OpenAPI document plus the seeded ids, days and bodies as explicit examples."""
    doc = copy.deepcopy(document)
    for path, operations in doc["paths"].items():
        short = path.removeprefix(API)
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            if operation.get("security") and "401" not in operation["responses"]:
                UNDOCUMENTED["401"].add(label)
                operation["responses"]["401"] = {
                    "description": "Anmeldung fehlt oder ungültig (nachgetragen, siehe UNDOCUMENTED)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorRead"}}},
                }
            formats: list[str] = next(
                (
                    p["schema"].get("enum", [])
                    for p in operation.get("parameters", [])
                    if p["name"] == "format"
                ),
                [],
            )
            content = operation["responses"].get("200", {}).get("content")
            if content is not None and any(FORMAT_MEDIA.get(f) not in (None, *content) for f in formats):
                UNDOCUMENTED["media types"].add(label)
                content.update({FORMAT_MEDIA[f]: {} for f in formats if f in FORMAT_MEDIA})
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if name == "case_id":
                    name = "zrk_case_id" if short.startswith("/zrk/") else "removal_case_id"
                values = (
                    world.path_examples.get(name)
                    or QUERY_EXAMPLES.get(name)
                    or ([str(world.day)] if name == "day" else None)
                )
                if values:
                    parameter["examples"] = {f"seeded{i}": {"value": v} for i, v in enumerate(values)}
            bodies = world.body_examples.get((method.upper(), short))
            json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if bodies and json_body is not None:
                json_body["examples"] = {f"seeded{i}": {"value": b} for i, b in enumerate(bodies)}
    return doc


@pytest.fixture
def fuzz_schema(fuzz_world: World) -> schemathesis.BaseSchema:
    """The document as served, with the examples, bound to the app in-process (ASGI)."""
    with TestClient(fuzz_world.app) as client:
        served = client.get(f"{API}/openapi.json").json()
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": not FULL_RUN,
                "database": "none",
                "no-shrink": os.environ.get("LTRAKO_FUZZ_SHRINK") == "0",
                # Each request is sent with every role's token (and without one): no generated
                # Authorization header.
                "with-security-parameters": False,
            },
        }
    )
    schema = schemathesis.openapi.from_dict(with_examples(served, fuzz_world), config=config)
    schema.app = fuzz_world.app
    schema.location = f"{API}/openapi.json"
    return schema
