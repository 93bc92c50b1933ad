"""In Chromium: the ZAB cancels a committed trip, the ABH reads the notification, marks it read
and cancels its other trip itself (issues 18 and 19). Screenshots journey-change-*.png, axe."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Gender, RequestStatus, TransportRequest
from ltrako.requests.submission import PersonDraft, RequestDraft, StopDraft, submit_request
from tests.web.conftest import TWO_ZAB_DAY, load_two_zab_day
from tests.web.test_journeys import check, context_of
from tests.web.test_pages import login
from tests.workflow.test_changes import _commit, _tours

BERLIN = dt.timezone(dt.timedelta(hours=1))
ABH = Principal("sb-essen", Role.ABH, abh_id="ABH-05113")


def _trip(runtime: Runtime, case_ref: str, hour: int) -> str:
    def at(h: int) -> dt.datetime:
        return dt.datetime.combine(TWO_ZAB_DAY, dt.time(h), tzinfo=BERLIN)

    draft = RequestDraft(
        persons=(PersonDraft(case_ref, "ALB", Gender.MALE),),
        pickup=StopDraft("ABH-05113", at(hour), at(hour + 1), 20),
        dropoff=StopDraft("AP-DUS", at(hour + 1), at(hour + 3), 30),
    )
    with transaction(runtime.sessions) as session:
        record = submit_request(
            session, principal=ABH, draft=draft, timezone="Europe/Berlin", travel=runtime.travel
        )
        return record.request.id


def test_zab_cancels_abh_is_notified_and_cancels_its_own(
    live: str, web_runtime: Runtime, browser: Any, shot: Any
) -> None:
    load_two_zab_day(web_runtime)
    early, late = _trip(web_runtime, "E-2026-0801", 6), _trip(web_runtime, "E-2026-0802", 10)
    _commit(web_runtime, "ZAB-E")

    context = context_of(browser)
    zab = login(context, live, "zab", "dispo-essen", zab="ZAB-E")
    zab.goto(f"{live}/web/zab/aenderungen?day={TWO_ZAB_DAY.isoformat()}")
    assert zab.locator("article.tour").count() == 1 and "(MEZ)" in zab.inner_text("article.tour")
    check(zab, shot, "change-zab-touren")
    zab.select_option(f"#storno-{early}", "absconded")
    zab.click(f"form[action='/web/auftraege/{early}/stornieren'] button")
    assert f"Auftrag {early} storniert" in zab.inner_text("#meldung")
    assert {r for r, _, _ in _tours(web_runtime)["E-V1"][5]} == {late}, "the tour keeps the other trip"
    check(zab, shot, "change-zab-storniert")
    context.close()

    context = context_of(browser)
    abh = login(context, live, "abh", "sb-essen", abh="ABH-05113")
    abh.click("nav a:has-text('Benachrichtigungen')")
    rows = abh.locator("tr[data-read='false']")
    assert rows.count() >= 3
    assert f"Auftrag {early} storniert durch" in abh.inner_text(
        "table"
    ) and "untergetaucht" in abh.inner_text("table")
    check(abh, shot, "change-abh-benachrichtigungen")
    abh.click("#alle-gelesen")
    assert "als gelesen markiert" in abh.inner_text("#meldung")
    assert abh.locator("tr[data-read='false']").count() == 0 and "0 ungelesen" in abh.inner_text("#ungelesen")

    abh.goto(f"{live}/web/abh")
    abh.click(f"a[href='/web/auftraege/{late}']")
    assert "(MEZ)" in abh.inner_text("#geplant")
    check(abh, shot, "change-abh-auftrag")
    abh.select_option("#reason", "legal_obstacle")
    abh.fill("#reason_text", "Eilantrag stattgegeben")
    abh.click("#stornieren")
    assert f"Auftrag {late} storniert" in abh.inner_text("#meldung")
    assert abh.inner_text("#status") == "storniert"
    check(abh, shot, "change-abh-storniert")
    context.close()
    with transaction(web_runtime.sessions) as session:
        row = session.get(TransportRequest, late)
        assert row is not None and row.status is RequestStatus.CANCELLED
    assert "E-V1" not in _tours(web_runtime), "the empty tour is released"
