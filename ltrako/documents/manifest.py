"""The charter manifest: who flies on a planned Sammelcharter, fetched by whom and when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.clock import clock_of
from ltrako.core.errors import Conflict, NotFound
from ltrako.core.security import Principal
from ltrako.documents.pdf import Sheet, local_time
from ltrako.models import AuditAction, Charter, Person, RemovalCase, RemovalCasePerson
from ltrako.planning.names import read_names


def manifest_pdf(session: Session, principal: Principal, *, charter_id: int, timezone: str) -> bytes:
    """The manifest of a planned charter (ZFA and operations; every case on it read and audited)."""
    policy.require_role(principal, policy.CHARTER_MANIFEST, "Die Passagierliste erhält die ZFA.")
    charter = session.get(Charter, charter_id)
    if charter is None:
        raise NotFound("Charter", str(charter_id))
    if not charter.plan:
        raise Conflict(f"Charter {charter_id} ist noch nicht geplant: erst planen, dann drucken.")
    report = charter.plan
    chosen = report.get("chosen", [])
    case_ids = [int(c["case_id"]) for c in chosen]
    cases = {
        c.id: c for c in session.exec(select(RemovalCase).where(col(RemovalCase.id).in_(case_ids))).all()
    }
    persons: dict[int, list[Person]] = {}
    for case_id, person in session.exec(
        select(RemovalCasePerson.case_id, Person)
        .join(Person, col(Person.id) == col(RemovalCasePerson.person_id))
        .where(col(RemovalCasePerson.case_id).in_(case_ids))
        .order_by(col(Person.id))
    ):
        persons.setdefault(case_id, []).append(person)
    names = read_names(
        session,
        places={charter.airport_location_id, *(c.pickup_location_id for c in cases.values())},
        vehicles={str(c.get("vehicle")) for c in chosen if c.get("vehicle")},
    )
    zone = ZoneInfo(timezone)
    audit.record(
        session,
        principal,
        action=AuditAction.EXPORT,
        entity="charter",
        entity_id=str(charter_id),
        context="manifest",
    )
    for case_id in case_ids:
        audit.record(
            session,
            principal,
            action=AuditAction.READ,
            entity="removal_case",
            entity_id=str(case_id),
            context="manifest",
        )
    sheet = Sheet(
        f"Passagierliste Sammelcharter {charter_id} – {charter.flight_date:%d.%m.%Y}",
        f"Passagierliste Charter {charter_id}, erstellt {local_time(clock_of(session).now(), zone)}"
        " – vertraulich",
    )
    sheet.facts(
        [
            ("Flughafen", names.place(charter.airport_location_id)),
            ("Zielstaat", charter.destination_country),
            ("Check-in", local_time(charter.check_in, zone)),
            (
                "Plätze",
                f"{report.get('seats_used', 0)} von {charter.seats} für Rückzuführende, "
                f"{report.get('escort_seats_used', 0)} von {charter.escort_seats} für Begleitkräfte",
            ),
            ("Geplant", local_time(charter.planned_at, zone)),
        ]
    )
    sheet.heading(f"An Bord ({len(chosen)} Fälle)")
    body = []
    for number, row in enumerate(chosen, start=1):
        case = cases.get(int(row["case_id"]))
        refs = ", ".join(f"{p.case_ref} ({p.nationality})" for p in persons.get(int(row["case_id"]), []))
        pickup = names.place(case.pickup_location_id) if case else ""
        ride = f"{names.zab(row.get('carrier_zab_id'))}, {names.vehicle(str(row.get('vehicle', '')))}"
        times = (
            f"ab {local_time(_at(row.get('pickup_at')), zone, date=False)}\n"
            f"an {local_time(_at(row.get('arrival_at')), zone, date=False)}"
        )
        authority = names.abh(row.get("abh_id")) or names.zab(row.get("zab_id"))
        body.append([str(number), f"Fall {row['case_id']}\n{refs}", authority, pickup, ride, times])
    sheet.rows(
        ["Nr.", "Fall, Personen", "Behörde", "Abholort", "Zubringer", "Zeiten"], body, (8, 42, 34, 38, 34, 24)
    )
    others = report.get("not_chosen", [])
    if others:
        sheet.heading(f"Nicht an Bord ({len(others)} Fälle)")
        sheet.rows(
            ["Fall", "Behörde", "Grund"],
            [
                [
                    str(o["case_id"]),
                    names.abh(o.get("abh_id")) or names.zab(o.get("zab_id")),
                    str(o.get("reason_label", "")),
                ]
                for o in others
            ],
            (20, 60, 100),
        )
    return sheet.render()


def _at(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(text)) if text else None
