"""Named rule sets and the rules they are made of.

A rule set is data. It names its rules (each a flag column ``rule_<name>`` on every point), the
order in which they win a point's label, each rule's window (how many points make a shift, a
trend, ...), the XmR limit convention it comes from, and whether a missing value breaks a run
("break", NHSRplotthedots) or is stepped over ("skip", qicharts2 and the classic Shewhart rule
books).

Each rule (``rules.RULES``) has its function, its short label as the references print it
("7 Points Above CL") and its plain-English words for a board ("Seven or more points in a row
above the centre line"); labels and words take their numbers from the rule set's windows.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from qi.charts.rules import RULES

# The classic windows; a rule set changes only those it counts differently.
WINDOWS: Mapping[str, int] = {
    "outside": 1,
    "trend": 7,
    "shift": 7,
    "two_of_three": 3,
    "four_of_five": 5,
    "runs": 0,  # the whole phase
    "alternating": 14,
    "stratification": 15,
    "mixture": 8,
}


@dataclass(frozen=True)
class RuleSet:
    """A named rule set.

    Attributes:
        rules: the rules, in order of precedence (the first that flags a point wins it).
        xmr: mdc: XmR limits mean ± 2.66 AMR, NHSRplotthedots' three-valued logic and its
            two-of-three ("near the limits"); sigma: mean ± 3 AMR / 1.128 and the rule books'
            two-of-three ("beyond 2 sigma").
        missing: "break" (a missing value breaks a run) or "skip" (runs step over it).
        windows: points per rule where the rule set differs from ``WINDOWS``.
        two_of_three_counts_outside: under mdc, points beyond the limits count towards
            two-of-three (the 2023 revision).
        runs_bounds: which runs test the ``runs`` rule reads: Anhoej's (longest run, too few
            crossings) or IHI's (too few or too many runs).
    """

    name: str
    title: str
    rules: tuple[str, ...]
    xmr: Literal["mdc", "sigma"]
    missing: Literal["break", "skip"]
    source: str
    windows: Mapping[str, int] = field(default_factory=dict)
    two_of_three_counts_outside: bool = False
    runs_bounds: Literal["anhoej", "ihi"] = "anhoej"

    def window(self, rule: str) -> int:
        """How many points make ``rule`` under this rule set."""
        return self.windows.get(rule, WINDOWS[rule])

    def label(self, rule: str, high: bool) -> str:
        """The reference tools' short label, for example "7 Points Above CL"."""
        return RULES[rule].label(self.window(rule), high)

    def words(self, rule: str, high: bool) -> str:
        """The rule in words a board reads without a glossary."""
        return RULES[rule].words(self.window(rule), high)


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
            two_of_three_counts_outside=True,
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
            windows={"shift": 6, "trend": 5},
            runs_bounds="ihi",
        ),
        RuleSet(
            "western_electric",
            "Western Electric rules",
            ("outside", "two_of_three", "four_of_five", "shift"),
            "sigma",
            "skip",
            "1 point beyond 3 sigma; 2 of 3 beyond 2 sigma on one side; 4 of 5 beyond 1 sigma "
            "on one side; 8 in a row on one side",
            windows={"shift": 8},
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
            windows={"shift": 9, "trend": 6},
        ),
    )
}


def rule_set(name: str) -> RuleSet:
    try:
        return RULE_SETS[name]
    except KeyError:
        known = ", ".join(RULE_SETS)
        raise ValueError(f"unknown rule set {name!r}; choose one of: {known}") from None
