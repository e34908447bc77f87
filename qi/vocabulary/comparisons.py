"""Comparing places on a funnel plot: the levels places are compared at, and what a place's
position against the limits says, in words."""

from qi.vocabulary.terms import Vocabulary

# Levels of the places hierarchy a measure can be compared at, lowest first.
COMPARISON_LEVELS = Vocabulary(
    "level",
    {
        "lsoa": "neighbourhoods (LSOAs)",
        "ward": "wards",
        "locality": "localities",
        "local_authority": "local authorities",
        "icb": "ICBs",
    },
)

# Where a place lies against the funnel's limits (the flag's code) and how that reads.
FUNNEL_FLAGS = Vocabulary(
    "position on the funnel",
    {
        "high_998": "higher than expected, beyond the 99.8% limits",
        "high_95": "higher than expected, beyond the 95% limits",
        "within": "within the limits: no different from the rest",
        "low_95": "lower than expected, beyond the 95% limits",
        "low_998": "lower than expected, beyond the 99.8% limits",
    },
)
ADJUSTED_WORDS = "after allowing for over-dispersion"
UNADJUSTED_WORDS = "(no over-dispersion found: plain binomial limits)"

# A rate's denominator summed over periods is person-time: each period's population added up
# (1,000 children over a year of monthly data is 12,000 person-months).
PERSON_TIME = Vocabulary(
    "person-time",
    {
        "week": "person-weeks",
        "month": "person-months",
        "quarter": "person-quarters",
        "year": "person-years",
    },
)
