"""Queued solves in tests: the answer is 202 and a job; the queue is worked off in the test's
thread (no worker process, no threads, no waiting), then the job is read as its owner reads it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Role, local_issuer
from ltrako.models import Job, RestplatzRun
from ltrako.workers import jobs


def drain(client: TestClient) -> int:
    """Run every queued job of the client's service now; how many ran."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return jobs.run_queued(runtime, "test-worker")


def owner_headers(client: TestClient, job_id: str) -> dict[str, str]:
    """A token of the one who queued the job (only they, and operations, may follow it)."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with transaction(runtime.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None, job_id
        actor = dict(job.params["actor"])
    token = local_issuer(runtime.settings, runtime.clock).issue(
        Role(actor["role"]), subject=actor["subject"], zab=actor.get("zab"), abh=actor.get("abh")
    )
    return {"Authorization": f"Bearer {token}"}


def queued(response: Response) -> dict[str, Any]:
    """The 202 answer of a queued solve: the job, queued, and where to follow it."""
    assert response.status_code == 202, response.text
    job = dict(response.json())
    assert job["status"] == "queued" and job["attempts"] == 0, job
    assert response.headers["location"] == f"/api/v1/jobs/{job['id']}"
    return job


def finish(client: TestClient, response: Response) -> dict[str, Any]:
    """The 202 answer → the job as GET /jobs/{id} shows it once the queue is worked off."""
    job = queued(response)
    drain(client)
    answer = client.get(response.headers["location"], headers=owner_headers(client, job["id"]))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def done(client: TestClient, response: Response) -> dict[str, Any]:
    """As `finish`, the job having succeeded."""
    job = finish(client, response)
    assert job["status"] == "done", job
    return job


def planned(client: TestClient, response: Response) -> dict[str, Any]:
    """The 202 answer of POST /plans → the plan version the worker stored."""
    job = done(client, response)
    answer = client.get(f"/api/v1/plans/{job['result_ref']}", headers=owner_headers(client, job["id"]))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def ran(client: TestClient, response: Response) -> dict[str, Any]:
    """The 202 answer of POST /restplatz/runs → the run record the worker stored."""
    job = done(client, response)
    headers = owner_headers(client, job["id"])
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with transaction(runtime.sessions) as session:
        run = session.get(RestplatzRun, int(job["result_ref"]))
        assert run is not None
        day = run.day
    runs = client.get("/api/v1/restplatz/runs", params={"day": str(day)}, headers=headers)
    assert runs.status_code == 200, runs.text
    return next(dict(r) for r in runs.json() if r["id"] == int(job["result_ref"]))
