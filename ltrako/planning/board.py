"""The Tagesplan as a dispatcher reads it: committed tours, live proposals, blocked requests.

A plan version is a snapshot; the day moves on after it (a tour is committed, a Restplatzbörse
offer is taken over and extends or adds a committed tour). So the board shows
- every committed tour of the ZAB's vehicles, with the committed times, whichever way it came;
- a proposal of the newest version only while it can still be committed: the vehicle's committed
  tour is unchanged by it or kept by it, its crew and vehicle are free, its requests are still
  eingeplant. Others are stale and counted, not shown (a new plan replaces them);
- per request whether it may be committed (ltrako.planning.clearance), so blocked requests
  carry their reason on the proposal and in the open list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ltrako.models import RequestStatus, TransportRequest, Vehicle
from ltrako.planning.clearance import blocking
from ltrako.planning.names import natural_key
from ltrako.planning.tour import DayPlan, DayTour, OpenRequest, keeps_commitment, with_state
from ltrako.planning.tours import committed_tours, conflicts


@dataclass(frozen=True, slots=True)
class BoardTour:
    tour: DayTour
    index: int | None  # the tour's index in the plan version (what "festlegen" names), if any
    blocked: dict[str, str] = field(default_factory=dict)  # request → why it may not be committed

    @property
    def committed(self) -> bool:
        return self.tour.committed


@dataclass(frozen=True, slots=True)
class Board:
    tours: tuple[BoardTour, ...]  # the version's order first, then committed tours it does not have
    unassigned: tuple[OpenRequest, ...]
    blocked: dict[str, str]  # every blocked request of the board
    stale: int  # proposals of the version that can no longer be committed


def day_board(session: Session, plan: DayPlan, zab_id: str) -> Board:
    """The board of `zab_id`'s day from the newest version's plan (or an empty plan)."""
    own = set(session.exec(select(Vehicle.id).where(Vehicle.zab_id == zab_id)).all())
    committed = {k: t for k, t in committed_tours(session, plan.day).items() if t.vehicle in own}
    everyone = committed_tours(session, plan.day)
    requests = {s.request for t in plan.tours for s in t.stops if s.request} | {
        u.request for u in plan.unassigned
    }
    statuses = _statuses(session, requests)
    shown: list[tuple[DayTour, int | None]] = []
    seen: set[int] = set()
    stale = 0
    for index, proposal in enumerate(plan.tours):
        tour = with_state(proposal, committed)
        if tour.committed:
            if tour.tour_id not in seen:
                shown.append((tour, index))
                seen.add(tour.tour_id or 0)
            continue
        if _is_live(proposal, committed, everyone, statuses):
            shown.append((proposal, index))
        else:
            stale += 1
    for tour in sorted(committed.values(), key=lambda t: (natural_key(t.vehicle), t.start or plan.day)):
        if tour.tour_id not in seen:
            shown.append((tour, None))
    open_requests = {s.request for t, _ in shown if not t.committed for s in t.stops if s.request}
    blocked = blocking(session, open_requests | {u.request for u in plan.unassigned})
    tours = tuple(
        BoardTour(t, i, {r: why for r, why in blocked.items() if r in t.requests and not t.committed})
        for t, i in shown
    )
    return Board(tours, plan.unassigned, blocked, stale)


def _is_live(
    proposal: DayTour,
    committed: dict[tuple[str, tuple[str, ...]], DayTour],
    everyone: dict[tuple[str, tuple[str, ...]], DayTour],
    statuses: dict[str, RequestStatus],
) -> bool:
    existing = committed.get(proposal.key)
    if existing is not None and not keeps_commitment(existing, proposal):
        return False  # the committed tour changed after this version (e.g. a take-over)
    if conflicts(everyone, proposal, everyone.get(proposal.key)):
        return False  # crew or vehicle went to another committed tour meanwhile
    already = existing.requests if existing is not None else frozenset()
    return all(statuses.get(r) is RequestStatus.PLANNED for r in proposal.requests - already)


def _statuses(session: Session, request_ids: Iterable[str]) -> dict[str, RequestStatus]:
    ids = sorted(set(request_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(TransportRequest.id, TransportRequest.status).where(col(TransportRequest.id).in_(ids))
    ).all()
    return {rid: RequestStatus(status) for rid, status in rows}
