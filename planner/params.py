"""Search parameters: plain frozen dataclasses, defaults for a dispatcher's day."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SolveParams:
    time_limit_s: float = 20.0  # wall-clock limit of the whole solve
    solution_limit: int | None = None  # stop after this many improving solutions (tests)
    workers: int = 2  # processes for independent ZABs (first pass)
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    portfolio: bool = True  # PyVRP where it applies, vehicle reduction where vehicles cost
    crew_rounds: int = 3  # re-forming crews for requests left open that could be served alone
    seed: int = 0
    log_search: bool = False
