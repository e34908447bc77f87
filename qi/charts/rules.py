"""Special-cause rules: one flag column ``rule_<name>`` per rule, and for rules whose side is not
simply the point's side of the centre line (a trend's direction, k of m beyond a line),
``_side_<name>`` (+1 high, -1 low), so that the winning rule says whether a point is high or low.

Each rule is a function from a frame to the same frame with its two columns added. The frame
holds ``_y``, ``_cl``, the limit columns and ``_side`` (the sign of ``_y - _cl``), one phase per
contiguous block, with the window columns of ``windows.with_bounds`` and ``with_positions``.
Windows of up to a dozen points are read from shifted columns (a shift costs next to
nothing), longer runs from run lengths, so a rule costs a few passes over the data whatever
the number of series.

The Making Data Count rules reproduce NHSRplotthedots exactly, including where it reports a
flag as missing (R's three-valued logic: a missing value inside a window leaves the flag
unknown unless the window is already decided); that slower form runs only on phases with
missing values. One deliberate difference: where NHSRplotthedots stops with an error because
a 7-point trend window contains a missing value, qi treats the missing value as a gap: no
trend runs through it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from qi.charts import columns as C
from qi.charts.windows import (
    ahead,
    back,
    count,
    covered_kleene,
    full_window,
    in_window_ending,
    run_length,
)

if TYPE_CHECKING:
    from qi.charts.rulesets import RuleSet

Y, CL, SIDE = pl.col(C.Y), pl.col(C.CL), pl.col(C.SIDE)


def side_of(condition_high: pl.Expr) -> pl.Expr:
    return pl.when(condition_high).then(1).otherwise(-1).cast(pl.Int8)


def outside() -> pl.Expr:
    """A point above the upper or below the lower 3-sigma limit (missing when either is missing)."""
    return (pl.col(C.UCL3) < Y) | (pl.col(C.LCL3) > Y)


def with_steps(frame: pl.DataFrame) -> pl.DataFrame:
    """``_up`` and ``_down``: the point is above (below) the previous point of its phase;
    missing on a phase's first point and next to a missing value."""
    first = pl.col(C.PHASE_POSITION) == 0
    return frame.with_columns(
        pl.when(~first).then(Y > Y.shift(1)).alias("_up"),
        pl.when(~first).then(Y < Y.shift(1)).alias("_down"),
    )


UP, DOWN = pl.col("_up"), pl.col("_down")
STEP = UP.cast(pl.Int8) - DOWN.cast(pl.Int8)  # sign(y - previous y)


def _all_of_last(condition: pl.Expr, rows: int) -> pl.Expr:
    """``condition`` holds on this row and the ``rows - 1`` before it, all in this phase."""
    window = pl.all_horizontal([condition.shift(k) for k in range(rows)])
    return (window & (pl.col(C.PHASE_POSITION) >= rows - 1)).fill_null(False)


def trend(frame: pl.DataFrame, points: int) -> pl.DataFrame:
    """Points in a window of ``points`` values that strictly rise (or fall) at every step.

    A tie breaks a trend, and so does a missing value (a gap).
    """
    steps = points - 1
    ends = _all_of_last(UP, steps) | _all_of_last(DOWN, steps)
    frame = frame.with_columns(ends.alias("_trend_end"))
    frame = frame.with_columns(in_window_ending("_trend_end", points).alias("rule_trend"))
    # NHSRplotthedots names the direction from the step to the next point when the next point
    # is in a trend too, else from the step in; a level step counts as "decreasing".
    flag = pl.col("rule_trend")
    next_in_trend = ahead(flag, 1).fill_null(False)
    rising = pl.when(flag & next_in_trend).then(UP.shift(-1)).otherwise(UP.fill_null(False))
    return frame.with_columns(side_of(rising).alias("_side_trend"))


