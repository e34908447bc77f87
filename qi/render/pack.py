"""The board pack: a meeting's review as a PDF to attach to board papers, and a PNG per chart.

Pages, in order (A4 landscape):
1. the cover: what the pack covers, when it was prepared, and what is new since the last
   meeting;
2. the summary matrix: measures (rows) by places (columns), or a list of measure x place when
   there are more than ``GRID_PLACES`` places, each cell with its variation and assurance icons
   *and their meaning in words*, the latest value and the target; with the icon key;
3. one page per measure: its chart, the plain-English reading at each place, the annotations,
   and quotes from the stories of change linked to it;
4. the actions: open actions carried forward and what recent meetings recorded.

The matrix and the actions continue on further pages when they do not fit on one; a measure's
page never does (long lists are cut, saying how many more there are).

Every chart and icon image carries alt text saying what it shows (PDF ``/Alt``), so the pack
reads aloud in a screen reader. Story text is plain text in a PDF: nothing anyone types is
interpreted as markup. Only anonymised stories are quoted, because board papers are often
published; the others are counted, not quoted.

Charts come from ``qi.render.figures`` and readings from ``qi.text.reading`` through
``qi.services.meeting.MeetingReview``; this module lays out pages and reads no database.
"""

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import cast

import polars as pl
from fpdf import FPDF

from qi.render.icons import icon_svg
from qi.render.pack_compare import funnel_page
from qi.render.pack_effects import cycles_page, effect_pages
from qi.render.pdf_chart import Box, clear_png, draw_series
from qi.services.meeting import MeetingReview, icon_key
from qi.text import count, number, period
from qi.text.actions import action_status
from qi.text.names import with_unit
from qi.vocabulary.annotations import ANNOTATION_EFFECTS, ANNOTATION_EVENTS, ANNOTATION_KINDS
from qi.vocabulary.charts import CHART_TYPES
from qi.vocabulary.points import ICON_LABELS, POINT_TYPE_WORDS
from qi.vocabulary.stories import VOICES

