"""Numbers as people write them: ``number()``; a unit as an axis title: ``unit_title()``."""

import math


def number(
    value: float | None, unit: str | None = None, *, decimals: int = 2, figures: int | None = None
) -> str:
    """A value as people write it: thousands separated, at most ``decimals`` decimal places
    with trailing zeros dropped, never in scientific notation.

    10698 -> "10,698"; 46.7512 -> "46.75"; 0.5 -> "0.5". With a ``unit``: "95%" for "%",
    otherwise "12.5 per 1,000". ``None`` -> "".

    ``figures`` writes an estimate as a sentence gives it (an effect and its range): one
    decimal from 1 to 999 (11.0, 6.8), none from 1,000 (1,250), and below 1 that many
    significant figures (0.21 with 2, 0.2 with 1); 0.998 rounds up to 1.0, not 1.
    """
    if value is None:
        return ""
    if figures is not None:
        return _estimate(float(value), figures) + (f" {unit}" if unit else "")
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


def _estimate(x: float, figures: int) -> str:
    if not math.isfinite(x):
        return "unknown"
    rounded = float(f"{x:.{figures}g}") if abs(x) < 1 else x
    if abs(rounded) >= 1000:
        return f"{x:,.0f}"
    if abs(rounded) >= 1 or x == 0:
        return f"{x:.1f}"
    if abs(x) < 1e-4:
        return f"{x:.{figures}e}"
    return f"{rounded:.{figures}g}"


def unit_title(unit: str | None) -> str | None:
    """A measure's unit as the title of the axis its values are read on: "Per cent (%)" for
    "%", "Attendances" for "attendances", "Per 1,000 under-5s"; None without a unit."""
    if not unit or not unit.strip():
        return None
    unit = unit.strip()
    if unit == "%":
        return "Per cent (%)"
    return unit[0].upper() + unit[1:]