def shift(frame: pl.DataFrame, points: int) -> pl.DataFrame:
    """Points in a run of ``points`` or more on one side of the centre.

    A point on the centre line breaks the run, and so does a missing value.
    """
    same_side = [SIDE.shift(k) == SIDE for k in range(1, points)]
    ends = pl.all_horizontal(same_side) & (SIDE != 0) & (pl.col(C.PHASE_POSITION) >= points - 1)
    frame = frame.with_columns(ends.fill_null(False).alias("_shift_end"))
    return frame.with_columns(in_window_ending("_shift_end", points).alias("rule_shift"))


def shift_unknown_where_missing(frame: pl.DataFrame, points: int) -> pl.DataFrame:
    """``shift`` with NHSRplotthedots' missing flags, for phases that contain missing values.

    A run that might continue through a missing value is unknown (null), as the R package
    reports it; the points it flags are the same as ``shift``'s.
    """
    same = (
        pl.when(SIDE == 1)
        .then(count(SIDE == 1, -(points - 1), -1))
        .otherwise(count(SIDE == -1, -(points - 1), -1))
    )
    unknown = count(SIDE.is_null(), -(points - 1), -1)
    ends_run = (
        pl.when(SIDE.is_null())
        .then(None)
        .when((SIDE == 0) | ~full_window(points))
        .then(False)
        .when(same + unknown < points - 1)
        .then(False)
        .when(unknown > 0)
        .then(None)
        .otherwise(True)
    )
    return frame.with_columns(covered_kleene(ends_run, points).alias("rule_shift"))


def _close(count_outside: bool) -> pl.Expr:
    """Beyond a 2-sigma line; beyond the process limits too only with ``count_outside``."""
    beyond = (pl.col(C.LCL2) > Y) | (pl.col(C.UCL2) < Y)
    return beyond if count_outside else ~outside() & beyond


def two_of_three(frame: pl.DataFrame, count_outside: bool) -> pl.DataFrame:
    """Making Data Count's two-of-three: a point beyond 2 sigma, in a window of 3 consecutive
    points all on one side of the mean with at least 2 of them beyond 2 sigma.

    Points beyond the process limits count only with ``count_outside`` (the 2023 revision).
    Exact for phases without missing values or limits; for those, see
    ``two_of_three_unknown_where_missing``.
    """
    frame = frame.with_columns(_close(count_outside).fill_null(False).alias("_close"))
    close = pl.col("_close")
    before, two_before = close.shift(1), close.shift(2)
    two_close = (close & before) | (close & two_before) | (before & two_before)
    one_side = (SIDE == SIDE.shift(1)) & (SIDE == SIDE.shift(2)) & (SIDE != 0)
    ends = two_close & one_side & (pl.col(C.PHASE_POSITION) >= 2)
    frame = frame.with_columns(ends.fill_null(False).alias("_w3"))
    inside = in_window_ending("_w3", 3)
    return frame.with_columns((inside & pl.col("_close")).alias("rule_two_of_three"))


def two_of_three_unknown_where_missing(frame: pl.DataFrame, count_outside: bool) -> pl.DataFrame:
    """``two_of_three`` with NHSRplotthedots' missing flags, for phases with missing values.

    Windows reaching past a phase's ends are padded with points on the mean, as in
    NHSRplotthedots, and a missing value leaves a window unknown.
    """
    frame = frame.with_columns(_close(count_outside).alias("_close"))
    shifted = []
    for k in range(-2, 3):
        fetch = back if k < 0 else ahead
        shifted += [
            _padded(fetch(pl.col("_close"), abs(k)), k, pl.lit(False)).alias(f"_close{k}"),
            _padded(fetch(SIDE, abs(k)), k, pl.lit(0, pl.Int8)).alias(f"_sd{k}"),
        ]
    frame = frame.with_columns(shifted)
    windows = [_two_of_three_window(start) for start in (-2, -1, 0)]
    flag = (windows[0] | windows[1] | windows[2]) & pl.col("_close")
    return frame.with_columns(flag.alias("rule_two_of_three"))


def _padded(value: pl.Expr, offset: int, padding: pl.Expr) -> pl.Expr:
    """Beyond the phase's ends a window sees ``padding``; inside it, the (maybe null) value."""
    if offset == 0:
        return value
    inside = pl.col(C.PHASE_POSITION) >= -offset if offset < 0 else pl.col(C.TO_PHASE_END) >= offset
    return pl.when(inside).then(value).otherwise(padding)


