"""Judging points: each rule of the rule set flags points, and the first rule to flag a point
(in the rule set's order of precedence) wins it, with its side, label, point type and
improvement direction.

The rules themselves are in ``rules.py`` (sequence rules) and ``runs.py`` (runs per phase);
which rules, in which order and with which windows is the rule set's (``rulesets.py``).
"""

import polars as pl

from qi.charts import columns as C
from qi.charts import rules as R
from qi.charts.icons import judgement_table
from qi.charts.phases import onto_points
from qi.charts.rules import RULES
from qi.charts.rulesets import RuleSet
from qi.charts.runs import runs_per_phase
from qi.charts.windows import WINDOW_COLUMNS, with_bounds, with_positions


def judge(frame: pl.DataFrame, ruleset: RuleSet, runs_method: str, runs: bool) -> pl.DataFrame:
    """Flag every rule, add the runs statistics per phase and judge each point.

    ``runs``: whether the chart can be read by runs at all (not on a moving range chart, nor
    on labels instead of periods); where it cannot, no phase has a runs signal.
    """
    above, below = pl.col(C.Y) > pl.col(C.CL), pl.col(C.Y) < pl.col(C.CL)
    frame = frame.with_columns((above.cast(pl.Int8) - below.cast(pl.Int8)).alias(C.SIDE))
    frame = _apply_rules(frame, ruleset).drop(*WINDOW_COLUMNS)
    frame = onto_points(frame, runs_per_phase(frame, runs_method))
    if not runs:
        frame = frame.with_columns(pl.lit(False).alias("runs_signal"))
    if "runs" in ruleset.rules:
        frame = frame.with_columns(_runs_rule(ruleset).alias(C.rule("runs")))
    return _judge(frame, ruleset)


def _apply_rules(frame: pl.DataFrame, ruleset: RuleSet) -> pl.DataFrame:
    """Add ``rule_<name>`` and ``_side_<name>`` for each rule of the set (runs come later).

    Excluded points take no part in sequence rules; under "skip" rule sets neither do missing
    values (runs step over them), under "break" ones (Making Data Count) they break runs.
    """
    frame = frame.with_columns(R.outside().alias("rule_outside"))
    sequence = [r for r in ruleset.rules if r not in ("outside", "runs")]
    if not sequence:
        return frame
    keep = pl.col(C.INCLUDE)
    if ruleset.missing == "skip":
        keep = keep & pl.col(C.Y).is_not_null()
    needed = [C.ROW, C.LO, C.HI, C.SEGMENT, C.Y, C.CL, *C.LIMITS, C.SIDE, C.INCLUDE]
    dropped = (~frame[C.INCLUDE]).sum()
    if ruleset.missing == "skip":
        dropped += frame[C.Y].null_count()
    subset = dropped > 0
    if subset:
        judged = frame.select(needed).filter(keep).rename({C.ROW: "_frame_row"})
        judged = with_positions(with_bounds(judged, C.SEGMENT))
    else:  # the layout's positions stand; only the rows to the phase's end are new
        judged = frame.select(*needed, C.PHASE_POSITION).with_columns(
            (pl.col(C.HI) - pl.col(C.ROW)).alias(C.TO_PHASE_END)
        )
    judged = R.with_steps(judged)
    for name in sequence:
        apply = RULES[name].apply
        assert apply is not None, name  # only outside and runs are judged elsewhere
        judged = apply(judged, ruleset)
    if ruleset.xmr == "mdc":
        judged = _with_missing_flags(judged, ruleset, sequence)
    names = [c for c in judged.columns if c.startswith(("rule_", "_side_")) and c != "rule_outside"]
    if not subset:
        return frame.with_columns(judged.select(names))
    return frame.join(
        judged.select(pl.col("_frame_row").alias(C.ROW), *names), on=C.ROW, how="left"
    ).with_columns([pl.col(n).fill_null(False) for n in names if n.startswith("rule_")])


