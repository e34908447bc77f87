"""Candidate change points: where a sustained signal starts, for a coach to confirm or dismiss.

A sustained signal is a shift (a run on one side of the centre) or a trend. Its first point is
where the process may have changed, so it is where limits would be recalculated if the coach
confirms a reason. Nothing is recalculated here: this only proposes.
"""

from collections.abc import Sequence

import polars as pl

SUSTAINED = ("shift", "trend", "runs")


def candidate_change_points(
    points: pl.DataFrame, by: Sequence[str] | str = (), period: str | None = None
) -> pl.DataFrame:
    """One row per sustained signal: the series keys, the period it starts, its rule and side.

    ``points`` is the output of ``spc()``. A run of consecutive points flagged by the same
    sustained rule, on the same side and in the same phase, is one signal (for Anhoej's runs
    signal, which marks a whole phase, the phase's longest run); a signal that starts on a
    phase's first point is not proposed (the phase already starts there).
    """
    keys = [by] if isinstance(by, str) else list(by)
    period = period or points.columns[len(keys)]
    rules = [r for r in SUSTAINED if f"rule_{r}" in points.columns]
    if not rules:
        return pl.DataFrame(
            schema={**{k: points.schema[k] for k in keys}, period: points.schema[period]}
            | {"rule": pl.String, "side": pl.Int8, "points": pl.UInt32}
        )
    found = []
    for rule in rules:
        flag = pl.col(f"rule_{rule}").fill_null(False)
        side = pl.col("relative_to_centre") if rule != "trend" else pl.col("signal_side")
        marked = points.select(
            *keys,
            period,
            "phase",
            "position",
            "longest_run",
            flag.alias("_flag"),
            side.alias("_side"),
        ).with_columns(
            (
                pl.struct(*keys, "phase", "_flag", "_side").rle_id()
                if keys
                else pl.struct("phase", "_flag", "_side").rle_id()
            ).alias("_run")
        )
        runs = (
            marked.filter("_flag")
            .group_by("_run", maintain_order=True)
            .agg(
                *[pl.col(k).first() for k in keys],
                pl.col(period).first(),
                pl.col("phase").first(),
                pl.col("position").first().alias("_start"),
                pl.col("_side").first().cast(pl.Int8).alias("side"),
                pl.len().alias("points"),
                pl.col("longest_run").first().alias("_longest"),
            )
        )
        if (
            rule == "runs"
        ):  # a runs signal marks a whole phase: propose where its longest run starts
            runs = runs.filter(pl.col("points") == pl.col("_longest"))
        phase_starts = points.group_by([*keys, "phase"]).agg(
            pl.col("position").min().alias("_phase_start")
        )
        runs = runs.join(phase_starts, on=[*keys, "phase"], how="left")
        found.append(
            runs.filter(pl.col("_start") > pl.col("_phase_start")).select(
                *keys, period, pl.lit(rule).alias("rule"), "side", "points"
            )
        )
    return pl.concat(found).sort([*keys, period])
