"""Named rule sets: which special-cause rules a chart is judged by, in order of precedence.

A rule set is data. It names its rules (each a flag column ``rule_<name>`` on every point), the
order in which they win a point's label, the XmR limit convention it comes from, and whether a
missing value breaks a run ("break", NHSRplotthedots) or is stepped over ("skip", qicharts2
and the classic Shewhart rule books).
"""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RuleSet:
    name: str
    title: str
    rules: tuple[str, ...]
    xmr: Literal["mdc", "sigma"]  # mdc: mean +/- 2.66 AMR; sigma: mean +/- 3 AMR / 1.128
    missing: Literal["break", "skip"]
    source: str
    shift_points: int = 7
    trend_points: int = 7


RULE_SETS: dict[str, RuleSet] = {
    r.name: r
    for r in (
        RuleSet(
            "mdc",
            "NHS Making Data Count (as NHSRplotthedots 0.2.2)",
            ("outside", "trend", "two_of_three", "shift"),
            "mdc",
            "break",
            "a point beyond the process limits; 7 points rising or falling; 2 of 3 points beyond "
            "2 sigma on one side (points beyond the limits do not count); 7 points on one side",
        ),
        RuleSet(
            "mdc2023",
            "NHS Making Data Count, 2023 revision",
            ("outside", "trend", "two_of_three", "shift"),
            "mdc",
            "break",
            "as mdc, but points beyond the process limits count towards two-of-three "
            "(Making Data Count team, November 2023)",
        ),
        RuleSet(
            "anhoej",
            "Anhoej rules (as qicharts2 0.8)",
            ("outside", "runs"),
            "sigma",
            "skip",
            "a point beyond 3 sigma; a phase whose longest run exceeds round(log2 n) + 3 or whose "
            "crossings fall below the 5% binomial quantile (n = useful points)",
        ),
        RuleSet(
            "ihi",
            "IHI run chart rules",
            ("outside", "trend", "shift", "runs"),
            "sigma",
            "skip",
            "an astronomical point (beyond 3 sigma where limits exist); 5 points rising or "
            "falling; 6 points on one side of the centre (a point on the centre breaks the run); "
            "too few or too many runs (2.5% / 97.5% binomial quantiles of crossings)",
            shift_points=6,
            trend_points=5,
        ),
        RuleSet(
            "western_electric",
            "Western Electric rules",
            ("outside", "two_of_three", "four_of_five", "shift"),
            "sigma",
            "skip",
            "1 point beyond 3 sigma; 2 of 3 beyond 2 sigma on one side; 4 of 5 beyond 1 sigma "
            "on one side; 8 in a row on one side",
            shift_points=8,
        ),
        RuleSet(
            "nelson",
            "Nelson rules",
            (
                "outside",
                "shift",
                "trend",
                "alternating",
                "two_of_three",
                "four_of_five",
                "stratification",
                "mixture",
            ),
            "sigma",
            "skip",
            "1 beyond 3 sigma; 9 on one side; 6 rising or falling; 14 alternating up and down; "
            "2 of 3 beyond 2 sigma; 4 of 5 beyond 1 sigma; 15 within 1 sigma; 8 beyond 1 sigma "
            "on either side",
            shift_points=9,
            trend_points=6,
        ),
    )
}


def rule_set(name: str) -> RuleSet:
    try:
        return RULE_SETS[name]
    except KeyError:
        known = ", ".join(RULE_SETS)
        raise ValueError(f"unknown rule set {name!r}; choose one of: {known}") from None
