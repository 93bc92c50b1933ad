"""API schemas: <Noun>Create for input, <Noun>Read for output. Routes never return table rows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ltrako.access import sees_medical
from ltrako.charter import CaseDraft
from ltrako.dayplan import RejectReason, reason_label
from ltrako.jobs import progress as job_progress
from ltrako.lifecycle import LABELS_DE, CancelReason
from ltrako.models import (
    Abh,
    Gender,
    Job,
    Location,
    OfferStatus,
    Person,
    PlanVersion,
    RequestOrigin,
    RequestStatus,
    RestplatzOffer,
    RestplatzRun,
    RunStatus,
    TransportPurpose,
    Vehicle,
    Zab,
)
from ltrako.requests import PersonDraft, RequestDraft, RequestRecord, StopDraft
from ltrako.security import Principal
from ltrako.statistics import METRICS, Statistics, StatRow
from planner.model import LocationKind

# Ids in PostgreSQL `integer` columns end at 2^31 - 1: a larger one is an input error, not a 500.
DB_INT_MAX = 2**31 - 1
NUMBER = re.compile(r"^\s*[+-]?[0-9]+(\.[0-9]*)?\s*$")


def _iso_text(kind: str, expected: str) -> Callable[[Any], Any]:
    """Pydantic would read a number as a Unix timestamp (0 → 1970-01-01): input takes ISO 8601 text."""

    def check(value: Any) -> Any:
        if isinstance(value, bool | int | float) or (isinstance(value, str) and NUMBER.match(value)):
            raise PydanticCustomError(kind, expected)
        return value

    return check


# Input days and instants, within years the service can count with (0001-01-01 minus a day
# overflowed: 500). Numbers, too, are what they say: StrictInt, StrictFloat and StrictBool refuse
# `true` as 1, `"5"` as 5 and `0` as false.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def _within_years(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError("date_range", f"Datum zwischen {FIRST_DAY} und {LAST_DAY} erwartet.")
    return value


Day = Annotated[
    dt.date,
    BeforeValidator(_iso_text("date_type", "Datum im Format JJJJ-MM-TT erwartet.")),
    AfterValidator(_within_years),
]
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text("datetime_type", "Zeitpunkt nach ISO 8601 erwartet.")),
    AfterValidator(_within_years),
]


class Strict(BaseModel):
    """Input: unknown fields are refused, and so are NUL bytes in text (PostgreSQL cannot store them)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("string_nul", "Nullzeichen (\\x00) sind nicht erlaubt.")
        return value


class HealthRead(BaseModel):
    status: str
    database: str
    version: str


class ZabRead(BaseModel):
    id: str
    name: str
    regierungsbezirk_id: str
    location_id: str

    @classmethod
    def of(cls, row: Zab) -> ZabRead:
        return cls(
            id=row.id, name=row.name, regierungsbezirk_id=row.regierungsbezirk_id, location_id=row.location_id
        )


class AbhRead(BaseModel):
    id: str
    name: str
    kind: str
    ags: str | None
    regierungsbezirk_id: str
    zab_id: str
    location_id: str

    @classmethod
    def of(cls, row: Abh, zab_id: str) -> AbhRead:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            ags=row.ags,
            regierungsbezirk_id=row.regierungsbezirk_id,
            zab_id=zab_id,
            location_id=row.location_id,
        )


class LocationRead(BaseModel):
    id: str
    name: str
    kind: LocationKind
    lat: float
    lon: float
    address: str | None
    regierungsbezirk_id: str | None

    @classmethod
    def of(cls, row: Location) -> LocationRead:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            lat=row.lat,
            lon=row.lon,
            address=row.address,
            regierungsbezirk_id=row.regierungsbezirk_id,
        )


class VehicleRead(BaseModel):
    id: str
    zab_id: str
    depot_location_id: str
    label: str
    seats: int
    wheelchair: bool

    @classmethod
    def of(cls, row: Vehicle) -> VehicleRead:
        return cls(
            id=row.id,
            zab_id=row.zab_id,
            depot_location_id=row.depot_location_id,
            label=row.label,
            seats=row.seats,
            wheelchair=row.wheelchair,
        )


