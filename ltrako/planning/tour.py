"""The one shape of a tour that services, API schemas, pages and the Restplatzbörse read.

A `DayTour` is a vehicle with its crew and timed stops on one day, either proposed (by a
plan version or a Restplatzbörse offer) or committed (stored as tour rows). Stored plans and
offers are JSON (ltrako-plan/1) and committed tours are rows; `ltrako.planning.convert` turns
both into this type, once, where they are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from planner.model import StopType, UnassignedReason

TourKey = tuple[str, tuple[str, ...]]  # (vehicle, sorted crew): the identity of a tour of a day
StopKey = tuple[str, StopType]  # (request, pickup or dropoff)


class TourState(StrEnum):
    PROPOSED = "proposed"  # a plan version's or an offer's tour, not binding
    COMMITTED = "committed"  # festgelegt: the crew drives it; later plans lock it


@dataclass(frozen=True, slots=True)
class DayStop:
    """A stop with its times; a committed tour imported from a scenario has none until planned."""

    type: StopType
    request: str | None  # None for a break
    location: str
    arrival: dt.datetime | None
    start: dt.datetime | None
    departure: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DayTour:
    vehicle: str
    escorts: tuple[str, ...]  # sorted
    start: dt.datetime | None
    end: dt.datetime | None
    stops: tuple[DayStop, ...]
    state: TourState = TourState.PROPOSED
    tour_id: int | None = None  # the committed tour's row
    revision: int | None = None  # of the committed tour; +1 on every change

    @property
    def key(self) -> TourKey:
        return self.vehicle, self.escorts

    @property
    def order(self) -> tuple[StopKey, ...]:
        """The request stops in their order (breaks are not part of a commitment)."""
        return tuple((s.request, s.type) for s in self.stops if s.request is not None)

    @property
    def requests(self) -> frozenset[str]:
        return frozenset(s.request for s in self.stops if s.request is not None)

    @property
    def committed(self) -> bool:
        return self.state is TourState.COMMITTED

    def overlaps(self, other: DayTour) -> bool:
        """Both on the road at the same time (tours without times overlap nothing)."""
        if None in (self.start, self.end, other.start, other.end):
            return False
        assert self.start and self.end and other.start and other.end
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A request a plan leaves without a tour, with the planner's reason."""

    request: str
    reason: UnassignedReason
    detail: str


@dataclass(frozen=True, slots=True)
class DayPlan:
    """A plan version as read: its tours (index = tour_index) and its open requests."""

    day: dt.date
    tours: tuple[DayTour, ...]
    unassigned: tuple[OpenRequest, ...]


def keeps_commitment(committed: DayTour, tour: DayTour) -> bool:
    """Spec rule 10: same vehicle and crew, the committed stops in the same relative order."""
    if tour.key != committed.key:
        return False
    wanted = set(committed.order)
    return tuple(k for k in tour.order if k in wanted) == committed.order


def with_state(tour: DayTour, committed: dict[TourKey, DayTour]) -> DayTour:
    """A proposal as it stands against the committed tours: the committed tour itself when it
    carries exactly the committed stops, else proposed (a new tour, or one that adds requests)."""
    base = committed.get(tour.key)
    if base is None or not keeps_commitment(base, tour) or tour.requests != base.requests:
        return tour
    return DayTour(
        tour.vehicle,
        tour.escorts,
        base.start,
        base.end,
        base.stops,
        TourState.COMMITTED,
        base.tour_id,
        base.revision,
    )
