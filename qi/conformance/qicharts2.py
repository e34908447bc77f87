"""qicharts2 cases: a ``qic()`` call as one ``spc()`` call, and its output columns (the
conformance README's table) from qi's points.

Anhoej's rules; moving-range screening as the call's ``r_options`` record
(``qic.screenedmr``); ``part``, ``freeze`` and ``exclude`` are positions within each facet,
as qicharts2 counts them.
"""

import math
from typing import Any

import polars as pl

from qi.charts import SPCInputError, spc
from qi.conformance.case import Case, Outcome, as_list
from qi.conformance.compare import compare


def run(case: Case) -> Outcome:
    args = case.arguments
    # Columns first: an expression argument adds its column to the case's data.
    x_col = case.column("x", "_x_expression")
    y_col = case.column("y", "_y_expression")
    n_col = case.column("n", "_n_expression")
    centre_col = case.column("cl", "_cl_expression")
    target_col = case.column("target", "_target_expression")
    facets = case.columns("facets")
    data = case.data
    if y_col is None:  # qic(y): x is the position
        y_col, x_col = x_col, "_x"
        data = data.with_row_index("_x", offset=1).with_columns(pl.col("_x").cast(pl.Float64))
    if y_col is None or x_col is None:
        return Outcome(case.name, False, "the call names no y column")
    chart = args.get("chart", "run")
    screen = bool(case.call.get("r_options", {}).get("qic.screenedmr", False))
    data = data.filter(pl.col(x_col).is_not_null())
    positions = _positions(data, x_col, facets)
    part = args.get("part")
    phases = None
    if isinstance(part, dict) and "column" in part:
        part = _part_positions(data, x_col, part["column"])
    if part is not None:
        phases = _at_positions(positions, facets, x_col, [int(p) + 1 for p in as_list(part)])
    freeze = args.get("freeze")
    baseline = int(freeze) if freeze is not None and part is None else None
    exclude = args.get("exclude")
    excluded = (
        _at_positions(positions, facets, x_col, [int(p) for p in as_list(exclude)])
        if exclude is not None
        else None
    )
    options: dict[str, Any] = dict(
        value=y_col,
        period=x_col,
        by=facets,
        denominator=n_col,
        chart=chart,
        rules="anhoej",
        phases=phases,
        baseline=baseline,
        exclude=excluded,
        multiplier=float(args.get("multiply", 1)),
        screen=screen,
        centre=centre_col or _number(args.get("cl")),
        target=target_col or _number(args.get("target")),
        aggregate=args.get("agg.fun", "mean"),
        runs_method=args.get("method", "anhoej"),
        period_unit=_x_period(args.get("x.period")),
        negative_limits=bool(args.get("y.neg", True)),
    )
    if case.call.get("expected_error"):
        try:
            spc(data, **options)
        except SPCInputError as error:
            return Outcome(case.name, True, f"refused as documented: {error}")
        return Outcome(case.name, False, "R stops with an error but qi gave a result")
    points = spc(data, **options).points
    expected = case.expected({"x": data.schema[x_col]})
    actual = _view(points, x_col, facets, freeze if part is None else None)
    keys = ["facet1", "facet2", "x"]
    expected = expected.with_columns(pl.col("facet1", "facet2").cast(pl.String))
    expected = expected.sort(keys, maintain_order=True)
    actual = actual.sort(keys, maintain_order=True)
    return compare(case.name, expected, actual)


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and value in ("NA", "NaN"):
        return None
    return float(value)


def _x_period(value: str | None) -> str | None:
    if value is None:
        return None
    return {"days": "day", "weeks": "week", "months": "month", "quarters": "quarter"}.get(
        value, value.rstrip("s")
    )


def _positions(data: pl.DataFrame, x: str, facets: list[str]) -> pl.DataFrame:
    """Each facet's distinct x values in order, numbered from 1 (qicharts2's ``xx``)."""
    keys = [*facets, x]
    distinct = data.select(keys).unique().sort(keys)
    return distinct.with_columns(
        pl.int_range(1, pl.len() + 1).over(facets or pl.lit(1)).alias("_xx")
    )


def _at_positions(positions: pl.DataFrame, facets: list[str], x: str, wanted: list[int]):
    return positions.filter(pl.col("_xx").is_in(wanted)).select(*facets, x)


def _part_positions(data: pl.DataFrame, x: str, column: str) -> list[int]:
    """qicharts2: part labels become positions after which a new part starts."""
    labels = data.unique(subset=[x], keep="first", maintain_order=True).get_column(column)
    firsts = []
    for label in labels.unique(maintain_order=True).to_list()[1:]:
        firsts.append(int((labels == label).arg_true()[0]))
    return firsts


def _subgroup_view(points: pl.DataFrame) -> list[pl.Expr]:
    """qicharts2's y.length, y.mean and y.sd; without subgroups (one row per period) spc()
    leaves them out, and they are the row's own: 1 (0 if missing), its value, and NA."""
    if "subgroup_size" in points.columns:
        return [
            pl.col("subgroup_size").alias("y.length"),
            pl.col("subgroup_mean").alias("y.mean"),
            pl.col("subgroup_sd").alias("y.sd"),
        ]
    return [
        pl.col("numerator").is_not_null().cast(pl.Int32).alias("y.length"),
        pl.col("numerator").alias("y.mean"),
        pl.lit(None, pl.Float64).alias("y.sd"),
    ]


def _view(points: pl.DataFrame, x: str, facets: list[str], freeze: Any) -> pl.DataFrame:
    facet1 = pl.col(facets[0]).cast(pl.String) if facets else pl.lit("1")
    facet2 = pl.col(facets[1]).cast(pl.String) if len(facets) > 1 else pl.lit("1")
    baseline = pl.col("position") <= freeze if freeze is not None else pl.lit(True)
    return points.select(
        pl.col(x).alias("x"),
        facet1.alias("facet1"),
        facet2.alias("facet2"),
        pl.col("numerator").alias("y.sum"),
        *_subgroup_view(points),
        pl.col("denominator").alias("n"),
        pl.col("value").alias("y"),
        pl.col("centre").alias("cl"),
        pl.col("target"),
        pl.col("phase").alias("part"),
        pl.col("position").alias("xx"),
        baseline.alias("baseline"),
        (~pl.col("excluded")).alias("include"),
        pl.col("lower_limit").alias("lcl"),
        pl.col("lower_2sigma").alias("lcl.95"),
        pl.col("upper_limit").alias("ucl"),
        pl.col("upper_2sigma").alias("ucl.95"),
        pl.col("n_obs").alias("n.obs"),
        pl.col("n_useful").alias("n.useful"),
        pl.col("runs_signal").alias("runs.signal"),
        pl.col("longest_run").alias("longest.run"),
        pl.col("longest_run_max").alias("longest.run.max"),
        pl.col("crossings").alias("n.crossings"),
        pl.col("crossings_min").alias("n.crossings.min"),
        pl.col("rule_outside").fill_null(False).alias("sigma.signal"),
    )
