"""Fingertips funnel plots as PHEindicatormethods 2.1.0 computes them (R/Funnels.R, R/utils.R),
for every comparison at once: the units' confidence intervals, their funnel significance and the
100-row limit curves of ``calculate_funnel_limits()``. There is no over-dispersion adjustment.

- proportion: each unit's p = O/n is compared with the inverted-Wilson limits at its n
  (``sigma_adjustment()``): the proportions whose Wilson upper (or lower) bound at 97.5% or
  99.9% one-sided is the average ΣO/Σn. Not clipped: they can fall below 0 or above 1 at tiny n.
- ratio (observed / expected): 1 is compared with the unit's own exact (under 10 events) or
  Byar interval of O/E at 95% and 99.8%: a test, not a funnel around E.
- rate: the weighted average ΣO/Σd is compared with the unit's interval of O/d, where d is the
  denominator derived from the rate (multiplier × O / rate; the denominator for no events).
  Directly standardised rates with fewer than 10 events are "Not applicable".

Labels, first that applies: Low (0.001), Low (0.025), High (0.001), High (0.025) for
proportions; High (0.001), High (0.025), Low (0.001), Low (0.025) for ratios and rates; else
Not significant. Inequalities are strict.

The curves: 100 denominators (or observed counts, or events) from the axis minimum to the axis
maximum, spaced closer at the small end. Proportion limits are the inverted-Wilson limits clipped
to [0, 100]; ratio and rate limits are exact Poisson, found by bisection on the Poisson tail for
each count (``poisson_funnel()``), as PHE computes them.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from qi.charts.funnel_arguments import COMPARISON, RATE, FunnelOptions
from qi.charts.funnel_constants import (
    BYAR_MIN_EVENTS,
    PHE_AXIS_DOWN,
    PHE_AXIS_UP,
    PHE_BISECTION_START,
    PHE_BISECTION_TOLERANCE,
    PHE_COUNT_OFFSET,
    PHE_CURVE_ROWS,
    PHE_ISR_SCALE,
    PHE_LEVEL_95,
    PHE_LEVEL_998,
    PHE_P_95,
    PHE_P_998,
    PHE_PROPORTION_CEILING,
    PHE_TAIL_95,
    PHE_TAIL_998,
)
from qi.charts.funnel_distributions import (
    Floats,
    normal_quantile,
    poisson_at_least,
    poisson_at_most,
)
from qi.charts.funnel_intervals import poisson_count_interval, significance_limit, wilson

NOT_SIGNIFICANT = "Not significant"
NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"
HIGH_998, HIGH_95, LOW_998, LOW_95 = "High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"
SIGNIFICANCE = (HIGH_998, HIGH_95, LOW_998, LOW_95, NOT_SIGNIFICANT, NOT_APPLICABLE)

# The four funnel limits: (name, one-sided probability, its tail, side).
_FUNNEL = (
    ("lower_95", PHE_P_95, PHE_TAIL_95, "low"),
    ("upper_95", PHE_P_95, PHE_TAIL_95, "high"),
    ("lower_998", PHE_P_998, PHE_TAIL_998, "low"),
    ("upper_998", PHE_P_998, PHE_TAIL_998, "high"),
)


def level_label(confidence: float) -> str:
    """A confidence level in column names: 0.95 -> "95", 0.998 -> "998"."""
    return f"{confidence * 100:g}".replace(".", "")


def inverted_wilson(p: float, population: Floats, average: Floats, side: str) -> Floats:
    """``sigma_adjustment(p, population, average, side, 1)``: the proportion at ``population``
    whose Wilson bound (one-sided ``p``) is the average; term by term as PHE writes it."""
    q2 = float(normal_quantile(p)) ** 2
    first = average * (population / q2 + 1)
    with np.errstate(invalid="ignore"):
        adjustment = np.sqrt(
            (-8 * average * (population / q2 + 1)) ** 2
            - 64
            * (1 / q2 + 1 / population)
            * average
            * (population * (average * (population / q2 + 2) - 1) + q2 * (average - 1))
        )
    last = 1 / q2 + 1 / population
    limit = (first - adjustment / 8) / last if side == "low" else (first + adjustment / 8) / last
    return np.asarray(limit / population, dtype=np.float64)


Indices = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
Column = npt.NDArray[Any]


def _label(conditions: list[tuple[Flags, str]], default: str = NOT_SIGNIFICANT) -> Column:
    """R's ``case_when``: the first true condition's label (missing counts as false)."""
    labels = np.full(len(conditions[0][0]), default, dtype=object)
    decided = np.zeros(len(labels), dtype=bool)
    for condition, label in conditions:
        hit = np.asarray(condition, dtype=bool) & ~decided
        labels[hit] = label
        decided |= hit
    return labels


def _derived_denominator(
    x: Floats, n: Floats, rate: Floats | None, checked: FunnelOptions
) -> Floats:
    """PHE's derived denominator of a rate: multiplier × O / rate; for no events the denominator
    (crude) or missing (directly standardised)."""
    m = checked.multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        from_rate = m * x / rate if rate is not None else n
    empty = n if checked.rate_type == "crude" else np.full(len(x), np.nan)
    return np.asarray(np.where(x == 0, empty, from_rate), dtype=np.float64)


def _per_comparison(values: Floats, comparison: Indices, count: int) -> Floats:
    """Sum of ``values`` (missing ignored) per comparison."""
    sums = np.bincount(comparison, weights=np.nan_to_num(values), minlength=count)
    return np.asarray(sums, dtype=np.float64)


def points(units: pl.DataFrame, checked: FunnelOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The units with their value, confidence intervals (``ci_lower_95``, ...), funnel limits
    (proportions) and ``significance``; and one row per comparison with ``units`` and
    ``target`` (the average the funnel is centred on: ΣO/Σn, 1, or the weighted average rate)."""
    x = units.get_column("numerator").to_numpy()
    n = units.get_column("denominator").to_numpy()
    g = units.get_column(COMPARISON).to_numpy().astype(np.int64)
    count = int(g.max()) + 1 if len(g) else 0
    m = checked.multiplier
    columns: dict[str, Column] = {}
    statistic = checked.statistic
    if statistic == "proportion":
        columns["value"] = x / n * m
        for level in checked.confidence:
            lower, upper = wilson(x, n, level)
            columns[f"ci_lower_{level_label(level)}"] = lower * m
            columns[f"ci_upper_{level_label(level)}"] = upper * m
        columns["ci_method"] = np.full(len(x), "Wilson", dtype=object)
        target = _per_comparison(x, g, count) / _per_comparison(n, g, count)
        average = target[g]
        limits = {name: inverted_wilson(p, n, average, side) for name, p, _, side in _FUNNEL}
        columns.update(limits)
        p = x / n
        columns["significance"] = _label(
            [
                (p < limits["lower_998"], LOW_998),
                (p < limits["lower_95"], LOW_95),
                (p > limits["upper_998"], HIGH_998),
                (p > limits["upper_95"], HIGH_95),
            ]
        )
    else:
        columns["value"] = x / n * m
        for level in checked.confidence:
            lower, upper = poisson_count_interval(x, level)
            columns[f"ci_lower_{level_label(level)}"] = lower / n * m
            columns[f"ci_upper_{level_label(level)}"] = upper / n * m
        columns["ci_method"] = np.where(x < BYAR_MIN_EVENTS, "Exact", "Byars").astype(object)
        if statistic == "ratio":
            reference, expected = np.ones(len(x)), n
            target = np.ones(count)
        else:
            rate = units.get_column(RATE).to_numpy() if checked.rate is not None else None
            expected = _derived_denominator(x, n, rate, checked)
            target = _per_comparison(x, g, count) / _per_comparison(expected, g, count)
            reference = target[g]
        bound = {
            (level, side): significance_limit(x, expected, level, side)
            for level in (PHE_LEVEL_998, PHE_LEVEL_95)
            for side in ("low", "high")
        }
        with np.errstate(invalid="ignore"):
            columns["significance"] = _label(
                [
                    (reference < bound[(PHE_LEVEL_998, "low")], HIGH_998),
                    (reference < bound[(PHE_LEVEL_95, "low")], HIGH_95),
                    (reference > bound[(PHE_LEVEL_998, "high")], LOW_998),
                    (reference > bound[(PHE_LEVEL_95, "high")], LOW_95),
                ]
            )
        if statistic == "rate":
            columns.update(_rate_points(x, n, rate, columns, checked))
    frame = units.with_columns(
        pl.Series(name, values, dtype=pl.String if name in _TEXT else pl.Float64)
        for name, values in columns.items()
    )
    comparisons = pl.DataFrame(
        {
            COMPARISON: np.arange(count, dtype=np.uint32),
            "units": np.bincount(g, minlength=count).astype(np.uint32),
            "target": target,
        }
    )
    return frame, comparisons


