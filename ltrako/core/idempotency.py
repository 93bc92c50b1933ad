"""Idempotent submissions: a client that did not get an answer sends again with the same key.

The key is reserved in the same transaction that stores the record, so either both exist or
neither. A second request with the key finds the first one's record and gets it again; one
that arrives while the first is still in flight waits on the key's unique index (PostgreSQL)
or on the write lock (SQLite), fails to insert it and then finds the first one's record.
The same key with another body is refused: it is a client error, not a retry. Keys hold the
caller, a hash of the body and the record id only.
"""

from __future__ import annotations

import hashlib
import string

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ltrako.core.errors import Conflict, FieldProblem, InvalidInput
from ltrako.core.security import Principal
from ltrako.models import IdempotencyKey

HEADER = "Idempotency-Key"
_ALLOWED = frozenset(string.ascii_letters + string.digits + "-_.:")


def body_hash(canonical_body: str) -> str:
    return hashlib.sha256(canonical_body.encode()).hexdigest()


def _problem(message: str, code: str) -> InvalidInput:
    return InvalidInput([FieldProblem(f"header.{HEADER}", message, code)])


def check_key(key: str) -> str:
    if not 8 <= len(key) <= 100 or not set(key) <= _ALLOWED:
        raise _problem("8 bis 100 Zeichen aus Buchstaben, Ziffern und - _ . : (z. B. eine UUID).", "invalid")
    return key


def reserve(session: Session, principal: Principal, key: str, operation: str, digest: str) -> str | None:
    """The record id of the earlier request with this key, or None: the key is now reserved for
    the record this transaction stores (call `bind` with its id before committing).

    Call it first in the unit of work: a twin's insert of the same key rolls the session back.
    """
    check_key(key)
    earlier = session.get(IdempotencyKey, (principal.subject, key))
    if earlier is None:
        session.add(
            IdempotencyKey(subject=principal.subject, key=key, operation=operation, body_sha256=digest)
        )
        try:
            session.flush()  # waits for a twin in flight, then fails if it committed the key
            return None
        except IntegrityError:
            session.rollback()
            earlier = session.get(IdempotencyKey, (principal.subject, key))
            assert earlier is not None  # the twin committed it
    if earlier.operation != operation or earlier.body_sha256 != digest:
        raise _problem("Dieser Schlüssel wurde schon für eine andere Anfrage verwendet.", "reused")
    if earlier.result_ref is None:  # cannot be seen before its commit; kept as a guard
        raise Conflict("Eine Anfrage mit diesem Idempotency-Key ist noch in Bearbeitung.")
    return earlier.result_ref


def bind(session: Session, principal: Principal, key: str, result_ref: str) -> None:
    row = session.get(IdempotencyKey, (principal.subject, key))
    assert row is not None, "reserve() first"
    row.result_ref = result_ref
    session.add(row)
