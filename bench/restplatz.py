"""Restplatzbörse benchmark: how many first-pass rejections another ZAB takes over, at what cost.

A demo NRW day is loaded into a fresh SQLite database; the escorts of the `--tight` ZABs are
cut to a share of their roster (more requests than they can carry), the other ZABs keep the
demo staffing times `--fleet` (spare capacity). Then the daily loop runs as dispatchers would: each ZAB plans
its day (first pass), accepts every proposed tour and confirms the planner's rejections. The
day is copied, and on each copy one Restplatzbörse run re-plans the pool: once as one plan
across all ZABs, each request offered to one ZAB only (one_zab), once as the open board, every
ZAB planning the whole pool on its own resources within the same total time (open). The
dispatchers then take offers, the cheapest per request first; the first take wins. Up to
`--runs` runs a day (the board refreshed after the takes), until a run places nothing.

Reported per day: first-pass rejections, offers, requests placed (share), added kilometres per
placed request, the run's wall time, and the proof that nothing committed was broken: the
committed tours before the run, stop order and crew, against those after every take-over,
and the independent validator on the final committed plan of the whole day.

    python -m bench.restplatz                          # 150 requests, seeds 1 2 3, Essen and Köln tight
    python -m bench.restplatz --sizes 300 --seeds 1 --tight ZAB-E --share 0.3
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from ltrako.core.config import Settings
from ltrako.core.db import transaction, upgrade
from ltrako.core.errors import Conflict
from ltrako.core.runtime import open_runtime
from ltrako.core.security import Principal, Role
from ltrako.models import (
    Escort,
    EscortShift,
    Flight,
    OfferStatus,
    RequestStatus,
    RestplatzOffer,
    TransportRequest,
    Zab,
)
from ltrako.planning import dayplan, restplatz
from ltrako.planning.demo import load_demo_day
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tours import committed_plan, committed_tours
from planner.params import SolveParams
from planner.validate import validate
from zfa import medical, workflow

DAY = dt.date(2026, 11, 24)
ADMIN = Principal("bench", Role.ADMIN)
TZ = "Europe/Berlin"


@dataclass(frozen=True)
class Row:
    size: int
    seed: int
    requests: int
    rejected_first_pass: int
    offers_one_zab: int
    placed_one_zab_first_run: int
    placed_one_zab: int  # after all runs
    offers_open: int
    zabs_per_offered_request_open: float  # how many ZABs offer a request that has an offer
    placed_open_first_run: int
    placed_open: int
    placed_share_open: float
    added_km_per_placed_open: float
    run_s_one_zab: float
    run_s_open: float
    committed_tours_before: int
    escorts_spare: str  # escorts on duty but on no committed tour after the first pass / on duty
    broken_commitments: int
    violations: int
    unplaced_reasons_open: str


@dataclass(frozen=True)
class Outcome:
    offers: int
    zabs_per_request: float
    placed_first_run: int
    placed: int
    added_km: float
    run_s: float
    broken: int
    violations: int
    reasons: str


def one_day(
    size: int,
    seed: int,
    tight: list[str],
    share: float,
    first_s: float,
    pool_s: float,
    fleet: float,
    runs: int = 2,
) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        runtime = open_runtime(Settings(database_url=f"sqlite:///{path}", timezone=TZ))
        upgrade(runtime.engine)
        with transaction(runtime.sessions) as session:
            summary = load_demo_day(
                session,
                day=DAY,
                requests=size,
                travel=runtime.travel,
                timezone=TZ,
                actor=ADMIN,
                seed=seed,
                fleet_scale=max(1.0, size / 40) * fleet,  # as bench.nrw_day: demo staffing per request
            )
            _cut_roster(session, tight, share, seed)
            clear_all(session)
            zabs = sorted(session.exec(select(Zab.id)).all())
        requests = len(summary.day.scenario.requests)
        for zab in zabs:
            version = dayplan.plan_day(
                runtime, ADMIN, day=DAY, zab_id=zab, params=SolveParams(time_limit_s=first_s)
            )
            assert version.id is not None
            with transaction(runtime.sessions) as session:
                for index in range(len(version.plan["tours"])):
                    dayplan.accept_tour(session, ADMIN, version_id=version.id, tour_index=index, timezone=TZ)
                dayplan.reject_unassigned(session, ADMIN, version_id=version.id, timezone=TZ)
        with transaction(runtime.sessions) as session:
            first = committed_tours(session, DAY)
            before = {key: c.order for key, c in first.items()}
            on_duty = len(session.exec(select(EscortShift).where(EscortShift.day == DAY)).all())
            busy = len({e for c in first.values() for e in c.escorts})
            rejected = len(
                session.exec(
                    select(TransportRequest).where(TransportRequest.status == RequestStatus.IN_POOL)
                ).all()
            )
        runtime.engine.dispose()
        outcomes = {}
        for mode in ("one_zab", "open"):  # the same first-pass day, copied, for each mode
            copy = Path(tmp) / f"{mode}.db"
            shutil.copyfile(path, copy)
            outcomes[mode] = _pool(copy, before, open_board=mode == "open", pool_s=pool_s, runs=runs)
    one, board = outcomes["one_zab"], outcomes["open"]
    return Row(
        size,
        seed,
        requests,
        rejected,
        one.offers,
        one.placed_first_run,
        one.placed,
        board.offers,
        board.zabs_per_request,
        board.placed_first_run,
        board.placed,
        round(board.placed / rejected, 3) if rejected else 0.0,
        round(board.added_km / board.placed, 1) if board.placed else 0.0,
        one.run_s,
        board.run_s,
        len(before),
        f"{on_duty - busy}/{on_duty}",
        one.broken + board.broken,
        one.violations + board.violations,
        board.reasons,
    )


def _pool(path: Path, before: dict, *, open_board: bool, pool_s: float, runs: int) -> Outcome:  # type: ignore[type-arg]
    """Restplatzbörse runs, each followed by the dispatchers taking offers: the cheapest per
    request first (added km per carried request), the first take wins and the others' offers
    then conflict. Up to `runs` runs (the board refreshed), until a run places nothing."""
    runtime = open_runtime(Settings(database_url=f"sqlite:///{path}", timezone=TZ))
    placed, added_km, run_s, first_run, first_offers, breadth = 0, 0.0, 0.0, 0, 0, 0.0
    for number in range(runs):
        began = time.perf_counter()
        run = restplatz.run_pool(
            runtime, DAY, actor=ADMIN, params=SolveParams(time_limit_s=pool_s), open_board=open_board
        )
        run_s += time.perf_counter() - began
        assert run is not None
        with transaction(runtime.sessions) as session:
            offers = session.exec(
                select(RestplatzOffer)
                .where(RestplatzOffer.day == DAY, RestplatzOffer.status == OfferStatus.OPEN)
                .order_by(col(RestplatzOffer.id))
            ).all()
        if number == 0:
            offering: dict[str, set[str]] = {}
            for offer in offers:
                for request_id in offer.request_ids:
                    offering.setdefault(request_id, set()).add(offer.zab_id)
            breadth = round(sum(len(z) for z in offering.values()) / len(offering), 2) if offering else 0.0
            first_offers = len(offers)
        got = 0
        for offer in sorted(offers, key=lambda o: (o.added_km / max(1, len(o.request_ids)), o.id or 0)):
            try:
                with transaction(runtime.sessions) as session:
                    restplatz.take_over(session, ADMIN, offer_id=offer.id or 0, timezone=TZ)
                got += len(offer.request_ids)
                added_km += offer.added_km
            except Conflict:
                pass
        placed += got
        first_run = first_run if number else got
        if not got:
            break
    with transaction(runtime.sessions) as session:
        after = committed_tours(session, DAY)
        broken = sum(1 for key, order in before.items() if not _kept(after.get(key), order))
        scenario = export_scenario(
            session, day=DAY, timezone=TZ, travel=runtime.travel, cross_zab=True, statuses=()
        )
        violations = len(validate(scenario, committed_plan(session, DAY, TZ)))
        left = session.exec(
            select(TransportRequest).where(TransportRequest.status == RequestStatus.IN_POOL)
        ).all()
        reasons = Counter(r.pool_reason or "offer not taken" for r in left)
        taken = session.exec(select(RestplatzOffer).where(RestplatzOffer.status == OfferStatus.TAKEN)).all()
        assert sum(len(o.request_ids) for o in taken) == placed
    runtime.engine.dispose()
    return Outcome(
        first_offers,
        breadth,
        first_run,
        placed,
        added_km,
        round(run_s, 1),
        broken,
        violations,
        " ".join(f"{k}:{v}" for k, v in sorted(reasons.items())),
    )


def _cut_roster(session, tight: list[str], share: float, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Keep `share` of the day's shifts of the tight ZABs' escorts (a fixed random subset)."""
    rng = random.Random(seed)
    shifts = session.exec(
        select(EscortShift)
        .join(Escort, col(Escort.id) == col(EscortShift.escort_id))
        .where(EscortShift.day == DAY, col(Escort.zab_id).in_(tight))
        .order_by(col(EscortShift.id))
    ).all()
    for shift in shifts:
        if rng.random() > share:
            session.delete(shift)


