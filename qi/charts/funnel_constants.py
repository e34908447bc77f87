"""Named constants of funnel plots, each with its source. Nothing else lives here.

Two reference implementations are followed to the digit: FunnelPlotR 0.6.0 (Spiegelhalter's
funnels with over-dispersion, R/calculate_limits.R, R/od_adjustment.R, R/funnel_plot.R) and
PHEindicatormethods 2.1.0 (the Fingertips funnels, R/Funnels.R, R/utils.R).
"""

# --- FunnelPlotR 0.6.0 ----------------------------------------------------------------------------

# The normal quantiles of the 95% and 99.8% limits, hard-coded to seven significant figures in
# R/calculate_limits.R (qnorm(0.975) = 1.95996398..., qnorm(0.999) = 3.09023230...).
FPR_Z_95 = 1.959964
FPR_Z_998 = 3.090232

# Tail probabilities of the exact Poisson (chi-squared) limits of standardised ratios:
# lower = qchisq(p, 2E, lower.tail = FALSE) / 2E with p = 0.975 (95%) or 0.999 (99.8%),
# upper = qchisq(p, 2(E + 1), lower.tail = FALSE) / 2E with p = 0.025 or 0.001.
FPR_UPPER_TAIL_LOWER_95 = 0.975
FPR_UPPER_TAIL_UPPER_95 = 0.025
FPR_UPPER_TAIL_LOWER_998 = 0.999
FPR_UPPER_TAIL_UPPER_998 = 0.001

# Spiegelhalter (2005): 10% of the z-scores at each end are Winsorised (or, for SHMI, truncated)
# before the dispersion ratio phi is estimated (funnel_plot(trim_by = 0.1)).
TRIM_BY = 0.1

# The limits curve (R/build_limits_lookup.R): 1,000 evenly spaced denominators from 1.1 (SR) or
# 3 (PR, RC) to the largest denominator rounded up, with the data's own denominators added.
CURVE_POINTS = 1000
CURVE_START_RATIO = 1.1
CURVE_START = 3.0

# NHS Digital's SHMI rounds expected deaths to 2 decimal places (funnel_plot(SHMI_rounding = TRUE)).
SHMI_ROUNDING_DIGITS = 2

# Ratios of counts: 0.5 is added to both counts before the log ratio (R/od_adjustment.R).
RC_CONTINUITY = 0.5

# The outlier limit: 95 (95%) or 99 (99.8%), funnel_plot(limit = 99).
LIMITS = (95, 99)

# --- PHEindicatormethods 2.1.0 --------------------------------------------------------------------

# Fingertips funnels: control limits at the 95% ("2 sigma") and 99.8% ("3 sigma") levels, as the
# one-sided probabilities sigma_adjustment() and poisson_funnel() take (0.975 / 0.025 and
# 0.999 / 0.001), and the two-sided levels of funnel_ratio_significance().
PHE_P_95 = 0.975
PHE_P_998 = 0.999
PHE_TAIL_95 = 0.025
PHE_TAIL_998 = 0.001
PHE_LEVEL_95 = 0.95
PHE_LEVEL_998 = 0.998

# Confidence intervals of phe_proportion(), phe_rate() and calculate_ISRatio() with
# confidence = c(0.95, 0.998).
CONFIDENCE = (0.95, 0.998)

# Byar's approximation replaces the exact Poisson interval from 10 events (phe_rate(),
# calculate_ISRatio(), funnel_ratio_significance()); directly standardised rates with fewer
# than 10 events get no funnel significance or point.
BYAR_MIN_EVENTS = 10

# calculate_funnel_limits(): a curve of 100 rows; the axis runs from 95% of the smallest
# denominator (rounded down to its leading digit) to 105% of the largest (rounded up to two
# digits), or from 0 when the largest is more than twice the smallest.
PHE_CURVE_ROWS = 100
PHE_AXIS_DOWN = 0.95
PHE_AXIS_UP = 1.05

# poisson_funnel(): bisection on v = E / (1 + O + E) from 0.5 in halving steps until the step is
# at most 1e-7 (23 steps). poisson_cis() sums Poisson terms until a term falls below 1e-10 of
# the total.
PHE_BISECTION_START = 0.5
PHE_BISECTION_TOLERANCE = 1e-7

# calculate_funnel_limits(): proportion limits are clipped to [0, 100] whatever the
# multiplier; ratio limits are shown as percentages (isr: x 100) or as excess (count: - 1).
PHE_PROPORTION_CEILING = 100.0
PHE_ISR_SCALE = 100.0
PHE_COUNT_OFFSET = 1.0