class PersonCreate(Strict):
    case_ref: str = Field(
        min_length=3, max_length=40, description="Pseudonymes Aktenzeichen der ABH, kein Name."
    )
    nationality: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3; XXX = unbekannt.")
    gender: Gender
    requires_female_escort: StrictBool = False
    requires_medical_escort: StrictBool = False
    wheelchair: StrictBool = False
    requires_medical_reception: StrictBool = False

    def to_draft(self) -> PersonDraft:
        return PersonDraft(**self.model_dump())


class StopCreate(Strict):
    location: str = Field(min_length=1, max_length=32)
    earliest: Instant
    latest: Instant
    service_min: StrictInt = Field(default=20, ge=0, le=600)


class TransportRequestCreate(Strict):
    persons: list[PersonCreate] = Field(min_length=1, max_length=9)
    pickup: StopCreate
    dropoff: StopCreate
    priority: StrictInt = Field(default=3, ge=1, le=5)
    origin: RequestOrigin = RequestOrigin.MUNICIPAL
    abh_id: str | None = Field(default=None, max_length=32)
    purpose: TransportPurpose | None = None
    escorts_required: StrictInt | None = Field(default=None, ge=0, le=8)
    max_ride_min: StrictInt | None = Field(default=None, gt=0, le=24 * 60)
    flight_id: StrictInt | None = Field(
        default=None, ge=1, le=DB_INT_MAX, description="Der gebuchte Flug (POST /flights)."
    )

    def to_draft(self) -> RequestDraft:
        return RequestDraft(
            persons=tuple(p.to_draft() for p in self.persons),
            pickup=_stop(self.pickup),
            dropoff=_stop(self.dropoff),
            priority=self.priority,
            origin=self.origin,
            abh_id=self.abh_id,
            purpose=self.purpose,
            escorts_required=self.escorts_required,
            max_ride_min=self.max_ride_min,
            flight_id=self.flight_id,
        )


def _stop(stop: StopCreate) -> StopDraft:
    return StopDraft(stop.location, stop.earliest, stop.latest, stop.service_min)


class PersonRead(BaseModel):
    case_ref: str
    nationality: str
    gender: Gender
    requires_female_escort: bool
    requires_medical_escort: bool | None = Field(
        description="Nur für Rollen mit Bedarf sichtbar (zab, abh, zrk)."
    )
    wheelchair: bool | None
    requires_medical_reception: bool | None


class StopRead(BaseModel):
    location: str
    earliest: dt.datetime
    latest: dt.datetime
    service_min: int


class TransportRequestRead(BaseModel):
    id: str
    status: RequestStatus
    status_label: str
    origin: RequestOrigin
    abh_id: str | None
    zab_id: str
    purpose: TransportPurpose
    service_date: dt.date
    person_count: int
    persons: list[PersonRead]
    escorts_required: int
    requires_female_escort: bool
    requires_medical_escort: bool | None
    wheelchair: bool | None
    medical_details_visible: bool
    priority: int
    max_ride_min: int | None
    pickup: StopRead
    dropoff: StopRead
    flight_id: int | None
    carrier_zab_id: str | None = Field(
        description="Die ZAB, die fährt (nach Annahme oder Transportübernahme)."
    )
    pool_reason: str | None = Field(description="Warum die Restplatzbörse zuletzt keine ZAB fand.")
    pool_reason_label: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, record: RequestRecord, principal: Principal, zone: ZoneInfo) -> TransportRequestRead:
        """Times in the service's zone; health-related flags only for roles that need them."""
        r = record.request
        medical = sees_medical(principal)

        def stop(location: str, earliest: dt.datetime, latest: dt.datetime, service_min: int) -> StopRead:
            return StopRead(
                location=location,
                earliest=earliest.astimezone(zone),
                latest=latest.astimezone(zone),
                service_min=service_min,
            )

        return cls(
            id=r.id,
            status=r.status,
            status_label=LABELS_DE[RequestStatus(r.status)],
            origin=r.origin,
            abh_id=r.abh_id,
            zab_id=r.zab_id,
            purpose=r.purpose,
            service_date=r.service_date,
            person_count=r.persons,
            persons=[_person(p, medical) for p in record.persons],
            escorts_required=r.escorts_required,
            requires_female_escort=r.requires_female_escort,
            requires_medical_escort=r.requires_medical_escort if medical else None,
            wheelchair=r.wheelchair if medical else None,
            medical_details_visible=medical,
            priority=r.priority,
            max_ride_min=r.max_ride_min,
            pickup=stop(r.pickup_location_id, r.pickup_earliest, r.pickup_latest, r.pickup_service_min),
            dropoff=stop(r.dropoff_location_id, r.dropoff_earliest, r.dropoff_latest, r.dropoff_service_min),
            flight_id=r.flight_id,
            carrier_zab_id=r.carrier_zab_id,
            pool_reason=r.pool_reason,
            pool_reason_label=reason_label(r.pool_reason),
            created_at=r.created_at.astimezone(zone),
        )


