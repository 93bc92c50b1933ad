"""Charts of the APS statistics: a monthly trend and a ZAB comparison (matplotlib, no display).

Figures are built with matplotlib's object API (no pyplot state), so requests may draw in
parallel threads. SVG output carries no date and a fixed id salt: the same figures give the
same bytes.
"""

from __future__ import annotations

import io
from typing import Literal

import matplotlib
from matplotlib.figure import Figure

from ltrako.aps.statistics import METRICS, Statistics

# Deterministic SVG ids, set once: rc_context per call would rewrite the process-wide settings
# under other threads' renderings.
matplotlib.rcParams["svg.hashsalt"] = "ltrako"

ImageFormat = Literal["png", "svg"]
TREND = ("requested", "executed", "returned", "pool_placed", "cancelled")
COMPARISON = ("requested", "executed", "pool_placed", "self_transport")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def trend_chart(stats: Statistics, fmt: ImageFormat = "png") -> bytes:
    """Line per metric over the months of the period (stats broken down by month)."""
    if stats.breakdown != "month":
        raise ValueError("trend chart needs the monthly breakdown")
    figure = Figure(figsize=(8, 4.2), dpi=110)
    axes = figure.subplots()
    months = [r.key for r in stats.rows]
    for metric in TREND:
        axes.plot(months, [r.counts[metric] for r in stats.rows], marker="o", label=METRICS[metric])
    axes.set_title(f"Transporte je Monat – {stats.period.label} ({stats.scope})")
    axes.set_ylabel("Anzahl Transporte")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    return _render(figure, fmt)


def comparison_chart(stats: Statistics, fmt: ImageFormat = "png") -> bytes:
    """Grouped bars per ZAB (stats broken down by zab)."""
    if stats.breakdown != "zab":
        raise ValueError("comparison chart needs the breakdown by ZAB")
    figure = Figure(figsize=(8, 4.2), dpi=110)
    axes = figure.subplots()
    width = 0.8 / len(COMPARISON)
    positions = range(len(stats.rows))
    for i, metric in enumerate(COMPARISON):
        axes.bar(
            [p + i * width for p in positions],
            [r.counts[metric] for r in stats.rows],
            width,
            label=METRICS[metric],
        )
    axes.set_xticks([p + width * (len(COMPARISON) - 1) / 2 for p in positions])
    axes.set_xticklabels([r.label for r in stats.rows], fontsize=8, rotation=15)
    axes.set_title(f"Vergleich der ZAB – {stats.period.label}")
    axes.set_ylabel("Anzahl Transporte")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8)
    return _render(figure, fmt)


def _render(figure: Figure, fmt: ImageFormat) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    if fmt == "svg":
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
