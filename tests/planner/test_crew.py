"""Crew formation, binding to vehicles and trimming."""

from __future__ import annotations

from planner.crew import Assignment, Crew, bind_crews, form_crews, trim
from planner.model import Escort, Vehicle
from tests.factories import H


def escort(
    n: int, gender: str = "m", medical: bool = False, shift: tuple[int, int] = (5 * H, 15 * H)
) -> Escort:
    return Escort(f"E{n:02d}", "ZAB-E", gender, ("medical",) if medical else (), *shift)


def test_form_crews_pairs_a_shift_and_spreads_women_and_medics() -> None:
    """Six escorts, two women and two medics: three pairs, two with a woman, medics spread."""
    staff = [
        escort(1, "f"),
        escort(2, "f"),
        escort(3, medical=True),
        escort(4, medical=True),
        escort(5),
        escort(6),
    ]
    crews = form_crews(staff, [])
    assert sorted(c.size for c in crews) == [2, 2, 2]
    assert sum(c.female for c in crews) == 2
    assert sum(c.medical for c in crews) == 2
    assert sorted(e.id for c in crews for e in c.escorts) == [e.id for e in staff]


def test_form_crews_keeps_shifts_apart_and_pairs_lone_escorts() -> None:
    """Crews form within a shift; two lone escorts of overlapping shifts form one crew."""
    staff = [escort(1), escort(2), escort(3, shift=(7 * H, 16 * H)), escort(4, shift=(8 * H, 18 * H))]
    crews = form_crews(staff, [])
    windows = sorted(c.window for c in crews)
    assert windows == [(5 * H, 15 * H), (8 * H, 16 * H)]


def test_bind_crews_gives_overlapping_crews_different_vehicles() -> None:
    """Two crews of one shift get two vehicles; a later crew shares one and the vehicle is
    handed over in the middle of the overlap, so the two parts of the day do not overlap."""
    early = Crew("ZAB-E", (escort(1), escort(2)), (4 * H, 13 * H))
    early2 = Crew("ZAB-E", (escort(3), escort(4)), (4 * H, 13 * H))
    late = Crew("ZAB-E", (escort(5), escort(6)), (11 * H, 20 * H))
    vans = [Vehicle(f"V{i}", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H) for i in (1, 2)]
    assignments = bind_crews([early, early2, late], vans, [])
    by_crew = {a.crew.ids: a for a in assignments}
    assert by_crew[early.ids].vehicle.id != by_crew[early2.ids].vehicle.id
    shared = [a for a in assignments if a.vehicle.id == by_crew[late.ids].vehicle.id]
    assert len(shared) == 2
    first, second = sorted(shared, key=lambda a: a.window[0])
    assert first.window == (4 * H, 12 * H) and second.window == (12 * H, 20 * H)


def test_bind_crews_keeps_committed_vehicles_for_their_crews() -> None:
    """A vehicle with a committed tour is not handed to another crew in the same hours."""
    locked = Assignment(
        Crew("ZAB-E", (escort(1), escort(2)), (4 * H, 13 * H)),
        Vehicle("V1", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
        locked=True,
    )
    other = Crew("ZAB-E", (escort(3), escort(4)), (5 * H, 12 * H))
    vans = [locked.vehicle, Vehicle("V2", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H)]
    assignments = bind_crews([other], vans, [], taken=[locked])
    assert assignments[0] == locked
    assert assignments[1].vehicle.id == "V2"


def test_trim_keeps_only_what_the_tour_needs() -> None:
    """A crew of three serving one person who needs a woman keeps two, the woman among them."""
    crew = Crew("ZAB-E", (escort(1), escort(2, "f"), escort(3, medical=True)), (5 * H, 15 * H))
    kept = trim(crew, needed=2, female=True, medical=False)
    assert len(kept) == 2 and any(e.is_female for e in kept)
    both = trim(crew, needed=1, female=True, medical=True)
    assert {e.id for e in both} == {"E02", "E03"}
