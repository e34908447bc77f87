"""A Making Data Count chart drawn straight onto a PDF page as vector lines, dots and text.

The board pack draws each series here instead of exporting an image: a vector chart stays sharp
when printed or zoomed and takes milliseconds, where a browser-engine export (vl-convert) takes
a tenth of a second to seconds per chart, growing with the number of places (see
``benchmarks/app.py``). What is drawn is the engine's judgement as ``spc()`` left it, the same
columns the app's Altair chart draws (``qi.render.figures``): points coloured by point type
(hollow when excluded), the centre line and process limits per phase, the target, and each
annotation as a dashed vertical line with its number, which the page's list of annotations
repeats. Period labels are spaced so they never run together; the y-axis is labelled with
numbers as ``qi.text.number`` writes them.
"""

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl
from fpdf import FPDF
from PIL import Image

from qi.render.colours import (
    ANNOTATION_INK,
    CENTRE_BLACK,
    LINE_GREY,
    POINT_TYPE_COLOURS,
    TARGET_RED,
)
from qi.render.icons import COMMON_CAUSE_GREY, IMPROVEMENT_BLUE
from qi.text import number, period, unit_title
from qi.text.effects import COUNTERFACTUAL, FITTED, OBSERVED

AXIS_GREY = (170, 170, 170)
GRID_GREY = (232, 232, 232)
AXIS_TEXT = (97, 110, 118)  # axis numbers, axis titles and the effect chart's title
LABEL_MM = 3.2  # the height of a line of axis text
LEFT_AXIS_MM = 11.0
BOTTOM_AXIS_MM = 5.0
DOT_MM = 0.75
KEY_MM = 6.0  # the height of an effect chart's key


