"""Persistence: SQLModel tables only (``table=True``). Import this package to register them all."""

# The naming convention must be on the metadata before any table is declared.
from ltrako.models.base import metadata  # isort: skip
from ltrako.models.aps import (
    ApsCase,
    CaseStatus,
    Charter,
    CharterStatus,
    RemovalCase,
    RemovalCasePerson,
)
from ltrako.models.audit import AuditAction, AuditEvent, AuditOutcome
from ltrako.models.clearance import (
    DublinTransfer,
    MedicalReception,
    Notification,
    ReceptionStatus,
    TransitRequest,
    TransitStatus,
)
from ltrako.models.fleet import Escort, EscortShift, Gender, Vehicle, VehicleAvailability
from ltrako.models.flights import Flight, FlightKind, FlightLeg
from ltrako.models.operations import IdempotencyKey, Job, JobStatus, LoginAttempt, OidcLogin, RevokedToken
from ltrako.models.planning import (
    OfferStatus,
    PlanVersion,
    RestplatzOffer,
    RestplatzRun,
    RunStatus,
)
from ltrako.models.reference import Abh, AbhKind, Location, PlanningDay, Regierungsbezirk, Zab
from ltrako.models.requests import (
    AmendmentStatus,
    Person,
    RequestAmendment,
    RequestOrigin,
    RequestStatus,
    RequestStatusChange,
    TransportPurpose,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.models.roster import (
    AbsenceKind,
    EscortAbsence,
    RepairStatus,
    ResourceChange,
    TourRepair,
    ZabRefusal,
)
from ltrako.models.tours import Tour, TourEscort, TourStop

__all__ = [
    "Abh",
    "AbhKind",
    "AbsenceKind",
    "AmendmentStatus",
    "ApsCase",
    "AuditAction",
    "AuditEvent",
    "AuditOutcome",
    "CaseStatus",
    "Charter",
    "CharterStatus",
    "DublinTransfer",
    "Escort",
    "EscortAbsence",
    "EscortShift",
    "Flight",
    "FlightKind",
    "FlightLeg",
    "Gender",
    "IdempotencyKey",
    "Job",
    "JobStatus",
    "Location",
    "LoginAttempt",
    "MedicalReception",
    "Notification",
    "OfferStatus",
    "OidcLogin",
    "Person",
    "PlanVersion",
    "PlanningDay",
    "ReceptionStatus",
    "Regierungsbezirk",
    "RemovalCase",
    "RemovalCasePerson",
    "RepairStatus",
    "RequestAmendment",
    "RequestOrigin",
    "RequestStatus",
    "RequestStatusChange",
    "ResourceChange",
    "RestplatzOffer",
    "RestplatzRun",
    "RevokedToken",
    "RunStatus",
    "Tour",
    "TourEscort",
    "TourRepair",
    "TourStop",
    "TransitRequest",
    "TransitStatus",
    "TransportPurpose",
    "TransportRequest",
    "TransportRequestPerson",
    "Vehicle",
    "VehicleAvailability",
    "Zab",
    "ZabRefusal",
    "metadata",
]
