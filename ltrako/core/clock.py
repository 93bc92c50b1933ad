"""The one place ltrako reads the time: a Clock is handed to every service, job and page.

`SystemClock` reads the machine's clock; `FixedClock` stands still until a test moves it, so
tests pass on any date. "Today" is the calendar day in the planning time zone (Europe/Berlin),
not the machine's. A session made by the runtime's session factory carries its clock
(`clock_of`), so functions that receive only a session — the audit trail, the status
history, rows stamped when first stored — take the same time as the service that opened it.
"""

from __future__ import annotations

import datetime as dt
import threading
from abc import ABC, abstractmethod
from zoneinfo import ZoneInfo

from sqlmodel import Session

SESSION_KEY = "ltrako.clock"
# The days the service plans and counts with; input outside them is refused at its field
# (a year 0001 overflowed in time zone arithmetic, a year 9999 in month arithmetic).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
OUT_OF_RANGE = f"Datum zwischen {FIRST_DAY:%d.%m.%Y} und {LAST_DAY:%d.%m.%Y} angeben."


def in_service_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


class Clock(ABC):
    """Now (an aware UTC instant) and today (the day in the planning time zone)."""

    zone: ZoneInfo

    @abstractmethod
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC)."""

    def local_now(self) -> dt.datetime:
        """The current instant in the planning time zone."""
        return self.now().astimezone(self.zone)

    def today(self) -> dt.date:
        """The calendar day in the planning time zone."""
        return self.local_now().date()


class SystemClock(Clock):
    """The machine's clock (UTC instants; days in `zone`)."""

    def __init__(self, zone: ZoneInfo | str = "Europe/Berlin") -> None:
        self.zone = ZoneInfo(zone) if isinstance(zone, str) else zone

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return f"SystemClock({self.zone.key})"


class FixedClock(Clock):
    """A clock that stands at one instant until `set` or `advance` moves it (tests, replays)."""

    def __init__(self, instant: dt.datetime, zone: ZoneInfo | str = "Europe/Berlin") -> None:
        self.zone = ZoneInfo(zone) if isinstance(zone, str) else zone
        self._lock = threading.Lock()
        self._now = self._aware(instant)

    @classmethod
    def at_local(
        cls, day: dt.date, time: dt.time = dt.time(12, 0), zone: ZoneInfo | str = "Europe/Berlin"
    ) -> FixedClock:
        """A clock standing at `time` (local, in `zone`) of `day`."""
        tz = ZoneInfo(zone) if isinstance(zone, str) else zone
        return cls(dt.datetime.combine(day, time, tzinfo=tz), tz)

    def _aware(self, instant: dt.datetime) -> dt.datetime:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware instant")
        return instant.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, instant: dt.datetime) -> None:
        with self._lock:
            self._now = self._aware(instant)

    def advance(self, delta: dt.timedelta | None = None, **parts: float) -> dt.datetime:
        """Move the clock forward (by `delta` or keyword parts of a timedelta); the new instant."""
        step = delta if delta is not None else dt.timedelta(**parts)
        with self._lock:
            self._now = self._now + step
            return self._now

    def __repr__(self) -> str:
        return f"FixedClock({self.now().isoformat()}, {self.zone.key})"


def clock_of(session: Session) -> Clock:
    """The clock of the unit of work (set by the runtime's session factory)."""
    clock: Clock | None = session.info.get(SESSION_KEY)
    if clock is None:
        raise RuntimeError("session without a clock: open it with the runtime's session factory")
    return clock


# German names of the zones' abbreviations; other zones show their own abbreviation or offset.
ZONE_NAMES_DE = {
    "CET": "MEZ",
    "CEST": "MESZ",
    "EET": "OEZ",
    "EEST": "OESZ",
    "WET": "WEZ",
    "WEST": "WESZ",
}


def zone_label(instant: dt.datetime) -> str:
    """The zone of an aware local instant as a reader expects it: MEZ/MESZ, else e.g. "UTC+03:00"."""
    name = instant.tzname() or ""
    if name in ZONE_NAMES_DE:
        return ZONE_NAMES_DE[name]
    if name and name[0] not in "+-":
        return name
    offset = instant.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_label(instant: dt.datetime, zone: ZoneInfo | str, fmt: str = "%H:%M") -> str:
    """`instant` in `zone` with its zone named: "06:00 (MEZ)", "07:35 (UTC+03:00)"."""
    local = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    return f"{local.strftime(fmt)} ({zone_label(local)})"