def _person(p: Person, medical: bool) -> PersonRead:
    return PersonRead(
        case_ref=p.case_ref,
        nationality=p.nationality,
        gender=p.gender,
        requires_female_escort=p.requires_female_escort,
        requires_medical_escort=p.requires_medical_escort if medical else None,
        wheelchair=p.wheelchair if medical else None,
        requires_medical_reception=p.requires_medical_reception if medical else None,
    )


class FieldErrorRead(BaseModel):
    field: str
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorRead(BaseModel):
    message: str
    detail: list[FieldErrorRead]


class ErrorRead(BaseModel):
    detail: str


# ------------------------------------------------------------------ planning and pool


class PlanCreate(Strict):
    day: Day
    zab_id: str | None = Field(None, description="Nur für admin; Disponenten planen ihre eigene ZAB.")
    time_limit_s: StrictFloat = Field(20.0, gt=0, le=300)


class UnassignedRead(BaseModel):
    request: str
    reason: str
    reason_label: str | None
    detail: str


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
    tours: list[dict[str, Any]] = Field(
        description="Vorgeschlagene Touren (ltrako-plan/1), Index = tour_index."
    )
    unassigned_requests: list[UnassignedRead]

    @classmethod
    def of(cls, v: PlanVersion, zone: ZoneInfo) -> PlanVersionRead:
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
            tours=list(v.plan.get("tours", [])),
            unassigned_requests=[
                UnassignedRead(
                    request=u["request"],
                    reason=u["reason"],
                    reason_label=reason_label(u["reason"]),
                    detail=u.get("detail", ""),
                )
                for u in v.plan.get("unassigned", [])
            ],
        )


class RejectCreate(Strict):
    reason: RejectReason
    reason_text: str | None = Field(None, max_length=400, description="Freitext ohne personenbezogene Daten.")


class CloseCreate(Strict):
    outcome: Literal["self_transport", "cancelled"]
    reason: CancelReason | None = Field(None, description="Grund der Stornierung (für die Statistik).")
    reason_text: str | None = Field(None, max_length=400)


class CompleteCreate(Strict):
    returned: StrictBool = Field(description="Person ist ausgereist (Rückführung/Überstellung erfolgreich).")
    note: str | None = Field(None, max_length=400, description="Freitext ohne personenbezogene Daten.")


class TourCommitted(BaseModel):
    tour_id: int


class RejectedList(BaseModel):
    rejected: list[str]


class RunCreate(Strict):
    day: Day
    time_limit_s: StrictFloat | None = Field(None, gt=0, le=600)


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
    def of(cls, r: RestplatzRun, taken: int = 0) -> RunRead:
        return cls.model_validate(r, from_attributes=True).model_copy(update={"taken": taken})


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
    tour: dict[str, Any]

    @classmethod
    def of(cls, o: RestplatzOffer) -> OfferRead:
        return cls.model_validate(o, from_attributes=True)


# Answers of the decision endpoints besides success: the OpenAPI document lists them.
DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead},
    403: {"model": ErrorRead},
    404: {"model": ErrorRead},
    409: {"model": ErrorRead},
    422: {"model": ValidationErrorRead},
}


# ----------------------------------------------------------------------------- ZFA


class TransitDetect(Strict):
    booked_at: Instant | None = Field(None, description="Buchungszeitpunkt (für „zu spät“).")
    escorted: StrictBool = True


class TransitDecision(Strict):
    approved: StrictBool
    reason: str | None = Field(None, max_length=400, description="Ohne personenbezogene Daten.")


