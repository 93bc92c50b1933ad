"""Each role's working day in Chromium: the journeys of issue 19, with a screenshot of every page.

Every page a journey passes (and every page of the role's navigation) is saved under
tests/web/screenshots/ (journey-<role>-<page>.png) and checked with axe (WCAG 2 A/AA, serious
and critical findings fail). One browser for the session; each journey its own service.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ltrako.aps.tables import import_cases, read_cases
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Flight, FlightKind, FlightLeg, Gender
from ltrako.requests.submission import PersonDraft, RequestDraft, StopDraft, submit_request
from tests.web.conftest import TWO_ZAB_DAY, load_two_zab_day
from tests.web.test_pages import AXE, login, wait_for_job

BERLIN = dt.timezone(dt.timedelta(hours=1))
ABH = Principal("sb-essen", Role.ABH, abh_id="ABH-05113")


def check(page: Any, shot: Any, name: str) -> None:
    """Screenshot and axe check of the page as it stands."""
    shot(page, f"journey-{name}")
    if not AXE.exists():
        if os.environ.get("LTRAKO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"axe-core required but not found at {AXE}")
        return
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"


def every_page_of_the_navigation(page: Any, base: str, shot: Any, role: str) -> None:
    links = page.eval_on_selector_all("nav a", "links => links.map(a => a.getAttribute('href'))")
    for href in links:
        page.goto(f"{base}{href}")
        assert page.locator("h1").count() == 1, href
        check(page, shot, f"{role}-nav-{href.strip('/').replace('/', '-')}")


def context_of(browser: Any) -> Any:
    # axe is injected as an inline script: the test tool, not the page, needs CSP bypassed
    return browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="de-DE", accept_downloads=True, bypass_csp=True
    )


def _pdf_text(path: str) -> str:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    return " ".join("".join(p.extract_text() for p in reader.pages).split())


def _submit(runtime: Runtime, case_ref: str, *, flight_id: int | None = None, medical: bool = False) -> str:
    def at(hour: int) -> dt.datetime:
        return dt.datetime.combine(TWO_ZAB_DAY, dt.time(hour), tzinfo=runtime.zone)

    draft = RequestDraft(
        persons=(PersonDraft(case_ref, "ALB", Gender.MALE, requires_medical_reception=medical),),
        pickup=StopDraft("ABH-05113", at(6), at(7), 20),
        dropoff=StopDraft("AP-DUS", at(7), at(9), 30),
        priority=5,
        flight_id=flight_id,
    )
    with transaction(runtime.sessions) as session:
        record = submit_request(
            session, principal=ABH, draft=draft, timezone="Europe/Berlin", travel=runtime.travel
        )
        return record.request.id


def test_abh_submits_two_persons_a_woman_and_a_wheelchair_to_a_dublin_hand_over(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    context = context_of(browser)
    page = login(context, live, "abh", "sb-essen", abh="ABH-05113")
    check(page, shot, "abh-formular")
    page.fill("#case_ref_0", "E-2026-0501")
    page.fill("#nationality_0", "ALB")
    page.select_option("#gender_0", "f")
    page.click("#weitere-person")
    assert page.input_value("#case_ref_0") == "E-2026-0501"  # kept across the round trip
    page.fill("#case_ref_1", "E-2026-0502")
    page.fill("#nationality_1", "ALB")
    page.select_option("#gender_1", "m")
    page.check("#wheelchair_1")
    page.select_option("#purpose", "dublin_handover")
    page.select_option("#pickup_location", "ABH-05113")
    page.fill("#pickup_from", "2026-11-25T06:00")
    page.fill("#pickup_until", "2026-11-25T07:00")
    page.select_option("#dropoff_location", "BRD-NL-VENLO")
    page.fill("#dropoff_until", "2026-11-25T10:00")
    check(page, shot, "abh-zwei-personen")
    page.click("#einreichen")
    message = page.inner_text("#meldung")
    assert "mit 2 Person(en) eingereicht" in message, message
    row = page.locator("tbody tr").first.inner_text()
    assert "E-2026-0501, E-2026-0502" in row and "Grenzübergabe Kaldenkirchen/Venlo (NL)" in row
    check(page, shot, "abh-eingereicht")
    context.close()


def test_zab_commits_a_tour_and_prints_its_fahrauftrag(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    load_two_zab_day(web_runtime)
    request_id = _submit(web_runtime, "E-2026-0601")
    context = context_of(browser)
    page = login(context, live, "zab", "dispo-essen", zab="ZAB-E")
    page.goto(f"{live}/web/zab/tag?day={TWO_ZAB_DAY}")
    page.click("#planen")
    assert "Planversion 1" in wait_for_job(page)
    row = page.locator("tr[data-tour-row='0']")
    assert row.get_attribute("data-state") == "proposed" and "Vorschlag" in row.inner_text()
    assert "Transporter 9 Sitze (Nr. 1)" in row.inner_text() and "E-V1" not in row.inner_text()
    check(page, shot, "zab-tagesplan-vorschlag")
    page.click("button:has-text('Tour T1 festlegen')")
    assert "Tour 1 ist festgelegt" in page.inner_text("#meldung")
    row = page.locator("tr[data-tour-row='0']")
    assert row.get_attribute("data-state") == "committed"
    check(page, shot, "zab-tagesplan-festgelegt")
    with page.expect_download() as download:
        page.click("a:has-text('Fahrauftrag T1 (PDF)')")
    text = _pdf_text(download.value.path())
    assert "Fahrauftrag – Transporter 9 Sitze (Nr. 1), 25.11.2026" in text
    assert request_id in text and "E-2026-0601" in text and "(UTC+01:00)" in text
    every_page_of_the_navigation(page, live, shot, "zab")
    context.close()


def test_zfa_books_a_flight_with_a_stopover_and_downloads_the_transit_request(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    context = context_of(browser)
    page = login(context, live, "zfa", "zfa-bielefeld")
    page.goto(f"{live}/web/zfa/fluege")
    check(page, shot, "zfa-flug-formular")
    legs = [("A3 711", "DUS", "ATH", "2026-11-27T11:30", "2026-11-27T15:40")]
    legs.append(("A3 974", "ATH", "TIA", "2026-11-27T17:30", "2026-11-27T18:00"))
    for i, (number, origin, to, departure, arrival) in enumerate(legs):
        page.fill(f"#flight_number_{i}", number)
        page.fill(f"#from_{i}", origin)
        page.fill(f"#to_{i}", to)
        page.fill(f"#departure_{i}", departure)
        page.fill(f"#arrival_{i}", arrival)
    page.fill("#booking_ref", "ZFA-2026-1127")
    page.click("#buchen")
    assert "Durchbeförderung nötig über ATH" in page.inner_text("#meldung")
    check(page, shot, "zfa-flug-gebucht")
    page.goto(f"{live}/web/zfa")
    assert "ATH (GR)" in page.inner_text("main")
    check(page, shot, "zfa-durchbefoerderungen")
    page.locator("button:has-text('Beantragen')").first.click()
    assert "gespeichert" in page.inner_text("#meldung")
    with page.expect_download() as download:
        page.locator("a:has-text('(PDF)')").first.click()
    text = _pdf_text(download.value.path())
    assert "über ATH (GR)" in text and "27.11.2026 15:40 (UTC+02:00)" in text and "Kontakt ZFA" in text
    every_page_of_the_navigation(page, live, shot, "zfa")
    context.close()


def test_zrk_confirms_a_medical_reception_with_details(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    with transaction(web_runtime.sessions) as session:
        flight = Flight(kind=FlightKind.SCHEDULED, destination_country="ALB")
        session.add(flight)
        session.flush()
        departure = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)
        session.add(
            FlightLeg(
                flight_id=flight.id or 0,
                seq=1,
                flight_number="W6 4321",
                origin_iata="DUS",
                destination_iata="TIA",
                departure=departure,
                arrival=departure + dt.timedelta(hours=2),
            )
        )
        flight_id = flight.id
    _submit(web_runtime, "E-2026-0701", flight_id=flight_id, medical=True)
    context = context_of(browser)
    page = login(context, live, "zrk", "zrk-bielefeld")
    assert "E-2026-0701" in page.inner_text("main")
    check(page, shot, "zrk-offen")
    page.locator("button:has-text('anfragen')").first.click()
    assert "angefragt" in page.inner_text("#meldung")
    page.locator("textarea").first.fill("Dialyse zweimal wöchentlich; Übergabe an Klinik in Tirana")
    page.locator("button:has-text('speichern')").first.click()
    assert "gespeichert" in page.inner_text("#meldung")
    check(page, shot, "zrk-angaben")
    page.locator("button:has-text('bestätigt')").first.click()
    assert "bestätigt" in page.inner_text("#meldung")
    assert "Keine offenen Fälle" in page.inner_text("main")
    check(page, shot, "zrk-bestaetigt")
    context.close()


def test_ministry_downloads_the_landtag_table(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    cases = read_cases(
        io.StringIO(
            "case_ref,area,nationality,accompanied_on,returned_on,amit\n"
            "J1,kommunal,IRN,2022-02-01,2022-03-01,\nJ2,landeseinrichtung,DZA,2022-04-01,,\n"
            "J3,kommunal,DZA,2022-05-01,2022-05-20,ja\n"
        )
    )
    with transaction(web_runtime.sessions) as session:
        import_cases(session, Principal("ministerium", Role.MINISTRY), cases=cases, batch="rrk-2022")
    context = context_of(browser)
    page = login(context, live, "ministry", "ministerium")
    page.click("nav a:has-text('Landtagstabellen')")
    page.fill("#half", "2022-H1")
    page.click("button:has-text('Anzeigen')")
    main = page.inner_text("main")
    assert "Anlage 1: kommunaler Bereich – 1. JH 2022 (01.01.2022 - 30.06.2022)" in main
    assert "IRN Iran" in main and "XXX ungeklärt" in main
    check(page, shot, "ministerium-landtag")
    with page.expect_download() as download:
        page.click("a:has-text('CSV (Excel)')")
    content = Path(download.value.path()).read_bytes()
    assert content.startswith("\ufeff".encode()) and b"Anlage 3;aMIT;DZA;Algerien;1;1" in content
    every_page_of_the_navigation(page, live, shot, "ministerium")
    context.close()
