"""Conformance with the reference implementations: run R reference cases through the engine.

A case folder holds ``call.json`` (the exact R call of qicharts2's ``qic()`` or
NHSRplotthedots' ``ptd_spc()`` and its evaluated arguments), ``input.csv`` and, unless the R
package stopped with an error, ``expected.csv``. This module translates each call into one
``qi.charts.spc`` call, maps the package's output columns onto qi's, and compares them point
by point: numbers to 1e-9 relative, flags and labels exactly, missing equal to missing.

Where the R package stops with an error, qi passes when it shows its documented behaviour:
a T chart with a time of zero is refused with a clear error; a missing value inside a 7-point
trend window is a gap (no trend runs through it).
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from qi.charts import SPCInputError, spc
from qi.charts.constants import MDC_LIMIT

RELATIVE_TOLERANCE = 1e-9
_TYPES = {"date": pl.Date, "numeric": pl.Float64, "character": pl.String}


@dataclass
class Outcome:
    case: str
    passed: bool
    detail: str = ""

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.case}" + (
            f": {self.detail}" if self.detail else ""
        )


def case_folders(root: Path) -> list[Path]:
    """Every folder below ``root`` (itself included) that holds a ``call.json``."""
    return sorted(p.parent for p in Path(root).rglob("call.json"))


def run_case(folder: Path) -> Outcome:
    call = json.loads((folder / "call.json").read_text())
    name = call.get("case_id", folder.name)
    try:
        data = _read_input(folder, call)
        if call.get("package") == "NHSRplotthedots":
            return _ptd(name, folder, call, data)
        return _qic(name, folder, call, data)
    except Exception as error:  # a crash is a failure of the case, reported, not raised
        return Outcome(name, False, f"{type(error).__name__}: {error}")


def _read_input(folder: Path, call: dict) -> pl.DataFrame:
    columns = call.get("input", {}).get("columns", [])
    schema = {c["name"]: _TYPES.get(c["type"], pl.String) for c in columns}
    return pl.read_csv(
        folder / "input.csv",
        schema_overrides=schema or None,
        null_values=["NA", "NaN"],
        infer_schema_length=None,
    )


def _read_expected(folder: Path, types: dict[str, Any]) -> pl.DataFrame:
    return pl.read_csv(
        folder / "expected.csv",
        null_values=["NA", "NaN"],
        schema_overrides=types,
        infer_schema_length=None,
    )


# --- NHSRplotthedots ------------------------------------------------------------------------


def _ptd(name: str, folder: Path, call: dict, data: pl.DataFrame) -> Outcome:
    args = call["arguments"]
    value = args["value_field"]["column"]
    period = args["date_field"]["column"]
    facet = args.get("facet_field", {}).get("column") if "facet_field" in args else None
    by = [facet] if facet else []
    rebase = args.get("rebase")
    phases: Any = None
    if isinstance(rebase, list | str):
        phases = [rebase] if isinstance(rebase, str) else rebase
        phases = pl.Series(phases).str.to_date().to_list()
    elif isinstance(rebase, dict):
        rows = [(f, d) for f, dates in rebase.items() for d in _as_list(dates)]
        phases = pl.DataFrame(
            {facet: [r[0] for r in rows], period: [r[1] for r in rows]}
        ).with_columns(pl.col(period).str.to_date())
    target = args.get("target")
    options = dict(
        value=value,
        period=period,
        by=by,
        chart="i",
        rules="mdc",
        direction=args.get("improvement_direction", "increase"),
        target=target,
        phases=phases,
        baseline=args.get("fix_after_n_points"),
        screen=bool(args.get("screen_outliers", True)),
    )
    if data.schema[period] == pl.Datetime:
        data = data.with_columns(pl.col(period).cast(pl.Date))
    if call.get("expected_error"):
        return _ptd_error_case(name, data, options)
    charted = spc(data, **options)
    points, summary = charted.points, charted.summary()
    points = (
        points.join(
            summary.select(*by, "variation_icon", "assurance_icon"), on=by or None, how="left"
        )
        if by
        else points.with_columns(
            pl.lit(summary["variation_icon"][0]).alias("variation_icon"),
            pl.lit(summary["assurance_icon"][0], pl.String).alias("assurance_icon"),
        )
    )
    actual = _ptd_view(points, data, period, facet, phases)
    expected = _read_expected(folder, {"x": pl.Date, "f": pl.String})
    expected = expected.sort("f", "x", maintain_order=True)
    actual = actual.sort("f", "x", maintain_order=True)
    return _compare(name, expected, actual)


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _ptd_view(
    points: pl.DataFrame, data: pl.DataFrame, period: str, facet: str | None, phases: Any
) -> pl.DataFrame:
    y, mean = pl.col("value"), pl.col("centre")
    outside = pl.col("rule_outside")
    close = ~outside & ((y < pl.col("lower_2sigma")) | (y > pl.col("upper_2sigma")))
    # ptd counts a rebase on a series' first date as a segment too (rebase_group starts at 1).
    first_is_rebase = pl.lit(0)
    if isinstance(phases, list):
        first = pl.col(period).min().over(facet) if facet else pl.col(period).min()
        first_is_rebase = first.is_in(pl.Series(phases).implode()).cast(pl.Int64)
    return points.select(
        pl.col(period).alias("x"),
        (pl.col(facet).cast(pl.String) if facet else pl.lit("no facet")).alias("f"),
        y.alias("y"),
        pl.col("target"),
        (pl.col("phase") - 1 + first_is_rebase).alias("rebase_group"),
        pl.col("short_phase").alias("short_group_warning"),
        pl.when(pl.col("baseline")).then(y).alias("fix_y"),
        mean.alias("mean_col"),
        pl.col("lower_limit").alias("lpl"),
        pl.col("upper_limit").alias("upl"),
        ((pl.col("upper_limit") - mean) / MDC_LIMIT).alias("amr"),
        pl.col("lower_1sigma"),
        pl.col("upper_1sigma"),
        pl.col("lower_2sigma"),
        pl.col("upper_2sigma"),
        outside.alias("outside_limits"),
        pl.col("relative_to_centre").alias("relative_to_mean"),
        close.alias("close_to_limits"),
        pl.col("rule_trend").alias("rule_trend7"),
        pl.col("rule_two_of_three").alias("rule_two_in_three"),
        pl.col("rule_shift").alias("rule_shift7"),
        pl.col("signal_label")
        .cast(pl.String)
        .fill_null("Common Cause")
        .alias("special_cause_type"),
        pl.col("signal").is_not_null().alias("special_cause_flag"),
        pl.col("point_type"),
        pl.col("variation_icon"),
        pl.col("assurance_icon").alias("assurance_type"),
    )


def _ptd_error_case(name: str, data: pl.DataFrame, options: dict) -> Outcome:
    points = spc(data, **options).points
    flagged_missing = points.filter(pl.col("value").is_null() & pl.col("rule_trend"))
    if flagged_missing.height:
        return Outcome(name, False, "a missing value was flagged as part of a trend")
    return Outcome(name, True, "R stops; qi treats the missing value as a gap (documented)")


# --- qicharts2 -------------------------------------------------------------------------------


def _column_or_value(arg: Any, data: pl.DataFrame) -> tuple[str | None, Any]:
    if isinstance(arg, dict) and "column" in arg:
        return arg["column"], None
    return None, arg


def _qic(name: str, folder: Path, call: dict, data: pl.DataFrame) -> Outcome:
    args = call["arguments"]
    x_col = args.get("x", {}).get("column") if isinstance(args.get("x"), dict) else None
    y_col = args.get("y", {}).get("column") if isinstance(args.get("y"), dict) else None
    if y_col is None:  # qic(y): x is the position
        y_col, x_col = x_col, "_x"
        data = data.with_row_index("_x", offset=1).with_columns(pl.col("_x").cast(pl.Float64))
    n_col = args.get("n", {}).get("column") if isinstance(args.get("n"), dict) else None
    facets = (
        args.get("facets", {}).get("columns", []) if isinstance(args.get("facets"), dict) else []
    )
    chart = args.get("chart", "run")
    screen = bool(call.get("r_options", {}).get("qic.screenedmr", False))
    data = data.filter(pl.col(x_col).is_not_null())
    positions = _positions(data, x_col, facets)
    part = args.get("part")
    phases = None
    if isinstance(part, dict) and "column" in part:
        part = _part_positions(data, x_col, part["column"])
    if part is not None:
        phases = _at_positions(positions, facets, x_col, [int(p) + 1 for p in _as_list(part)])
    freeze = args.get("freeze")
    baseline = int(freeze) if freeze is not None and part is None else None
    exclude = args.get("exclude")
    excluded = (
        _at_positions(positions, facets, x_col, [int(p) for p in _as_list(exclude)])
        if exclude is not None
        else None
    )
    centre_col, centre_value = _column_or_value(args.get("cl"), data)
    target_col, target_value = _column_or_value(args.get("target"), data)
    options = dict(
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
        centre=centre_col or _number(centre_value),
        target=target_col or _number(target_value),
        aggregate=args.get("agg.fun", "mean"),
        runs_method=args.get("method", "anhoej"),
        period_unit=_x_period(args.get("x.period")),
        negative_limits=bool(args.get("y.neg", True)),
    )
    if call.get("expected_error"):
        try:
            spc(data, **options)
        except SPCInputError as error:
            return Outcome(name, True, f"refused as documented: {error}")
        return Outcome(name, False, "R stops with an error but qi gave a result")
    points = spc(data, **options).points
    x_type = data.schema[x_col]
    expected = _read_expected(folder, {"x": x_type})
    actual = _qic_view(points, x_col, facets, freeze if part is None else None)
    keys = ["facet1", "facet2", "x"]
    expected = expected.with_columns(pl.col("facet1", "facet2").cast(pl.String))
    expected = expected.sort(keys, maintain_order=True)
    actual = actual.sort(keys, maintain_order=True)
    return _compare(name, expected, actual)


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


def _qic_view(points: pl.DataFrame, x: str, facets: list[str], freeze: Any) -> pl.DataFrame:
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


# --- comparison ---------------------------------------------------------------------------------

_SKIP = {"trajectory", "notes"}


def _compare(name: str, expected: pl.DataFrame, actual: pl.DataFrame) -> Outcome:
    if expected.height != actual.height:
        return Outcome(name, False, f"{actual.height} rows, expected {expected.height}")
    for column in expected.columns:
        if column in _SKIP:
            continue
        if column not in actual.columns:
            return Outcome(name, False, f"qi has no column mapped to {column!r}")
        for row, (want, got) in enumerate(
            zip(
                expected.get_column(column).to_list(),
                actual.get_column(column).to_list(),
                strict=True,
            )
        ):
            if not _same(want, got):
                return Outcome(
                    name, False, f"column {column!r}, row {row + 1}: expected {want!r}, got {got!r}"
                )
    return Outcome(name, True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _same(want: Any, got: Any) -> bool:
    if _missing(want) or _missing(got):
        return _missing(want) and _missing(got)
    if isinstance(want, bool) or isinstance(got, bool):
        return bool(want) == bool(got) and type(want) is type(got)
    if isinstance(want, int | float) and isinstance(got, int | float):
        if want == got:
            return True
        return abs(want - got) <= RELATIVE_TOLERANCE * max(abs(want), abs(got))
    return str(want) == str(got)


def run_all(root: Path) -> list[Outcome]:
    return [run_case(folder) for folder in case_folders(root)]
