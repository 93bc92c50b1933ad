"""Committed tours in the database: reading them as `DayTour`s, committing a tour as rows."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, delete, select

from ltrako.core.errors import Conflict
from ltrako.models import Tour, TourEscort, TourStop
from ltrako.planning import convert
from ltrako.planning.tour import DayTour, TourKey
from ltrako.requests import notifications
from planner import model as pm
from planner.clock import Clock as DayClock


def committed_tours(session: Session, day: dt.date) -> dict[TourKey, DayTour]:
    """The day's committed tours by (vehicle, crew), in three queries."""
    rows = session.exec(
        select(Tour).where(Tour.day == day, col(Tour.is_committed).is_(True)).order_by(col(Tour.id))
    ).all()
    ids = [r.id for r in rows]
    crews: dict[int, list[str]] = {}
    for tour_id, escort in session.exec(
        select(TourEscort.tour_id, TourEscort.escort_id).where(col(TourEscort.tour_id).in_(ids))
    ):
        crews.setdefault(tour_id, []).append(escort)
    stops: dict[int, list[TourStop]] = {}
    for stop in session.exec(select(TourStop).where(col(TourStop.tour_id).in_(ids))):
        stops.setdefault(stop.tour_id, []).append(stop)
    tours = [convert.committed_tour(r, crews.get(r.id or 0, ()), stops.get(r.id or 0, [])) for r in rows]
    return {t.key: t for t in tours}


def conflicts(committed: dict[TourKey, DayTour], tour: DayTour, existing: DayTour | None) -> list[str]:
    """Why `tour` cannot be committed beside the day's other committed tours (German), if it cannot:
    one of its escorts already works in another tour, or its vehicle is out on another tour then."""
    problems = []
    for other in committed.values():
        if existing is not None and other.tour_id == existing.tour_id:
            continue
        shared = sorted(set(other.escorts) & set(tour.escorts))
        if shared:
            problems.append(f"Begleitkräfte bereits auf einer anderen Tour: {', '.join(shared)}")
        if other.vehicle == tour.vehicle and other.overlaps(tour):
            problems.append(f"Fahrzeug {tour.vehicle} ist zu dieser Zeit auf einer anderen Tour")
    return problems


def commit_beside(
    session: Session,
    day: dt.date,
    committed: dict[TourKey, DayTour],
    tour: DayTour,
    existing: DayTour | None,
    again: str,
) -> dict[TourKey, DayTour]:
    """Commit `tour` beside the day's other committed tours, or refuse (Conflict naming the
    clash, then `again`: what the user should do); the day's committed tours after it."""
    problems = conflicts(committed, tour, existing)
    if problems:
        raise Conflict("; ".join(problems) + f"; {again}")
    save_committed(session, day, tour, existing)
    return committed_tours(session, day)


def save_committed(session: Session, day: dt.date, tour: DayTour, existing: DayTour | None) -> Tour:
    """Write `tour` as a committed tour of the day (replacing `existing`'s crew and stops).

    The caller has checked the commitment rules; unique constraints (each escort on one tour a
    day, each request stop once) catch what a concurrent writer slipped in.
    """
    if existing is not None:
        row = session.get(Tour, existing.tour_id, populate_existing=True)
        if row is None:
            raise Conflict("Die festgelegte Tour gibt es nicht mehr; bitte neu planen.")
        session.exec(delete(TourStop).where(col(TourStop.tour_id) == row.id))
        session.exec(delete(TourEscort).where(col(TourEscort.tour_id) == row.id))
        session.flush()
    else:
        row = Tour(day=day, vehicle_id=tour.vehicle, is_committed=True)
    row.start, row.end = tour.start, tour.end
    session.add(row)
    session.flush()
    if row.id is None:
        raise Conflict("Tour konnte nicht gespeichert werden.")
    session.add_all(convert.escort_rows(row.id, day, tour))
    session.add_all(convert.stop_rows(row.id, tour))
    session.flush()
    before = pickup_times(existing) if existing is not None else {}
    for request_id, at in pickup_times(tour).items():
        notifications.pickup_planned(session, request_id, before.get(request_id), at)
    return row


def pickup_times(tour: DayTour) -> dict[str, dt.datetime | None]:
    """When each request of the tour is picked up (the start of its pickup stop)."""
    return {s.request: s.start for s in tour.stops if s.request is not None and s.type is pm.StopType.PICKUP}


def committed_plan(session: Session, day: dt.date, timezone: str) -> pm.Plan:
    """The day's committed tours as an ltrako-plan/1 plan (to validate what was committed)."""
    clock = DayClock(day, timezone)
    tours = [convert.planner_tour(t, clock) for _, t in sorted(committed_tours(session, day).items())]
    served = sum(1 for t in tours for s in t.stops if s.type is pm.StopType.PICKUP)
    return pm.Plan(day, tuple(tours), (), pm.PlanStats(served, 0, 0.0, 0.0))
