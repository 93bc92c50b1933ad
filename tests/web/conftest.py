"""A live ltrako service (uvicorn in a thread, SQLite) and Debian's Chromium driven by Playwright.

The browser tests need /usr/bin/chromium (Debian package `chromium`); without it they are
skipped, unless LTRAKO_REQUIRE_BROWSER=1 (CI) makes that a failure. Screenshots of the main
pages go to tests/web/screenshots/ (or LTRAKO_SCREENSHOTS).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.main import create_app
from bench.restplatz import clear_all
from ltrako.core.clock import FixedClock
from ltrako.core.config import Settings
from ltrako.core.db import make_engine, transaction
from ltrako.core.runtime import Runtime, runtime_on
from ltrako.core.security import SYSTEM
from ltrako.planning.demo import load_demo_day
from ltrako.planning.scenario import import_scenario
from ltrako.workers import jobs
from tests.conftest import TEST_NOW, TEST_SECRET
from tests.factories import two_zab_day

CHROMIUM = os.environ.get("LTRAKO_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("LTRAKO_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(os.environ.get("LTRAKO_SCREENSHOTS", Path(__file__).parent / "screenshots"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if REQUIRE:
            pytest.fail(f"Chromium required but not found at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def web_runtime(sqlite_template: Path, tmp_path: Path) -> Iterator[Runtime]:
    copy = tmp_path / "web.db"
    shutil.copy(sqlite_template, copy)
    settings = Settings(
        database_url=f"sqlite:///{copy}",
        jwt_secret=TEST_SECRET,
        local_key_file=str(tmp_path / "issuer.key"),
        oidc_issuer=None,
        timezone="Europe/Berlin",
        scheduler=False,
        demo_login=True,  # the browser tests sign in with the demo form
        job_poll_s=0.2,
    )
    engine = make_engine(settings.database_url)
    yield runtime_on(engine, settings, FixedClock(TEST_NOW))
    engine.dispose()


@pytest.fixture
def live(web_runtime: Runtime) -> Iterator[str]:
    """The service on a free local port; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(runtime=web_runtime), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline, started = time.monotonic() + 20, threading.Event()
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("service did not start")
        started.wait(0.05)  # not time.sleep: it fails under faketime
    # The planning worker: a thread of the test process, as `ltrako serve` starts a process.
    stop = threading.Event()
    worker = threading.Thread(target=jobs.work, args=(web_runtime, stop, "web-worker"), daemon=True)
    worker.start()
    yield f"http://127.0.0.1:{port}"
    stop.set()
    server.should_exit = True
    thread.join(timeout=10)
    worker.join(timeout=60)


@pytest.fixture
def shot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


TWO_ZAB_DAY = dt.date(2026, 11, 25)


def load_two_zab_day(runtime: Runtime) -> None:
    """Fleet and roster of 25.11.2026: one vehicle and two escorts each in Essen and Köln."""
    scenario = two_zab_day(TWO_ZAB_DAY)
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=scenario, actor=SYSTEM)


def load_demo(runtime: Runtime, day: dt.date, requests: int) -> None:
    """The demo day with every transit approved and every medical reception confirmed."""
    with transaction(runtime.sessions) as session:
        load_demo_day(
            session, day=day, requests=requests, travel=runtime.travel, timezone="Europe/Berlin", actor=SYSTEM
        )
    with transaction(runtime.sessions) as session:
        clear_all(session)