def _two_of_three_window(start: int) -> pl.Expr:
    closes = [pl.col(f"_close{k}") for k in range(start, start + 3)]
    sides = [pl.col(f"_sd{k}") for k in range(start, start + 3)]
    close_count = closes[0].cast(pl.Int8) + closes[1].cast(pl.Int8) + closes[2].cast(pl.Int8)
    side_sum = sides[0] + sides[1] + sides[2]
    # A null anywhere makes R's sum NA, so each comparison is null there (polars propagates).
    return (close_count >= 2) & (side_sum.abs() == 3)


def k_of_m_beyond(frame: pl.DataFrame, k: int, m: int, sigmas: int, name: str) -> pl.DataFrame:
    """Western Electric / Nelson: k of m consecutive points beyond ``sigmas`` on one side.

    The flagged points are the ones beyond the line, inside such a window.
    """
    high = (pl.col(f"_ucl{sigmas}") < Y).fill_null(False)
    low = (pl.col(f"_lcl{sigmas}") > Y).fill_null(False)
    full = pl.col(C.PHASE_POSITION) >= m - 1

    def window_ends(beyond: pl.Expr) -> pl.Expr:
        total = pl.sum_horizontal(
            [back(beyond, t).fill_null(False).cast(pl.Int8) for t in range(m)]
        )
        return full & (total >= k)

    frame = frame.with_columns(
        window_ends(high).alias("_kh"), window_ends(low).alias("_kl"), high.alias("_hi_beyond")
    )

    def inside(ends: str) -> pl.Expr:
        return pl.any_horizontal([ahead(pl.col(ends), t).fill_null(False) for t in range(m)])

    flag_high = pl.col("_hi_beyond") & inside("_kh")
    flag_low = low & inside("_kl")
    return frame.with_columns(
        (flag_high | flag_low).alias(f"rule_{name}"), side_of(flag_high).alias(f"_side_{name}")
    )


def consecutive(frame: pl.DataFrame, condition: pl.Expr, points: int, name: str) -> pl.DataFrame:
    """Points inside a run of ``points`` consecutive points that all meet ``condition``."""
    frame = frame.with_columns(pl.when(condition).then(1).alias("_cond_key"))
    frame = run_length(frame, "_cond_key", "_cond_len")
    return frame.with_columns(
        (pl.col("_cond_len") >= points).fill_null(False).alias(f"rule_{name}")
    )


def alternating(frame: pl.DataFrame, points: int) -> pl.DataFrame:
    """Nelson 4: ``points`` points in a row alternating up and down."""
    turn = (STEP * back(STEP, 1)) == -1
    frame = frame.with_columns(pl.when(turn).then(1).alias("_turn_key"))
    frame = run_length(frame, "_turn_key", "_turn_len")
    long = (pl.col("_turn_len") >= points - 2).fill_null(False)
    flag = long | ahead(long, 1).fill_null(False) | ahead(long, 2).fill_null(False)
    return frame.with_columns(flag.alias("rule_alternating"))


def stratification(frame: pl.DataFrame, points: int) -> pl.DataFrame:
    """Nelson 7: ``points`` in a row within 1 sigma of the centre, on either side."""
    within = (pl.col(C.UCL1) > Y) & (pl.col(C.LCL1) < Y)
    return consecutive(frame, within, points, "stratification")


def mixture(frame: pl.DataFrame, points: int) -> pl.DataFrame:
    """Nelson 8: ``points`` in a row beyond 1 sigma, on either side, none within."""
    beyond = (pl.col(C.UCL1) < Y) | (pl.col(C.LCL1) > Y)
    return consecutive(frame, beyond, points, "mixture")


# --- the registry -------------------------------------------------------------------------------


def _trend(frame: pl.DataFrame, rules: "RuleSet") -> pl.DataFrame:
    return trend(frame, rules.window("trend"))


def _shift(frame: pl.DataFrame, rules: "RuleSet") -> pl.DataFrame:
    return shift(frame, rules.window("shift"))