_TEXT = ("ci_method", "significance")


def _rate_points(
    x: Floats, n: Floats, rate: Floats | None, columns: dict[str, Column], checked: FunnelOptions
) -> dict[str, Column]:
    """``calculate_funnel_points()``: the rate to chart and the denominator per year; for
    directly standardised rates with fewer than 10 events, neither (and no significance)."""
    m, years = checked.multiplier, checked.years_of_data
    given = rate if rate is not None else x / n * m
    if rate is None:
        per_year = n / years
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            per_year = np.where(x == 0, n / years, (m * x / rate) / years)
    if checked.rate_type == "dsr":
        few = x < BYAR_MIN_EVENTS
        significance = np.asarray(columns["significance"], dtype=object)
        significance[few] = NOT_APPLICABLE
        return {
            "significance": significance,
            "rate": given,
            "rate_chart": np.where(few, np.nan, given),
            "denominator_derived": np.where(few, np.nan, per_year),
        }
    return {"rate": given, "rate_chart": given, "denominator_derived": per_year}


# --- calculate_funnel_limits() ---------------------------------------------------------------------


def _r_nchar(whole: Floats) -> Floats:
    """``nchar(x)`` of whole numbers as R prints them (``as.character``): fixed notation unless
    scientific is narrower (100000 is "1e+05", 5 characters; 120000 is "120000")."""
    widths = np.empty(len(whole))
    for i, value in enumerate(whole):
        digits = str(int(value)) if value >= 1 else "0"
        significant = len(digits.rstrip("0")) or 1
        exponent = len(digits) - 1
        scientific = (1 if significant == 1 else significant + 1) + (4 if exponent < 100 else 5)
        widths[i] = len(digits) if len(digits) <= scientific else scientific
    return widths


