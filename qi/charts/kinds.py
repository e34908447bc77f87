"""The default chart for each kind of measure, with the reason in plain words.

The chart types themselves are in ``charttypes.py``.
"""

# kind of measure -> (default chart, why)
DEFAULT_CHART: dict[str, tuple[str, str]] = {
    "count": (
        "i",
        "an XmR chart: counts of people or events per month are rarely Poisson (they vary "
        "more than a C chart assumes), and the XmR chart takes its limits from the data",
    ),
    "rate": (
        "up",
        "a Laney U' chart: a rate per population has a denominator, and with the large "
        "populations of places a plain U chart's limits are far too narrow",
    ),
    "proportion": (
        "pp",
        "a Laney P' chart: a percentage has a denominator; the P' chart keeps the P chart's "
        "varying limits but widens them for real between-month variation",
    ),
    "continuous": ("i", "an XmR chart: one measured value per period"),
    "time_between": ("t", "a T chart: times between rare events are skewed; it transforms them"),
    "cases_between": ("g", "a G chart: counts of cases between rare events are geometric"),
}


def default_chart(kind: str) -> str:
    """The chart qi draws for a kind of measure unless the measure says otherwise."""
    try:
        return DEFAULT_CHART[kind][0]
    except KeyError:
        known = ", ".join(DEFAULT_CHART)
        raise ValueError(f"unknown kind of measure {kind!r}; choose one of: {known}") from None