def _two_of_three(frame: pl.DataFrame, rules: "RuleSet") -> pl.DataFrame:
    if rules.xmr == "mdc":
        return two_of_three(frame, count_outside=rules.two_of_three_counts_outside)
    return k_of_m_beyond(frame, 2, rules.window("two_of_three"), 2, "two_of_three")


def _four_of_five(frame: pl.DataFrame, rules: "RuleSet") -> pl.DataFrame:
    return k_of_m_beyond(frame, 4, rules.window("four_of_five"), 1, "four_of_five")


def _alternating(frame: pl.DataFrame, rules: "RuleSet") -> pl.DataFrame:
    return alternating(frame, rules.window("alternating"))


def _stratification(frame: pl.DataFrame, rules: "RuleSet") -> pl.DataFrame:
    return stratification(frame, rules.window("stratification"))


def _mixture(frame: pl.DataFrame, rules: "RuleSet") -> pl.DataFrame:
    return mixture(frame, rules.window("mixture"))


Apply = Callable[[pl.DataFrame, "RuleSet"], pl.DataFrame]

NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def _count(points: int) -> str:
    """ "Seven" for 7; digits beyond twenty."""
    return NUMBER_WORDS[points].capitalize() if points < len(NUMBER_WORDS) else str(points)


Words = Callable[[int, bool], str]  # (the rule's window, high side?) -> text


@dataclass(frozen=True)
class Rule:
    """One special-cause rule.

    ``apply`` adds ``rule_<name>`` (and ``_side_<name>`` where the rule has a side of its own)
    to a frame laid out as this module's docstring says; ``None`` for the rules judged
    elsewhere (``outside`` on every point, ``runs`` per phase in ``runs.py``). ``label`` and
    ``words`` take the rule set's window and whether the point is high.
    """

    name: str
    apply: Apply | None
    label: Words
    words: Words


def _where(high: bool) -> str:
    return "above" if high else "below"


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "outside",
            None,
            lambda n, high: "Above UCL" if high else "Below LCL",
            lambda n, high: (
                f"{_where(high).capitalize()} the {'upper' if high else 'lower'} process limit"
            ),
        ),
        Rule(
            "trend",
            _trend,
            lambda n, high: f"{n} Point Trend ({'Increasing' if high else 'Decreasing'})",
            lambda n, high: f"{_count(n)} points in a row {'rising' if high else 'falling'}",
        ),
        Rule(
            "shift",
            _shift,
            lambda n, high: f"{n} Points {_where(high).capitalize()} CL",
            lambda n, high: f"{_count(n)} or more points in a row {_where(high)} the centre line",
        ),
        Rule(
            "two_of_three",
            _two_of_three,
            lambda n, high: f"2 in {n} {_where(high).capitalize()} CL",
            lambda n, high: (
                f"Two of {_count(n).lower()} points near the"
                f" {'upper' if high else 'lower'} process limit"
            ),
        ),
        Rule(
            "four_of_five",
            _four_of_five,
            lambda n, high: f"4 in {n} {_where(high).capitalize()} 1 Sigma",
            lambda n, high: (
                f"Four of {_count(n).lower()} points more than one sigma"
                f" {_where(high)} the centre line"
            ),
        ),
        Rule(
            "runs",
            None,
            lambda n, high: f"Runs Signal {_where(high).capitalize()} CL",
            lambda n, high: (
                f"A run {_where(high)} the centre line longer, or with fewer"
                " crossings, than chance allows"
            ),
        ),
        Rule(
            "alternating",
            _alternating,
            lambda n, high: f"{n} Points Alternating",
            lambda n, high: f"{_count(n)} points in a row alternating up and down",
        ),
        Rule(
            "stratification",
            _stratification,
            lambda n, high: f"{n} Points Within 1 Sigma",
            lambda n, high: f"{_count(n)} points in a row within one sigma of the centre line",
        ),
        Rule(
            "mixture",
            _mixture,
            lambda n, high: f"{n} Points Beyond 1 Sigma",
            lambda n, high: f"{_count(n)} points in a row more than one sigma from the centre line",
        ),
    )
}
