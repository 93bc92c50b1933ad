"""Shared pieces of the API schemas: strict input, ISO days and instants, error answers.

<Noun>Create for input, <Noun>Read for output; routes never return table rows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, overload
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ltrako.core.clock import FIRST_DAY, LAST_DAY

# Ids in PostgreSQL `integer` columns end at 2^31 - 1: a larger one is an input error, not a 500.
DB_INT_MAX = 2**31 - 1


NUMBER = re.compile(r"^\s*[+-]?[0-9]+(\.[0-9]*)?\s*$")


def _iso_text(kind: str, expected: str) -> Callable[[Any], Any]:
    """Pydantic would read a number as a Unix timestamp (0 → 1970-01-01): input takes ISO 8601 text."""

    def check(value: Any) -> Any:
        if isinstance(value, bool | int | float) or (isinstance(value, str) and NUMBER.match(value)):
            raise PydanticCustomError(kind, expected)
        return value

    return check


# Input days and instants, within years the service can count with (0001-01-01 minus a day
# overflowed: 500). Numbers, too, are what they say: StrictInt, StrictFloat and StrictBool refuse
# `true` as 1, `"5"` as 5 and `0` as false.


def _within_years(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError("date_range", f"Datum zwischen {FIRST_DAY} und {LAST_DAY} erwartet.")
    return value


Day = Annotated[
    dt.date,
    BeforeValidator(_iso_text("date_type", "Datum im Format JJJJ-MM-TT erwartet.")),
    AfterValidator(_within_years),
]


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text("datetime_type", "Zeitpunkt nach ISO 8601 erwartet.")),
    AfterValidator(_within_years),
]


@overload
def local(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime: ...
@overload
def local(instant: None, zone: ZoneInfo) -> None: ...
@overload
def local(instant: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None: ...
def local(instant: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """An instant as the reader's local time with its offset (2026-11-20T06:00:00+01:00)."""
    return instant.astimezone(zone) if instant is not None else None


class Strict(BaseModel):
    """Input: unknown fields are refused, and so are NUL bytes in text (PostgreSQL cannot store them)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("string_nul", "Nullzeichen (\\x00) sind nicht erlaubt.")
        return value


class HealthRead(BaseModel):
    status: str
    database: str
    version: str


class FieldErrorRead(BaseModel):
    field: str
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorRead(BaseModel):
    message: str
    detail: list[FieldErrorRead]


class ErrorRead(BaseModel):
    detail: str


# Answers of the decision endpoints besides success: the OpenAPI document lists them.
DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead},
    403: {"model": ErrorRead},
    404: {"model": ErrorRead},
    409: {"model": ErrorRead},
    422: {"model": ValidationErrorRead},
}