class TransitRead(BaseModel):
    id: int
    flight_id: int
    airport: str
    country: str
    basis: str
    arrival: dt.datetime
    departure: dt.datetime
    transit_minutes: int
    request_due: dt.datetime
    late: bool
    too_long: bool
    refused_state: bool
    escorted: bool
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    submitted_by: str | None
    answer_due: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str | None
    reason: str | None

    @classmethod
    def of(cls, row: Any, labels: dict[Any, str]) -> TransitRead:
        return cls(
            **{k: getattr(row, k) for k in cls.model_fields if k not in ("transit_minutes", "status_label")},
            transit_minutes=int((row.departure - row.arrival).total_seconds() // 60),
            status_label=labels[row.status],
        )


class NotificationRead(BaseModel):
    id: int
    request_id: str | None
    kind: str
    text: str
    created_at: dt.datetime


# ----------------------------------------------------------------------------- ZRK and Dublin


class MedicalReceptionRead(BaseModel):
    id: int
    request_id: str
    destination_country: str
    due: dt.datetime
    contact: str | None
    status: str
    status_label: str
    medical_details: str | None = Field(description="Nur für die ZRK sichtbar.")
    medical_details_visible: bool
    requested_at: dt.datetime | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, row: Any, labels: dict[Any, str], details: bool) -> MedicalReceptionRead:
        return cls(
            id=row.id,
            request_id=row.request_id,
            destination_country=row.destination_country,
            due=row.due,
            contact=row.contact,
            status=row.status,
            status_label=labels[row.status],
            medical_details=row.medical_details if details else None,
            medical_details_visible=details,
            requested_at=row.requested_at,
            decided_at=row.decided_at,
        )


class ReceptionDecision(Strict):
    confirmed: StrictBool


class MedicalDetails(Strict):
    details: str = Field(..., max_length=1000)


class DublinCreate(Strict):
    request_id: str
    facility_id: str
    application_registered: Day
    accepted_on: Day
    court_decision_on: Day | None = None
    extension: Literal["none", "imprisoned", "absconded"] = "none"


class DublinRead(BaseModel):
    request_id: str
    zab_id: str
    facility_id: str
    basis: str
    accepted_on: dt.date
    court_decision_on: dt.date | None
    extension: str
    deadline: dt.date
    days_left: int
    priority: int | None
    expired: bool

    @classmethod
    def of(cls, v: Any) -> DublinRead:
        return cls(
            request_id=v.row.request_id,
            zab_id=v.zab_id,
            facility_id=v.row.facility_location_id,
            basis=v.row.basis,
            accepted_on=v.row.accepted_on,
            court_decision_on=v.row.court_decision_on,
            extension=v.row.extension,
            deadline=v.deadline,
            days_left=v.days_left,
            priority=v.priority,
            expired=v.priority is None,
        )


