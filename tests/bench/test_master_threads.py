"""bench.master_threads solves each ZAB's master over its pairs and chains."""

from __future__ import annotations

from bench.master_threads import served_per_part
from tests.planner.test_chains import two_escorts_two_rides


def test_the_only_crew_takes_both_rides_as_a_chain_with_one_or_two_threads() -> None:
    scenario = two_escorts_two_rides()
    assert served_per_part(scenario, threads=1, seconds=2) == [2]
    assert served_per_part(scenario, threads=2, seconds=2) == [2]
