"""Chart types and rule sets in words.

Their words are the engine's own, kept in its registries and re-exported here:
``CHART_TYPES[code].title`` ("Laney P' chart") and ``.description`` (when it is the right
chart); ``RULE_SETS[name].title``, ``.words(rule, high)`` and ``.label(rule, high)``. Added
here: what each chart calls its centre line.
"""

from qi.charts import CHART_TYPES, RULE_SETS
from qi.vocabulary.terms import Vocabulary

_CENTRES = {"run": "median", "g": "centre line"}
CENTRE_WORDS = Vocabulary("chart type", {code: _CENTRES.get(code, "mean") for code in CHART_TYPES})


def centre_word(chart: str | None) -> str:
    """What a chart's centre line is, in a sentence: "median", "mean", "centre line"."""
    return CENTRE_WORDS.get(chart or "", "mean")


__all__ = ["CENTRE_WORDS", "CHART_TYPES", "RULE_SETS", "centre_word"]
