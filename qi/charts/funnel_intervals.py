"""Confidence intervals of PHEindicatormethods 2.1.0 (R/utils.R, R/Proportions.R, R/Rates.R,
R/ISRatio.R), on numpy arrays:

- Wilson score interval for a proportion x / n (Wilson 1927; Newcombe & Altman 2000):
  (2x + z² ∓ z √(z² + 4x(1 − x/n))) / (2(n + z²)).
- Intervals for a Poisson count x: exact below 10 events (Armitage & Berry 2002),
  qchisq(α/2, 2x) / 2 and qchisq(1 − α/2, 2x + 2) / 2; Byar's approximation from 10 (Breslow &
  Day 1987), x (1 − 1/(9x) − z/(3√x))³ and (x + 1)(1 − 1/(9(x + 1)) + z/(3√(x + 1)))³.
  Divide by the denominator (or the expected count) for a rate (or a ratio).
- ``funnel_ratio_significance()``: the same Poisson limits at 0.95 or 0.998, as the funnel
  significance test of ratios and rates uses them (0 for the lower limit of no events).

z = qnorm(confidence + (1 − confidence) / 2), computed in that order, as PHE does.
"""

from collections.abc import Callable

import numpy as np
import polars as pl

from qi.charts.funnel_constants import BYAR_MIN_EVENTS
from qi.charts.funnel_distributions import (
    Floats,
    half_chisq_lower,
    half_chisq_upper,
    normal_quantile,
)


def two_sided_z(confidence: float) -> float:
    """PHE's ``qnorm(confidence + (1 - confidence) / 2)``."""
    return float(normal_quantile(confidence + (1 - confidence) / 2))


def wilson(x: pl.Expr, n: pl.Expr, confidence: float) -> tuple[pl.Expr, pl.Expr]:
    """``wilson_lower()`` and ``wilson_upper()``."""
    z = two_sided_z(confidence)
    spread = z * (z**2 + 4 * x * (1 - (x / n))).sqrt()
    return (2 * x + z**2 - spread) / 2 / (n + z**2), (2 * x + z**2 + spread) / 2 / (n + z**2)


def byar(x: Floats, confidence: float) -> tuple[Floats, Floats]:
    """``byars_lower()`` (missing when negative) and ``byars_upper()``."""
    z = two_sided_z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    return np.where(lower < 0, np.nan, lower), upper


def _exact_below(x: Floats, values: Floats, exact: Callable[[Floats], Floats]) -> Floats:
    """``values`` with the counts under ``BYAR_MIN_EVENTS`` replaced by ``exact`` of them (the
    chi-squared quantiles only where they are used)."""
    few = x < BYAR_MIN_EVENTS
    if few.any():
        values = values.copy()
        values[few] = exact(x[few])
    return values


def poisson_count_interval(x: Floats, confidence: float) -> tuple[Floats, Floats]:
    """The interval of an observed count: exact below ``BYAR_MIN_EVENTS``, Byar's from there
    (``phe_rate()``, ``calculate_ISRatio()``)."""
    byar_lower, byar_upper = byar(x, confidence)
    lower = _exact_below(x, byar_lower, lambda few: half_chisq_lower((1 - confidence) / 2, few))
    upper = _exact_below(
        x, byar_upper, lambda few: half_chisq_lower(confidence + (1 - confidence) / 2, few + 1)
    )
    return lower, upper


def significance_limit(x: Floats, expected: Floats, level: float, side: str) -> Floats:
    """``funnel_ratio_significance(obs, expected, p, side)``: the lower (``side="low"``) or
    upper (``"high"``) Poisson limit of x / expected at two-sided ``level``."""
    p = 0.5 + level / 2
    z = float(normal_quantile(p))
    with np.errstate(divide="ignore", invalid="ignore"):
        if side == "low":
            byars = x * (1 - 1 / (9 * x) - z / 3 / np.sqrt(x)) ** 3
            count = _exact_below(x, byars, lambda few: half_chisq_upper(p, few))
            count = np.where(x == 0, 0.0, count)
        else:
            byars = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / 3 / np.sqrt(x + 1)) ** 3
            count = _exact_below(x, byars, lambda few: half_chisq_lower(p, few + 1))
        return np.asarray(count / expected, dtype=np.float64)
