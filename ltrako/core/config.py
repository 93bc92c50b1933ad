"""Settings from the environment (prefix LTRAKO_; the database also as plain DATABASE_URL)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///ltrako.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LTRAKO_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "LTRAKO_DATABASE_URL"),
    )
    timezone: str = "Europe/Berlin"

    # Local token issuer (demo, development, tests). Without a secret, one is generated and
    # kept in `local_key_file` so that `ltrako token` and `ltrako serve` agree.
    jwt_secret: SecretStr | None = None
    local_key_file: str = ".ltrako-local-issuer.key"
    local_issuer: str = "ltrako-local"
    token_ttl_min: int = 8 * 60

    # Demo sign-in of the pages (pick a role, no password): only when switched on, never in
    # production, and only with the local issuer (`ltrako serve --demo-login` sets it).
    demo_login: bool = False

    # External OIDC issuer (production). When set, the local issuer is switched off. Endpoints
    # not given here are read from the issuer's /.well-known/openid-configuration.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None  # `aud` of the access tokens the API accepts
    oidc_jwks_url: str | None = None
    oidc_role_claim: str = "ltrako_role"
    # The pages' sign-in at the issuer (authorization code flow with PKCE, ltrako.core.oidc):
    # on when a client id is set. The redirect URL is the registered callback
    # (https://<host>/web/oidc/callback); required in production.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None  # unset: a public client (PKCE only)
    oidc_redirect_url: str | None = None
    oidc_post_logout_url: str | None = None  # where the issuer sends the browser after sign-out
    oidc_scopes: str = "openid"
    oidc_authorization_url: str | None = None
    oidc_token_url: str | None = None
    oidc_end_session_url: str | None = None

    # Default travel model of a planning day (spec `travel.model = haversine`).
    travel_circuity: float = 1.3
    travel_speed_kmh: float = 70.0

    # Restplatzbörse: the nightly re-run (local time of `timezone`) for the coming days.
    restplatz_hour: int = Field(default=2, ge=0, le=23)
    restplatz_minute: int = Field(default=0, ge=0, le=59)
    restplatz_days_ahead: int = Field(default=3, ge=1, le=14)
    restplatz_time_limit_s: float = Field(default=60.0, gt=0)
    restplatz_misfire_grace_s: int = Field(default=3 * 3600, ge=1)
    # ZRK: how long before the transport a medical reception must be confirmed. An assumption
    # (no public procedure was found, FACTS.md 4.3); set it to the ZRK's practice.
    medical_reception_lead_days: int = Field(default=14, ge=1, le=90)
    # States that currently refuse transits (ISO alpha-2, e.g. ["NL"]): their stops are flagged.
    transit_refusing_states: list[str] = Field(default_factory=list)
    # Who the federal police airport office calls about a transit request (printed on it).
    zfa_contact: str = Field(
        default="Zentralstelle für Flugabschiebungen (ZFA) NRW bei der ZAB Bielefeld", max_length=300
    )
    scheduler: bool = False  # run the nightly batch in this process (`ltrako serve` turns it on)

    # Deployment: in production, secrets come from the environment only (no key file is
    # written) and the database must be PostgreSQL.
    environment: Literal["development", "production"] = "development"

    # Database connections per process (PostgreSQL). The service works on at most
    # `db_pool_size` requests at once per process, with as many threads (api/admission.py).
    db_pool_size: int = Field(default=10, ge=1, le=100)
    db_max_overflow: int = Field(default=10, ge=0, le=100)  # for workers, the scheduler, day locks

    # Planning jobs (POST /plans, /restplatz/runs, /charters/{id}/plan, /jobs, the pages and the
    # nightly batch) are queued in the database and solved only in worker processes, never in a
    # request: `ltrako serve` starts `worker_processes` `ltrako worker` processes beside the API
    # (0 when separate `ltrako worker` processes on other machines do the planning).
    worker_processes: int = Field(default=1, ge=0, le=8)
    # Workers lower their CPU priority by this much (nice): a solve takes what the API leaves.
    worker_nice: int = Field(default=10, ge=0, le=19)
    # A bounded queue: a new job is refused (429, Retry-After) when this many wait already, or
    # when its owner has `job_owner_limit` jobs queued or running.
    job_queue_limit: int = Field(default=20, ge=1, le=1000)
    job_owner_limit: int = Field(default=3, ge=1, le=100)
    job_lease_s: float = Field(default=30.0, ge=1.0)  # a worker renews it; a dead one's job is re-run
    job_max_attempts: int = Field(default=3, ge=1, le=10)
    job_poll_s: float = Field(default=1.0, gt=0)

    # Reverse proxies whose X-Forwarded-For / -Proto the service believes (comma-separated
    # addresses). None by default: the client address is the connection's, so that nobody can
    # choose the address the sign-in rate limit counts by sending the header.
    trusted_proxies: str = ""

    # Login rate limit per client address over all instances (stored in the database).
    login_rate_limit: int = Field(default=10, ge=1)
    login_rate_window_s: int = Field(default=300, ge=1)

    # Data protection: personal data of closed cases is pseudonymised this many days after the
    # service day (statistics keep their figures).
    retention_days: int = Field(default=365, ge=1)

    @property
    def uses_oidc(self) -> bool:
        return self.oidc_issuer is not None

    @property
    def oidc_sign_in(self) -> bool:
        """The pages sign in at the OIDC issuer."""
        return self.uses_oidc and bool(self.oidc_client_id)

    @property
    def demo_sign_in(self) -> bool:
        """The pages' demo sign-in is on: switched on, not production, local issuer."""
        return self.demo_login and self.environment != "production" and not self.uses_oidc
