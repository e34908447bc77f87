"""Which model each kind of measure gets, how its effects are reported, and its second method.

| kind | model | reported as | second method |
|---|---|---|---|
| count | Poisson GLM, quasi scale | rate ratio | negative binomial GLM |
| rate | Poisson GLM, log(population) offset, quasi scale | rate ratio | negative binomial GLM |
| proportion | binomial GLM, quasi scale | odds ratio and percentage points | AR(1) errors on the percentage |
| continuous | OLS, Newey–West errors (prewhitened, for short series) | difference | AR(1) errors (ARIMA(1,0,0) with regressors) |

The quasi scale (Pearson chi-squared over its degrees of freedom) widens the intervals for
month-to-month variation beyond the Poisson or binomial. The second method asks whether the
conclusion rests on the first model's assumptions: the negative binomial models extra variation
another way (variance mu + mu^2 / theta); for proportions and continuous values, regression with
AR(1) errors models the correlation of neighbouring months, which least squares and the GLMs
ignore (for proportions it works on the percentage, so the link function differs too).
"""

from dataclasses import dataclass

import numpy as np

from qi.effects import fitting
from qi.effects.calendar import Array


@dataclass(frozen=True)
class Method:
    """A model for one kind of measure: its name, link and the scale its effects are reported on."""

    name: str
    link: str  # identity, log or logit
    scale: str  # difference, rate ratio or odds ratio


@dataclass(frozen=True)
class Kind:
    """A kind of measure: its model, its second method, and whether it needs a denominator."""

    name: str
    model: Method
    second: Method
    denominator: bool


POISSON = Method("quasi-Poisson GLM", "log", "rate ratio")
POISSON_OFFSET = Method("quasi-Poisson GLM with a log(population) offset", "log", "rate ratio")
BINOMIAL = Method("quasi-binomial GLM", "logit", "odds ratio")
OLS_HAC = Method("least squares with Newey-West standard errors", "identity", "difference")
NEGATIVE_BINOMIAL = Method("negative binomial GLM", "log", "rate ratio")
AR1 = Method("regression with AR(1) errors (REML)", "identity", "difference")
AR1_PERCENT = Method(
    "regression with AR(1) errors (REML) on the percentage", "identity", "difference"
)

KINDS = {
    "count": Kind("count", POISSON, NEGATIVE_BINOMIAL, denominator=False),
    "rate": Kind("rate", POISSON_OFFSET, NEGATIVE_BINOMIAL, denominator=True),
    "proportion": Kind("proportion", BINOMIAL, AR1_PERCENT, denominator=True),
    "continuous": Kind("continuous", OLS_HAC, AR1, denominator=False),
}


def fit(method: Method, X: Array, y: Array, extra: Array) -> fitting.Fit:
    """Fit ``method`` to a batch of series of one shape. ``extra`` is the log population (the
    offset, zeros for counts) for log-link models and the trials for the binomial."""
    if method is OLS_HAC:
        return fitting.ols_newey_west(X, y)
    if method in (POISSON, POISSON_OFFSET):
        return fitting.quasi_poisson(X, y, extra)
    if method is BINOMIAL:
        return fitting.quasi_binomial(X, y, extra)
    if method is NEGATIVE_BINOMIAL:
        return fitting.negative_binomial(X, y, extra)
    if method in (AR1, AR1_PERCENT):
        return fitting.ar1_regression(X, y)
    raise ValueError(f"unknown method {method.name!r}")


def mean(link: str, eta: Array) -> Array:
    """The inverse link: the mean at linear predictor ``eta``."""
    if link == "log":
        return np.asarray(np.exp(eta))
    if link == "logit":
        return np.asarray(1 / (1 + np.exp(-eta)))
    return eta


def mean_slope(link: str, eta: Array) -> Array:
    """d mean / d eta, for the delta method."""
    if link == "log":
        return np.asarray(np.exp(eta))
    if link == "logit":
        p = 1 / (1 + np.exp(-eta))
        return np.asarray(p * (1 - p))
    return np.ones_like(eta)
