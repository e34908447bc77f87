"""The words of a measure's definition: which way is better, what kind of measure it is, and
how often it is counted.

The store checks these codes (``qi.store.models``), a definitions file is read against them
(``qi.ingest.definitions``) and a measure's review maps them onto the engine
(``ENGINE_DIRECTIONS``, ``RATIO_KINDS``).
"""

from qi.charts import DEFAULT_CHART
from qi.vocabulary.terms import Vocabulary

IMPROVEMENT = Vocabulary(
    "improvement direction",
    {
        "up": "higher is better",
        "down": "lower is better",
        "neither": "neither higher nor lower is better",
    },
)
# The engine's word for each (``spc(direction=...)``: qi.charts.icons.DIRECTIONS).
ENGINE_DIRECTIONS: dict[str, str] = {"up": "increase", "down": "decrease", "neither": "neutral"}
# What a definitions file may write instead of a code.
IMPROVEMENT_ALIASES: dict[str, str] = {
    "increase": "up",
    "higher": "up",
    "decrease": "down",
    "lower": "down",
}

_KIND_WORDS = {
    "count": "a count of people or events",
    "rate": "a rate per population",
    "proportion": "a proportion (a percentage)",
    "continuous": "a measured value",
    "time_between": "the time between rare events",
    "cases_between": "the number of cases between rare events",
}
# In the engine's order (qi.charts.DEFAULT_CHART: each kind's default chart and why).
MEASURE_KINDS = Vocabulary("kind of measure", {kind: _KIND_WORDS[kind] for kind in DEFAULT_CHART})
# Charted as a numerator over a denominator.
RATIO_KINDS = ("rate", "proportion")
# Whose values cannot be below zero (every kind but a measured value).
NON_NEGATIVE_KINDS = tuple(kind for kind in MEASURE_KINDS if kind != "continuous")

FREQUENCIES = Vocabulary(
    "frequency",
    {"week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "yearly"},
)
