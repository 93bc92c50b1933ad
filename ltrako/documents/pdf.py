"""A German A4 document with fpdf2: title, facts, tables, page numbers, local times with offset.

DejaVu Sans (shipped with matplotlib, a dependency already) covers every character the texts
use (umlauts, dashes, „quotes“); fpdf2 embeds the subset that is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
HEAD_FILL = (221, 228, 238)


def local_time(instant: dt.datetime | None, zone: Any, *, date: bool = True) -> str:
    """`25.11.2026 06:10 (UTC+01:00)`: local time at `zone` with its offset, never a bare time."""
    if instant is None:
        return "–"
    local = instant.astimezone(zone)
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{local:%d.%m.%Y %H:%M} ({offset})" if date else f"{local:%H:%M} ({offset})"


class Sheet(FPDF):
    """Portrait A4 with a running footer: what the document is, when it was made, page x of y."""

    def __init__(self, title: str, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title, self.footer_text = title, footer
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_lang("de-DE")
        self.set_creator("ltrako")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.alias_nb_pages()
        self.add_page()
        self.set_font(FAMILY, "B", 15)
        self.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(80, 80, 80)
        self.cell(0, 5, f"{self.footer_text} – Seite {self.page_no()} von {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(FAMILY, "B", 11.5)
        self.multi_cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 9.5)

    def facts(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label: value lines (labels bold)."""
        for label, value in pairs:
            self.set_font(FAMILY, "B", 9.5)
            self.cell(48, 5.5, f"{label}:")
            self.set_font(FAMILY, "", 9.5)
            self.multi_cell(0, 5.5, value or "–", new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str) -> None:
        self.set_font(FAMILY, "", 9.5)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    def rows(self, head: Sequence[str], body: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
        """A table with a repeated header row; cells wrap."""
        self.set_font(FAMILY, "", 8.5)
        style = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
        with self.table(
            col_widths=tuple(widths), headings_style=style, line_height=4.6, text_align="LEFT"
        ) as table:
            header = table.row()
            for text in head:
                header.cell(text)
            for values in body:
                row = table.row()
                for text in values:
                    row.cell(text or "–")
        self.ln(2)

    def render(self) -> bytes:
        return bytes(self.output())
