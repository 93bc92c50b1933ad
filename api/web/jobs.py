"""Long operations of the pages (planning a day, a Restplatzbörse run) as background jobs.

A job runs in a worker thread of this process; the page polls its state and shows progress
(elapsed time against the expected time) instead of waiting on one long request. The work
itself stores its result in the database, so a page reload or another instance sees it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ltrako.errors import LtrakoError


@dataclass(slots=True)
class Job:
    id: str
    owner: str
    label: str
    expected_s: float
    started: float = field(default_factory=time.monotonic)
    status: str = "running"  # running | done | failed
    message: str = ""
    target: str = ""  # where the page goes when the job is done

    def progress(self) -> float:
        if self.status != "running":
            return 1.0
        return min(0.95, (time.monotonic() - self.started) / max(self.expected_s, 1.0))


class Jobs:
    """The jobs of this process (a bounded number is kept for polling)."""

    def __init__(self, keep: int = 200) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def start(
        self, *, owner: str, label: str, expected_s: float, target: str, work: Callable[[], str]
    ) -> Job:
        job = Job(uuid.uuid4().hex, owner, label, expected_s, target=target)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                self._jobs.pop(next(iter(self._jobs)))

        def run() -> None:
            try:
                job.message = work()
                job.status = "done"
            except LtrakoError as exc:
                job.message, job.status = exc.message, "failed"
            except Exception as exc:  # the page shows that it failed; details stay in the log
                job.message, job.status = f"Fehlgeschlagen ({type(exc).__name__}).", "failed"

        threading.Thread(target=run, name=f"web-job-{job.id[:8]}", daemon=True).start()
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None
