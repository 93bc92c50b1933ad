"""Schemas of day plans, the Restplatzbörse and planning jobs."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    StrictFloat,
    StrictInt,
)

from api.schemas.common import Day, Strict, local
from ltrako.models import (
    Job,
    OfferStatus,
    PlanVersion,
    RestplatzOffer,
    RestplatzRun,
    RunStatus,
)
from ltrako.planning.clearance import HELD, HELD_PREFIX
from ltrako.planning.dayplan import RejectReason, reason_label
from ltrako.planning.tour import DayPlan, DayStop, DayTour, OpenRequest, TourState
from ltrako.workers.jobs import progress as job_progress
from planner.model import StopType
from planner.params import SolveParams

TIME_LIMIT_DOC = "Rechenzeit in Sekunden: ZAB und ZFA höchstens 60, admin höchstens 300."


class Solving(Strict):
    """The search parameters of a planning job (SolveParams): time limit, seed, solution limit."""

    time_limit_s: StrictFloat = Field(20.0, gt=0, le=300, description=TIME_LIMIT_DOC)
    seed: StrictInt = Field(0, ge=0, le=2**31 - 1, description="Startwert der Suche (reproduzierbar).")
    solution_limit: StrictInt | None = Field(
        None, ge=1, le=10_000, description="Nach so vielen verbesserten Lösungen aufhören (Tests)."
    )

    def params(self) -> SolveParams:
        return SolveParams(time_limit_s=self.time_limit_s, seed=self.seed, solution_limit=self.solution_limit)


class PlanCreate(Solving):
    day: Day
    zab_id: str | None = Field(None, description="Nur für admin; Disponenten planen ihre eigene ZAB.")


class UnassignedRead(BaseModel):
    request: str
    reason: str = Field(
        description="not_cleared: nicht freigegeben (Durchbeförderung, Inempfangnahme, Dublin)."
    )
    reason_label: str | None
    detail: str

    @classmethod
    def of(cls, u: OpenRequest) -> UnassignedRead:
        if u.detail.startswith(HELD_PREFIX):  # held by clearance, not by the planner
            return cls(request=u.request, reason=HELD, reason_label=reason_label(HELD), detail=u.detail)
        return cls(
            request=u.request,
            reason=u.reason.value,
            reason_label=reason_label(u.reason.value),
            detail=u.detail,
        )


class TourStopRead(BaseModel):
    type: StopType
    request: str | None = Field(None, description="Fehlt bei einer Pause.")
    location: str
    arrival: dt.datetime | None
    start: dt.datetime | None
    departure: dt.datetime | None

    @classmethod
    def of(cls, s: DayStop, zone: ZoneInfo) -> TourStopRead:
        return cls(
            type=s.type,
            request=s.request,
            location=s.location,
            arrival=local(s.arrival, zone),
            start=local(s.start, zone),
            departure=local(s.departure, zone),
        )


class TourRead(BaseModel):
    """A tour of the day: proposed (a plan version's, an offer's) or committed (festgelegt)."""

    vehicle: str
    escorts: list[str]
    start: dt.datetime | None
    end: dt.datetime | None
    stops: list[TourStopRead]
    state: TourState
    tour_id: int | None = Field(None, description="Die festgelegte Tour (state committed).")

    @classmethod
    def of(cls, t: DayTour, zone: ZoneInfo) -> TourRead:
        return cls(
            vehicle=t.vehicle,
            escorts=list(t.escorts),
            start=local(t.start, zone),
            end=local(t.end, zone),
            stops=[TourStopRead.of(s, zone) for s in t.stops],
            state=t.state,
            tour_id=t.tour_id,
        )


class PlanVersionRead(BaseModel):
    id: int
    day: dt.date
    zab_id: str
    number: int
    created_at: dt.datetime
    created_by: str
    served: int
    unassigned: int
    km: float
    tours: list[TourRead] = Field(description="Touren der Planversion, Index = tour_index.")
    unassigned_requests: list[UnassignedRead]

    @classmethod
    def of(cls, v: PlanVersion, plan: DayPlan, zone: ZoneInfo) -> PlanVersionRead:
        return cls(
            id=v.id or 0,
            day=v.day,
            zab_id=v.zab_id,
            number=v.number,
            created_at=v.created_at.astimezone(zone),
            created_by=v.created_by,
            served=v.served,
            unassigned=v.unassigned,
            km=v.km,
            tours=[TourRead.of(t, zone) for t in plan.tours],
            unassigned_requests=[UnassignedRead.of(u) for u in plan.unassigned],
        )


class RejectCreate(Strict):
    reason: RejectReason
    reason_text: str | None = Field(None, max_length=400, description="Freitext ohne personenbezogene Daten.")


class TourCommitted(BaseModel):
    tour_id: int


class RejectedList(BaseModel):
    rejected: list[str]


class RunCreate(Strict):
    day: Day
    time_limit_s: StrictFloat | None = Field(
        None, gt=0, le=300, description=TIME_LIMIT_DOC + " Standard: LTRAKO_RESTPLATZ_TIME_LIMIT_S."
    )
    seed: StrictInt = Field(0, ge=0, le=2**31 - 1, description="Startwert der Suche (reproduzierbar).")
    solution_limit: StrictInt | None = Field(
        None, ge=1, le=10_000, description="Nach so vielen verbesserten Lösungen aufhören (Tests)."
    )

    def params(self, default_s: float) -> SolveParams:
        limit = self.time_limit_s if self.time_limit_s is not None else default_s
        return SolveParams(time_limit_s=limit, seed=self.seed, solution_limit=self.solution_limit)


class RunRead(BaseModel):
    id: int
    day: dt.date
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: RunStatus
    started_by: str
    pool_size: int
    offers_made: int
    offers_open: int
    taken: int = 0  # offers of the run taken over so far (counted from the offers)
    still_open: int
    error: str | None

    @classmethod
    def of(cls, r: RestplatzRun, zone: ZoneInfo, taken: int = 0) -> RunRead:
        read = cls.model_validate(r, from_attributes=True)
        times = {"started_at": local(r.started_at, zone), "finished_at": local(r.finished_at, zone)}
        return read.model_copy(update={"taken": taken, **times})


class OfferRead(BaseModel):
    id: int
    run_id: int
    day: dt.date
    zab_id: str
    vehicle_id: str
    request_ids: list[str]
    base_tour_id: int | None
    added_km: float
    added_min: int
    status: OfferStatus
    tour: TourRead
    not_cleared: dict[str, str] = Field(
        default_factory=dict,
        description="Aufträge des Angebots, die noch nicht festgelegt werden dürfen, und warum.",
    )

    @classmethod
    def of(
        cls, o: RestplatzOffer, tour: DayTour, zone: ZoneInfo, not_cleared: dict[str, str] | None = None
    ) -> OfferRead:
        return cls(
            id=o.id or 0,
            run_id=o.run_id,
            day=o.day,
            zab_id=o.zab_id,
            vehicle_id=o.vehicle_id,
            request_ids=list(o.request_ids),
            base_tour_id=o.base_tour_id,
            added_km=o.added_km,
            added_min=o.added_min,
            status=o.status,
            tour=TourRead.of(tour, zone),
            not_cleared={r: why for r, why in (not_cleared or {}).items() if r in o.request_ids},
        )


class PoolRequestRead(BaseModel):
    """A pooled request on the open Restplatzbörse, with the caller's ZAB's best offer."""

    request_id: str
    zab_id: str = Field(description="Die zuständige ZAB.")
    abh_id: str | None
    purpose: str
    person_count: int = Field(description="Wie viele Personen (pseudonym: keine Personendaten).")
    escorts_required: int
    requires_female_escort: bool
    requires_medical_escort: bool | None = Field(description="Gesundheitsmerkmal: nur für ZAB.")
    wheelchair: bool | None
    pickup_location_id: str
    pickup_earliest: dt.datetime
    pickup_latest: dt.datetime
    dropoff_location_id: str
    dropoff_earliest: dt.datetime
    dropoff_latest: dt.datetime
    pool_reason: str | None
    pool_reason_label: str | None
    not_cleared: str | None = Field(description="Warum der Auftrag noch nicht festgelegt werden darf.")
    refused: str | None = Field(
        description="Ihre ZAB hat den Auftrag mangels Personal oder Fahrzeug abgelehnt: kein Angebot, "
        "bis sich Dienstplan oder Fuhrpark ändern."
    )
    best_offer: OfferRead | None
    offers: list[OfferRead] = Field(description="Alle offenen Angebote Ihrer ZAB (admin: aller ZABs).")
    other_offers: int = Field(description="Offene Angebote anderer ZABs.")


class JobCreate(Solving):
    """A long operation for the planning workers: the day's first pass or a Restplatzbörse run."""

    kind: Literal["plan_day", "restplatz_run"]
    day: Day
    zab_id: str | None = Field(None, max_length=32, description="plan_day: nur für admin.")


class JobRead(BaseModel):
    id: str
    kind: str
    status: str
    attempts: int
    progress: float
    label: str
    message: str | None
    result_ref: str | None = Field(
        description="plan_day: Planversion; restplatz_run: Lauf; charter_plan: Sammelcharter."
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, job: Job, now: dt.datetime) -> JobRead:
        """The job as it stands at `now` (local: its zone is the one the times are shown in)."""
        return cls(
            id=job.id,
            kind=job.kind,
            status=str(job.status),
            attempts=job.attempts,
            progress=round(job_progress(job, now), 2),
            label=job.label,
            message=job.message,
            result_ref=job.result_ref,
            created_at=job.created_at.astimezone(now.tzinfo),
            finished_at=job.finished_at.astimezone(now.tzinfo) if job.finished_at else None,
        )
