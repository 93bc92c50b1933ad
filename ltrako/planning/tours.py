"""Committed tours in the database: reading them, writing a planned tour as committed rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from ltrako.core.errors import Conflict
from ltrako.models import Tour, TourEscort, TourStop
from planner import model as pm
from planner.clock import Clock

TourKey = tuple[str, tuple[str, ...]]  # (vehicle, sorted crew): the identity of a tour of a day


@dataclass(frozen=True, slots=True)
class CommittedTour:
    row: Tour
    escorts: tuple[str, ...]
    stops: tuple[TourStop, ...]

    @property
    def key(self) -> TourKey:
        return self.row.vehicle_id, self.escorts

    @property
    def order(self) -> tuple[tuple[str, pm.StopType], ...]:
        """The committed request stops in their order (breaks are not part of the commitment)."""
        return tuple(
            (s.request_id or "", pm.StopType(s.type)) for s in self.stops if s.type != pm.StopType.BREAK
        )


def key_of(tour: pm.Tour) -> TourKey:
    return tour.vehicle, tuple(sorted(tour.escorts))


def committed_tours(session: Session, day: dt.date) -> dict[TourKey, CommittedTour]:
    """The day's committed tours by (vehicle, crew)."""
    tours = session.exec(select(Tour).where(Tour.day == day, col(Tour.is_committed).is_(True))).all()
    out = {}
    for tour in tours:
        escorts = session.exec(select(TourEscort.escort_id).where(TourEscort.tour_id == tour.id)).all()
        stops = session.exec(
            select(TourStop).where(TourStop.tour_id == tour.id).order_by(col(TourStop.seq))
        ).all()
        committed = CommittedTour(tour, tuple(sorted(escorts)), tuple(stops))
        out[committed.key] = committed
    return out


def keeps_commitment(committed: CommittedTour, tour: pm.Tour) -> bool:
    """Spec rule 10: same vehicle and crew, the committed stops in the same relative order."""
    if key_of(tour) != committed.key:
        return False
    wanted = set(committed.order)
    kept = tuple((s.request or "", s.type) for s in tour.stops if (s.request or "", s.type) in wanted)
    return kept == committed.order


def conflicts(
    committed: dict[TourKey, CommittedTour], clock: Clock, tour: pm.Tour, existing: CommittedTour | None
) -> list[str]:
    """Why `tour` cannot be committed beside the day's other committed tours (German), if it cannot:
    one of its escorts already works in another tour, or its vehicle is out on another tour then."""
    problems = []
    start, end = clock.instant(tour.start), clock.instant(tour.end)
    for other in committed.values():
        if existing is not None and other.row.id == existing.row.id:
            continue
        shared = sorted(set(other.escorts) & set(tour.escorts))
        if shared:
            problems.append(f"Begleitkräfte bereits auf einer anderen Tour: {', '.join(shared)}")
        overlaps = (
            other.row.start is not None
            and other.row.end is not None
            and other.row.start < end
            and start < other.row.end
        )
        if other.row.vehicle_id == tour.vehicle and overlaps:
            problems.append(f"Fahrzeug {tour.vehicle} ist zu dieser Zeit auf einer anderen Tour")
    return problems


def save_committed(session: Session, clock: Clock, tour: pm.Tour, existing: CommittedTour | None) -> Tour:
    """Write `tour` as the vehicle's committed tour of the day (replacing `existing`'s stops).

    The caller has checked the commitment rules; unique constraints (one tour per vehicle and
    day, each request stop once) catch what a concurrent writer slipped in.
    """
    if existing is not None:
        row = existing.row
        session.exec(delete(TourStop).where(col(TourStop.tour_id) == row.id))
        session.exec(delete(TourEscort).where(col(TourEscort.tour_id) == row.id))
        session.flush()
    else:
        row = Tour(day=clock.date, vehicle_id=tour.vehicle, is_committed=True)
    row.start, row.end = clock.instant(tour.start), clock.instant(tour.end)
    session.add(row)
    session.flush()
    if row.id is None:
        raise Conflict("Tour konnte nicht gespeichert werden.")
    for escort in tour.escorts:
        session.add(TourEscort(tour_id=row.id, escort_id=escort, day=clock.date))
    for seq, stop in enumerate(tour.stops):
        session.add(
            TourStop(
                tour_id=row.id,
                seq=seq,
                type=stop.type,
                request_id=stop.request,
                location_id=stop.location,
                arrival=clock.instant(stop.arrival),
                start=clock.instant(stop.start),
                departure=clock.instant(stop.departure),
            )
        )
    session.flush()
    return row


def committed_plan(session: Session, day: dt.date, timezone: str) -> pm.Plan:
    """The day's committed tours as an ltrako-plan/1 plan (to validate what was committed)."""
    clock = Clock(day, timezone)
    tours = []
    for _, c in sorted(committed_tours(session, day).items()):
        assert c.row.start is not None and c.row.end is not None
        stops = tuple(
            pm.Stop(
                type=pm.StopType(s.type),
                request=s.request_id,
                location=s.location_id,
                arrival=clock.seconds(s.arrival) if s.arrival else 0,
                start=clock.seconds(s.start) if s.start else 0,
                departure=clock.seconds(s.departure) if s.departure else 0,
            )
            for s in c.stops
        )
        tours.append(
            pm.Tour(c.row.vehicle_id, c.escorts, clock.seconds(c.row.start), clock.seconds(c.row.end), stops)
        )
    served = sum(1 for t in tours for s in t.stops if s.type is pm.StopType.PICKUP)
    return pm.Plan(day, tuple(tours), (), pm.PlanStats(served, 0, 0.0, 0.0))
