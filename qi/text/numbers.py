"""Numbers as people write them: ``number()``."""

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
