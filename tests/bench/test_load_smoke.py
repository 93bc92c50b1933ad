"""The load smoke (`python -m bench.load --smoke`) against PostgreSQL: no 5xx, nothing lost or doubled.

It needs a PostgreSQL server (LTRAKO_TEST_POSTGRES_URL, as tests/conftest.py) where it may
create and drop a database; without one it is skipped, unless LTRAKO_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bench.load import admin_engine
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES

ROOT = Path(__file__).resolve().parents[2]


def _reachable() -> bool:
    engine = admin_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_load_smoke_keeps_every_record(tmp_path: Path) -> None:
    if not _reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but not reachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    out = tmp_path / "load.csv"
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", "--smoke", "--postgres-url", POSTGRES_URL, "--csv", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "lost: 0, duplicated: 0" in done.stdout
    assert out.read_text().startswith("workers,clients,kind,count")
