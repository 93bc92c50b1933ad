"""Reference data in the database: every ABH maps to exactly one ZAB."""

from __future__ import annotations

from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import Abh, Location, Vehicle, Zab
from ltrako.requests.reference import list_abhs, list_zabs, responsible_zab
from ltrako.requests.seed import load_reference


def test_five_zabs_and_every_abh_has_exactly_one_zab(runtime: Runtime) -> None:
    """5 ZABs; each of the 81 ABHs has exactly one ZAB, that of its Regierungsbezirk."""
    with transaction(runtime.sessions) as session:
        zabs = list_zabs(session)
        assert [z.id for z in zabs] == ["ZAB-BI", "ZAB-COE", "ZAB-E", "ZAB-K", "ZAB-UN"]
        abhs = list_abhs(session)
        assert len(abhs) == 81
        for abh in abhs:
            matching = [z for z in zabs if z.regierungsbezirk_id == abh.regierungsbezirk_id]
            assert len(matching) == 1, abh.id
            assert responsible_zab(session, abh.id).id == matching[0].id
        assert responsible_zab(session, "ABH-05978-LUE").id == "ZAB-UN"  # Lünen, Kreis Unna
        assert responsible_zab(session, "ABH-05711").id == "ZAB-BI"  # Bielefeld
        assert sum(len(list_abhs(session, zab_id=z.id)) for z in zabs) == 81


def test_loading_reference_data_twice_changes_nothing(runtime: Runtime) -> None:
    """Seeding is idempotent: a second load neither duplicates nor fails."""
    with transaction(runtime.sessions) as session:
        before = [len(session.exec(select(t)).all()) for t in (Zab, Abh, Location, Vehicle)]
        load_reference(session)
    with transaction(runtime.sessions) as session:
        assert [len(session.exec(select(t)).all()) for t in (Zab, Abh, Location, Vehicle)] == before
