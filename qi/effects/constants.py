"""Numbers with a meaning in effect estimation, each named once with its source."""

from statistics import NormalDist

# Wald intervals on the model's scale, with normal quantiles, transformed back.
CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)  # 1.959964...
SIGNIFICANCE = 1 - CONFIDENCE  # a p-value below this is "significant" in the sensitivity check

# Cochrane EPOC's criteria for an interrupted time series: at least three points before and
# three after the change. With fewer, a level and a trend cannot be told apart: qi refuses.
MIN_POINTS_EACH_SIDE = 3

# Wagner et al. 2002 (J Clin Pharm Ther 27:299) recommend twelve points before and twelve
# after; with fewer the estimates are computed but labelled low confidence.
LOW_CONFIDENCE_POINTS = 12

# Seasonality by Fourier terms of the calendar: Lopez Bernal, Cummins and Gasparrini 2017
# (Int J Epidemiol 46:348) use two harmonics of the month (period 12) in their tutorial.
DEFAULT_HARMONICS = 2
# qi's rule: seasonal terms are added by default only when two full years lie before the
# change (24 monthly points), so that a season is not mistaken for the trend.
SEASONAL_MIN_YEARS = 2

# The counterfactual difference is reported twelve months after the change (the issue's
# horizon), or at the last point if that is sooner.
HORIZON_MONTHS = 12


def newey_west_lags(points: int) -> int:
    """The Newey–West rule-of-thumb lag for ``points`` observations: floor(4 (n / 100)^(2/9))
    (Newey and West 1994, Rev Econ Stud 61:631). 2 lags for 24 points, 3 for 40 to 99, 4 for
    100 to 223. qi uses it as the ceiling of the lag after prewhitening
    (``fitting.ols_newey_west``)."""
    return int(4 * (points / 100) ** (2 / 9))


# Newey–West for short series (fitting.ols_newey_west): the lag-1 autocorrelation used to
# prewhiten is kept within +/-0.97 (Andrews and Monahan 1992 bound their prewhitening
# filter's eigenvalues so), and the Bartlett lag after it follows Andrews' (1991) AR(1)
# plug-in rule, whose constant for the Bartlett kernel is 1.1447.
PREWHITEN_LIMIT = 0.97
ANDREWS_BARTLETT = 1.1447

# Iterative fits stop when the log-likelihood changes by less than this (relative), or after
# so many iterations (then the series carries a warning).
TOLERANCE = 1e-10
MAX_ITERATIONS = 100

# The negative binomial's shape theta (variance mu + mu^2 / theta) is kept in this range. A
# series with no extra-Poisson variation has theta -> infinity (the Poisson model); beyond 1e6
# the extra variance of a month with 1,000 events is 1, nothing, and the likelihood is too flat
# for its maximum to be found in floating point.
THETA_RANGE = (1e-4, 1e6)
# AR(1) errors: the autocorrelation is searched in this range (stationary).
RHO_LIMIT = 0.99
