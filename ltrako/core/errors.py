"""Domain errors, defined once; `api` maps them to HTTP status codes in one place.

Messages are German (they reach dispatchers and case workers) and name records by their
pseudonymous ids only, never by personal data.
"""

from __future__ import annotations

from dataclasses import dataclass


class LtrakoError(Exception):
    """Base of all domain errors; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LtrakoError):
    def __init__(self, what: str, record_id: str) -> None:
        super().__init__(f"{what} {record_id!r} nicht gefunden.")


class Forbidden(LtrakoError):
    """A refusal; `audited` once the refused access is in the audit trail (else the API does it)."""

    def __init__(
        self, message: str = "Keine Berechtigung für diesen Vorgang.", *, audited: bool = False
    ) -> None:
        super().__init__(message)
        self.audited = audited


class Conflict(LtrakoError):
    pass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid field: `field` is its dotted path in the input (``pickup.latest``)."""

    field: str
    message: str
    code: str = "invalid"


class InvalidInput(LtrakoError):
    """Input that cannot be accepted; `problems` names every offending field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class PlanInvalid(LtrakoError):
    """The planner produced a plan that breaks the exchange format's rules: it is not stored."""


class Busy(LtrakoError):
    """Too much work waiting (e.g. the planning queue is full): try again after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
