"""Initial schema: reference data, fleet and roster, requests and persons, flights, tours, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "read",
                "create",
                "update",
                "delete",
                "export",
                name=op.f("ck_audit_event_action"),
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "ok",
                "denied",
                name=op.f("ck_audit_event_outcome"),
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("context", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "flight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "scheduled",
                "charter",
                name=op.f("ck_flight_kind"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("booking_ref", sa.String(length=40), nullable=True),
        sa.Column("destination_country", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flight")),
    )
    op.create_table(
        "planning_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("travel", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_planning_day")),
    )
    op.create_table(
        "regierungsbezirk",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("ags", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regierungsbezirk")),
        sa.UniqueConstraint("ags", name=op.f("uq_regierungsbezirk_ags")),
    )
    op.create_table(
        "flight_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flight_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("flight_number", sa.String(length=12), nullable=False),
        sa.Column("origin_iata", sa.String(length=3), nullable=False),
        sa.Column("destination_iata", sa.String(length=3), nullable=False),
        sa.Column("departure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["flight_id"], ["flight.id"], name=op.f("fk_flight_leg_flight_id_flight")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flight_leg")),
        sa.UniqueConstraint("flight_id", "seq", name=op.f("uq_flight_leg_flight_id_seq")),
    )
    with op.batch_alter_table("flight_leg", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flight_leg_flight_id"), ["flight_id"], unique=False)

    op.create_table(
        "location",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "zab",
                "abh",
                "facility",
                "airport",
                "border",
                "embassy",
                "court",
                "other",
                name=op.f("ck_location_kind"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("regierungsbezirk_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["regierungsbezirk_id"],
            ["regierungsbezirk.id"],
            name=op.f("fk_location_regierungsbezirk_id_regierungsbezirk"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_kind"), ["kind"], unique=False)

    op.create_table(
        "abh",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "kreisfreie_stadt",
                "kreis",
                "kreisangehoerige_stadt",
                name=op.f("ck_abh_kind"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ags", sa.String(length=5), nullable=True),
        sa.Column("regierungsbezirk_id", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_abh_location_id_location")),
        sa.ForeignKeyConstraint(
            ["regierungsbezirk_id"],
            ["regierungsbezirk.id"],
            name=op.f("fk_abh_regierungsbezirk_id_regierungsbezirk"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_abh")),
        sa.UniqueConstraint("ags", name=op.f("uq_abh_ags")),
    )
    with op.batch_alter_table("abh", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_abh_regierungsbezirk_id"), ["regierungsbezirk_id"], unique=False)

    op.create_table(
        "zab",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("regierungsbezirk_id", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_zab_location_id_location")),
        sa.ForeignKeyConstraint(
            ["regierungsbezirk_id"],
            ["regierungsbezirk.id"],
            name=op.f("fk_zab_regierungsbezirk_id_regierungsbezirk"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zab")),
        sa.UniqueConstraint("regierungsbezirk_id", name=op.f("uq_zab_regierungsbezirk_id")),
    )
    op.create_table(
        "escort",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("zab_id", sa.String(length=32), nullable=False),
        sa.Column(
            "gender",
            sa.Enum("f", "m", "d", name=op.f("ck_escort_gender"), native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["zab_id"], ["zab.id"], name=op.f("fk_escort_zab_id_zab")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escort")),
    )
    with op.batch_alter_table("escort", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escort_zab_id"), ["zab_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(length=40), nullable=False),
        sa.Column("abh_id", sa.String(length=32), nullable=True),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column(
            "gender",
            sa.Enum("f", "m", "d", name=op.f("ck_person_gender"), native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("requires_female_escort", sa.Boolean(), nullable=False),
        sa.Column("requires_medical_escort", sa.Boolean(), nullable=False),
        sa.Column("wheelchair", sa.Boolean(), nullable=False),
        sa.Column("requires_medical_reception", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["abh_id"], ["abh.id"], name=op.f("fk_person_abh_id_abh")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("abh_id", "case_ref", name=op.f("uq_person_abh_id_case_ref")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_abh_id"), ["abh_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_case_ref"), ["case_ref"], unique=False)

    op.create_table(
        "transport_request",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "municipal",
                "state_facility",
                name=op.f("ck_transport_request_origin"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("abh_id", sa.String(length=32), nullable=True),
        sa.Column("zab_id", sa.String(length=32), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "flight",
                "dublin_handover",
                "consulate",
                "court",
                "detention",
                "other",
                name=op.f("ck_transport_request_purpose"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("escorts_required", sa.Integer(), nullable=False),
        sa.Column("requires_female_escort", sa.Boolean(), nullable=False),
        sa.Column("requires_medical_escort", sa.Boolean(), nullable=False),
        sa.Column("wheelchair", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("max_ride_min", sa.Integer(), nullable=True),
        sa.Column("pickup_location_id", sa.String(length=32), nullable=False),
        sa.Column("pickup_earliest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pickup_latest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pickup_service_min", sa.Integer(), nullable=False),
        sa.Column("dropoff_location_id", sa.String(length=32), nullable=False),
        sa.Column("dropoff_earliest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dropoff_latest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dropoff_service_min", sa.Integer(), nullable=False),
        sa.Column("flight_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "planned",
                "accepted",
                "rejected",
                "in_pool",
                "taken_over",
                "completed",
                "cancelled",
                "self_transport",
                name=op.f("ck_transport_request_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["abh_id"], ["abh.id"], name=op.f("fk_transport_request_abh_id_abh")),
        sa.ForeignKeyConstraint(
            ["dropoff_location_id"],
            ["location.id"],
            name=op.f("fk_transport_request_dropoff_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["flight_id"], ["flight.id"], name=op.f("fk_transport_request_flight_id_flight")
        ),
        sa.ForeignKeyConstraint(
            ["pickup_location_id"],
            ["location.id"],
            name=op.f("fk_transport_request_pickup_location_id_location"),
        ),
        sa.ForeignKeyConstraint(["zab_id"], ["zab.id"], name=op.f("fk_transport_request_zab_id_zab")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transport_request")),
    )
    with op.batch_alter_table("transport_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transport_request_abh_id"), ["abh_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_request_service_date"), ["service_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_request_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_request_zab_id"), ["zab_id"], unique=False)

    op.create_table(
        "vehicle",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("zab_id", sa.String(length=32), nullable=False),
        sa.Column("depot_location_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("wheelchair", sa.Boolean(), nullable=False),
        sa.Column("daily_from", sa.Time(), nullable=False),
        sa.Column("daily_until", sa.Time(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depot_location_id"], ["location.id"], name=op.f("fk_vehicle_depot_location_id_location")
        ),
        sa.ForeignKeyConstraint(["zab_id"], ["zab.id"], name=op.f("fk_vehicle_zab_id_zab")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle")),
    )
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicle_zab_id"), ["zab_id"], unique=False)

    op.create_table(
        "escort_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escort_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["escort_id"], ["escort.id"], name=op.f("fk_escort_shift_escort_id_escort")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escort_shift")),
        sa.UniqueConstraint("escort_id", "day", name=op.f("uq_escort_shift_escort_id_day")),
    )
    with op.batch_alter_table("escort_shift", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escort_shift_day"), ["day"], unique=False)

    op.create_table(
        "request_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "submitted",
                "planned",
                "accepted",
                "rejected",
                "in_pool",
                "taken_over",
                "completed",
                "cancelled",
                "self_transport",
                name=op.f("ck_request_status_change_from_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "submitted",
                "planned",
                "accepted",
                "rejected",
                "in_pool",
                "taken_over",
                "completed",
                "cancelled",
                "self_transport",
                name=op.f("ck_request_status_change_to_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("reason_text", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["transport_request.id"],
            name=op.f("fk_request_status_change_request_id_transport_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_status_change")),
    )
    with op.batch_alter_table("request_status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_status_change_request_id"), ["request_id"], unique=False)

    op.create_table(
        "tour",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("vehicle_id", sa.String(length=32), nullable=False),
        sa.Column("is_committed", sa.Boolean(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicle.id"], name=op.f("fk_tour_vehicle_id_vehicle")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tour")),
    )
    with op.batch_alter_table("tour", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tour_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_tour_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "transport_request_person",
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_transport_request_person_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["transport_request.id"],
            name=op.f("fk_transport_request_person_request_id_transport_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", "person_id", name=op.f("pk_transport_request_person")),
    )
    op.create_table(
        "vehicle_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.Column("available_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("available_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_vehicle_availability_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_availability")),
        sa.UniqueConstraint("vehicle_id", "day", name=op.f("uq_vehicle_availability_vehicle_id_day")),
    )
    op.create_table(
        "tour_escort",
        sa.Column("tour_id", sa.Integer(), nullable=False),
        sa.Column("escort_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["escort_id"], ["escort.id"], name=op.f("fk_tour_escort_escort_id_escort")),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_tour_escort_tour_id_tour")),
        sa.PrimaryKeyConstraint("tour_id", "escort_id", name=op.f("pk_tour_escort")),
    )
    op.create_table(
        "tour_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tour_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "pickup",
                "dropoff",
                "break",
                name=op.f("ck_tour_stop_type"),
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("location_id", sa.String(length=32), nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("departure", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_tour_stop_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["transport_request.id"], name=op.f("fk_tour_stop_request_id_transport_request")
        ),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_tour_stop_tour_id_tour")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tour_stop")),
        sa.UniqueConstraint("tour_id", "seq", name=op.f("uq_tour_stop_tour_id_seq")),
    )
    with op.batch_alter_table("tour_stop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tour_stop_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tour_stop_tour_id"), ["tour_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("tour_stop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tour_stop_tour_id"))
        batch_op.drop_index(batch_op.f("ix_tour_stop_request_id"))

    op.drop_table("tour_stop")
    op.drop_table("tour_escort")
    op.drop_table("vehicle_availability")
    op.drop_table("transport_request_person")
    with op.batch_alter_table("tour", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tour_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_tour_day"))

    op.drop_table("tour")
    with op.batch_alter_table("request_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_status_change_request_id"))

    op.drop_table("request_status_change")
    with op.batch_alter_table("escort_shift", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escort_shift_day"))

    op.drop_table("escort_shift")
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicle_zab_id"))

    op.drop_table("vehicle")
    with op.batch_alter_table("transport_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transport_request_zab_id"))
        batch_op.drop_index(batch_op.f("ix_transport_request_status"))
        batch_op.drop_index(batch_op.f("ix_transport_request_service_date"))
        batch_op.drop_index(batch_op.f("ix_transport_request_abh_id"))

    op.drop_table("transport_request")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_case_ref"))
        batch_op.drop_index(batch_op.f("ix_person_abh_id"))

    op.drop_table("person")
    with op.batch_alter_table("escort", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escort_zab_id"))

    op.drop_table("escort")
    op.drop_table("zab")
    with op.batch_alter_table("abh", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_abh_regierungsbezirk_id"))

    op.drop_table("abh")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_kind"))

    op.drop_table("location")
    with op.batch_alter_table("flight_leg", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flight_leg_flight_id"))

    op.drop_table("flight_leg")
    op.drop_table("regierungsbezirk")
    op.drop_table("planning_day")
    op.drop_table("flight")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_entity_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
