"""APS at scale: statistics, exports and the parliamentary table over a large synthetic history.

`python -m bench.aps --requests 100000` fills a fresh database (SQLite file by default,
`--database-url` for PostgreSQL) with a year of requests (one to three persons, status
histories, transits, Dublin transfers) and times, in the same run:

- baseline: one SQL `COUNT(*) … GROUP BY zab_id` over the year (the floor of any aggregate);
- statistics of the year by nationality (all metrics), by month, and the CSV/XLSX/HTML exports;
- the parliamentary table of a half-year from the stored data.

Each line prints seconds and the ratio to the baseline. Exits 1 if a total is not the number
of requests written (the counts must hold at any size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from ltrako.aps import exports, statistics, tables
from ltrako.core.clock import FixedClock
from ltrako.core.db import make_engine, session_factory, transaction, upgrade
from ltrako.core.security import Principal, Role
from ltrako.models import (
    DublinTransfer,
    Person,
    RequestStatus,
    RequestStatusChange,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.requests.seed import load_reference

S = RequestStatus
YEAR = 2025
ZABS = {
    "ZAB-E": "ABH-05113",
    "ZAB-K": "ABH-05315",
    "ZAB-BI": "ABH-05711",
    "ZAB-COE": "ABH-05515",
    "ZAB-UN": "ABH-05913",
}
NATIONALITIES = ("ALB", "AFG", "SRB", "MKD", "GEO", "TUR", "IRQ", "SYR", "XXX", "XKX", "NGA", "MAR")
PATHS: tuple[tuple[tuple[RequestStatus, str | None], ...], ...] = (
    ((S.PLANNED, None), (S.ACCEPTED, None), (S.COMPLETED, "returned")),
    ((S.ACCEPTED, None), (S.COMPLETED, "not_returned")),
    ((S.REJECTED, "no_capacity"), (S.IN_POOL, None), (S.TAKEN_OVER, None), (S.COMPLETED, "returned")),
    ((S.REJECTED, "no_staff"), (S.IN_POOL, None), (S.SELF_TRANSPORT, "no_staff")),
    ((S.ACCEPTED, None), (S.CANCELLED, "absconded")),
    (),
)
MINISTRY = Principal("bench", Role.MINISTRY)
CLOCK = FixedClock.at_local(dt.date(YEAR + 1, 1, 15))  # the figures as of after the year


def fill(url: str, requests: int, seed: int) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine, CLOCK)) as session:
        load_reference(session)
    at = dt.datetime(YEAR, 1, 1, 6, tzinfo=dt.UTC)
    rows: dict[str, list[dict[str, Any]]] = {"req": [], "person": [], "link": [], "history": [], "dublin": []}
    person_id = 0
    for n in range(requests):
        rid = f"B{n:07d}"
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
        zab = rng.choice(list(ZABS))
        path = rng.choice(PATHS)
        final, reason = path[-1] if path else (S.SUBMITTED, None)
        start = dt.datetime.combine(day, dt.time(6), dt.UTC)
        rows["req"].append(
            dict(
                id=rid,
                origin="municipal",
                abh_id=ZABS[zab],
                zab_id=zab,
                purpose="flight",
                service_date=day,
                persons=1,
                escorts_required=2,
                requires_female_escort=False,
                requires_medical_escort=False,
                wheelchair=False,
                priority=3,
                pickup_location_id=ZABS[zab],
                pickup_earliest=start,
                pickup_latest=start,
                pickup_service_min=20,
                dropoff_location_id="AP-DUS",
                dropoff_earliest=start,
                dropoff_latest=start,
                dropoff_service_min=30,
                status=final.value,
                status_reason=reason,
                created_at=at,
                created_by="bench",
            )
        )
        nationality = rng.choice(NATIONALITIES)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            person_id += 1
            rows["person"].append(
                dict(
                    id=person_id,
                    case_ref=f"P{person_id}",
                    owner_id=ZABS[zab],
                    abh_id=ZABS[zab],
                    nationality=nationality,
                    gender="m",
                    requires_female_escort=False,
                    requires_medical_escort=False,
                    wheelchair=False,
                    requires_medical_reception=False,
                    created_at=at,
                )
            )
            rows["link"].append(dict(request_id=rid, person_id=person_id))
        previous = None
        for status, code in ((S.SUBMITTED, None), *path):
            rows["history"].append(
                dict(
                    request_id=rid,
                    from_status=previous,
                    to_status=status.value,
                    at=at,
                    actor="bench",
                    reason_code=code,
                )
            )
            previous = status.value
        if n % 10 == 0:
            rows["dublin"].append(
                dict(
                    request_id=rid,
                    facility_location_id="FAC-EAE-K",
                    basis="dublin_iii",
                    application_registered=day - dt.timedelta(days=200),
                    accepted_on=day - dt.timedelta(days=150),
                    extension="none",
                    created_at=at,
                    created_by="bench",
                )
            )
    with engine.begin() as connection:
        for table, key in (
            (TransportRequest, "req"),
            (Person, "person"),
            (TransportRequestPerson, "link"),
            (RequestStatusChange, "history"),
            (DublinTransfer, "dublin"),
        ):
            for i in range(0, len(rows[key]), 20000):
                connection.execute(insert(table), rows[key][i : i + 20000])
    engine.dispose()


def timed(label: str, action: Callable[[], Any], baseline: float | None = None) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    ratio = f"{seconds / baseline:8.1f}×" if baseline else "   1.0× (baseline)"
    print(f"{label:<52} {seconds:8.3f} s {ratio}")
    return seconds, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: a temp SQLite file)"
    )
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'aps-bench.db'}"
    started = time.perf_counter()
    fill(url, args.requests, args.seed)
    print(f"filled {args.requests} requests in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
    engine = make_engine(url)
    with session_factory(engine, CLOCK)() as session:

        def raw() -> list[Any]:
            query = select(TransportRequest.zab_id, func.count()).group_by(TransportRequest.zab_id)  # type: ignore[call-overload]
            return list(session.execute(query))

        base, counts = timed("baseline: COUNT(*) GROUP BY zab_id", raw)
        ok = sum(n for _, n in counts) == args.requests
        _, by_nat = timed(
            "statistics 2025 by nationality (16 metrics)",
            lambda: statistics.compute(
                session, MINISTRY, period=str(YEAR), breakdown="nationality", as_of=CLOCK.today()
            ),
            base,
        )
        ok &= by_nat.total.counts["requested"] == args.requests
        timed(
            "statistics 2025 by month",
            lambda: statistics.compute(
                session, MINISTRY, period=str(YEAR), breakdown="month", as_of=CLOCK.today()
            ),
            base,
        )
        for fmt in ("csv", "xlsx", "html"):

            def export(fmt: exports.ExportFormat = fmt) -> bytes:
                parts = exports.statistics_export(
                    session, MINISTRY, period=str(YEAR), breakdown="zab", fmt=fmt
                )
                return b"".join(parts)

            timed(f"export 2025 by ZAB as {fmt}" + (" (with charts)" if fmt != "csv" else ""), export, base)
        _, table = timed(
            "parliamentary table 2025-H1 from stored data",
            lambda: tables.table_from_store(session, MINISTRY, f"{YEAR}-H1"),
            base,
        )
        print(f"table rows: {len(table)}, begleitet {sum(r.begleitet for r in table)}")
    engine.dispose()
    print("counts hold" if ok else "COUNTS WRONG")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