def _axis_floor(x: Floats) -> Floats:
    """PHE's ``signif.floor(x)``: 95% of x, rounded down to its leading digit."""
    down = np.floor(x * PHE_AXIS_DOWN)
    power = 10.0 ** (_r_nchar(down) - 1)
    return np.where(x == 0, 0.0, np.floor(x * PHE_AXIS_DOWN / power) * power)


def _axis_ceiling(x: Floats) -> Floats:
    """PHE's ``signif.ceiling(x)``: 105% of x, rounded up to two digits."""
    up = np.ceil(x * PHE_AXIS_UP)
    power = 10.0 ** (_r_nchar(up) - 2)
    return np.where(x == 0, 0.0, np.ceil(x * PHE_AXIS_UP / power) * power)


def _axis(minimum: Floats, maximum: Floats, offset: int) -> Floats:
    """The 100 curve points per comparison (one row per comparison): from max(1, minimum), each
    max(round((maximum / previous)^(1 / (101 - j + offset)) × previous), previous + 1)."""
    points = np.empty((len(minimum), PHE_CURVE_ROWS))
    points[:, 0] = np.maximum(1.0, minimum)
    for j in range(2, PHE_CURVE_ROWS + 1):
        previous = points[:, j - 2]
        exponent = 1 / (PHE_CURVE_ROWS + 1 - (j - offset))
        points[:, j - 1] = np.maximum(
            np.round((maximum / previous) ** exponent * previous), previous + 1
        )
    return points


