"""The request status lifecycle: allowed moves, refused moves, history."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.errors import Conflict
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import RequestStatus, RequestStatusChange
from ltrako.requests.lifecycle import ALLOWED, TERMINAL, can_move, record_status
from ltrako.requests.submission import submit_request
from tests.api.test_requests import draft

S = RequestStatus
ZAB_E = Principal("dispo-e", Role.ZAB, zab_id="ZAB-E")


def test_lifecycle_follows_the_documented_paths() -> None:
    """submitted → planned → accepted, and rejected → in_pool → taken_over → completed."""
    assert can_move(S.SUBMITTED, S.PLANNED) and can_move(S.PLANNED, S.ACCEPTED)
    assert can_move(S.PLANNED, S.REJECTED) and can_move(S.REJECTED, S.IN_POOL)
    assert can_move(S.IN_POOL, S.TAKEN_OVER) and can_move(S.TAKEN_OVER, S.COMPLETED)
    assert can_move(S.IN_POOL, S.SELF_TRANSPORT) and can_move(S.REJECTED, S.CANCELLED)


def test_lifecycle_refuses_shortcuts_and_ends() -> None:
    """No move out of a terminal status; no take-over without the Restplatzbörse."""
    for status in TERMINAL:
        assert ALLOWED[status] == frozenset()
    assert not can_move(S.SUBMITTED, S.TAKEN_OVER)
    assert not can_move(S.ACCEPTED, S.IN_POOL)
    assert not can_move(S.SUBMITTED, S.COMPLETED)


def test_record_status_writes_history_and_refuses_invalid_moves(runtime: Runtime) -> None:
    """Each move leaves a history row with actor and reason; a refused move is a Conflict."""
    with transaction(runtime.sessions) as session:
        record = submit_request(
            session, principal=ZAB_E, draft=draft(), timezone="Europe/Berlin", travel=runtime.travel
        )
        request = record.request
        record_status(
            session, request, S.REJECTED, actor=ZAB_E, reason_code="no_staff", reason_text="kein Personal"
        )
        record_status(session, request, S.IN_POOL, actor=ZAB_E)
        with pytest.raises(Conflict):
            record_status(session, request, S.ACCEPTED, actor=ZAB_E)
        history = session.exec(
            select(RequestStatusChange)
            .where(RequestStatusChange.request_id == request.id)
            .order_by(RequestStatusChange.id)
        ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, S.SUBMITTED),
        (S.SUBMITTED, S.REJECTED),
        (S.REJECTED, S.IN_POOL),
    ]
    assert history[1].actor == "dispo-e" and history[1].reason_code == "no_staff"
