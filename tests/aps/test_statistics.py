"""APS statistics over a seeded half-year whose counts are known by construction (both backends)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from ltrako.aps.statistics import METRICS, compute, parse_period
from ltrako.core.db import transaction
from ltrako.core.errors import Forbidden, InvalidInput
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from tests.aps.history import (
    AS_OF,
    EXPECTED_BY,
    EXPECTED_CANCELLED,
    EXPECTED_H1,
    seed_history,
)

MINISTRY = Principal("ministerium-1", Role.MINISTRY)


@pytest.fixture
def history(runtime: Runtime) -> Runtime:
    with transaction(runtime.sessions) as session:
        seed_history(session)
    return runtime


def _stats(runtime: Runtime, principal: Principal = MINISTRY, **kwargs):  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return compute(session, principal, as_of=AS_OF, **kwargs)


def test_totals_of_the_half_year_match_the_construction(history: Runtime) -> None:
    stats = _stats(history, period="2026-H1")
    assert {m: stats.total.counts[m] for m in METRICS} == EXPECTED_H1
    assert dict(stats.total.cancelled_by_reason) == EXPECTED_CANCELLED
    assert stats.total.rescue_rate == round(3 / 7, 4)


@pytest.mark.parametrize("breakdown", sorted(EXPECTED_BY))
def test_breakdowns_partition_the_total(history: Runtime, breakdown: str) -> None:
    stats = _stats(history, period="2026-H1", breakdown=breakdown)
    assert {r.key: r.counts["requested"] for r in stats.rows} == EXPECTED_BY[breakdown]
    for metric in METRICS:  # every breakdown adds up to the total, metric by metric
        assert sum(r.counts[metric] for r in stats.rows) == stats.total.counts[metric], metric


def test_rows_carry_german_labels(history: Runtime) -> None:
    by_nationality = {r.key: r.label for r in _stats(history, period="2026-H1", breakdown="nationality").rows}
    assert by_nationality["ALB"] == "ALB Albanien"
    assert by_nationality["XXX"] == "XXX unbekannt"
    by_origin = {r.key: r.label for r in _stats(history, period="2026-H1", breakdown="origin").rows}
    assert by_origin == {"municipal": "kommunaler Bereich", "state_facility": "Landeseinrichtung"}


def test_periods_month_quarter_year(history: Runtime) -> None:
    assert _stats(history, period="2026-03").total.counts["requested"] == 5
    q1 = _stats(history, period="2026-Q1")
    assert q1.total.counts["requested"] == 19
    assert q1.total.counts["pool_placed"] == 3
    year = _stats(history, period="2026")
    assert year.total.counts["requested"] == 32  # the July request joins
    assert _stats(history, period="2026-H2").total.counts["returned"] == 1
    months = _stats(history, period="2026-Q2", breakdown="month")
    assert [(r.key, r.counts["requested"]) for r in months.rows] == [
        ("2026-04", 2),
        ("2026-05", 5),
        ("2026-06", 5),
    ]


def test_a_zab_sees_its_own_figures_only(history: Runtime) -> None:
    cologne = Principal("dispo-k", Role.ZAB, zab_id="ZAB-K")
    stats = _stats(history, cologne, period="2026-H1", breakdown="zab")
    assert [r.key for r in stats.rows] == ["ZAB-K"]
    assert stats.total.counts["requested"] == 10
    assert stats.scope == "ZAB-K"


@pytest.mark.parametrize("role", [Role.ABH, Role.ZFA, Role.ZRK])
def test_case_roles_get_no_statistics(history: Runtime, role: Role) -> None:
    principal = Principal("x", role, zab_id="ZAB-E", abh_id="ABH-05113")
    with pytest.raises(Forbidden):
        _stats(history, principal, period="2026-H1")


@pytest.mark.parametrize(
    ("text", "field"), [("2026-13", "period"), ("26-H1", "period"), ("2026-Q5", "period")]
)
def test_bad_periods_name_the_field(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_period(text)
    assert info.value.problems[0].field == field


def test_period_bounds() -> None:
    assert (parse_period("2024-02").first.day, parse_period("2024-02").last.day) == (1, 29)
    q4 = parse_period("2026-Q4")
    assert (q4.first.isoformat(), q4.last.isoformat()) == ("2026-10-01", "2026-12-31")
