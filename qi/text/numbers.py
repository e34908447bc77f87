"""Numbers as people write them: ``number()``; a unit as an axis title: ``unit_title()``."""

import math


def number(value: float | None, unit: str | None = None, *, decimals: int = 2) -> str:
    """A value as people write it: thousands separated, at most ``decimals`` decimal places
    with trailing zeros dropped, never in scientific notation.

    10698 -> "10,698"; 46.7512 -> "46.75"; 0.5 -> "0.5". With a ``unit``: "95%" for "%",
    otherwise "12.5 per 1,000". ``None`` -> "".
    """
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        text = str(value)
    else:
        text = f"{value:,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text == "-0":
            text = "0"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def unit_title(unit: str | None) -> str | None:
    """A measure's unit as the title of the axis its values are read on: "Per cent (%)" for
    "%", "Attendances" for "attendances", "Per 1,000 under-5s"; None without a unit."""
    if not unit or not unit.strip():
        return None
    unit = unit.strip()
    if unit == "%":
        return "Per cent (%)"
    return unit[0].upper() + unit[1:]
