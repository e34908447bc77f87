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

import numpy as np
import polars as pl

from qi.charts.funnel_arguments import COMPARISON, RATE, FunnelOptions, per_comparison
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


def inverted_wilson(p: float, population: pl.Expr, average: pl.Expr, side: str) -> pl.Expr:
    """``sigma_adjustment(p, population, average, side, 1)``: the proportion at ``population``
    whose Wilson bound (one-sided ``p``) is the average; term by term as PHE writes it."""
    q2 = float(normal_quantile(p)) ** 2
    first = average * (population / q2 + 1)
    adjustment = (
        (-8 * average * (population / q2 + 1)) ** 2
        - 64
        * (1 / q2 + 1 / population)
        * average
        * (population * (average * (population / q2 + 2) - 1) + q2 * (average - 1))
    ).sqrt()
    last = 1 / q2 + 1 / population
    limit = (first - adjustment / 8) / last if side == "low" else (first + adjustment / 8) / last
    return limit / population


def _label(conditions: list[tuple[pl.Expr, str]], default: str = NOT_SIGNIFICANT) -> pl.Expr:
    """R's ``case_when``: the first true condition's label (missing counts as false)."""
    label = pl.lit(default)
    for condition, text in reversed(conditions):
        label = pl.when(condition).then(pl.lit(text)).otherwise(label)
    return label


def _derived_denominator(checked: FunnelOptions) -> pl.Expr:
    """PHE's derived denominator of a rate: multiplier × O / rate; for no events the denominator
    (crude) or missing (directly standardised)."""
    x, n = pl.col("numerator"), pl.col("denominator")
    from_rate = checked.multiplier * x / pl.col(RATE) if checked.rate is not None else n
    empty = n if checked.rate_type == "crude" else pl.lit(None, pl.Float64)
    return pl.when(x == 0).then(empty).otherwise(from_rate)


def _averages(units: pl.DataFrame, denominator: pl.Expr) -> pl.DataFrame:
    """Per comparison, in order: the number of units and ΣO / Σd (missing d ignored)."""
    return (
        units.group_by(COMPARISON)
        .agg(
            pl.len().alias("units"),
            (pl.col("numerator").sum() / denominator.sum()).alias("target"),
        )
        .sort(COMPARISON)
    )


def _poisson_columns(units: pl.DataFrame, checked: FunnelOptions) -> list[pl.Series]:
    """The exact or Byar intervals of O / n (× multiplier) at each confidence level."""
    x = units.get_column("numerator").to_numpy()
    n = units.get_column("denominator").to_numpy()
    columns = []
    for level in checked.confidence:
        lower, upper = poisson_count_interval(x, level)
        label = level_label(level)
        columns.append(pl.Series(f"ci_lower_{label}", lower / n * checked.multiplier))
        columns.append(pl.Series(f"ci_upper_{label}", upper / n * checked.multiplier))
    return columns


def _tested(units: pl.DataFrame, expected: pl.Expr, reference: pl.Expr) -> pl.Expr:
    """``assign_funnel_significance()`` of ratios and rates: ``reference`` against each unit's
    own Poisson interval of O / ``expected`` at 99.8% and 95%."""
    x = units.get_column("numerator").to_numpy()
    e = units.select(expected).to_series().to_numpy()
    bound = {
        (level, side): pl.lit(pl.Series(significance_limit(x, e, level, side)))
        for level in (PHE_LEVEL_998, PHE_LEVEL_95)
        for side in ("low", "high")
    }
    return _label(
        [
            (reference < bound[(PHE_LEVEL_998, "low")], HIGH_998),
            (reference < bound[(PHE_LEVEL_95, "low")], HIGH_95),
            (reference > bound[(PHE_LEVEL_998, "high")], LOW_998),
            (reference > bound[(PHE_LEVEL_95, "high")], LOW_95),
        ]
    )


