"""Cells of the spreadsheets ltrako writes (CSV, XLSX): text that a spreadsheet would run as a
formula (`=`, `+`, `-`, `@`, a tab or carriage return first) is written with a leading
apostrophe, so it is shown as the text it is (CSV injection, OWASP)."""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def cells(values: Iterable[object]) -> list[object]:
    return [cell(v) for v in values]