def poisson_funnel(observed: Floats, p: float, side: str) -> Floats:
    """``poisson_funnel(obs, p, side)``: the expected count at which ``observed`` lies on the
    exact Poisson limit, by PHE's bisection on v = E / (1 + O + E); ``side="low"`` finds E with
    P(K >= O) = p (the upper limit's E), ``"high"`` E with P(K <= O) = p (the lower limit's)."""
    v = np.full(len(observed), PHE_BISECTION_START)
    step = PHE_BISECTION_START
    while step > PHE_BISECTION_TOLERANCE:
        step /= 2
        mean = (1 + observed) * v / (1 - v)
        if side == "low":
            down = poisson_at_least(observed, mean) > p
        else:
            down = poisson_at_most(observed, mean) < p
        v = np.where(down, v - step, v + step)
    return np.asarray((1 + observed) * v / (1 - v), dtype=np.float64)


def curves(units: pl.DataFrame, comparisons: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Every comparison's 100-row curve of ``calculate_funnel_limits()`` (with ``COMPARISON``)."""
    x = units.get_column("numerator").to_numpy()
    n = units.get_column("denominator").to_numpy()
    g = units.get_column(COMPARISON).to_numpy().astype(np.int64)
    statistic, m, years = checked.statistic, checked.multiplier, checked.years_of_data
    if statistic == "rate":
        rate = units.get_column(RATE).to_numpy() if checked.rate is not None else None
        derived = _derived_denominator(x, n, rate, checked)
    else:
        derived = n
    spread = (
        pl.DataFrame({COMPARISON: g, "d": derived}, schema_overrides={"d": pl.Float64})
        .fill_nan(None)
        .group_by(COMPARISON)
        .agg(pl.col("d").min().alias("low"), pl.col("d").max().alias("high"))
        .sort(COMPARISON)
    )
    low, high = spread.get_column("low").to_numpy(), spread.get_column("high").to_numpy()
    count = len(low)
    average = _per_comparison(x, g, count) / _per_comparison(derived, g, count)
    if statistic == "rate":
        minimum = np.where(high > 2 * low, 0.0, _axis_floor(low / years) * years)
        maximum = _axis_ceiling(high / years) * years
        minimum, maximum = np.floor(minimum * average), np.ceil(maximum * average)
    else:
        minimum = np.where(high > 2 * low, 0.0, _axis_floor(low))
        maximum = _axis_ceiling(high)
    axis = _axis(minimum, maximum, offset=1 if statistic == "ratio" else 0)
    along = axis.ravel()
    comparison = np.repeat(np.arange(count), PHE_CURVE_ROWS)
    av = average[comparison]
    columns: dict[str, Floats] = {}
    if statistic == "proportion":
        for name, p, _, side in _FUNNEL:
            limit = inverted_wilson(p, along, av, side) * m
            columns[name] = (
                np.maximum(0.0, limit)
                if side == "low"
                else np.minimum(PHE_PROPORTION_CEILING, limit)
            )
        columns["baseline"] = av * m
        first = "population"
    else:
        for name, _, tail, side in _FUNNEL:
            # The lower limit lies where P(K <= O) = 0.025 (or 0.001): poisson_funnel "high".
            expected = poisson_funnel(along, tail, "high" if side == "low" else "low")
            if statistic == "ratio":
                columns[f"{name}_expected"] = expected
                limit = along / expected
                columns[name] = (
                    limit * PHE_ISR_SCALE
                    if checked.ratio_type == "isr"
                    else limit - PHE_COUNT_OFFSET
                )
            else:
                population = expected / av
                columns[f"{name}_population"] = population / years
                columns[name] = along / population * m
        if statistic == "rate":
            columns["baseline"] = av * m
        first = "observed" if statistic == "ratio" else "events"
    return pl.DataFrame({COMPARISON: comparison.astype(np.uint32), first: along, **columns})