def clear_all(session) -> None:  # type: ignore[no-untyped-def]
    """ZFA and ZRK have done their work: every transit approved, every medical reception confirmed.

    The benchmark is about the Restplatzbörse; clearances would otherwise hold transports
    (ltrako.planning.clearance) and shrink the first pass for reasons outside this measurement.
    """
    zfa, zrk = Principal("bench-zfa", Role.ZFA), Principal("bench-zrk", Role.ZRK)
    for flight_id in session.exec(select(Flight.id)).all():
        for transit in workflow.detect(session, zfa, flight_id=flight_id):
            workflow.submit(session, zfa, transit_id=transit.id or 0)
            workflow.decide(session, zfa, transit_id=transit.id or 0, approved=True)
    for case in medical.queue(session, zrk, lead_days=14):
        medical.request_reception(session, zrk, case_id=case.id or 0)
        medical.decide(session, zrk, case_id=case.id or 0, confirmed=True)


def _kept(tour, order) -> bool:  # type: ignore[no-untyped-def]
    """The committed tour (same vehicle and crew: its key) is still there, its stops in the same order."""
    if tour is None:
        return False
    wanted = set(order)
    return bool(tuple(s for s in tour.order if s in wanted) == order)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[150])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--tight", nargs="+", default=["ZAB-E", "ZAB-K"])
    parser.add_argument("--share", type=float, default=0.3, help="share of the tight ZABs' shifts kept")
    parser.add_argument(
        "--fleet", type=float, default=1.0, help="demo staffing per request × this (1.0 = demo, 1.5 = ample)"
    )
    parser.add_argument("--first-pass-s", type=float, default=10.0)
    parser.add_argument("--pool-s", type=float, default=30.0)
    parser.add_argument(
        "--runs", type=int, default=2, help="Restplatzbörse runs per day (the board refreshed)"
    )
    args = parser.parse_args()
    header = list(Row.__dataclass_fields__)
    print(" | ".join(header))
    rows = []
    for size in args.sizes:
        for seed in args.seeds:
            row = one_day(
                size, seed, args.tight, args.share, args.first_pass_s, args.pool_s, args.fleet, args.runs
            )
            rows.append(row)
            print(" | ".join(str(getattr(row, h)) for h in header), flush=True)
    rejected = sum(r.rejected_first_pass for r in rows)
    placed = sum(r.placed_open for r in rows)
    single = sum(r.placed_one_zab for r in rows)
    first_open = sum(r.placed_open_first_run for r in rows)
    first_single = sum(r.placed_one_zab_first_run for r in rows)
    print(
        f"\nafter the first run: open board {first_open}/{rejected}, one-ZAB offers {first_single}/{rejected}"
    )
    print(
        f"\ntotal: {placed}/{rejected} first-pass rejections placed with the open board "
        f"({placed / max(1, rejected):.1%}), {single}/{rejected} with one-ZAB offers "
        f"({single / max(1, rejected):.1%}); "
        f"broken commitments {sum(r.broken_commitments for r in rows)}, "
        f"violations {sum(r.violations for r in rows)}"
    )
    if any(r.broken_commitments or r.violations for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
