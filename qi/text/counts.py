"""Counts of things with their noun: ``count()``."""

from qi.charts.rules import NUMBER_WORDS
from qi.text.numbers import number


def count(
    n: int, one: str, many: str | None = None, *, zero: str | None = None, spelled: bool = False
) -> str:
    """``n`` things, the noun singular or plural: "1 story", "3 stories", "12 phases".

    ``many`` defaults to ``one`` + "s". ``zero`` words none ("no new signals" with
    ``zero="no"``); ``spelled`` writes numbers up to twenty in words ("seven months").
    """
    noun = one if n == 1 else (many if many is not None else f"{one}s")
    if n == 0 and zero is not None:
        return f"{zero} {noun}"
    if spelled and 0 <= n < len(NUMBER_WORDS):
        return f"{NUMBER_WORDS[n]} {noun}"
    return f"{number(n)} {noun}"
