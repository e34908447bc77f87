"""One funnel-plot reference case (FunnelPlotR or PHEindicatormethods): its call, its input and
its expected tables, and the comparison of a table qi computed with one the package wrote.

A case folder holds ``call.json`` (the exact R call and its arguments, in the forms the
conformance README documents: ``{"column": name}``, ``{"expression": ..., "columns": [...]}``,
``"<input table>"``, evaluated values, and ``"_positional"``), ``input.csv``, ``expected.csv``
(one row per unit), ``summary.csv`` (scalars) and ``limits.csv`` (the limit curve). Numbers are
compared to a relative tolerance (1e-9; PHE's bisection curves 1e-6), flags and labels exactly,
missing (NA or NaN) equal to missing; per-unit rows are matched by unit, curve rows by order.
"""

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from qi.conformance.case import Outcome
from qi.conformance.expressions import r_expression

RELATIVE_TOLERANCE = 1e-9
BISECTION_TOLERANCE = 1e-6  # PHE's poisson_funnel() stops at a step of 1e-7 in v


@dataclass
class FunnelCase:
    folder: Path
    call: dict[str, Any]
    arguments: dict[str, Any]
    data: pl.DataFrame

    @property
    def name(self) -> str:
        return str(self.call.get("case_id", self.folder.name))

    def table(self, file: str) -> pl.DataFrame | None:
        path = self.folder / file
        if not path.exists():
            return None
        return pl.read_csv(path, null_values=["NA"], infer_schema_length=None)

    def column(self, *names: str) -> str | None:
        """The input column the first of these arguments names; an R expression of columns
        becomes a new column of the data named after the argument."""
        for name in names:
            value = self.arguments.get(name)
            if isinstance(value, dict) and "column" in value:
                return str(value["column"])
            if isinstance(value, dict) and "expression" in value:
                columns = value.get("columns") or self.data.columns
                alias = f"_{name}"
                self.data = self.data.with_columns(
                    r_expression(value["expression"], columns).alias(alias)
                )
                return alias
        return None


def read_funnel_case(folder: Path, call: dict[str, Any], formals: tuple[str, ...]) -> FunnelCase:
    data = pl.read_csv(
        folder / "input.csv",
        null_values=["NA"],
        infer_schema_length=None,
        schema_overrides={"unit": pl.String},
    )
    return FunnelCase(folder, call, named_arguments(call, formals), data)


def named_arguments(call: dict[str, Any], formals: tuple[str, ...]) -> dict[str, Any]:
    """The call's arguments by name, positional ones named from the function's formals."""
    given = call.get("arguments", {})
    arguments = {k: v for k, v in given.items() if k != "_positional"}
    unfilled = [f for f in formals if f not in arguments]
    for _, value in sorted(given.get("_positional", {}).items(), key=lambda item: int(item[0])):
        if not unfilled:
            break
        arguments[unfilled.pop(0)] = value
    return arguments


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def same(want: Any, got: Any, tolerance: float) -> bool:
    if missing(want) or missing(got):
        return missing(want) and missing(got)
    if isinstance(want, bool) or isinstance(got, bool):
        return isinstance(want, bool) and isinstance(got, bool) and want == got
    if isinstance(want, int | float) and isinstance(got, int | float):
        if want == got:
            return True
        return abs(want - got) <= tolerance * max(abs(want), abs(got))
    return str(want) == str(got)


def compare_table(
    name: str,
    file: str,
    expected: pl.DataFrame,
    actual: pl.DataFrame,
    tolerance: float = RELATIVE_TOLERANCE,
) -> Outcome:
    """Row by row, every expected column; ``actual`` holds the package's column names."""
    if expected.height != actual.height:
        return Outcome(name, False, f"{file}: {actual.height} rows, expected {expected.height}")
    for column in expected.columns:
        if column not in actual.columns:
            return Outcome(name, False, f"{file}: qi has no column mapped to {column!r}")
        pairs = zip(
            expected.get_column(column).to_list(),
            actual.get_column(column).to_list(),
            strict=True,
        )
        for row, (want, got) in enumerate(pairs):
            if not same(want, got, tolerance):
                return Outcome(
                    name,
                    False,
                    f"{file} column {column!r}, row {row + 1}: expected {want!r}, got {got!r}",
                )
    return Outcome(name, True)


def in_order_of(actual: pl.DataFrame, expected: pl.DataFrame, key: str) -> pl.DataFrame:
    """``actual``'s rows in the order of ``expected``'s ``key`` column (per-unit tables: R
    sorts units by its locale, qi by code points)."""
    order = expected.select(pl.col(key).cast(pl.String)).with_row_index("_order")
    matched = order.join(
        actual.with_columns(pl.col(key).cast(pl.String)), on=key, how="left", maintain_order="left"
    )
    return matched.drop("_order")


def first_failure(outcomes: list[Outcome]) -> Outcome | None:
    return next((o for o in outcomes if not o.passed), None)


def as_int_flag(column: str) -> pl.Expr:
    """A qi flag (true/false) as the 0/1 FunnelPlotR writes."""
    return pl.col(column).cast(pl.Int64)
