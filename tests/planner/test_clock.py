"""Seconds from local midnight, across time zones and daylight-saving changes."""

from __future__ import annotations

import datetime as dt

import pytest

from planner.clock import Clock, ClockError


def test_clock_parses_offsets_as_instants() -> None:
    """06:30+01:00 and 05:30Z are the same instant: 6.5 h after midnight in Berlin in winter."""
    clock = Clock(dt.date(2026, 11, 24), "Europe/Berlin")
    assert clock.parse("2026-11-24T06:30:00+01:00") == 6 * 3600 + 1800
    assert clock.parse("2026-11-24T05:30:00Z") == 6 * 3600 + 1800
    assert clock.format(6 * 3600 + 1800) == "2026-11-24T06:30:00+01:00"


def test_clock_counts_elapsed_time_on_a_daylight_saving_day() -> None:
    """On 29.3.2026 clocks jump 02:00 → 03:00: local 04:00 is only 3 h after midnight."""
    clock = Clock(dt.date(2026, 3, 29), "Europe/Berlin")
    assert clock.parse("2026-03-29T04:00:00+02:00") == 3 * 3600
    assert clock.format(3 * 3600) == "2026-03-29T04:00:00+02:00"


def test_clock_handles_neighbouring_days() -> None:
    """Times before midnight are negative, times of the next day exceed 24 h."""
    clock = Clock(dt.date(2026, 11, 24), "Europe/Berlin")
    assert clock.parse("2026-11-23T23:00:00+01:00") == -3600
    assert clock.parse("2026-11-25T01:00:00+01:00") == 25 * 3600


def test_clock_refuses_naive_times_and_unknown_zones() -> None:
    """Times without offset and unknown zones are errors, not guesses."""
    clock = Clock(dt.date(2026, 11, 24), "Europe/Berlin")
    with pytest.raises(ClockError):
        clock.parse("2026-11-24T06:30:00")
    with pytest.raises(ClockError):
        Clock(dt.date(2026, 11, 24), "Europe/Nowhere")
