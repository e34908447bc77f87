"""Named constants of SPC, each with its source. Nothing else lives here."""

# Making Data Count / NHSRplotthedots: process limits are mean +/- 2.66 x average moving range
# (3 / d2 rounded to two decimals; NHS England, "Making Data Count", 2019).
MDC_LIMIT = 2.66

# d2 for subgroups of two (Montgomery, Introduction to SQC, Appendix VI): sigma = AMR / 1.128.
D2 = 1.128

# D4 for subgroups of two: the upper limit of a moving range is 3.267 x AMR (Nelson 1982).
# Moving ranges at or above it are screened out before the AMR is recomputed.
MR_SCREEN = 3.267

# qicharts2's screening constant for the standardised ranges of the I' chart.
IP_SCREEN = 3.2665

# Nelson (1994): times between events raised to 1/3.6 are close to normal (T chart).
T_POWER = 3.6

# ln 2: the median of a geometric distribution relative to its mean (Provost & Murray 2011,
# p. 228); qicharts2 uses it for the G chart's centre line when the mean is given.
G_MEDIAN_FACTOR = 0.693

# NHSRplotthedots warns that a phase with fewer than 13 points has trial limits.
SHORT_PHASE_POINTS = 13

# Anhoej runs analysis: crossings below the 5% quantile of Binomial(n - 1, 0.5) signal
# (Chen 2010); the longest run signals above round(log2(n)) + 3 (Schilling 2012).
CROSSINGS_QUANTILE = 0.05
