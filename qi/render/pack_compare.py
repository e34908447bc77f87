"""The board pack's "Compare places" page: a measure's places on a funnel plot, what lies
outside the limits in words, and (when the measure has deprivation breakdowns) the slope index
of inequality.

``funnel_page()`` adds the page to a pack being laid out by ``qi.render.pack.board_pack``
(which calls it for each comparison asked for); it reads no database. A comparison controlled
for a published pack (``qi.services.published.published_comparison``) draws no point for a
place not shown (``*`` in the table) and says how many there are, why, and that its points
lie at their rounded denominators.
"""

import io
from typing import TYPE_CHECKING

from PIL import Image

from qi.access.outputs import SUPPRESSED
from qi.services.compare import InequalityView, PlaceComparison
from qi.text import count, number, period
from qi.text.person_time import person_time_note
from qi.vocabulary.comparisons import COMPARISON_LEVELS

if TYPE_CHECKING:
    from qi.render.pack import _Pack

CHART_W = 178.0
MAX_LISTED = 12
BLUE = (0, 94, 184)
GREY = (97, 110, 118)


def funnel_alt_text(comparison: PlaceComparison) -> str:
    """What the funnel image shows, for a screen reader."""
    outside = comparison.places.filter(comparison.places["flag"] != "within")
    hidden = _not_shown(comparison)
    return (
        f"Funnel plot of {comparison.measure['name']} across "
        f"{count(comparison.places.height, 'place')} ({COMPARISON_LEVELS[comparison.level]}): "
        f"{count(outside.height, 'place')} outside the 95% limits"
        + (f"; {count(hidden, 'place')} not drawn (small numbers)." if hidden else ".")
    )


def _not_shown(comparison: PlaceComparison) -> int:
    """How many places a published comparison does not show."""
    places = comparison.places
    return int(places["suppressed"].sum()) if "suppressed" in places.columns else 0


def _shown(value: float | None) -> str:
    return SUPPRESSED if value is None else number(value)


def _window(comparison: PlaceComparison) -> str:
    start, end = comparison.start, comparison.end
    unit = comparison.measure["frequency"]
    if start and end:
        return (
            f"{period(start, unit)} to {period(end, unit)}" if start != end else period(start, unit)
        )
    return "every period stored"


