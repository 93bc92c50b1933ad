"""Login rate limit per client address, counted in the database so that it holds across instances.

Only a keyed hash of the address is stored (HMAC-SHA256 with a server secret: a plain hash of
an IPv4 address is undone by trying all 2^32 of them), and every check deletes the attempts
that have left the window. A refused attempt is not stored, so a client may try again as soon
as its oldest counted attempt leaves the window (that is the Retry-After).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, col, delete, select

from ltrako.models import LoginAttempt

LOCK_CLASS = 0x4C4F47  # advisory lock namespace of the login counter (two-key form)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after_s / 60))
        unit = "Minute" if minutes == 1 else "Minuten"
        return f"Zu viele Anmeldeversuche von dieser Adresse. Bitte in {minutes} {unit} erneut versuchen."


def client_hash(address: str, key: bytes) -> str:
    """The stored form of a client address (64 hex characters)."""
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def register_attempt(
    session: Session, *, client: str, now: dt.datetime, limit: int, window_s: int
) -> Verdict:
    """Count one login attempt of `client` (a hash); refused when `limit` are already in the window."""
    if session.get_bind().dialect.name == "postgresql":
        # Two instances counting the same client at once would both see one slot left.
        lock = text("SELECT pg_advisory_xact_lock(:c, hashtext(:k))")
        session.execute(lock, {"c": LOCK_CLASS, "k": client})
    since = now - dt.timedelta(seconds=window_s)
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < since))
    counted = session.exec(
        select(LoginAttempt.at)
        .where(LoginAttempt.client == client, col(LoginAttempt.at) >= since)
        .order_by(col(LoginAttempt.at))
    ).all()
    if len(counted) >= limit:
        frees_a_slot = counted[len(counted) - limit] + dt.timedelta(seconds=window_s)
        return Verdict(False, max(1, math.ceil((frees_a_slot - now).total_seconds())))
    session.add(LoginAttempt(client=client, at=now))
    return Verdict(True)
