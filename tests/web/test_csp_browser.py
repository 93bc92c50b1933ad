"""The pages work under the CSP in a real browser: Chromium reports no violation (needs /usr/bin/chromium)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ltrako.core.runtime import Runtime
from tests.web.conftest import load_demo
from tests.web.test_pages import login

DAY = dt.date(2026, 11, 26)


def test_pages_raise_no_csp_violation(live: str, web_runtime: Runtime, browser: Any) -> None:
    """Login, Tagesplan with Gantt, map and the job progress script, and Statistik with the SVG charts."""
    load_demo(web_runtime, DAY, requests=8)
    context = browser.new_context(locale="de-DE")
    violations: list[str] = []
    context.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page = login(context, live, "zab", "dispo-essen", zab="ZAB-E")
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.goto(f"{live}/web/zab/tag?day={DAY}")
    page.click("button:has-text('Planen')")
    page.wait_for_selector("#meldung", timeout=90_000)  # app.js polled the job and reloaded
    assert page.locator(".gantt svg").count() == 1
    page.goto(f"{live}/web/statistik?period=2026")
    assert page.locator(".charts svg").count() == 2
    page.goto(f"{live}/web/login")
    assert violations == []