# Above this many places the matrix is a list of measure x place, one row each.
GRID_PLACES = 4
MAX_QUOTES = 3
QUOTE_CHARACTERS = 280
MAX_ANNOTATIONS = 8
MARGIN = 14.0
PAGE_W, PAGE_H = 297.0, 210.0
BODY_W = PAGE_W - 2 * MARGIN
BOTTOM = PAGE_H - 16.0
ICON_MM = 7.0
NHS_BLUE = (0, 94, 184)
INK = (33, 43, 50)
GREY = (97, 110, 118)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class BoardPack:
    """The PDF, each chart's alt text (by measure code) and, on request, each chart as a PNG.

    The PDF's charts are vector drawings (``qi.render.pdf_chart``); a PNG is drawn only when
    asked for (``chart_png``), by the same Altair figures as the app's charts."""

    pdf: bytes
    alt_texts: dict[str, str] = field(default_factory=dict)
    pages: int = 0
    chart_png: Callable[[str], bytes] = field(default=lambda code: b"", repr=False)

    @property
    def charts(self) -> dict[str, bytes]:
        """Every measure's chart as a PNG, by measure code (drawn now: seconds each)."""
        return {code: self.chart_png(code) for code in self.alt_texts}

    def write(self, out: Path, png_dir: Path | None = None) -> list[Path]:
        """Write the PDF to ``out`` and, with ``png_dir``, one PNG per chart; returns the paths."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(self.pdf)
        written = [out]
        if png_dir is not None:
            png_dir = Path(png_dir)
            png_dir.mkdir(parents=True, exist_ok=True)
            for code in self.alt_texts:
                path = png_dir / f"{_file_name(code)}.png"
                path.write_bytes(self.chart_png(code))
                written.append(path)
        return written


def _file_name(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in code) or "chart"


# --- charts and their words --------------------------------------------------------------------


def measure_chart(review: MeetingReview, measure: str) -> bytes:
    """One measure's chart as PNG: the Making Data Count chart at one place (with annotations
    and story markers), or small multiples when the measure is shown at several places."""
    import altair as alt  # only when PNGs are asked for: the pack's pages draw vectors

    from qi.render.figures import export, small_multiples, spc_chart

    view = review.views[measure]
    name = _measure_name(review, measure)
    chart: alt.LayerChart | alt.FacetChart
    if len(view.places) == 1:
        place = view.places[0]
        stories = review.measure_stories(measure, place).select("period", "title")
        chart = spc_chart(
            view.charted,
            annotations=view.place_annotations(place),
            stories=stories,
            title=f"{name}: {place}",
            width=620,
            height=280,
        )
    else:
        chart = small_multiples(view.charted, columns=min(3, len(view.places)), width=250)
    return export(chart, "png")


def alt_text(review: MeetingReview, measure: str) -> str:
    """What a measure's chart shows, in words: for the PDF's alt text and for the app."""
    view = review.views[measure]
    name = _measure_name(review, measure)
    points = view.points
    periods = points.get_column("period")
    kind = CHART_TYPES[view.chart].title
    if len(view.places) > 1:
        kind = f"small multiples of the {kind}, one per place,"
    text = [
        f"{kind[0].upper()}{kind[1:]} of {name} at "
        f"{_and([review.place_name(p) for p in view.places])}, "
        f"{period(periods.min())} to {period(periods.max())}, {count(points.height, 'point')}."
    ]
    cells = review.matrix.filter(pl.col("measure") == measure)
    for cell in cells.iter_rows(named=True):
        where = review.place_name(cell["place"])
        text.append(f"{where}: {cell['variation']}; {cell['assurance']}. {cell['reading']}")
    notes = view.annotations.height
    stories = review.measure_stories(measure).height
    if notes and len(view.places) == 1:
        text.append(f"{count(notes, 'annotation')} marked as vertical lines.")
    if stories and len(view.places) == 1:
        text.append(f"{count(stories, 'story', 'stories')} of change marked as diamonds.")
    return " ".join(text)


def _measure_name(review: MeetingReview, measure: str) -> str:
    names = review.matrix.filter(pl.col("measure") == measure).get_column("measure_name")
    return names[0] if names.len() else measure


def _and(items: list[str]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@cache
def _icon_png(name: str) -> bytes:
    import vl_convert as vlc  # only when a pack is drawn: ``qi`` starts without it

    return vlc.svg_to_png(icon_svg(name, size=80), scale=1.0)


# --- the document ------------------------------------------------------------------------------


class _Pack(FPDF):
    """A4 landscape with qi's footer; text in DejaVu Sans when the system has it."""

    def __init__(self, footer: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists()
        if self.unicode:
            self.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.add_font("Body", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_title(footer)
        self.set_lang("en-GB")
        self.set_creator("qi")

    @property
    def family_name(self) -> str:
        return "Body" if self.unicode else "Helvetica"

    def font(self, size: float, style: str = "", colour=INK) -> None:
        self.set_font(self.family_name, style, size)
        self.set_text_color(*colour)

    def plain(self, text: str) -> str:
        """Text the font can draw: unchanged with DejaVu; Latin-1 with the built-in font."""
        if self.unicode:
            return text
        swaps = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-"}
        swaps |= {"\u2014": "-", "\u2026": "...", "\u2022": "-"}
        text = "".join(swaps.get(c, c) for c in text)
        return text.encode("latin-1", "replace").decode("latin-1")

    def cut(self, line: str, w: float) -> str:
        """A line ended with an ellipsis after its last whole word that leaves room for it."""
        words = line.split()
        while words and self.get_string_width(" ".join(words) + "…") > w:
            words.pop()
        if len(words) == len(line.split()) and words:
            words.pop()  # the line fitted: still drop a word to say there is more
        return (" ".join(words) + " …") if words else "…"

    def footer(self) -> None:
        self.set_y(-11)
        self.font(8, colour=GREY)
        self.cell(0, 5, self.plain(f"{self.footer_text} · page {self.page_no()}"), align="R")

    def heading(self, text: str, size: float = 18) -> None:
        self.font(size, "B", NHS_BLUE)
        self.set_xy(MARGIN, MARGIN)
        self.multi_cell(BODY_W, size * 0.5, self.plain(text), align="L")
        self.ln(2)

    def block(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        size: float = 10,
        style: str = "",
        colour=INK,
        bottom: float = BOTTOM,
    ) -> float:
        """Write wrapped text from (x, y) within width ``w``, stopping at ``bottom`` with an
        ellipsis when it does not fit; returns the y below it."""
        self.font(size, style, colour)
        line_h = size * 0.45
        lines: list[str] = []
        for paragraph in self.plain(text).split("\n"):
            found = self.multi_cell(w, line_h, paragraph, dry_run=True, output="LINES")
            lines.extend(cast(list[str], found) or [""])
        room = max(0, int((bottom - y) // line_h))
        if len(lines) > room:
            lines = lines[:room]
            if lines:
                lines[-1] = self.cut(lines[-1], w)
        for i, line in enumerate(lines):
            self.set_xy(x, y + i * line_h)
            self.cell(w, line_h, self.plain(line))
        return y + len(lines) * line_h


def board_pack(
    review: MeetingReview,
    *,
    prepared_on: date | None = None,
    title: str | None = None,
    comparisons: tuple = (),
) -> BoardPack:
    """Lay out the board pack for a meeting's review (see the module docstring for its pages).
    ``comparisons``: ``PlaceComparison``s (or pairs of one and its ``InequalityView``), each
    a "Compare places" page after the measures' (``qi.render.pack_compare``). A published
    pack (``review.disclosure``) takes only comparisons controlled for it, without their
    inequality view (``qi.services.published.pack_comparisons``)."""
    pages = [c if isinstance(c, tuple) else (c, None) for c in comparisons]
    if review.disclosure:
        for comparison, inequality in pages:
            if not comparison.disclosure or inequality is not None:
                raise ValueError(
                    f"the Compare places page of {comparison.measure['name']} is as stored: a "
                    "published board pack takes only comparisons controlled for publication, "
                    "without their inequality view (qi.services.published.pack_comparisons); "
                    "control it, or make an internal pack"
                )
    prepared_on = prepared_on or date.today()
    title = title or f"Board pack: {review.title}"
    pdf = _Pack(footer=f"{title} · prepared {period(prepared_on, 'day')} with qi")
    alts = {code: alt_text(review, code) for code in review.views}
    _cover(pdf, review, title, prepared_on)
    _matrix(pdf, review)
    for code in review.views:
        _measure_page(pdf, review, code, alts[code])
        effect_pages(pdf, review, code)  # qi.render.pack_effects: did the change work?
    for comparison, inequality in pages:
        funnel_page(pdf, comparison, inequality)
    cycles_page(pdf, review)
    _actions(pdf, review, prepared_on)
    return BoardPack(
        pdf=bytes(pdf.output()),
        alt_texts=alts,
        pages=pdf.page_no(),
        chart_png=lambda code: measure_chart(review, code),
    )


def _cover(pdf: _Pack, review: MeetingReview, title: str, prepared_on: date) -> None:
    pdf.add_page()
    pdf.heading(title, size=24)
    y = pdf.get_y() + 2
    about = [
        f"Prepared on {period(prepared_on, 'day')}.",
        f"{'Initiative' if review.initiative else 'Place'}: {review.title}. "
        "Places: "
        + (_and([review.place_name(p) for p in review.places]) if review.places else "none")
        + ".",
        f"Measures: {len(review.views)}. Each has its own page with its chart, what it shows in "
        "plain English, its annotations and quotes from linked stories of change.",
        "Icons follow NHS England's Making Data Count: each is named in words in the summary "
        "and the key, so colour is never the only signal.",
    ]
    if review.disclosure:  # a published pack (qi.services.published)
        about.append(review.disclosure)
    y = pdf.block(MARGIN, y, BODY_W, "\n".join(about), size=11) + 6
    news = review.news
    if news is None:
        y = pdf.block(
            MARGIN,
            y,
            BODY_W,
            "No earlier meeting on record, so nothing is listed as new since the last meeting.",
            size=11,
            colour=GREY,
        )
        return
    y = (
        pdf.block(MARGIN, y, BODY_W, "Since the last meeting", size=14, style="B", colour=NHS_BLUE)
        + 1
    )
    y = pdf.block(MARGIN, y, BODY_W, news.sentence(), size=11) + 2
    lines = []
    latest = news.signals.unique(["measure", "place"], keep="first", maintain_order=True)
    for row in latest.head(8).iter_rows(named=True):
        name = _measure_name(review, row["measure"])
        words = POINT_TYPE_WORDS.get(row["point_type"], row["point_type"])
        lines.append(
            f"• {name} at {review.place_name(row['place'])}: {row['signal']} in "
            f"{period(row['period'])} ({words})"
        )
    # Only annotations that still stand: an undoing is not an annotation on the charts.
    standing = news.annotations.filter(pl.col("event") != "undone")
    for row in standing.head(5).iter_rows(named=True):
        event = ANNOTATION_EVENTS.get(row["event"], row["event"])
        where = review.place_name(row["place"]) if row["place"] else "every place"
        lines.append(
            f"• {event}: {row['text']} ({_measure_name(review, row['measure'])} at {where}, "
            f"{period(row['period'])})"
        )
    for row in news.stories.head(5).iter_rows(named=True):
        lines.append(f"• New story: {row['title']} ({VOICES.get(row['voice'], row['voice'])})")
    if lines:
        pdf.block(MARGIN + 2, y, BODY_W - 2, "\n".join(lines), size=10)


def _matrix(pdf: _Pack, review: MeetingReview) -> None:
    pdf.add_page()
    pdf.heading("Summary: measures by place")
    matrix = review.matrix
    y = pdf.get_y()
    y = _icon_key(pdf, y) + 4
    if matrix.height == 0:
        pdf.block(MARGIN, y, BODY_W, "No measures with data for this initiative or place yet.")
        return
    grid = len(review.places) <= GRID_PLACES
    if grid:
        widths = [62.0] + [(BODY_W - 62.0) / len(review.places)] * len(review.places)
        header = ["Measure", *[review.place_name(p) for p in review.places]]
    else:
        widths = [62.0, 32.0, 70.0, 70.0, BODY_W - 234.0]
        header = ["Measure", "Place", "Variation", "Assurance", "Latest (target)"]
    y = _header_row(pdf, y, widths, header)
    rows = _grid_rows(review) if grid else _list_rows(review)
    for cells in rows:
        height = _row_height(pdf, widths, cells)
        if y + height > BOTTOM:
            pdf.add_page()
            pdf.heading("Summary: measures by place (continued)")
            y = _header_row(pdf, pdf.get_y(), widths, header)
        _draw_row(pdf, y, widths, cells, height)
        y += height


def _icon_key(pdf: _Pack, y: float) -> float:
    pdf.block(MARGIN, y, BODY_W, "Key to the icons", size=11, style="B", colour=NHS_BLUE)
    y += 6
    key = icon_key().to_dicts()
    per_row = 5
    width = BODY_W / per_row
    for i, item in enumerate(key):
        x = MARGIN + (i % per_row) * width
        top = y + (i // per_row) * (ICON_MM + 3)
        pdf.image(
            io.BytesIO(_icon_png(item["icon"])),
            x=x,
            y=top,
            w=ICON_MM,
            h=ICON_MM,
            alt_text=f"Icon: {item['meaning']}",
        )
        pdf.block(
            x + ICON_MM + 1.5,
            top + 0.3,
            width - ICON_MM - 3,
            item["meaning"],
            size=7.5,
            bottom=top + ICON_MM + 2,
        )
    return y + ((len(key) - 1) // per_row + 1) * (ICON_MM + 3)


def _header_row(pdf: _Pack, y: float, widths: list[float], header: list[str]) -> float:
    x = MARGIN
    pdf.set_fill_color(*NHS_BLUE)
    pdf.rect(MARGIN, y, sum(widths), 7, style="F")
    for w, text in zip(widths, header, strict=True):
        pdf.font(9, "B", (255, 255, 255))
        pdf.set_xy(x + 1.5, y + 1)
        pdf.cell(w - 3, 5, pdf.plain(text))
        x += w
    return y + 7


def _latest(cell: dict) -> str:
    if cell.get("latest_suppressed"):
        return "Latest: * (a small number, not shown)"
    if cell["latest_value"] is None:
        return "Latest: no value"
    text = f"Latest: {number(cell['latest_value'], cell['unit'])}"
    if cell["target"] is not None:
        text += f" (target {number(cell['target'], cell['unit'])})"
    return text


def _grid_rows(review: MeetingReview) -> list[list[dict]]:
    rows = []
    for measure in review.matrix.get_column("measure").unique(maintain_order=True):
        cells = review.matrix.filter(pl.col("measure") == measure)
        by_place = {c["place"]: c for c in cells.iter_rows(named=True)}
        first = cells.row(0, named=True)
        row = [{"text": with_unit(first["measure_name"], first["unit"]), "style": "B", "icons": []}]
        for place in review.places:
            cell = by_place.get(place)
            if cell is None:
                row.append({"text": "No data", "icons": []})
                continue
            icons = [n for n in (cell["variation_icon"], cell["assurance_icon"]) if n]
            row.append(
                {
                    "text": f"{cell['variation']}. {cell['assurance']}.\n{_latest(cell)}",
                    "icons": icons,
                }
            )
        rows.append(row)
    return rows


def _list_rows(review: MeetingReview) -> list[list[dict]]:
    rows = []
    for cell in review.matrix.iter_rows(named=True):
        rows.append(
            [
                {"text": with_unit(cell["measure_name"], cell["unit"]), "style": "B", "icons": []},
                {"text": review.place_name(cell["place"]), "icons": []},
                {
                    "text": cell["variation"],
                    "icons": [cell["variation_icon"]] if cell["variation_icon"] else [],
                },
                {
                    "text": cell["assurance"],
                    "icons": [cell["assurance_icon"]] if cell["assurance_icon"] else [],
                },
                {"text": _latest(cell).removeprefix("Latest: "), "icons": []},
            ]
        )
    return rows


CELL_SIZE = 8.0


def _cell_lines(pdf: _Pack, width: float, cell: dict) -> list[str]:
    pdf.font(CELL_SIZE, cell.get("style", ""))
    room = width - 3 - (len(cell["icons"]) * (ICON_MM + 1) if cell["icons"] else 0)
    lines: list[str] = []
    for paragraph in pdf.plain(cell["text"]).split("\n"):
        found = pdf.multi_cell(room, 4, paragraph, dry_run=True, output="LINES")
        lines.extend(cast(list[str], found) or [""])
    return lines


def _row_height(pdf: _Pack, widths: list[float], cells: list[dict]) -> float:
    tallest = max(len(_cell_lines(pdf, w, c)) * 3.7 for w, c in zip(widths, cells, strict=True))
    has_icons = any(c["icons"] for c in cells)
    return max(tallest, ICON_MM if has_icons else 0) + 3


def _draw_row(pdf: _Pack, y: float, widths: list[float], cells: list[dict], height: float):
    x = MARGIN
    pdf.set_draw_color(*GREY)
    for w, cell in zip(widths, cells, strict=True):
        pdf.rect(x, y, w, height)
        text_x = x + 1.5
        for icon in cell["icons"]:
            pdf.image(
                io.BytesIO(_icon_png(icon)),
                x=text_x,
                y=y + 1.5,
                w=ICON_MM,
                h=ICON_MM,
                alt_text=f"Icon: {ICON_LABELS[icon]}",
            )
            text_x += ICON_MM + 1
        lines = _cell_lines(pdf, w, cell)
        for i, line in enumerate(lines):
            pdf.set_xy(text_x, y + 1.5 + i * 3.7)
            pdf.cell(w - (text_x - x) - 1.5, 3.7, line)
        x += w


CHART_GAP = 5.0
TEXT_H = 52.0  # the readings, annotations and quotes below the charts


def _chart_grid(places: int) -> tuple[int, int]:
    """(columns, rows) for one chart per place across the page's full width."""
    columns = places if places <= 3 else min(5, math.ceil(places / 2))
    return columns, math.ceil(places / columns)


def _numbered(view) -> list[tuple[int, dict]]:
    """The measure's annotations (those that stand) in period order, numbered from 1."""
    notes = view.annotations.sort("period", "place", nulls_last=False)
    return list(enumerate(notes.iter_rows(named=True), start=1))


def _measure_page(pdf: _Pack, review: MeetingReview, measure: str, alt: str) -> None:
    view = review.views[measure]
    pdf.add_page()
    name = _measure_name(review, measure)
    pdf.heading(with_unit(name, view.measure.get("unit")))
    top = pdf.get_y()
    numbered = _numbered(view)
    cells = {c["place"]: c for c in review.matrix.filter(pl.col("measure") == measure).to_dicts()}
    columns, rows = _chart_grid(len(view.places))
    grid_h = BOTTOM - TEXT_H - top - 4
    width = (BODY_W - CHART_GAP * (columns - 1)) / columns
    height = (grid_h - CHART_GAP * (rows - 1)) / rows
    for index, place in enumerate(view.places):
        box = Box(
            MARGIN + (index % columns) * (width + CHART_GAP),
            top + (index // columns) * (height + CHART_GAP),
            width,
            height,
        )
        cell = cells.get(place, {})
        icons = [n for n in (cell.get("variation_icon"), cell.get("assurance_icon")) if n]
        for i, icon in enumerate(reversed(icons)):
            pdf.image(
                io.BytesIO(_icon_png(icon)),
                x=box.x + box.w - (i + 1) * (ICON_MM - 1),
                y=box.y - 0.5,
                w=ICON_MM - 1.5,
                h=ICON_MM - 1.5,
                alt_text=f"Icon: {ICON_LABELS[icon]}",
            )
        words = "; ".join(ICON_LABELS[i] for i in icons)
        draw_series(
            pdf,
            Box(box.x, box.y, box.w - len(icons) * (ICON_MM - 1), box.h),
            view.points.filter(pl.col("place") == place),
            family=pdf.family_name,
            title=f"{review.place_name(place)}" + (f": {words}" if words else ""),
            unit=view.measure.get("unit"),
            annotations=[
                (note["period"], number_)
                for number_, note in numbered
                if note["place"] is None or note["place"] == place
            ],
        )
    # The charts' words for a screen reader: one figure over the whole grid.
    pdf.image(io.BytesIO(clear_png()), x=MARGIN, y=top, w=BODY_W, h=grid_h, alt_text=alt)
    y = BOTTOM - TEXT_H
    column_w = (BODY_W - 2 * CHART_GAP) / 3
    left, middle, right = (MARGIN + i * (column_w + CHART_GAP) for i in range(3))
    y_left = pdf.block(
        left, y, column_w, "What the charts show", size=10, style="B", colour=NHS_BLUE
    )
    readings = "\n".join(
        f"{review.place_name(c['place'])}: {c['reading']}{_not_shown(view, c['place'])}"
        for c in cells.values()
    )
    pdf.block(left, y_left + 1, column_w, readings, size=7.5)
    y_middle = pdf.block(middle, y, column_w, "Annotations", size=10, style="B", colour=NHS_BLUE)
    if not numbered:
        pdf.block(middle, y_middle + 1, column_w, "None.", size=7.5, colour=GREY)
    else:
        shown = [
            f"{n}. {period(r['period'])}, "
            f"{review.place_name(r['place']) if r['place'] else 'every place'}: "
            f"{ANNOTATION_KINDS.get(r['kind'], r['kind'])}: {r['text']}"
            + "".join(f" ({words})" for flag, words in ANNOTATION_EFFECTS.items() if r[flag])
            for n, r in numbered[:MAX_ANNOTATIONS]
        ]
        if len(numbered) > MAX_ANNOTATIONS:
            shown.append(f"and {len(numbered) - MAX_ANNOTATIONS} more in qi")
        pdf.block(middle, y_middle + 1, column_w, "\n".join(shown), size=7.5)
    _quotes(pdf, review, measure, right, y, column_w)


def _not_shown(view, place: str) -> str:
    """In a published pack, what the place's chart leaves out (its gaps, its limits)."""
    if "suppressed" not in view.points.columns:
        return ""
    hidden = view.points.filter((pl.col("place") == place) & pl.col("suppressed")).height
    if hidden == 0:
        return ""
    return (
        f" {count(hidden, 'small number')} not shown (gaps in the line); limits not drawn, "
        "the signals are from the unrounded data."
    )


def _quote(narrative: str) -> str:
    """A story's words for a quote: whole, or cut after a whole word with an ellipsis."""
    text = " ".join(narrative.split())
    if len(text) <= QUOTE_CHARACTERS:
        return text
    return text[: QUOTE_CHARACTERS + 1].rsplit(" ", 1)[0].rstrip(",;:.") + " …"


def _quotes(
    pdf: _Pack, review: MeetingReview, measure: str, x: float, y: float, width: float
) -> None:
    y = pdf.block(x, y, width, "From stories of change", size=10, style="B", colour=NHS_BLUE) + 1
    stories = review.measure_stories(measure).unique("story_id", maintain_order=True)
    quotable = stories.filter(pl.col("anonymised"))
    if stories.height == 0:
        pdf.block(x, y, width, "No stories linked to this measure yet.", size=7.5, colour=GREY)
        return
    shown = 0
    for story in quotable.head(MAX_QUOTES).iter_rows(named=True):
        source = (
            f"— {story['title']}: {VOICES.get(story['voice'], story['voice']).lower()}, "
            f"{period(story['told_on'])}"
        )
        needed = (
            len(
                cast(
                    list[str],
                    pdf.multi_cell(
                        width,
                        3.4,
                        pdf.plain(f"“{_quote(story['narrative'])}”"),
                        dry_run=True,
                        output="LINES",
                    ),
                )
            )
            * 7.5
            * 0.45
            + 8
        )
        if y + needed > BOTTOM:
            break
        y = pdf.block(x, y, width, f"“{_quote(story['narrative'])}”", size=7.5, style="I") + 0.5
        y = pdf.block(x, y, width, source, size=7, colour=GREY) + 1.5
        shown += 1
    left_out = stories.height - shown
    if left_out > 0:
        not_anonymised = stories.height - quotable.height
        words = f"{count(left_out, 'more linked story', 'more linked stories')} in qi"
        if not_anonymised:
            words += f" ({not_anonymised} not anonymised, so not quoted in a board pack)"
        pdf.block(x, y, width, words + ".", size=7, colour=GREY)


ACTION_WIDTHS = (20.0, 91.0, 55.0, 38.0, 22.0, 20.0, 23.0)
ACTION_HEADER = ("Kind", "What", "Against", "Owner", "Due", "Status", "Meeting")


def _status(action: dict, today: date) -> str:
    """An action's status in words: "Overdue" for an open action past its due day."""
    return action_status(action["status"], action["due_on"], today)


def _actions(pdf: _Pack, review: MeetingReview, today: date) -> None:
    pdf.add_page()
    pdf.heading("Actions and decisions")
    actions = review.actions
    y = pdf.get_y()
    if actions.height == 0:
        pdf.block(MARGIN, y, BODY_W, "No open actions and no decisions recorded yet.", size=10)
        return
    intro = (
        "Open actions carried forward from earlier meetings, and what recent meetings decided. "
        f"An open action past its due day on {period(today, 'day')} is marked overdue."
    )
    y = pdf.block(MARGIN, y, BODY_W, intro, size=10, colour=GREY) + 2
    widths = list(ACTION_WIDTHS)
    y = _header_row(pdf, y, widths, list(ACTION_HEADER))
    for action in actions.iter_rows(named=True):
        cells = [
            {"text": action["kind"].capitalize(), "icons": []},
            {"text": action["text"], "icons": []},
            {"text": _against(review, action), "icons": []},
            {"text": action["owner"] or "", "icons": []},
            {"text": period(action["due_on"], "day", "short"), "icons": []},
            {
                "text": _status(action, today),
                "style": "B" if _status(action, today) == "Overdue" else "",
                "icons": [],
            },
            {"text": period(action["held_on"], "day", "short"), "icons": []},
        ]
        height = _row_height(pdf, widths, cells)
        if y + height > BOTTOM:
            pdf.add_page()
            pdf.heading("Actions and decisions (continued)")
            y = _header_row(pdf, pdf.get_y(), widths, list(ACTION_HEADER))
        _draw_row(pdf, y, widths, cells, height)
        y += height


def _against(review: MeetingReview, action: dict) -> str:
    parts = []
    if action["measure"]:
        parts.append(_measure_name(review, action["measure"]))
    if action["place"]:
        parts.append(f"at {review.place_name(action['place'])}")
    if action["story"]:
        parts.append(f"story: {action['story']}")
    return " ".join(parts) or "The meeting as a whole"
