"""Dublin transfer deadlines: from which date, how long, and what the nearing end means.

Rules per legal basis, so that a change of law is data, not code:
- Regulation (EU) No 604/2013 (Dublin III), Art. 29(1)–(2): transfer within 6 months of the
  acceptance of the take-charge/take-back request or of the final decision on an appeal with
  suspensive effect; at most 1 year if the person is imprisoned, 18 months if they abscond
  (FACTS.md section 2). An application for suspensive effect interrupts the period and the
  court's decision starts it anew (BVerwG 1 C 15.15, 26.5.2016).
- Regulation (EU) 2024/1351 (AMMR), Art. 46(1): 6 months from the acceptance of the take-charge
  request, the confirmation of the take-back notification or the final decision on an appeal
  with suspensive effect (text of Art. 46(1) checked); Art. 46(2): at most 1 year on
  imprisonment and at most 3 years when the person absconds (or resists or renders themself
  unfit) — these two figures are from the regulation as we know it and must be checked against
  OJ L 2024/1351 before going live. The AMMR applies to applications registered from
  12 June 2026 (Art. 84); earlier cases stay under Dublin III.
Periods in months end with the day of the last month that has the same number as the starting
day, or the month's last day if there is none (Regulation (EEC, Euratom) No 1182/71, Art. 3(2)(c);
§ 188 BGB alike): the transfer may still happen on that day, not after it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class LegalBasis(StrEnum):
    DUBLIN_III = "dublin_iii"  # Regulation (EU) No 604/2013
    AMMR = "ammr"  # Regulation (EU) 2024/1351


class Extension(StrEnum):
    NONE = "none"
    IMPRISONED = "imprisoned"  # Haft
    ABSCONDED = "absconded"  # flüchtig


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    months: dict[Extension, int]


RULES: dict[LegalBasis, DeadlineRules] = {
    LegalBasis.DUBLIN_III: DeadlineRules(
        {Extension.NONE: 6, Extension.IMPRISONED: 12, Extension.ABSCONDED: 18}
    ),
    LegalBasis.AMMR: DeadlineRules({Extension.NONE: 6, Extension.IMPRISONED: 12, Extension.ABSCONDED: 36}),
}
AMMR_APPLIES_FROM = dt.date(2026, 6, 12)


def basis_for(application_registered: dt.date) -> LegalBasis:
    """The regulation that governs a case, by the date its application was registered."""
    return LegalBasis.AMMR if application_registered >= AMMR_APPLIES_FROM else LegalBasis.DUBLIN_III


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day number `months` later, or the last day of that month if it has none."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class DublinCase:
    accepted_on: dt.date  # acceptance (explicit or by silence) of the request by the other state
    basis: LegalBasis
    court_decision_on: dt.date | None = None  # decision on suspensive effect: the clock restarts
    extension: Extension = Extension.NONE


def clock_start(case: DublinCase) -> dt.date:
    if case.court_decision_on is not None and case.court_decision_on > case.accepted_on:
        return case.court_decision_on
    return case.accepted_on


def transfer_deadline(case: DublinCase, rules: dict[LegalBasis, DeadlineRules] | None = None) -> dt.date:
    """The last day on which the transfer may take place."""
    months = (rules or RULES)[case.basis].months[case.extension]
    return add_months(clock_start(case), months)


def is_expired(case: DublinCase, on: dt.date) -> bool:
    """After the deadline the transfer is blocked (responsibility passes to Germany)."""
    return on > transfer_deadline(case)


def priority_on(case: DublinCase, on: dt.date) -> int | None:
    """Planning priority 1–5 rising as the deadline nears; None once expired (blocked)."""
    left = (transfer_deadline(case) - on).days
    if left < 0:
        return None
    if left <= 14:
        return 5
    if left <= 30:
        return 4
    return 3


def case_of(row: Any) -> DublinCase:
    """The deadline view of a stored `DublinTransfer` row."""
    return DublinCase(
        accepted_on=row.accepted_on,
        basis=LegalBasis(row.basis),
        court_decision_on=row.court_decision_on,
        extension=Extension(row.extension),
    )
