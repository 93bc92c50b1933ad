"""The statistics page and its downloads."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.gates import STATISTICS
from api.routes.aps import download
from api.web.pages.common import back_to, render, router
from api.web.session import UserDep, page_allow
from ltrako.aps import charts, exports, statistics
from ltrako.core.errors import LtrakoError


@router.get("/statistik", dependencies=[page_allow(*STATISTICS)], response_class=HTMLResponse)
def statistik(
    request: Request, user: UserDep, runtime: RuntimeDep, period: str | None = None, breakdown: str = "zab"
) -> HTMLResponse:
    period = period or str(runtime.clock.today().year)
    try:
        with runtime.sessions() as session:
            stats, trend, by_zab = statistics.compute_many(
                session,
                user,
                period=period,
                breakdowns=(breakdown, "month", "zab"),
                as_of=runtime.clock.today(),
            )
    except LtrakoError as exc:
        return render(
            request,
            "statistik.html",
            user,
            period=period,
            breakdown=breakdown,
            stats=None,
            error=exc.message,
            breakdowns=statistics.BREAKDOWNS,
            metrics=statistics.METRICS,
        )
    return render(
        request,
        "statistik.html",
        user,
        period=period,
        breakdown=breakdown,
        stats=stats,
        error=None,
        breakdowns=statistics.BREAKDOWNS,
        metrics=statistics.METRICS,
        trend=charts.trend_chart(trend, "svg").decode(),
        comparison=charts.comparison_chart(by_zab, "svg").decode(),
    )


@router.get("/statistik/export", dependencies=[page_allow(*STATISTICS)])
def statistik_export(
    user: UserDep, runtime: RuntimeDep, period: str, breakdown: str = "zab", format: str = "xlsx"
) -> Response:
    if format not in ("csv", "xlsx", "html"):
        return back_to("/web/statistik", "Format csv, xlsx oder html.", "error")
    try:
        with runtime.sessions() as session:
            parts = list(
                exports.statistics_export(session, user, period=period, breakdown=breakdown, fmt=format)  # type: ignore[arg-type]
            )
    except LtrakoError as exc:
        return back_to("/web/statistik", exc.message, "error", period=period)
    return download(iter(parts), format, f"aps-statistik-{period}-{breakdown}")
