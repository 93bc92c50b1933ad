"""In production, secrets come from the environment only and the database must be PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.main import create_app
from ltrako.core.clock import SystemClock
from ltrako.core.config import DEFAULT_DATABASE_URL, Settings
from ltrako.core.db import make_engine
from ltrako.core.runtime import runtime_on
from ltrako.core.security import (
    ConfigurationError,
    TokenError,
    build_verifier,
    check_production,
    local_secret,
)

PG = "postgresql://ltrako@db.example/ltrako"
SECRET = "x" * 32


def _production(tmp_path: Path, **values: object) -> Settings:
    fields: dict[str, object] = {
        "environment": "production",
        "database_url": PG,
        "jwt_secret": SECRET,
        "local_key_file": str(tmp_path / "issuer.key"),
        "oidc_issuer": None,
    }
    fields.update(values)
    return Settings(**fields)  # type: ignore[arg-type]


def test_production_with_secret_and_postgres_is_accepted(tmp_path: Path) -> None:
    check_production(_production(tmp_path))
    check_production(
        _production(tmp_path, jwt_secret=None, oidc_issuer="https://id.example", oidc_audience="ltrako")
    )  # the endpoints and the JWKS come from the issuer's discovery document
    check_production(
        _production(
            tmp_path,
            jwt_secret=None,
            oidc_issuer="https://id.example",
            oidc_audience="ltrako",
            oidc_client_id="ltrako-web",
            oidc_redirect_url="https://ltrako.example/web/oidc/callback",
        )
    )


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"jwt_secret": None}, "LTRAKO_JWT_SECRET"),
        ({"jwt_secret": ""}, "LTRAKO_JWT_SECRET"),
        ({"jwt_secret": "too-short"}, "LTRAKO_JWT_SECRET"),
        ({"database_url": DEFAULT_DATABASE_URL}, "DATABASE_URL"),
        ({"database_url": "sqlite:////srv/ltrako.db"}, "DATABASE_URL"),
        ({"jwt_secret": None, "oidc_issuer": "https://id.example"}, "LTRAKO_OIDC_AUDIENCE"),
        (
            {"oidc_issuer": "https://id.example", "oidc_audience": "ltrako", "oidc_client_id": "web"},
            "LTRAKO_OIDC_REDIRECT_URL",
        ),
        ({"demo_login": True}, "LTRAKO_DEMO_LOGIN"),
    ],
)
def test_production_refuses_to_start_naming_the_variable(
    tmp_path: Path, values: dict[str, object], variable: str
) -> None:
    """Each missing or unfit setting is named in a German message."""
    with pytest.raises(ConfigurationError, match=variable) as refused:
        check_production(_production(tmp_path, **values))
    assert "Produktion" in str(refused.value)


def test_development_is_not_checked(tmp_path: Path) -> None:
    check_production(Settings(database_url=DEFAULT_DATABASE_URL, jwt_secret=None, oidc_issuer=None))


def test_production_never_writes_or_reads_the_key_file(tmp_path: Path) -> None:
    """Without LTRAKO_JWT_SECRET the local issuer refuses: no key file is created, an existing one ignored."""
    settings = _production(tmp_path, jwt_secret=None)
    with pytest.raises(TokenError, match="LTRAKO_JWT_SECRET"):
        local_secret(settings)
    assert not Path(settings.local_key_file).exists()
    Path(settings.local_key_file).write_text("a-key-file-someone-left-behind-0123456789")
    with pytest.raises(TokenError, match="LTRAKO_JWT_SECRET"):
        build_verifier(settings, SystemClock())
    assert local_secret(_production(tmp_path)) == SECRET.encode()


def test_development_still_uses_the_key_file(tmp_path: Path) -> None:
    settings = Settings(jwt_secret=None, oidc_issuer=None, local_key_file=str(tmp_path / "dev.key"))
    assert local_secret(settings) == local_secret(settings) and (tmp_path / "dev.key").exists()


def test_create_app_refuses_a_production_service_on_sqlite(tmp_path: Path) -> None:
    """The service does not start: the check runs before the verifier or any route exists."""
    settings = _production(tmp_path, database_url=f"sqlite:///{tmp_path / 'prod.db'}")
    engine = make_engine(settings.database_url)
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app(runtime=runtime_on(engine, settings, SystemClock()))
    engine.dispose()
    assert not (tmp_path / "prod.db").exists() and not (tmp_path / "issuer.key").exists()