def _with_missing_flags(frame: pl.DataFrame, ruleset: RuleSet, sequence: list[str]) -> pl.DataFrame:
    """Redo shift and two-of-three with NHSRplotthedots' missing flags where they can differ:
    on phases with a missing value or missing limits. The points flagged are the same; some
    unflagged ones become unknown (null), as the R package reports them.
    """
    if not any(frame[c].null_count() for c in (C.SIDE, C.UCL2, C.UCL3, C.LCL2, C.LCL3)):
        return frame
    unknown = pl.col(C.SIDE).is_null() | pl.col(C.UCL2).is_null() | pl.col(C.UCL3).is_null()
    frame = frame.with_columns(unknown.any().over(C.SEGMENT).alias("_has_missing"))
    frame = frame.with_columns(pl.int_range(pl.len()).alias("_judged_row"))
    affected = frame.filter("_has_missing").drop(
        C.ROW, C.LO, C.HI, C.PHASE_POSITION, C.TO_PHASE_END
    )
    affected = with_positions(with_bounds(affected, C.SEGMENT))
    redo = []
    if "shift" in sequence:
        affected = R.shift_unknown_where_missing(affected, ruleset.window("shift"))
        redo.append("rule_shift")
    if "two_of_three" in sequence:
        affected = R.two_of_three_unknown_where_missing(
            affected, ruleset.two_of_three_counts_outside
        )
        redo.append("rule_two_of_three")
    redone = affected.select("_judged_row", *[pl.col(r).alias(f"_redo_{r}") for r in redo])
    frame = frame.join(redone, on="_judged_row", how="left", maintain_order="left")
    return frame.with_columns(
        [
            pl.when(pl.col("_has_missing")).then(pl.col(f"_redo_{r}")).otherwise(pl.col(r)).alias(r)
            for r in redo
        ]
    )


def _runs_rule(ruleset: RuleSet) -> pl.Expr:
    """A runs signal marks every useful point of the phase (the side is the point's own).

    Anhoej: a long run or too few crossings. IHI: too few or too many runs, that is crossings
    outside the 2.5% and 97.5% quantiles of Binomial(n - 1, 0.5).
    """
    useful = pl.col(C.INCLUDE) & pl.col(C.SIDE).is_not_null() & (pl.col(C.SIDE) != 0)
    signal = pl.col("ihi_runs_signal" if ruleset.runs_bounds == "ihi" else "runs_signal")
    return (signal & useful).fill_null(False)


def _judge(frame: pl.DataFrame, ruleset: RuleSet) -> pl.DataFrame:
    """The winning rule by precedence, its side and label, the point type and direction.

    Each point gets one small code (winning rule, high or low, improvement direction); the
    enum columns are then gathered together from a table of every code, a few dozen rows.
    """
    names = list(ruleset.rules)
    # An excluded point keeps its flags (it may well lie outside the limits, as qicharts2
    # reports) but is not judged: it wins no signal and stays common cause.
    every_point_judged = frame.get_column(C.INCLUDE).all()

    def hit(name: str) -> pl.Expr:
        flag = pl.col(f"rule_{name}")
        if frame.get_column(f"rule_{name}").null_count():
            flag = flag.fill_null(False)
        return flag if every_point_judged else flag & pl.col(C.INCLUDE)

    winner: pl.Expr = pl.lit(0, pl.UInt8)
    for slot, name in reversed(list(enumerate(names, start=1))):  # the first rule wins
        winner = pl.when(hit(name)).then(pl.lit(slot, pl.UInt8)).otherwise(winner)
    frame = frame.with_columns(winner.alias("_winner"))
    # A rule with a side of its own (a trend's direction) says high or low; for the others
    # it is the point's side of the centre line.
    high = pl.col(C.SIDE) == 1
    own = [(slot, n) for slot, n in enumerate(names, start=1) if f"_side_{n}" in frame.columns]
    for slot, name in reversed(own):
        high = pl.when(pl.col("_winner") == slot).then(pl.col(f"_side_{name}") > 0).otherwise(high)
    # At most 9 rules: codes stay below 60, so byte arithmetic is enough.
    code = (
        pl.col("_winner") * 6
        + high.fill_null(False).cast(pl.UInt8) * 3
        + pl.col(C.DIRECTION).mod(3).cast(pl.UInt8)
    )
    index = frame.select(code.cast(pl.get_index_type())).to_series()
    labels = [ruleset.label(name, high) for name in names for high in (False, True)]
    return frame.hstack(judgement_table(names, labels)[index])
