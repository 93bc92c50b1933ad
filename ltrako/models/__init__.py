"""Persistence: SQLModel tables only (``table=True``). Import this package to register them all."""

from ltrako.models.audit import AuditAction, AuditEvent, AuditOutcome
from ltrako.models.base import metadata
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
from ltrako.models.planning import (
    OfferStatus,
    PlanVersion,
    RestplatzOffer,
    RestplatzRun,
    RunStatus,
)
from ltrako.models.reference import Abh, AbhKind, Location, PlanningDay, Regierungsbezirk, Zab
from ltrako.models.requests import (
    Person,
    RequestOrigin,
    RequestStatus,
    RequestStatusChange,
    TransportPurpose,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.models.tours import Tour, TourEscort, TourStop

__all__ = [
    "Abh",
    "AbhKind",
    "AuditAction",
    "AuditEvent",
    "AuditOutcome",
    "DublinTransfer",
    "Escort",
    "EscortShift",
    "Flight",
    "FlightKind",
    "FlightLeg",
    "Gender",
    "Location",
    "MedicalReception",
    "Notification",
    "OfferStatus",
    "Person",
    "PlanVersion",
    "PlanningDay",
    "ReceptionStatus",
    "Regierungsbezirk",
    "RequestOrigin",
    "RequestStatus",
    "RequestStatusChange",
    "RestplatzOffer",
    "RestplatzRun",
    "RunStatus",
    "Tour",
    "TourEscort",
    "TourStop",
    "TransitRequest",
    "TransitStatus",
    "TransportPurpose",
    "TransportRequest",
    "TransportRequestPerson",
    "Vehicle",
    "VehicleAvailability",
    "Zab",
    "metadata",
]
