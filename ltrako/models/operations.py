"""Operational tables: the job queue of the planning workers, idempotent submissions, login attempts,
sign-ins under way at the OIDC issuer, revoked tokens.

They hold ids, states and hashes only: no personal data.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ltrako.models.types import UTCDateTime, enum_type, stamp_field


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(SQLModel, table=True):
    """A long operation (planning a day, a Restplatzbörse run) for any worker process.

    A worker claims a queued job, or a running one whose lease ran out (its worker died), and
    renews the lease while it works; so a job survives the process that started or ran it.
    """

    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_status_created_at", "status", "created_at"),)

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=32)
    params: dict[str, Any] = Field(sa_type=sa.JSON)
    owner: str = Field(max_length=80)  # the subject that started it; only it may poll it
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=enum_type(JobStatus, 12))
    attempts: int = 0
    worker: str | None = Field(default=None, max_length=80)
    lease_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = stamp_field()
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    expected_s: float = 10.0
    label: str = Field(default="", max_length=120)
    target: str = Field(default="", max_length=200)  # where a page goes when it is done
    message: str | None = Field(default=None, max_length=400)  # German outcome, no personal data
    result_ref: str | None = Field(default=None, max_length=40)  # e.g. the plan version id


class IdempotencyKey(SQLModel, table=True):
    """A submission's Idempotency-Key: the same key and body again returns the first result."""

    __tablename__ = "idempotency_key"

    subject: str = Field(primary_key=True, max_length=80)
    key: str = Field(primary_key=True, max_length=100)
    operation: str = Field(max_length=60)
    body_sha256: str = Field(max_length=64)
    result_ref: str | None = Field(default=None, max_length=40)  # the created record's id
    created_at: dt.datetime = stamp_field(index=True)


class LoginAttempt(SQLModel, table=True):
    """One login attempt of a client address (rate limiting across all service instances)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=64, index=True)  # a hash of the address, not the address
    at: dt.datetime = stamp_field(index=True)


class OidcLogin(SQLModel, table=True):
    """A sign-in at the OIDC issuer under way: what the callback needs, on any instance.

    Keyed by a hash of the `state` (the state itself travels only through the browser);
    consumed once by the callback and refused after `expires_at`.
    """

    __tablename__ = "oidc_login"

    state_sha256: str = Field(primary_key=True, max_length=64)
    code_verifier: str = Field(max_length=128)  # PKCE, sent only to the token endpoint
    nonce: str = Field(max_length=64)
    redirect_url: str = Field(max_length=400)
    created_at: dt.datetime = stamp_field()
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)


class RevokedToken(SQLModel, table=True):
    """A token signed out before its expiry: refused as cookie and as bearer until it expires."""

    __tablename__ = "revoked_token"

    token_sha256: str = Field(primary_key=True, max_length=64)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)  # then it may be purged
    revoked_at: dt.datetime = stamp_field()
