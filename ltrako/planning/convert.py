"""Rows and stored documents ↔ planner dataclasses and the tour type: pure functions only.

No queries and no audit here: the callers read the rows and write what comes back. Planner
times are integer seconds from the day's local midnight (`planner.clock.Clock`, here
`DayClock`); rows and `DayTour` hold aware instants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from ltrako.models import (
    Escort,
    EscortShift,
    TourEscort,
    TourStop,
    TransportRequest,
    Vehicle,
    VehicleAvailability,
)
from ltrako.models import Tour as TourRow
from ltrako.planning.tour import DayPlan, DayStop, DayTour, OpenRequest, TourState
from planner import model as pm
from planner.clock import Clock as DayClock
from planner.io import read_plan, read_tour, write_tour

# ------------------------------------------------------------------- scenario parts


def request_of(r: TransportRequest, clock: DayClock) -> pm.Request:
    """A stored request as the planner sees it (planned by its carrier ZAB after a take-over)."""
    return pm.Request(
        id=r.id,
        zab=r.carrier_zab_id or r.zab_id,
        abh=r.abh_id,
        persons=r.persons,
        escorts_required=r.escorts_required,
        requires_female_escort=r.requires_female_escort,
        requires_medical_escort=r.requires_medical_escort,
        wheelchair=r.wheelchair,
        priority=r.priority,
        max_ride_min=r.max_ride_min,
        pickup=pm.StopWindow(
            r.pickup_location_id,
            clock.seconds(r.pickup_earliest),
            clock.seconds(r.pickup_latest),
            r.pickup_service_min,
        ),
        dropoff=pm.StopWindow(
            r.dropoff_location_id,
            clock.seconds(r.dropoff_earliest),
            clock.seconds(r.dropoff_latest),
            r.dropoff_service_min,
        ),
    )


def default_window(vehicle: Vehicle, clock: DayClock) -> tuple[int, int]:
    """The vehicle's everyday availability on the clock's day (a window may pass midnight)."""
    start = dt.datetime.combine(clock.date, vehicle.daily_from, tzinfo=clock.zone)
    end = dt.datetime.combine(clock.date, vehicle.daily_until, tzinfo=clock.zone)
    if end <= start:
        end += dt.timedelta(days=1)
    return clock.seconds(start), clock.seconds(end)


def vehicle_of(v: Vehicle, override: VehicleAvailability | None, clock: DayClock) -> pm.Vehicle | None:
    """The vehicle on the day, or None when it is out of service that day."""
    if override is not None and not override.in_service:
        return None
    if override is not None and override.available_from and override.available_until:
        window = clock.seconds(override.available_from), clock.seconds(override.available_until)
    else:
        window = default_window(v, clock)
    return pm.Vehicle(v.id, v.zab_id, v.depot_location_id, v.seats, v.wheelchair, *window)


def escort_of(e: Escort, shift: EscortShift, clock: DayClock) -> pm.Escort:
    return pm.Escort(
        e.id,
        e.zab_id,
        e.gender,
        tuple(e.qualifications),
        clock.seconds(shift.start),
        clock.seconds(shift.end),
    )


# ---------------------------------------------------------------------------- tours


def committed_tour(row: TourRow, escorts: Iterable[str], stops: Sequence[TourStop]) -> DayTour:
    """A committed tour from its rows (stops in their sequence)."""
    return DayTour(
        vehicle=row.vehicle_id,
        escorts=tuple(sorted(escorts)),
        start=row.start,
        end=row.end,
        stops=tuple(
            DayStop(pm.StopType(s.type), s.request_id, s.location_id, s.arrival, s.start, s.departure)
            for s in sorted(stops, key=lambda s: s.seq)
        ),
        state=TourState.COMMITTED,
        tour_id=row.id,
        revision=row.revision,
    )


def locked_of(tour: DayTour) -> pm.LockedTour:
    """A committed tour as the planner must keep it: vehicle, crew and the order of its stops."""
    return pm.LockedTour(
        vehicle=tour.vehicle,
        escorts=tour.escorts,
        stops=tuple(pm.LockedStop(request, kind) for request, kind in tour.order),
    )


def day_tour(tour: pm.Tour, clock: DayClock) -> DayTour:
    """A planned tour with its times as instants (proposed)."""
    return DayTour(
        vehicle=tour.vehicle,
        escorts=tuple(sorted(tour.escorts)),
        start=clock.instant(tour.start),
        end=clock.instant(tour.end),
        stops=tuple(
            DayStop(
                s.type,
                s.request,
                s.location,
                clock.instant(s.arrival),
                clock.instant(s.start),
                clock.instant(s.departure),
            )
            for s in tour.stops
        ),
    )


def planner_tour(tour: DayTour, clock: DayClock) -> pm.Tour:
    """A tour in the planner's seconds (missing times count as midnight)."""

    def at(instant: dt.datetime | None) -> int:
        return clock.seconds(instant) if instant is not None else 0

    return pm.Tour(
        tour.vehicle,
        tour.escorts,
        at(tour.start),
        at(tour.end),
        tuple(
            pm.Stop(s.type, s.request, s.location, at(s.arrival), at(s.start), at(s.departure))
            for s in tour.stops
        ),
    )


def escort_rows(tour_id: int, day: dt.date, tour: DayTour) -> list[TourEscort]:
    return [TourEscort(tour_id=tour_id, escort_id=escort, day=day) for escort in tour.escorts]


def stop_rows(tour_id: int, tour: DayTour) -> list[TourStop]:
    return [
        TourStop(
            tour_id=tour_id,
            seq=seq,
            type=s.type,
            request_id=s.request,
            location_id=s.location,
            arrival=s.arrival,
            start=s.start,
            departure=s.departure,
        )
        for seq, s in enumerate(tour.stops)
    ]


# ------------------------------------------------------------------ stored documents


def day_plan(document: dict[str, Any], timezone: str) -> DayPlan:
    """A stored plan version (ltrako-plan/1) as read by everyone."""
    plan = read_plan(document, timezone=timezone)
    clock = DayClock(plan.scenario_date, timezone)
    return DayPlan(
        day=plan.scenario_date,
        tours=tuple(day_tour(t, clock) for t in plan.tours),
        unassigned=tuple(OpenRequest(u.request, u.reason, u.detail) for u in plan.unassigned),
    )


def offer_tour(document: dict[str, Any], day: dt.date, timezone: str) -> DayTour:
    """The tour a Restplatzbörse offer proposes (stored as an ltrako-plan/1 tour object)."""
    clock = DayClock(day, timezone)
    return day_tour(read_tour(document, clock), clock)


def offer_document(tour: pm.Tour, clock: DayClock) -> dict[str, Any]:
    """How an offer stores its tour."""
    return write_tour(tour, clock)
