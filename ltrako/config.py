"""Settings from the environment (prefix LTRAKO_; the database also as plain DATABASE_URL)."""

from __future__ import annotations

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

    # External OIDC issuer (production). When set, the local issuer is switched off.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_role_claim: str = "ltrako_role"

    # Default travel model of a planning day (spec `travel.model = haversine`).
    travel_circuity: float = 1.3
    travel_speed_kmh: float = 70.0

    @property
    def uses_oidc(self) -> bool:
        return self.oidc_issuer is not None
