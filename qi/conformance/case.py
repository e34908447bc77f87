"""One reference case: its call, its input and expected tables, its outcome, and the call's
arguments as qi reads them.

``call.json`` records each argument of the R call in one of these forms (the conformance
README): ``{"column": name}`` for a column, ``{"columns": [...]}`` for a facets formula,
``{"expression": ..., "columns": [...]}`` for an R expression of columns, ``"<input table>"``
for the data, otherwise the evaluated value. Arguments given by position are under
``"_positional"`` (``{"1": ..., "2": ...}``) and are named here from the R function's formal
arguments, so a case reads the same however its call was written.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from qi.conformance.expressions import r_expression

_TYPES = {"date": pl.Date, "numeric": pl.Float64, "character": pl.String}

# The formal arguments, in order, of the functions the cases call.
FORMALS: dict[str, tuple[str, ...]] = {
    "ptd_spc": (
        ".data",
        "value_field",
        "date_field",
        "facet_field",
        "rebase",
        "fix_after_n_points",
        "improvement_direction",
        "target",
        "trajectory",
        "screen_outliers",
    ),
    "qic": (
        "x",
        "y",
        "n",
        "data",
        "facets",
        "notes",
        "agg.fun",
        "method",
        "chart",
        "multiply",
        "freeze",
        "part",
        "exclude",
        "target",
        "cl",
    ),
}


@dataclass
class Outcome:
    """Whether a case passed, and if not, the first difference found."""

    case: str
    passed: bool
    detail: str = ""

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.case}" + (
            f": {self.detail}" if self.detail else ""
        )


@dataclass
class Case:
    """A case folder read: ``call.json`` with its arguments named, and ``input.csv``."""

    folder: Path
    call: dict[str, Any]
    arguments: dict[str, Any]
    data: pl.DataFrame

    @property
    def name(self) -> str:
        return str(self.call.get("case_id", self.folder.name))

    def expected(self, types: dict[str, Any]) -> pl.DataFrame:
        return pl.read_csv(
            self.folder / "expected.csv",
            null_values=["NA", "NaN"],
            schema_overrides=types,
            infer_schema_length=None,
        )

    def column(self, argument: str, as_name: str) -> str | None:
        """The column an argument names, or for an expression a new column ``as_name`` holding
        its values (added to ``data``); None when the argument is absent or not a column."""
        value = self.arguments.get(argument)
        if not isinstance(value, dict):
            return None
        if "column" in value:
            return str(value["column"])
        if "expression" in value:
            columns = value.get("columns") or self.data.columns
            self.data = self.data.with_columns(
                r_expression(value["expression"], columns).alias(as_name)
            )
            return as_name
        return None

    def columns(self, argument: str) -> list[str]:
        """The columns of a formula argument (qicharts2's ``facets = ~ a + b``)."""
        value = self.arguments.get(argument)
        if isinstance(value, dict) and "columns" in value and "expression" not in value:
            return [str(c) for c in value["columns"]]
        if isinstance(value, dict) and "column" in value:
            return [str(value["column"])]
        return []


def read_case(folder: Path) -> Case:
    call = json.loads((folder / "call.json").read_text())
    columns = call.get("input", {}).get("columns", [])
    schema = {c["name"]: _TYPES.get(c["type"], pl.String) for c in columns}
    data = pl.read_csv(
        folder / "input.csv",
        schema_overrides=schema or None,
        null_values=["NA", "NaN"],
        infer_schema_length=None,
    )
    return Case(folder, call, named_arguments(call), data)


def named_arguments(call: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by name, positional ones named from the function's formals."""
    arguments = {k: v for k, v in call.get("arguments", {}).items() if k != "_positional"}
    formals = FORMALS.get(str(call.get("function", "")).split("::")[-1], ())
    if not formals:
        formals = FORMALS["ptd_spc" if call.get("package") == "NHSRplotthedots" else "qic"]
    unfilled = [f for f in formals if f not in arguments]
    positional = call.get("arguments", {}).get("_positional", {})
    for _, value in sorted(positional.items(), key=lambda item: int(item[0])):
        if not unfilled:
            break
        arguments[unfilled.pop(0)] = value
    return arguments


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
