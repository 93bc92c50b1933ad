"""An independent check of a PDPTW solution in full precision, and its cost.

Routes list node ids (depot excluded). Feasible means: every pickup and delivery exactly
once, each pair on one route with the pickup first, service starts within its window
(arriving early means waiting), load within [0, capacity] after every stop, back at the
depot by its closing time. Distance is the sum of arc lengths (Li & Lim: float Euclidean).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.pdptw.instances import Instance

EPS = 1e-6


@dataclass(frozen=True)
class Checked:
    feasible: bool
    vehicles: int
    distance: float
    problems: tuple[str, ...]


def check(instance: Instance, routes: Sequence[Sequence[int]]) -> Checked:
    problems: list[str] = []
    used = [r for r in routes if r]
    seen: dict[int, int] = {}
    position: dict[int, tuple[int, int]] = {}
    distance = 0.0
    for k, route in enumerate(used):
        time, load, where = float(instance.early[0]), 0, 0
        for i, node in enumerate(route):
            if not 0 < node < instance.size:
                problems.append(f"route {k}: unknown node {node}")
                continue
            seen[node] = seen.get(node, 0) + 1
            position[node] = (k, i)
            leg = instance.travel[where][node]
            distance += leg
            time = max(time + leg, instance.early[node])
            if time > instance.late[node] + EPS:
                problems.append(f"route {k}: node {node} starts {time:.4f} after {instance.late[node]}")
            time += instance.service[node]
            load += instance.demand[node]
            if not 0 <= load <= instance.capacity:
                problems.append(f"route {k}: load {load} after node {node}")
            where = node
        back = instance.travel[where][0]
        distance += back
        if time + back > instance.late[0] + EPS:
            problems.append(f"route {k}: back at {time + back:.4f} after {instance.late[0]}")
    for node in range(1, instance.size):
        if seen.get(node, 0) != 1:
            problems.append(f"node {node} visited {seen.get(node, 0)} times")
    for pickup, delivery in instance.pairs:
        if pickup in position and delivery in position:
            (rp, ip), (rd, idx) = position[pickup], position[delivery]
            if rp != rd or ip > idx:
                problems.append(f"pair {pickup}->{delivery} not on one route in order")
    return Checked(not problems, len(used), distance, tuple(problems))


def route_text(instance: Instance, routes: Sequence[Sequence[int]], solver: str) -> str:
    """The SINTEF text form: a short header, then `Route k : n1 n2 ...`."""
    lines = [f"Instance name : {instance.name}", f"Solver        : {solver}", "Solution"]
    lines += [
        f"Route {k} : {' '.join(map(str, route))}" for k, route in enumerate((r for r in routes if r), 1)
    ]
    return "\n".join(lines) + "\n"


def read_routes(text: str) -> list[list[int]]:
    """Routes of a SINTEF solution file."""
    return [
        [int(x) for x in line.split(":", 1)[1].split()]
        for line in text.splitlines()
        if line.strip().startswith("Route")
    ]
