"""The pages in a real browser (Debian's Chromium via Playwright) against a live service."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from ltrako.core.runtime import Runtime
from tests.web.conftest import TWO_ZAB_DAY, load_demo, load_two_zab_day

DEMO_DAY = dt.date(2026, 11, 26)
AXE = Path(os.environ.get("LTRAKO_AXE_JS", Path(__file__).parents[2] / ".cache" / "axe" / "axe.min.js"))
JOB_WAIT_MS = 90_000


def login(context: Any, base: str, role: str, name: str, *, zab: str = "", abh: str = "") -> Any:
    page = context.new_page()
    page.goto(f"{base}/web/login")
    page.fill("#name", name)
    page.select_option("#role", role)
    if zab:
        page.select_option("#zab", zab)
    if abh:
        page.select_option("#abh", abh)
    page.click("button:has-text('Anmelden')")
    return page


def wait_for_job(page: Any) -> str:
    """A job page reloads itself with the outcome; the message it shows."""
    page.wait_for_selector("#meldung", timeout=JOB_WAIT_MS)
    return str(page.inner_text("#meldung"))


def submit_request(page: Any, case_ref: str, nationality: str) -> None:
    page.fill("#case_ref_0", case_ref)
    page.fill("#nationality_0", nationality)
    page.select_option("#gender_0", "m")
    page.select_option("#pickup_location", "ABH-05113")
    page.fill("#pickup_from", "2026-11-25T06:00")
    page.fill("#pickup_until", "2026-11-25T07:00")
    page.select_option("#dropoff_location", "AP-DUS")
    page.fill("#dropoff_until", "2026-11-25T09:00")
    page.fill("#priority", "5")
    page.click("#einreichen")


def test_dispatcher_plans_the_demo_day_and_commits_a_tour(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    load_demo(web_runtime, DEMO_DAY, requests=40)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE")
    page = login(context, live, "zab", "dispo-essen", zab="ZAB-E")
    assert "/web/zab/tag" in page.url
    page.goto(f"{live}/web/zab/tag?day={DEMO_DAY}")
    assert "noch keinen Plan" in page.inner_text("main")
    page.click("#planen")
    assert "job=" in page.url  # the page follows the planning job and shows its progress
    page.wait_for_function(
        "() => !document.getElementById('job').hidden || document.getElementById('meldung') !== null",
        timeout=JOB_WAIT_MS,
    )
    assert "Planversion 1" in wait_for_job(page), page.inner_text("main")
    assert page.locator("svg[aria-labelledby='gantt-title'] rect").count() > 3
    tours = page.locator("tr[data-tour-row]")
    assert tours.count() >= 2
    shot(page, "zab-tagesplan")
    page.click("button:has-text('Tour T1 festlegen')")
    assert "Tour 1 ist festgelegt" in page.inner_text("#meldung")
    assert "festgelegt" in page.locator("tr[data-tour-row='0']").inner_text()
    context.close()


def test_abh_submits_with_a_field_error_then_a_zab_takes_it_over_and_a_second_take_conflicts(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    load_two_zab_day(web_runtime)
    abh_context = browser.new_context(locale="de-DE")
    abh = login(abh_context, live, "abh", "sb-essen", abh="ABH-05113")
    submit_request(abh, "E-2026-0001", "QQQ")
    assert abh.get_attribute("#nationality_0", "aria-invalid") == "true"
    error = abh.inner_text("#nationality_0-fehler")
    assert "QQQ" in error or "Code" in error or "Staatsangehörigkeit" in error
    assert abh.input_value("#case_ref_0") == "E-2026-0001"  # what was typed is kept
    shot(abh, "abh-feldfehler")
    abh.fill("#nationality_0", "ALB")
    abh.click("#einreichen")
    assert "eingereicht" in abh.inner_text("#meldung")
    submit_request(abh, "E-2026-0002", "ALB")
    assert "eingereicht" in abh.inner_text("#meldung")

    essen = login(browser.new_context(locale="de-DE"), live, "zab", "dispo-essen", zab="ZAB-E")
    essen.goto(f"{live}/web/zab/tag?day={TWO_ZAB_DAY}")
    essen.click("#planen")
    assert "1 offen" in wait_for_job(essen)
    essen.click("button:has-text('Tour T1 festlegen')")
    essen.locator("button:has-text('ablehnen')").first.click()
    assert "Restplatzbörse" in essen.inner_text("#meldung")

    cologne = [
        login(browser.new_context(locale="de-DE"), live, "zab", f"dispo-koeln-{i}", zab="ZAB-K")
        for i in (1, 2)
    ]
    first, second = cologne
    first.goto(f"{live}/web/zab/restplatz?day={TWO_ZAB_DAY}")
    first.click("button:has-text('Restplatzbörse jetzt ausführen')")
    assert "1 neue Angebote" in wait_for_job(first)
    second.goto(f"{live}/web/zab/restplatz?day={TWO_ZAB_DAY}")  # both see the same open offer
    take = "button:has-text('übernehmen')"
    first.click(take)
    assert "übernommen" in first.inner_text("#meldung")
    second.click(take)  # the page still shows the offer another dispatcher just took
    conflict = second.locator("#meldung")
    assert conflict.get_attribute("role") == "alert"
    assert "nicht mehr offen" in conflict.inner_text() or "bereits" in conflict.inner_text()
    shot(second, "restplatz-konflikt")

    abh.goto(f"{live}/web/abh")
    rows = abh.locator("tbody tr").all_inner_texts()
    assert any("übernommen" in r and "ZAB Köln" in r for r in rows)
    shot(abh, "abh-auftraege")


def test_statistics_page_shows_charts_and_exports(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    context = browser.new_context(locale="de-DE", accept_downloads=True)
    page = login(context, live, "ministry", "ministerium")
    page.fill("#period", "2026")
    page.click("button:has-text('Anzeigen')")
    assert page.locator(".charts svg").count() == 2
    shot(page, "statistik")
    with page.expect_download() as download:
        page.click("a:has-text('XLSX')")
    content = Path(download.value.path()).read_bytes()
    assert load_workbook(io.BytesIO(content)).sheetnames == ["Statistik", "Diagramme"]
    page.fill("#period", "2026-Q9")
    page.click("button:has-text('Anzeigen')")
    assert "Zeitraum" in page.inner_text("[role=alert]")


def test_keyboard_only_login_and_skip_link(live: str, browser: Any) -> None:
    page = browser.new_context(locale="de-DE").new_page()
    page.goto(f"{live}/web/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("tastatur")
    page.keyboard.press("Tab")
    page.keyboard.press("End")  # last role in the list: admin
    for _ in range(3):  # past the ZAB and ABH lists to the button
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Anmelden"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live}/web/statistik")
    assert "tastatur (admin)" in page.inner_text("header")


@pytest.mark.parametrize(
    "path",
    [
        "/web/login",
        "/web/abh",
        "/web/zab/tag",
        "/web/zab/dienstplan",
        "/web/zab/restplatz",
        "/web/statistik?period=2026",
    ],
)
def test_main_pages_pass_axe_wcag_aa(live: str, web_runtime: Runtime, browser: Any, path: str) -> None:
    if not AXE.exists():
        if os.environ.get("LTRAKO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"axe-core required but not found at {AXE}")
        pytest.skip(f"axe-core not found at {AXE} (.ci/run fetches it with npm)")
    load_two_zab_day(web_runtime)
    # axe is injected as an inline script: the test tool, not the page, needs CSP bypassed
    context = browser.new_context(locale="de-DE", bypass_csp=True)
    dispatcher = ("zab", {"zab": "ZAB-E"})
    role = {
        "/web/abh": ("abh", {"abh": "ABH-05113"}),
        "/web/zab/tag": dispatcher,
        "/web/zab/dienstplan": dispatcher,
        "/web/zab/restplatz": dispatcher,
    }.get(path.split("?")[0], ("ministry", {}))
    page = login(context, live, role[0], "a11y", **role[1]) if path != "/web/login" else context.new_page()
    page.goto(f"{live}{path}")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