def funnel_page(
    pdf: "_Pack", comparison: PlaceComparison, inequality: InequalityView | None = None
) -> bytes:
    """Add the page; returns the funnel's PNG (empty when a published comparison shows no
    place: the page says so instead of drawing limits around nothing)."""
    measure = comparison.measure
    pdf.add_page()
    pdf.heading(
        f"Compare places: {measure['name']}, {COMPARISON_LEVELS[comparison.level]}, "
        f"{_window(comparison)}"
    )
    top = pdf.get_y()
    # Altair is imported only when a pack has a funnel page: the pack itself draws vectors.
    from qi.render.figures import export
    from qi.render.funnel_figures import funnel_chart

    bottom = pdf.h - 16
    margin = pdf.l_margin
    if _not_shown(comparison) == comparison.places.height:
        png = b""
        pdf.block(
            margin,
            top + 4,
            CHART_W - 20,
            "No place can be drawn: every place has too few events (or too small a "
            "denominator) to be shown in a published pack (see the note beside).",
            size=12,
            colour=GREY,
        )
    else:
        png = export(funnel_chart(comparison, selectable=False, width=620, height=520), "png")
        pixels_w, pixels_h = Image.open(io.BytesIO(png)).size
        # As wide as the column allows, unless that runs past the footer (a two-line heading).
        chart_h = min(CHART_W * pixels_h / pixels_w, bottom - top)
        chart_w = chart_h * pixels_w / pixels_h
        pdf.image(
            io.BytesIO(png),
            x=margin,
            y=top,
            w=chart_w,
            h=chart_h,
            alt_text=funnel_alt_text(comparison),
        )
    side_x = margin + CHART_W + 6
    side_w = pdf.w - pdf.r_margin - side_x
    y = pdf.block(side_x, top, side_w, "How to read it", size=11, style="B", colour=BLUE) + 1
    dispersion = (
        "The limits are exact Poisson limits of a rate around the overall rate (PHE's "
        "method), which does not allow for over-dispersion. "
        + person_time_note(measure["multiplier"] or 1.0, measure["frequency"])
        if comparison.phi is None
        else f"The places vary more than chance alone would make them (phi {comparison.phi:.2f}), "
        "so the limits allow for that over-dispersion."
        if comparison.adjusted
        else f"The places vary no more than chance would make them (phi {comparison.phi:.2f})."
    )
    y = (
        pdf.block(
            side_x,
            y,
            side_w,
            f"Each point is a place; the funnel shows where 95% and 99.8% of places would lie "
            f"by chance around the overall {number(comparison.target)}, narrower for larger "
            f"places. {dispersion} A league table would rank them; the funnel says which "
            "differ.",
            size=9,
        )
        + 2
    )
    outside = comparison.places.filter(comparison.places["flag"] != "within")
    y = (
        pdf.block(
            side_x,
            y,
            side_w,
            f"Outside the limits: {count(outside.height, 'place')}",
            size=11,
            style="B",
            colour=BLUE,
        )
        + 1
    )
    lines = [
        f"{r['name']}: {_shown(r['value'])} ({r['reading']})"
        for r in outside.head(MAX_LISTED).iter_rows(named=True)
    ]
    if outside.height > MAX_LISTED:
        lines.append(f"and {outside.height - MAX_LISTED} more in qi")
    y = pdf.block(side_x, y, side_w, "\n".join(lines) or "None.", size=9, bottom=bottom) + 2
    y = _table(pdf, comparison, side_x, y, side_w, bottom) + 1
    if comparison.disclosure:
        hidden = _not_shown(comparison)
        note = (f"Not shown: {count(hidden, 'place')}. " if hidden else "") + comparison.disclosure
        y = pdf.block(side_x, y, side_w, note, size=8, colour=GREY, bottom=bottom) + 2
    if inequality is not None and inequality.indices.height:
        latest = inequality.indices.row(-1, named=True)
        pdf.block(
            side_x,
            y,
            side_w,
            f"Inequality ({period(latest['period'], measure['frequency'])}): slope index {number(latest['sii'])} "
            f"(95% {number(latest['sii_lower95_0cl'])} to {number(latest['sii_upper95_0cl'])}), "
            f"relative index {number(latest['rii'])}: the modelled difference between the most "
            "and least deprived ends of the population.",
            size=9,
            colour=GREY,
            bottom=bottom,
        )
    return png


def _table(
    pdf: "_Pack", comparison: PlaceComparison, x: float, y: float, w: float, bottom: float
) -> float:
    """The places' numerators, denominators and values (as many as fit), ordered as the
    outside list is; returns the y below it."""
    places = comparison.places
    per = comparison.denominator_words.capitalize() if comparison.method == "phe" else ""
    multiplier = comparison.measure["multiplier"] or 1.0
    value = (
        "Value (%)"
        if multiplier == 100
        else f"Per {number(multiplier)}"
        if multiplier > 1
        else "Value"
    )
    header = ("Place", "Numerator", per or "Denominator", value)
    pdf.font(8, "B")  # the widest of each number column: its header in bold
    numbers = [pdf.get_string_width(pdf.plain(h)) + 3 for h in header[1:]]
    widths = (w - sum(numbers), *numbers)
    rows = [
        (r["name"], _shown(r["numerator"]), _shown(r["denominator"]), _shown(r["value"]))
        for r in places.iter_rows(named=True)
    ]
    line_h = 4.0
    room = max(0, int((bottom - y) // line_h) - 2)  # the header, and a line for the rest
    shown = rows[: min(room, MAX_LISTED)]
    for i, cells in enumerate([header, *shown]):
        if i == 0:
            pdf.font(8, "B", GREY)
        else:
            pdf.font(8)
        left = x
        for j, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            pdf.set_xy(left, y)
            text = pdf.plain(cell)
            if pdf.get_string_width(text) > width - 1:
                text = pdf.cut(text, width - 1)
            pdf.cell(width, line_h, text, align="L" if j == 0 else "R")
            left += width
        y += line_h
    if len(rows) > len(shown):
        y = pdf.block(x, y, w, f"and {len(rows) - len(shown)} more in qi", size=8)
    return y
