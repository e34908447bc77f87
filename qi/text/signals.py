"""Signals in words: the rule that flagged a point, as its rule set words it
(``qi.charts.RULE_SETS[name].words(rule, high)``: "Above the upper process limit")."""

import polars as pl

from qi.vocabulary.charts import RULE_SETS


def signal_words(rules: str, rule: str, side: int) -> str:
    """The words of ``rule`` of the rule set ``rules``, on the high side when ``side`` > 0."""
    return RULE_SETS[str(rules)].words(str(rule), side > 0)


def with_signal_words(points: pl.DataFrame, name: str = "signal_words") -> pl.DataFrame:
    """``spc()``'s points with a column ``name`` of each signal's words (null without one).

    The words are looked up once per distinct (rule set, rule, side) and joined on."""
    keys = ["rules", "signal", "signal_side"]
    combos = points.filter(pl.col("signal").is_not_null()).select(keys).unique()
    words = combos.with_columns(
        pl.Series(
            name,
            [signal_words(s, r, side) for s, r, side in combos.iter_rows()],
            dtype=pl.String,
        )
    )
    return points.join(words, on=keys, how="left", maintain_order="left")
