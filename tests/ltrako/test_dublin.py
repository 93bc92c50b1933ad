"""Dublin transfer deadlines: 6, 12 and 18 months, the restart after a court decision, day boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from ltrako.requests.dublin import (
    DublinCase,
    Extension,
    LegalBasis,
    add_months,
    basis_for,
    is_expired,
    priority_on,
    transfer_deadline,
)

D = dt.date


@pytest.mark.parametrize(
    ("extension", "deadline"),
    [
        (Extension.NONE, D(2026, 9, 15)),
        (Extension.IMPRISONED, D(2027, 3, 15)),
        (Extension.ABSCONDED, D(2027, 9, 15)),
    ],
)
def test_dublin_iii_periods(extension: Extension, deadline: dt.date) -> None:
    case = DublinCase(accepted_on=D(2026, 3, 15), basis=LegalBasis.DUBLIN_III, extension=extension)
    assert transfer_deadline(case) == deadline


def test_the_last_day_counts_and_the_next_day_blocks() -> None:
    case = DublinCase(accepted_on=D(2026, 3, 15), basis=LegalBasis.DUBLIN_III)
    assert not is_expired(case, D(2026, 9, 15)) and priority_on(case, D(2026, 9, 15)) == 5
    assert is_expired(case, D(2026, 9, 16)) and priority_on(case, D(2026, 9, 16)) is None


def test_month_ends_without_the_same_day_end_on_the_last_day() -> None:
    assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)  # leap year
    assert add_months(D(2026, 12, 31), 18) == D(2028, 6, 30)


def test_a_court_decision_on_suspensive_effect_restarts_the_clock() -> None:
    case = DublinCase(
        accepted_on=D(2026, 3, 15), basis=LegalBasis.DUBLIN_III, court_decision_on=D(2026, 5, 2)
    )
    assert transfer_deadline(case) == D(2026, 11, 2)


def test_priority_rises_as_the_deadline_nears() -> None:
    case = DublinCase(accepted_on=D(2026, 3, 15), basis=LegalBasis.DUBLIN_III)  # deadline 15.9.
    assert priority_on(case, D(2026, 8, 1)) == 3
    assert priority_on(case, D(2026, 8, 16)) == 4  # 30 days left
    assert priority_on(case, D(2026, 9, 1)) == 5  # 14 days left
    assert priority_on(case, D(2026, 8, 31)) == 4  # 15 days left


def test_the_ammr_governs_applications_from_12_june_2026() -> None:
    assert basis_for(D(2026, 6, 11)) is LegalBasis.DUBLIN_III
    assert basis_for(D(2026, 6, 12)) is LegalBasis.AMMR
    absconded = DublinCase(accepted_on=D(2026, 7, 1), basis=LegalBasis.AMMR, extension=Extension.ABSCONDED)
    assert transfer_deadline(absconded) == D(2029, 7, 1)
