"""Variation and assurance icons: qi's own small SVGs and their colours.

The engine names the icons (``qi.charts.icons``: ``improvement_high``, ``consistent_pass`` ...),
``qi.vocabulary.points.ICON_LABELS`` words them, and this module draws them. They follow the
Making Data Count colour code (grey common cause, blue improvement, orange concern, purple
neither) but are drawn here from circles, letters and simple marks, not copied from NHS
England's icon files. Every icon carries its meaning in words (an SVG ``<title>`` and
``aria-label``), so colour is never the only signal. Nothing here reads data or draws charts.
"""

import base64
from functools import cache

from qi.vocabulary.points import ICON_LABELS

# Making Data Count colours (NHS England, "Making Data Count: getting started", 2019).
COMMON_CAUSE_GREY = "#A6A6A6"
IMPROVEMENT_BLUE = "#00B0F0"
CONCERN_ORANGE = "#E46C0A"
NEUTRAL_PURPLE = "#7030A0"

ICON_COLOURS: dict[str, str] = {
    "common_cause": COMMON_CAUSE_GREY,
    "improvement_high": IMPROVEMENT_BLUE,
    "improvement_low": IMPROVEMENT_BLUE,
    "concern_high": CONCERN_ORANGE,
    "concern_low": CONCERN_ORANGE,
    "neutral_high": NEUTRAL_PURPLE,
    "neutral_low": NEUTRAL_PURPLE,
    "consistent_pass": IMPROVEMENT_BLUE,
    "consistent_fail": CONCERN_ORANGE,
    "inconsistent": COMMON_CAUSE_GREY,
}

# The marks inside the circle, on a 40 x 40 canvas. Arrows point the way the signal went.
_ARROW_UP = '<path d="M28 29 V13 M23 18 L28 12 L33 18" {stroke}/>'
_ARROW_DOWN = '<path d="M28 11 V27 M23 22 L28 28 L33 22" {stroke}/>'
_ZIGZAG = '<path d="M9 22 L14 16 L19 24 L24 15 L29 23 L32 19" {stroke}/>'
_TICK = '<path d="M23 21 L27 26 L33 15" {stroke}/>'
_CROSS = '<path d="M23 15 L32 25 M32 15 L23 25" {stroke}/>'
_WAVE = '<path d="M22 21 Q25 14 28 21 T34 21" {stroke}/>'


def _letter(text: str, colour: str, x: int = 15) -> str:
    return (
        f'<text x="{x}" y="26" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="15" font-weight="bold" fill="{colour}">{text}</text>'
    )


def _marks(name: str, colour: str) -> str:
    stroke = f'fill="none" stroke="{colour}" stroke-width="2.5" stroke-linecap="round"'
    if name == "common_cause":
        return _ZIGZAG.format(stroke=stroke)
    if name.endswith(("_high", "_low")):
        high = name.endswith("_high")
        arrow = _ARROW_UP if high else _ARROW_DOWN
        return _letter("H" if high else "L", colour) + arrow.format(stroke=stroke)
    letter, mark = {
        "consistent_pass": ("P", _TICK),
        "consistent_fail": ("F", _CROSS),
        "inconsistent": ("?", _WAVE),
    }[name]
    return _letter(letter, colour) + mark.format(stroke=stroke)


@cache
def icon_svg(name: str, size: int = 40) -> str:
    """The icon as a standalone SVG document, titled with its meaning in words."""
    if name not in ICON_LABELS:
        known = ", ".join(ICON_LABELS)
        raise ValueError(f"unknown icon {name!r}; choose one of: {known}")
    colour, label = ICON_COLOURS[name], ICON_LABELS[name]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 40 40" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<circle cx="20" cy="20" r="17.5" fill="white" stroke="{colour}" stroke-width="3"/>'
        f"{_marks(name, colour)}</svg>"
    )


@cache
def icon_data_url(name: str) -> str:
    """The icon as a ``data:`` URL, for an image mark in a chart or an ``<img>`` on a page."""
    encoded = base64.b64encode(icon_svg(name).encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
