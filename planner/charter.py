"""Sammelcharter seat selection with CP-SAT: who flies, by priority and deadline.

Plain data in, selection out. A candidate is a case: persons who travel together (all or
none). The charter has seats for returnees and seats for escorts (PBL); each case needs its
escorts on board. The choice is lexicographic, one CP-SAT solve per level with the earlier
optima fixed:

1. for each priority from 5 (highest) down to 1: first the persons of that priority whose
   deadline falls within `urgent_days` of the flight (they may not get another chance), then
   all persons of that priority;
2. then earlier deadlines (persons × days of margin left before the horizon);
3. then the cases waiting longest (smaller `waiting_rank` first).

So no number of lower-priority persons outweighs one seat of a higher priority, as in the
exchange format's objective.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

URGENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class CharterCandidate:
    id: str
    persons: int
    escorts: int  # escorts (PBL) on board for this case
    priority: int  # 1 (lowest) … 5 (highest)
    deadline_days: int | None = None  # days from the flight to the last allowed day; None: none
    waiting_rank: int = 0  # 0 = waiting longest


@dataclass(frozen=True, slots=True)
class CharterSeats:
    seats: int
    escort_seats: int


@dataclass(frozen=True, slots=True)
class SeatSelection:
    chosen: tuple[str, ...]
    persons: int
    escorts: int


def select_passengers(
    candidates: Sequence[CharterCandidate],
    seats: CharterSeats,
    *,
    urgent_days: int = URGENT_DAYS,
    time_limit_s: float = 10.0,
) -> SeatSelection:
    """The best set of cases for the charter (see the module docstring for the order)."""
    model = cp_model.CpModel()
    take = {c.id: model.new_bool_var(f"take_{c.id}") for c in candidates}
    model.add(sum(c.persons * take[c.id] for c in candidates) <= seats.seats)
    model.add(sum(c.escorts * take[c.id] for c in candidates) <= seats.escort_seats)
    levels: list[list[tuple[int, str]]] = []  # each level: (weight, candidate id) terms to maximise
    for priority in range(5, 0, -1):
        tier = [c for c in candidates if c.priority == priority]
        urgent = [c for c in tier if c.deadline_days is not None and c.deadline_days <= urgent_days]
        levels += [[(c.persons, c.id) for c in urgent], [(c.persons, c.id) for c in tier]]
    levels.append(
        [
            (c.persons * (urgent_days + 1 - c.deadline_days), c.id)
            for c in candidates
            if c.deadline_days is not None and c.deadline_days <= urgent_days
        ]
    )
    worst = max((c.waiting_rank for c in candidates), default=0)
    levels.append([(worst + 1 - c.waiting_rank, c.id) for c in candidates])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # deterministic; the models are tiny
    solver.parameters.max_time_in_seconds = max(time_limit_s / len(levels), 0.5)
    for terms in levels:
        if not terms:
            continue
        expression = sum(weight * take[cid] for weight, cid in terms)
        model.maximize(expression)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # cannot happen: "nobody" is feasible
            raise RuntimeError(f"charter selection failed: {solver.status_name(status)}")
        model.add(expression >= round(solver.objective_value))
    chosen = {c.id for c in candidates if solver.boolean_value(take[c.id])}
    return SeatSelection(
        chosen=tuple(c.id for c in candidates if c.id in chosen),
        persons=sum(c.persons for c in candidates if c.id in chosen),
        escorts=sum(c.escorts for c in candidates if c.id in chosen),
    )


def escorts_on_board(persons: int) -> int:
    """PBL on a charter: at least as many as returnees (FACTS 3.3, BMI rule of 2018)."""
    return max(1, persons)


def without(candidates: Iterable[CharterCandidate], excluded: set[str]) -> list[CharterCandidate]:
    return [c for c in candidates if c.id not in excluded]