@cache
def clear_png() -> bytes:
    """A one-pixel transparent PNG: the carrier of a vector figure's alt text."""
    buffer = io.BytesIO()
    Image.new("RGBA", (1, 1), (255, 255, 255, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@dataclass(frozen=True)
class Box:
    """Where a chart goes on the page, in millimetres from the top left."""

    x: float
    y: float
    w: float
    h: float


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round numbers from ``low`` to ``high``, at most ``most`` + 1 of them (1, 2, 2.5 or 5
    times a power of ten apart)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(most, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    count = int(math.floor((high - first) / step + 1e-9)) + 1
    return [round(first + i * step, 10) for i in range(count)]


def label_every(labels: int, room_mm: float, label_mm: float) -> int:
    """Label every n-th period so that labels ``label_mm`` wide never touch in ``room_mm``."""
    fits = max(1, int(room_mm // (label_mm + 2.0)))
    return max(1, math.ceil(labels / fits))


def _line(
    pdf: FPDF,
    x: float,
    y: float,
    w: float,
    h: float,
    text: str,
    family: str,
    style: str,
    size: float,
    colour: tuple[int, int, int],
) -> None:
    """One line of text at (``x``, ``y``), cut to fit ``w`` (a chart's title, an axis' title)."""
    pdf.set_font(family, style, size)
    pdf.set_text_color(*colour)
    pdf.set_xy(x, y)
    pdf.cell(w, h, _fit(pdf, text, w))


def draw_series(
    pdf: FPDF,
    box: Box,
    points: pl.DataFrame,
    *,
    family: str,
    title: str = "",
    annotations: Sequence[tuple[date, int]] = (),
    unit: str | None = None,
) -> None:
    """Draw one series (``spc()``'s points for one measure at one place, with a ``period``
    column) in ``box``: title, the value axis' title (``unit``, as ``qi.text.unit_title``
    words it), y-axis, gridlines, limits, centre, target, points and the numbered annotation
    lines (``(period, number)`` pairs)."""
    top = box.y
    if title:
        _line(pdf, box.x, top, box.w, LABEL_MM + 0.5, title, family, "B", 7.5, (33, 43, 50))
        top += LABEL_MM + 2.5
    axis_title = unit_title(unit)
    if axis_title:
        _line(pdf, box.x, top - 0.5, box.w, 2.5, axis_title, family, "", 6, AXIS_TEXT)
        top += 2.5
    if points.height == 0:
        return
    points = points.sort("period")
    periods = points.get_column("period").to_list()
    values = [
        v
        for column in ("value", "centre", "lower_limit", "upper_limit", "target")
        if column in points.columns
        for v in points.get_column(column).to_list()
        if v is not None and math.isfinite(v)
    ]
    axes = _axes(pdf, box, top, periods, values, family)
    if axes is None:
        return
    plot, x_of, y_of = axes
    days = [p.toordinal() for p in periods]
    first, last = min(days), max(days)

    # Limits and centre, phase by phase; the target across.
    pdf.set_line_width(0.3)
    for phase in points.partition_by("phase", maintain_order=True):
        xs = [x_of(p.toordinal()) for p in phase.get_column("period").to_list()]
        for column, colour, dash in (
            ("upper_limit", LINE_GREY, (1.2, 0.8)),
            ("lower_limit", LINE_GREY, (1.2, 0.8)),
            ("centre", CENTRE_BLACK, None),
        ):
            ys = phase.get_column(column).to_list()
            path = [(x, y_of(v)) for x, v in zip(xs, ys, strict=True) if v is not None]
            if len(path) < 2:
                continue
            pdf.set_draw_color(*_rgb(colour))
            pdf.set_dash_pattern(*dash) if dash else pdf.set_dash_pattern()
            pdf.polyline(path)
    targets = points.get_column("target").drop_nulls() if "target" in points.columns else None
    if targets is not None and targets.len():
        pdf.set_draw_color(*_rgb(TARGET_RED))
        pdf.set_dash_pattern(2.0, 0.8)
        y = y_of(float(targets[-1]))
        pdf.line(plot.x, y, plot.x + plot.w, y)
    pdf.set_dash_pattern()

    # Annotations: a dashed line at their period, numbered at the top.
    pdf.set_line_width(0.2)
    for when, label in annotations:
        if not first <= when.toordinal() <= last:
            continue
        x = x_of(when.toordinal())
        pdf.set_draw_color(*_rgb(ANNOTATION_INK))
        pdf.set_dash_pattern(0.8, 0.8)
        pdf.line(x, plot.y, x, plot.y + plot.h)
        pdf.set_dash_pattern()
        pdf.set_fill_color(255, 255, 255)
        pdf.circle(x, plot.y - 1.2, 1.5, style="FD")
        pdf.set_font(family, "B", 5.5)
        pdf.set_text_color(*_rgb(ANNOTATION_INK))
        pdf.set_xy(x - 1.5, plot.y - 2.7)
        pdf.cell(3.0, 3.0, str(label), align="C")

    # The series: a grey line, then the points in their point type's colour.
    pdf.set_line_width(0.25)
    pdf.set_draw_color(*_rgb(LINE_GREY))
    # A missing value (none stored, or not shown under disclosure control) breaks the line.
    segments: list[list[tuple[float, float]]] = [[]]
    for d, v in zip(days, points.get_column("value").to_list(), strict=True):
        if v is None:
            segments.append([])
        else:
            segments[-1].append((x_of(d), y_of(v)))
    for segment in segments:
        if len(segment) > 1:
            pdf.polyline(segment)
    pdf.set_line_width(0.15)
    dots = points.select(
        "period", "value", pl.col("point_type").cast(pl.String), "excluded"
    ).filter(pl.col("value").is_not_null())
    for when, value, kind, out in dots.iter_rows():
        ink = _rgb(POINT_TYPE_COLOURS.get(kind or "", "#A6A6A6"))
        pdf.set_draw_color(*ink)
        pdf.set_fill_color(*((255, 255, 255) if out else ink))
        pdf.circle(x_of(when.toordinal()), y_of(value), DOT_MM, style="FD")


def _axes(
    pdf: FPDF,
    box: Box,
    top: float,
    periods: list[date],
    values: list[float],
    family: str,
) -> tuple[Box, Callable[[int], float], Callable[[float], float]] | None:
    """The plot area below ``top`` in ``box`` with its gridlines, y-axis numbers and period
    labels drawn, and the mappings from a day number and a value to the page; None when there
    is nothing to draw or no room."""
    plot = Box(
        box.x + LEFT_AXIS_MM,
        top + 2.5,
        box.w - LEFT_AXIS_MM - 1.0,
        box.y + box.h - top - 2.5 - BOTTOM_AXIS_MM,
    )
    if not periods or plot.h <= 5 or plot.w <= 10:
        return None
    days = [p.toordinal() for p in periods]
    first, last = min(days), max(days)
    span = max(last - first, 1)

    def x_of(day: int) -> float:
        return plot.x + (day - first) / span * plot.w if last > first else plot.x + plot.w / 2

    if not values:
        return None
    low, high = min(values), max(values)
    pad = (high - low) * 0.06 or abs(high) * 0.1 or 1.0
    ticks = nice_ticks(low - pad, high + pad)
    low, high = min([low - pad, *ticks]), max([high + pad, *ticks])

    def y_of(value: float) -> float:
        return plot.y + plot.h - (value - low) / (high - low) * plot.h

    # Gridlines and the y-axis' numbers.
    pdf.set_font(family, "", 6)
    pdf.set_text_color(*AXIS_TEXT)
    pdf.set_line_width(0.15)
    pdf.set_dash_pattern()
    for tick in ticks:
        y = y_of(tick)
        pdf.set_draw_color(*GRID_GREY)
        pdf.line(plot.x, y, plot.x + plot.w, y)
        text = number(tick)
        pdf.set_xy(box.x, y - LABEL_MM / 2)
        pdf.cell(LEFT_AXIS_MM - 1.2, LABEL_MM, text, align="R")
    pdf.set_draw_color(*AXIS_GREY)
    pdf.line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h)
    pdf.line(plot.x, plot.y, plot.x, plot.y + plot.h)

    # Period labels: short ("Apr 2024"), spaced so they never touch.
    labels = [period(p, style="short") for p in periods]
    widest = max(pdf.get_string_width(t) for t in labels)
    every = label_every(len(labels), plot.w, widest)
    for index in range(0, len(labels), every):
        x = x_of(days[index])
        pdf.set_draw_color(*AXIS_GREY)
        pdf.line(x, plot.y + plot.h, x, plot.y + plot.h + 0.8)
        pdf.set_xy(x - widest / 2 - 1, plot.y + plot.h + 1.0)
        pdf.cell(widest + 2, LABEL_MM, labels[index], align="C")
    return plot, x_of, y_of


def draw_effect(
    pdf: FPDF,
    box: Box,
    lines: pl.DataFrame,
    change: date,
    *,
    family: str,
    title: str = "",
) -> None:
    """Draw an effect estimate (``EffectAt.lines``: period, observed, fitted, counterfactual,
    segment) in ``box`` as ``qi.render.effects.effect_chart`` does: the observed points, the
    fitted line of each segment, the counterfactual dashed from the change on, the change
    marked, and a key below."""
    lines = lines.sort("period")
    periods = lines.get_column("period").to_list()
    after = lines.filter(pl.col("period") >= change)
    values = [
        v
        for frame, column in ((lines, "observed"), (lines, "fitted"), (after, "counterfactual"))
        for v in frame.get_column(column).to_list()
        if v is not None and math.isfinite(v)
    ]
    top = box.y
    if title:
        _line(pdf, box.x, top, box.w, LABEL_MM + 0.5, title, family, "", 7, AXIS_TEXT)
        top += LABEL_MM + 1.5
    axes = _axes(pdf, Box(box.x, box.y, box.w, box.h - KEY_MM), top, periods, values, family)
    if axes is None:
        return
    plot, x_of, y_of = axes

    def path(frame: pl.DataFrame, column: str) -> list[tuple[float, float]]:
        pairs = frame.select("period", column).iter_rows()
        return [(x_of(when.toordinal()), y_of(v)) for when, v in pairs if v is not None]

    # The change: a dashed line, named at the top.
    x = x_of(change.toordinal())
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*_rgb(LINE_GREY))
    pdf.set_dash_pattern(0.8, 0.8)
    pdf.line(x, plot.y, x, plot.y + plot.h)
    pdf.set_dash_pattern()
    pdf.set_font(family, "", 6.5)
    pdf.set_text_color(*_rgb(LINE_GREY))
    pdf.set_xy(x + 1.0, plot.y + 0.5)
    pdf.cell(plot.x + plot.w - x - 1.0, LABEL_MM, _fit(pdf, f"Change: {period(change)}", 60))

    pdf.set_line_width(0.5)
    pdf.set_draw_color(*_rgb(IMPROVEMENT_BLUE))
    for segment in lines.partition_by("segment", maintain_order=True):
        fitted = path(segment, "fitted")
        if len(fitted) > 1:
            pdf.polyline(fitted)
    counterfactual = path(after, "counterfactual")
    if len(counterfactual) > 1:
        pdf.set_draw_color(*_rgb(CENTRE_BLACK))
        pdf.set_dash_pattern(1.5, 1.0)
        pdf.polyline(counterfactual)
        pdf.set_dash_pattern()
    grey = _rgb(COMMON_CAUSE_GREY)
    pdf.set_line_width(0.15)
    pdf.set_draw_color(*grey)
    pdf.set_fill_color(*grey)
    for x_dot, y_dot in path(lines, "observed"):
        pdf.circle(x_dot, y_dot, DOT_MM, style="FD")

    # The key, one entry a line style, below the period labels.
    y = box.y + box.h - KEY_MM + 1.5
    x = plot.x
    pdf.set_font(family, "", 7)
    pdf.set_text_color(33, 43, 50)
    for name, ink, dash in (
        (OBSERVED, COMMON_CAUSE_GREY, None),
        (FITTED, IMPROVEMENT_BLUE, ()),
        (COUNTERFACTUAL, CENTRE_BLACK, (1.5, 1.0)),
    ):
        pdf.set_draw_color(*_rgb(ink))
        if dash is None:
            pdf.set_fill_color(*_rgb(ink))
            pdf.circle(x + 2.5, y + LABEL_MM / 2, DOT_MM, style="FD")
        else:
            pdf.set_line_width(0.5)
            pdf.set_dash_pattern(*dash)
            pdf.line(x, y + LABEL_MM / 2, x + 5, y + LABEL_MM / 2)
            pdf.set_dash_pattern()
        width = pdf.get_string_width(name)
        pdf.set_xy(x + 6, y)
        pdf.cell(width + 1, LABEL_MM, name)
        x += 6 + width + 6


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """The text, cut at a word boundary with an ellipsis when wider than ``width``."""
    if pdf.get_string_width(text) <= width:
        return text
    words = text.split()
    while words and pdf.get_string_width(" ".join(words) + "…") > width:
        words.pop()
    return (" ".join(words) + "…") if words else "…"
