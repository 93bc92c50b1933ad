"""Benchmark instances and best-known solutions (../shared/benchmarks/README.md).

Li & Lim: Euclidean distances in full float precision, travel time = distance.
Sartori & Buriol: an integer travel-time matrix (minutes) that is also the cost.
Node 0 is the depot; a pickup has positive demand and names its delivery.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instance:
    name: str
    family: str  # lilim | sartori
    capacity: int
    fleet: int | None  # vehicle bound of the file (Li & Lim), None = unbounded
    demand: tuple[int, ...]
    early: tuple[int, ...]
    late: tuple[int, ...]
    service: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]  # (pickup, delivery)
    travel: tuple[tuple[float, ...], ...]  # time = cost

    @property
    def size(self) -> int:
        return len(self.demand)

    @property
    def horizon(self) -> int:
        return self.late[0]

    @property
    def group(self) -> str:
        """Instance class for summaries: lc1, lr2, lrc1, … or the city of Sartori & Buriol."""
        if self.family == "sartori":
            return self.name.split("-")[0]
        stem = self.name.split("_")[0]
        match = re.match(r"(lrc|lr|lc)(\d)", stem)
        return match.group(1) + match.group(2) if match else stem


@dataclass(frozen=True)
class BestKnown:
    vehicles: int
    distance: float


def _pairs(rows: list[list[str]]) -> tuple[tuple[int, int], ...]:
    """(pickup, delivery) from the node rows: a pickup has demand > 0 and names its delivery."""
    out = []
    for row in rows:
        node, demand, delivery = int(row[0]), int(row[3]), int(row[8])
        if demand > 0:
            out.append((node, delivery))
    return tuple(sorted(out))


def read_lilim(path: Path) -> Instance:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    fleet, capacity = int(lines[0][0]), int(lines[0][1])
    rows = lines[1:]
    xy = [(float(r[1]), float(r[2])) for r in rows]
    travel = tuple(tuple(math.dist(a, b) for b in xy) for a in xy)
    return _instance(path.stem, "lilim", capacity, fleet, rows, travel)


def read_sartori(path: Path) -> Instance:
    lines = path.read_text().splitlines()
    header = {}
    for line in lines:
        if line.strip() == "NODES":
            break
        if ":" in line:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
    size = int(header["SIZE"])
    start = lines.index("NODES") + 1
    rows = [lines[start + i].split() for i in range(size)]
    edges_at = lines.index("EDGES") + 1
    travel = tuple(tuple(float(x) for x in lines[edges_at + i].split()) for i in range(size))
    return _instance(path.stem, "sartori", int(header["CAPACITY"]), None, rows, travel)


def _instance(
    name: str,
    family: str,
    capacity: int,
    fleet: int | None,
    rows: list[list[str]],
    travel: tuple[tuple[float, ...], ...],
) -> Instance:
    """Both formats share the node columns: id x y demand early late service pickup delivery."""
    return Instance(
        name=name,
        family=family,
        capacity=capacity,
        fleet=fleet,
        demand=tuple(int(r[3]) for r in rows),
        early=tuple(int(r[4]) for r in rows),
        late=tuple(int(r[5]) for r in rows),
        service=tuple(int(r[6]) for r in rows),
        pairs=_pairs(rows),
        travel=travel,
    )


def read(path: Path) -> Instance:
    """Either format, told apart by the Sartori & Buriol header."""
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    return read_sartori(path) if first.startswith("NAME") else read_lilim(path)


def best_known(csv_path: Path) -> dict[str, BestKnown]:
    with open(csv_path, encoding="utf-8") as handle:
        return {
            row["instance"]: BestKnown(int(row["vehicles"]), float(row["distance"]))
            for row in csv.DictReader(handle)
        }


def instance_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.txt") if p.is_file())
