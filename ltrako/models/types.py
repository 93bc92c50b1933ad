"""Column types shared by the tables."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.engine import Dialect
from sqlmodel import Field


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Timezone-aware UTC instants on every backend.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so values are stored as naive
    UTC and come back aware. Naive datetimes are refused: their meaning is a guess.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: store aware instants only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        instant: dt.datetime = value
        if instant.tzinfo is None:
            return instant.replace(tzinfo=dt.UTC)
        return instant.astimezone(dt.UTC)


def enum_type(kind: type[StrEnum], length: int = 32) -> sa.Enum:
    """A StrEnum stored as its value in a VARCHAR with a CHECK constraint (no native PG enum)."""
    return sa.Enum(
        kind,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=None,  # the metadata naming convention names the CHECK per table and column
    )


STAMP = "ltrako_stamp"


def stamp_field(*, index: bool = False) -> Any:
    """A UTC instant filled in from the session's clock when the row is first stored
    (`ltrako.core.db`); set it explicitly to record another time."""
    return Field(
        default=None,
        sa_type=UTCDateTime,
        nullable=False,
        index=index,
        sa_column_kwargs={"info": {STAMP: True}},
    )


_stamp_keys: dict[type, tuple[str, ...]] = {}


def stamp_keys(model: type) -> tuple[str, ...]:
    """The attributes of a table model declared with `stamp_field`."""
    if model not in _stamp_keys:
        mapper: sa.orm.Mapper[Any] | None = sa.inspect(model, raiseerr=False)
        columns = mapper.column_attrs if mapper is not None else ()
        _stamp_keys[model] = tuple(p.key for p in columns if any(c.info.get(STAMP) for c in p.columns))
    return _stamp_keys[model]