def points(units: pl.DataFrame, checked: FunnelOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The units with their value, confidence intervals (``ci_lower_95``, ...), funnel limits
    (proportions) and ``significance``; and one row per comparison with ``units`` and
    ``target`` (the average the funnel is centred on: ΣO/Σn, 1, or the weighted average rate)."""
    x, n, m = pl.col("numerator"), pl.col("denominator"), checked.multiplier
    statistic = checked.statistic
    value = (x / n * m).alias("value")
    if statistic == "proportion":
        comparisons = _averages(units, n)
        average = per_comparison(comparisons["target"])
        intervals = []
        for level in checked.confidence:
            lower, upper = wilson(x, n, level)
            intervals.append((lower * m).alias(f"ci_lower_{level_label(level)}"))
            intervals.append((upper * m).alias(f"ci_upper_{level_label(level)}"))
        limits = [inverted_wilson(p, n, average, side).alias(name) for name, p, _, side in _FUNNEL]
        frame = units.with_columns(value, *intervals, pl.lit("Wilson").alias("ci_method"), *limits)
        share = x / n
        return frame.with_columns(
            _label(
                [
                    (share < pl.col("lower_998"), LOW_998),
                    (share < pl.col("lower_95"), LOW_95),
                    (share > pl.col("upper_998"), HIGH_998),
                    (share > pl.col("upper_95"), HIGH_95),
                ]
            ).alias("significance")
        ), comparisons
    method = pl.when(x < BYAR_MIN_EVENTS).then(pl.lit("Exact")).otherwise(pl.lit("Byars"))
    frame = units.with_columns(value, *_poisson_columns(units, checked), method.alias("ci_method"))
    if statistic == "ratio":
        comparisons = _averages(units, n).with_columns(pl.lit(1.0).alias("target"))
        return frame.with_columns(_tested(units, n, pl.lit(1.0)).alias("significance")), comparisons
    derived = _derived_denominator(checked)
    comparisons = _averages(units, derived)
    significance = _tested(units, derived, per_comparison(comparisons["target"]))
    return frame.with_columns(significance.alias("significance")).with_columns(
        _rate_points(checked)
    ), comparisons


def _rate_points(checked: FunnelOptions) -> list[pl.Expr]:
    """``calculate_funnel_points()``: the rate to chart and the denominator per year; for
    directly standardised rates with fewer than 10 events, neither (and no significance)."""
    x, n = pl.col("numerator"), pl.col("denominator")
    m, years = checked.multiplier, checked.years_of_data
    if checked.rate is None:
        rate, per_year = x / n * m, n / years
    else:
        rate = pl.col(RATE)
        per_year = pl.when(x == 0).then(n / years).otherwise((m * x / rate) / years)
    if checked.rate_type == "dsr":
        few = x < BYAR_MIN_EVENTS
        return [
            pl.when(few)
            .then(pl.lit(NOT_APPLICABLE))
            .otherwise(pl.col("significance"))
            .alias("significance"),
            rate.alias("rate"),
            pl.when(few).then(None).otherwise(rate).alias("rate_chart"),
            pl.when(few).then(None).otherwise(per_year).alias("denominator_derived"),
        ]
    return [rate.alias("rate"), rate.alias("rate_chart"), per_year.alias("denominator_derived")]


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
    P(K >= O) = p (the upper limit's E), ``"high"`` E with P(K <= O) = p (the lower limit's).
    Each distinct count is bisected once: curves of many comparisons share most counts."""
    distinct, where = np.unique(observed, return_inverse=True)
    return _bisect(distinct, p, side)[where]


def _bisect(observed: Floats, p: float, side: str) -> Floats:
    """PHE's bisection for each count (distinct counts: see ``poisson_funnel()``)."""
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
    """Every comparison's 100-row curve of ``calculate_funnel_limits()`` (with ``COMPARISON``):
    from the comparison's average (``comparisons["target"]``) and its smallest and largest
    (derived) denominators."""
    statistic, m, years = checked.statistic, checked.multiplier, checked.years_of_data
    derived = _derived_denominator(checked) if statistic == "rate" else pl.col("denominator")
    spread = (
        units.group_by(COMPARISON)
        .agg(derived.min().alias("low"), derived.max().alias("high"))
        .sort(COMPARISON)
    )
    low, high = spread.get_column("low").to_numpy(), spread.get_column("high").to_numpy()
    average = comparisons.get_column("target").to_numpy()
    if statistic == "rate":
        minimum = np.where(high > 2 * low, 0.0, _axis_floor(low / years) * years)
        maximum = _axis_ceiling(high / years) * years
        minimum, maximum = np.floor(minimum * average), np.ceil(maximum * average)
    else:
        minimum = np.where(high > 2 * low, 0.0, _axis_floor(low))
        maximum = _axis_ceiling(high)
    along = _axis(minimum, maximum, offset=1 if statistic == "ratio" else 0).ravel()
    comparison = np.repeat(np.arange(len(low), dtype=np.uint32), PHE_CURVE_ROWS)
    av = average[comparison]
    if statistic == "proportion":
        curve = pl.DataFrame({COMPARISON: comparison, "population": along, "_average": av})
        population, mean = pl.col("population"), pl.col("_average")
        limits = []
        for name, p, _, side in _FUNNEL:
            bound = inverted_wilson(p, population, mean, side) * m
            if side == "low":
                limits.append(pl.when(bound < 0).then(0.0).otherwise(bound).alias(name))
            else:
                ceiling = PHE_PROPORTION_CEILING
                limits.append(pl.when(bound > ceiling).then(ceiling).otherwise(bound).alias(name))
        return curve.with_columns(*limits, (mean * m).alias("baseline")).drop("_average")
    columns: dict[str, Floats] = {}
    for name, _, tail, side in _FUNNEL:
        # The lower limit lies where P(K <= O) = 0.025 (or 0.001): poisson_funnel "high".
        expected = poisson_funnel(along, tail, "high" if side == "low" else "low")
        if statistic == "ratio":
            columns[f"{name}_expected"] = expected
            limit = along / expected
            isr = checked.ratio_type == "isr"
            columns[name] = limit * PHE_ISR_SCALE if isr else limit - PHE_COUNT_OFFSET
        else:
            population = expected / av
            columns[f"{name}_population"] = population / years
            columns[name] = along / population * m
    if statistic == "rate":
        columns["baseline"] = av * m
    first = "observed" if statistic == "ratio" else "events"
    return pl.DataFrame({COMPARISON: comparison, first: along, **columns})
