"""Comparing qi's view of a case with the reference package's output, point by point:
numbers to 1e-9 relative, flags and labels exactly, missing (NA or NaN) equal to missing."""

import math
from typing import Any

import polars as pl

from qi.conformance.case import Outcome

RELATIVE_TOLERANCE = 1e-9
_SKIP = {"notes"}  # qicharts2's plot notes: free text, not computed


def compare(name: str, expected: pl.DataFrame, actual: pl.DataFrame) -> Outcome:
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
