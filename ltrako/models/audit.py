"""The audit trail: who touched which record of personal data, when, and with what outcome."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ltrako.models.types import enum_type, stamp_field


class AuditAction(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"


class AuditOutcome(StrEnum):
    OK = "ok"
    DENIED = "denied"


class AuditEvent(SQLModel, table=True):
    """One access. Holds ids and roles only, never the personal data itself."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = stamp_field(index=True)
    actor: str = Field(max_length=80)
    role: str = Field(max_length=16)
    action: AuditAction = Field(sa_type=enum_type(AuditAction, 8))
    outcome: AuditOutcome = Field(sa_type=enum_type(AuditOutcome, 8))
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=40, index=True)
    context: str | None = Field(default=None, max_length=200)