class FlightLegCreate(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    flight_number: str = Field(min_length=2, max_length=12)
    from_: str = Field(alias="from", min_length=3, max_length=3)
    to: str = Field(min_length=3, max_length=3)
    departure: str = Field(description="Ortszeit am Abflughafen (ohne Offset) oder mit Offset.")
    arrival: str = Field(description="Ortszeit am Zielflughafen (ohne Offset) oder mit Offset.")


class FlightCreate(Strict):
    kind: Literal["scheduled", "charter"] = "scheduled"
    booking_ref: str | None = Field(None, max_length=40)
    legs: list[FlightLegCreate] = Field(min_length=1, max_length=6)
    booked_at: Instant | None = None
    escorted: StrictBool = True


class FlightRead(BaseModel):
    id: int
    kind: str
    destination_country: str
    needs_rebooking: bool
    transits: list[TransitRead]


class StatRowRead(BaseModel):
    key: str
    label: str
    counts: dict[str, int]
    cancelled_by_reason: dict[str, int]
    rescue_rate: float | None = Field(description="Anteil der in der Restplatzbörse vermittelten Aufträge.")


class StatisticsRead(BaseModel):
    period: str
    first_day: dt.date
    last_day: dt.date
    breakdown: str
    scope: str = Field(description="NRW oder die ZAB, auf die die Zahlen beschränkt sind.")
    metrics: dict[str, str] = Field(description="Kennzahl → deutsche Bezeichnung.")
    rows: list[StatRowRead]
    total: StatRowRead

    @classmethod
    def of(cls, stats: Statistics) -> StatisticsRead:
        def row(r: StatRow) -> StatRowRead:
            return StatRowRead(
                key=r.key,
                label=r.label,
                counts={m: r.counts[m] for m in METRICS},
                cancelled_by_reason=dict(r.cancelled_by_reason),
                rescue_rate=r.rescue_rate,
            )

        return cls(
            period=stats.period.label,
            first_day=stats.period.first,
            last_day=stats.period.last,
            breakdown=stats.breakdown,
            scope=stats.scope,
            metrics=METRICS,
            rows=[row(r) for r in stats.rows],
            total=row(stats.total),
        )


class ParliamentaryRowRead(BaseModel):
    area: str
    code: str
    name: str
    begleitet: int
    erfolgreich_rueckgefuehrt: int


class ImportRead(BaseModel):
    batch: str
    added: int
    updated: int


class RemovalCaseCreate(Strict):
    """Ein Fall, der auf einen Rückführungsflug wartet (für die Sammelcharter-Auswahl)."""

    persons: list[PersonCreate] = Field(min_length=1, max_length=9)
    pickup_location: str = Field(min_length=1, max_length=32, description="Wo die Personen abgeholt werden.")
    destination_country: str = Field(pattern=r"^[A-Z]{3}$", description="Zielstaat, ISO 3166-1 alpha-3.")
    priority: StrictInt = Field(default=3, ge=1, le=5)
    documents_ready: StrictBool = Field(default=False, description="Pass oder Passersatzpapier liegt vor.")
    legal_obstacle: StrictBool = Field(default=False, description="Abschiebungshindernis erfasst.")
    deadline: Day | None = Field(default=None, description="Letzter zulässiger Tag (z. B. Dublin-Frist).")
    deadline_kind: Literal["dublin", "detention", "other"] | None = None
    origin: RequestOrigin = RequestOrigin.MUNICIPAL
    abh_id: str | None = Field(default=None, max_length=32)

    def to_draft(self) -> CaseDraft:
        return CaseDraft(
            persons=tuple(p.to_draft() for p in self.persons),
            pickup_location_id=self.pickup_location,
            destination_country=self.destination_country,
            priority=self.priority,
            documents_ready=self.documents_ready,
            legal_obstacle=self.legal_obstacle,
            deadline=self.deadline,
            deadline_kind=self.deadline_kind,
            origin=self.origin,
            abh_id=self.abh_id,
        )


class ReadinessUpdate(Strict):
    documents_ready: StrictBool | None = None
    legal_obstacle: StrictBool | None = None
    priority: StrictInt | None = Field(default=None, ge=1, le=5)


class RemovalCaseRead(BaseModel):
    id: int
    zab_id: str
    abh_id: str | None
    origin: str
    destination_country: str
    pickup_location_id: str
    documents_ready: bool
    legal_obstacle: bool
    priority: int
    deadline: dt.date | None
    status: str


class CharterCreate(Strict):
    airport: str = Field(pattern=r"^[A-Z]{3}$", description="IATA-Code des NRW-Flughafens, z. B. DUS.")
    destination_country: str = Field(pattern=r"^[A-Z]{3}$")
    seats: StrictInt = Field(ge=1, le=400, description="Plätze für Rückzuführende.")
    escort_seats: StrictInt = Field(ge=0, le=800, description="Plätze für Begleitkräfte (PBL).")
    check_in: Instant = Field(description="Alle Personen bis dahin am Flughafen.")
    flight_id: StrictInt | None = Field(None, ge=1, le=DB_INT_MAX)


class CharterRead(BaseModel):
    id: int
    flight_date: dt.date
    airport_location_id: str
    destination_country: str
    seats: int
    escort_seats: int
    check_in: dt.datetime
    status: str
    planned_at: dt.datetime | None
    plan: dict[str, Any] | None = Field(
        description="Auswahlbericht: gewählt, nicht gewählt mit Grund, Zubringer."
    )


class JobCreate(Strict):
    """A long operation for the planning workers: the day's first pass or a Restplatzbörse run."""

    kind: Literal["plan_day", "restplatz_run"]
    day: Day
    zab_id: str | None = Field(None, max_length=32, description="plan_day: nur für admin.")
    time_limit_s: StrictFloat = Field(20.0, gt=0, le=600)


class JobRead(BaseModel):
    id: str
    kind: str
    status: str
    attempts: int
    progress: float
    label: str
    message: str | None
    result_ref: str | None = Field(description="plan_day: Planversion; restplatz_run: Lauf.")
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, job: Job) -> JobRead:
        return cls(
            id=job.id,
            kind=job.kind,
            status=str(job.status),
            attempts=job.attempts,
            progress=round(job_progress(job), 2),
            label=job.label,
            message=job.message,
            result_ref=job.result_ref,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )
