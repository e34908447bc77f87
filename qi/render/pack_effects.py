"""The board pack's "Did the change work?" pages: the effect estimate at each confirmed change
point of a measure (its chart with the fitted lines and the counterfactual, the paragraph, the
method and the warnings), right after that measure's page; and the PDSA cycles that ended since
the last meeting.

``qi.render.pack.board_pack()`` calls ``effect_pages()`` after each measure's page and
``cycles_page()`` once; both lay out pages from ``MeetingReview.effects`` and
``MeetingReview.cycles`` and read no database. The effect chart is drawn as vectors
(``qi.render.pdf_chart.draw_effect``), like the measure pages' charts.
"""

import io
from typing import Any

from qi.render.pdf_chart import Box, clear_png, draw_effect
from qi.services.effects import EffectAt
from qi.services.meeting import MeetingReview
from qi.text import count, period

MARGIN, PAGE_W, BOTTOM = 14.0, 297.0, 194.0
BODY_W = PAGE_W - 2 * MARGIN
CHART_W, CHART_H = 160.0, 100.0
NHS_BLUE, GREY = (0, 94, 184), (94, 107, 117)


def effect_alt_text(found: EffectAt) -> str:
    """What the effect chart shows, for a screen reader."""
    return (
        f"Chart of {found.measure_name} at {found.place}: observed values, the fitted model "
        f"before and after the change in {period(found.change)}, and, dashed, the earlier "
        f"trend continued. {found.reading}"
    )


def effect_pages(pdf: Any, review: MeetingReview, measure: str) -> None:
    """A page per effect estimate at a confirmed change point of ``measure``."""
    for found in review.effects:
        if found.measure == measure:
            _effect_page(pdf, review, found)


def cycles_page(pdf: Any, review: MeetingReview) -> None:
    """The PDSA cycles ended since the last meeting: a page only when there are any."""
    if review.cycles.height:
        _cycles_page(pdf, review)


def _effect_page(pdf: Any, review: MeetingReview, found: EffectAt) -> None:
    pdf.add_page()
    place = review.place_name(found.place)
    pdf.heading(f"Did the change work? {found.measure_name}, {place}")
    top = pdf.get_y()
    chart_h = CHART_H
    box = Box(MARGIN, top, CHART_W, chart_h)
    draw_effect(pdf, box, found.lines, found.change, family=pdf.family_name, title=found.units)
    # The chart's words for a screen reader: the figure's alt text over the drawing.
    pdf.image(
        io.BytesIO(clear_png()), x=box.x, y=box.y, w=box.w, h=box.h, alt_text=effect_alt_text(found)
    )
    side_x, side_w = MARGIN + CHART_W + 6, BODY_W - CHART_W - 6
    y = pdf.block(
        side_x, top, side_w, f"The change: {found.annotation}", size=10, style="B", colour=NHS_BLUE
    )
    y = pdf.block(side_x, y + 2, side_w, found.reading, size=9.5) + 3
    for warning in found.effect.warnings:
        y = pdf.block(side_x, y, side_w, f"Warning: {warning}", size=8.5, colour=GREY) + 1.5
    pdf.block(
        MARGIN, max(top + chart_h, y) + 4, BODY_W, f"Method: {found.method}", size=8, colour=GREY
    )


def _cycles_page(pdf: Any, review: MeetingReview) -> None:
    pdf.add_page()
    since = f" since {period(review.since, 'day')}" if review.since else ""
    pdf.heading(f"PDSA cycles ended{since}")
    y = pdf.get_y()
    y = (
        pdf.block(
            MARGIN, y, BODY_W, count(review.cycles.height, "cycle") + ".", size=10, colour=GREY
        )
        + 3
    )
    for cycle in review.cycles.iter_rows(named=True):
        if y > BOTTOM - 20:
            pdf.add_page()
            pdf.heading(f"PDSA cycles ended{since} (continued)")
            y = pdf.get_y()
        y = (
            pdf.block(
                MARGIN,
                y,
                BODY_W,
                f"{cycle['name']} · {cycle['dates']} · {cycle['state']}",
                size=10.5,
                style="B",
                colour=NHS_BLUE,
            )
            + 1
        )
        lines = [f"Plan: {cycle['plan']}"]
        lines += [
            f"{label}: {cycle[key]}"
            for label, key in (
                ("Predicted", "prediction"),
                ("Learned", "study"),
                ("Decided", "act"),
            )
            if cycle[key]
        ]
        y = pdf.block(MARGIN, y, BODY_W, "\n".join(lines), size=9) + 4
