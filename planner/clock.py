"""Conversion between instants and integer seconds from the scenario day's local midnight."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC


class ClockError(ValueError):
    """A time or time zone that cannot be read."""


@dataclass(frozen=True, slots=True)
class Clock:
    """Seconds are counted from local midnight of `date` in `timezone`, as elapsed time.

    Arithmetic runs in UTC, so a day with a daylight-saving change has 23 or 25 hours and
    every instant keeps its exact distance from midnight.
    """

    date: dt.date
    timezone: str

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ClockError(f"unknown time zone {self.timezone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def midnight_utc(self) -> dt.datetime:
        local = dt.datetime.combine(self.date, dt.time(0), tzinfo=self.zone)
        return local.astimezone(UTC)

    def seconds(self, instant: dt.datetime) -> int:
        """Whole seconds from midnight to an aware instant."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ClockError("time without UTC offset")
        return round((instant.astimezone(UTC) - self.midnight_utc).total_seconds())

    def instant(self, seconds: int) -> dt.datetime:
        """The aware instant `seconds` after midnight, in the scenario's zone."""
        return (self.midnight_utc + dt.timedelta(seconds=seconds)).astimezone(self.zone)

    def parse(self, text: str) -> int:
        """Seconds from midnight for an ISO 8601 time with offset."""
        try:
            instant = dt.datetime.fromisoformat(text)
        except (TypeError, ValueError) as exc:
            raise ClockError(f"not an ISO 8601 time: {text!r}") from exc
        return self.seconds(instant)

    def format(self, seconds: int) -> str:
        """ISO 8601 with offset, to the second."""
        return self.instant(seconds).isoformat(timespec="seconds")
