"""Checking and preparing ``funnel()``'s arguments: validation at the edge, with messages that say
what is wrong, where (row and unit) and how to fix it; then one row per comparison and unit with
the numerator and denominator summed, as FunnelPlotR's ``aggregate_func()`` does.

The checked arguments are kept together (``FunnelOptions``); the stages behind trust them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from qi.charts.funnel_constants import CONFIDENCE, LIMITS, TRIM_BY

METHODS = ("spiegelhalter", "phe")
# What each method compares. Spiegelhalter (FunnelPlotR): proportions (PR), indirectly
# standardised ratios observed / expected (SR) and ratios of counts (RC). PHE (Fingertips):
# proportions, ratios observed / expected, and rates.
STATISTICS = {
    "spiegelhalter": ("proportion", "ratio", "ratio_of_counts"),
    "phe": ("proportion", "ratio", "rate"),
}
RATIO_METHODS = ("shmi", "cqc")  # FunnelPlotR's sr_method: log scale and truncation, or sqrt
RATE_TYPES = ("crude", "dsr")  # PHE: crude rates, or directly standardised rates
RATIO_TYPES = ("isr", "count")  # PHE: how ratio curves are shown (x 100, or - 1)

# Working columns: named once, never returned.
COMPARISON = "_comparison"  # 0, 1, ... in key order
ROW = "_row"  # 1-based row of the caller's data
RATE = "_rate"
ROWS = "_rows"  # input rows summed into the unit


def per_comparison(values: pl.Series) -> pl.Expr:
    """A per-comparison value (``values[i]`` for comparison i) on every row of that comparison."""
    return pl.lit(values).gather(pl.col(COMPARISON))


class FunnelInputError(ValueError):
    """The caller's data or arguments cannot go into a funnel plot; the message says why, where
    and how to fix it."""


@dataclass(frozen=True)
class FunnelOptions:
    """``funnel()``'s checked arguments (see its docstring for each)."""

    keys: tuple[str, ...]
    unit: str
    numerator: str
    denominator: str
    statistic: str
    method: str
    ratio_method: str
    trim_by: float
    limit: int
    adjusted: bool
    unadjusted: bool
    round_expected: bool
    multiplier: float
    rate: str | None
    rate_type: str
    ratio_type: str
    years_of_data: float
    confidence: tuple[float, ...]
    curve_max: float | None

    @property
    def denominator_words(self) -> str:
        """What the denominator is called for this statistic, in messages."""
        return "expected count" if self.statistic == "ratio" else "denominator"


def options(
    data: pl.DataFrame,
    *,
    numerator: str,
    denominator: str,
    unit: str,
    by: Sequence[str] | str,
    statistic: str,
    method: str,
    ratio_method: str,
    trim_by: float,
    limit: int,
    adjusted: bool,
    unadjusted: bool,
    round_expected: bool,
    multiplier: float,
    rate: str | None,
    rate_type: str,
    ratio_type: str,
    years_of_data: float,
    confidence: Sequence[float] | float,
    curve_max: float | None,
) -> FunnelOptions:
    """Check every argument against the data; the first problem raises ``FunnelInputError``."""
    if not isinstance(data, pl.DataFrame):
        raise FunnelInputError("data must be a polars DataFrame")
    keys = [by] if isinstance(by, str) else list(by)
    _choice("method", method, METHODS)
    _choice(f"statistic for the {method} method", statistic, STATISTICS[method])
    _choice("ratio method", ratio_method, RATIO_METHODS)
    _choice("rate type", rate_type, RATE_TYPES)
    _choice("ratio type", ratio_type, RATIO_TYPES)
    if limit not in LIMITS:
        raise FunnelInputError(f"limit must be 95 (95%) or 99 (99.8%), not {limit!r}")
    if not 0 < trim_by < 0.5:
        raise FunnelInputError(
            f"trim_by must be a proportion above 0 and below 0.5 (got {trim_by}); "
            f"{TRIM_BY} Winsorises 10% at each end"
        )
    if not multiplier > 0:
        raise FunnelInputError(f"multiplier must be a positive number (got {multiplier})")
    if not years_of_data > 0:
        raise FunnelInputError(f"years_of_data must be a positive number (got {years_of_data})")
    levels = (confidence,) if isinstance(confidence, int | float) else tuple(confidence)
    if not levels or any(not 0.9 <= float(c) < 1 for c in levels):
        raise FunnelInputError(
            f"confidence levels must be between 0.9 and 1 (got {list(levels)}); "
            f"PHE uses {CONFIDENCE}"
        )
    if curve_max is not None and not curve_max > 0:
        raise FunnelInputError(f"curve_max must be a positive denominator (got {curve_max})")
    if method == "phe" and statistic == "rate" and rate_type == "dsr" and rate is None:
        raise FunnelInputError(
            "a directly standardised rate needs its rate column (rate=...): the funnel derives "
            "each unit's denominator from it"
        )
    checked = FunnelOptions(
        keys=tuple(keys),
        unit=unit,
        numerator=numerator,
        denominator=denominator,
        statistic=statistic,
        method=method,
        ratio_method=ratio_method,
        trim_by=float(trim_by),
        limit=int(limit),
        adjusted=bool(adjusted),
        unadjusted=bool(unadjusted),
        round_expected=bool(round_expected),
        multiplier=float(multiplier),
        rate=rate,
        rate_type=rate_type,
        ratio_type=ratio_type,
        years_of_data=float(years_of_data),
        confidence=tuple(float(c) for c in levels),
        curve_max=None if curve_max is None else float(curve_max),
    )
    _check_columns(data, checked)
    return checked


def _choice(what: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise FunnelInputError(f"unknown {what} {value!r}; choose one of: {', '.join(allowed)}")


def _check_columns(data: pl.DataFrame, checked: FunnelOptions) -> None:
    named = {
        "numerator": checked.numerator,
        checked.denominator_words: checked.denominator,
        "unit": checked.unit,
    }
    named.update({f"by ({k})": k for k in checked.keys})
    if checked.rate is not None:
        named["rate"] = checked.rate
    for role, column in named.items():
        if column not in data.columns:
            raise FunnelInputError(
                f"no column {column!r} for the {role}; the data has: {', '.join(data.columns)}"
            )
    if checked.unit in checked.keys:
        raise FunnelInputError(
            f"the unit column {checked.unit!r} is also a `by` column; `by` names the "
            "comparisons (measure, period), the unit the places compared within each"
        )
    numbers = [("numerator", checked.numerator), (checked.denominator_words, checked.denominator)]
    if checked.rate is not None:
        numbers.append(("rate", checked.rate))
    for role, column in numbers:
        dtype = data.schema[column]
        if not (dtype.is_numeric() or dtype == pl.Null):
            values = data.get_column(column).cast(pl.String)
            parsed = values.cast(pl.Float64, strict=False)
            bad = (parsed.is_null() & values.is_not_null()).arg_true()
            row = int(bad[0]) if len(bad) else 0
            raise FunnelInputError(
                f"the {role} column {column!r} must hold numbers, but row {row + 1} has "
                f"{values[row]!r}; correct the value or remove the row"
            )


def prepare(data: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """One row per comparison and unit: the keys, the unit, the summed ``numerator`` and
    ``denominator`` (and the rate, for PHE rates) and ``COMPARISON`` (0, 1, ...), each
    comparison's rows together. Comparisons come in the order they first appear in ``data``,
    and so do units within a comparison: data sorted by keys and unit comes out as it went in
    (without being regrouped: the fast path); other data is grouped first."""
    keys, unit = list(checked.keys), checked.unit
    columns = [
        *[pl.col(k) for k in keys],
        pl.col(unit),
        pl.col(checked.numerator).cast(pl.Float64).fill_nan(None).alias("numerator"),
        pl.col(checked.denominator).cast(pl.Float64).fill_nan(None).alias("denominator"),
    ]
    if checked.rate is not None:
        columns.append(pl.col(checked.rate).cast(pl.Float64).fill_nan(None).alias(RATE))
    frame = data.select(columns)
    _check_rows(frame.with_row_index(ROW, offset=1), checked)
    if _grouped(frame, [*keys, unit]):
        return frame.with_columns(_comparison_numbers(keys))
    sums = [pl.col("numerator").sum(), pl.col("denominator").sum(), pl.len().alias(ROWS)]
    if checked.rate is not None:
        sums.append(pl.col(RATE).first())
    units = frame.group_by([*keys, unit], maintain_order=True).agg(sums)
    if checked.rate is not None and units.get_column(ROWS).max() != 1:
        _refuse_repeated_units(units, checked)
    units = units.drop(ROWS)
    if not keys:
        return units.with_columns(pl.lit(0, pl.UInt32).alias(COMPARISON))
    index = units.select(keys).unique(maintain_order=True).with_row_index(COMPARISON)
    units = units.join(index, on=keys, how="left", maintain_order="left", nulls_equal=True)
    return units.sort(COMPARISON, maintain_order=True)


def _grouped(frame: pl.DataFrame, columns: list[str]) -> bool:
    """Whether the rows are strictly increasing in ``columns`` (compared in turn): then each
    comparison's rows are together and no unit repeats, and nothing need be regrouped."""
    if frame.height < 2:
        return True
    if any(frame.get_column(c).null_count() for c in columns):
        return False
    later = pl.lit(False)
    for column in reversed(columns):
        this, before = pl.col(column), pl.col(column).shift(1)
        later = (this > before) | ((this == before) & later)
    return bool(frame.select(later.slice(1).all()).item())


def _comparison_numbers(keys: list[str]) -> pl.Expr:
    """0, 1, ... for the comparisons of rows grouped by ``keys``."""
    if not keys:
        return pl.lit(0, pl.UInt32).alias(COMPARISON)
    # The first row differs from the missing row before it, so numbering starts at 1.
    changed = pl.any_horizontal(pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys)
    return (changed.cum_sum() - 1).cast(pl.UInt32).alias(COMPARISON)


def _where(row: dict[str, Any], checked: FunnelOptions) -> str:
    keys = "".join(f", {k}={row[k]}" for k in checked.keys)
    return f"row {row[ROW]} (unit {row[checked.unit]}{keys})"


def _first(frame: pl.DataFrame, condition: pl.Expr) -> dict[str, Any] | None:
    bad = frame.filter(condition)
    return bad.row(0, named=True) if bad.height else None


def _check_rows(frame: pl.DataFrame, checked: FunnelOptions) -> None:
    """Refuse the first row a funnel cannot use: a missing unit, count or denominator; a negative
    count; a denominator (or expected count) of zero or below; more events than cases."""
    num, den = pl.col("numerator"), pl.col("denominator")
    numerator, denominator = checked.numerator, checked.denominator
    words = checked.denominator_words
    row = _first(frame, pl.col(checked.unit).is_null())
    if row:
        raise FunnelInputError(
            f"row {row[ROW]}: the unit {checked.unit!r} is missing; name the unit or remove the row"
        )
    for name, column, what in ((numerator, num, "numerator"), (denominator, den, words)):
        row = _first(frame, column.is_null())
        if row:
            raise FunnelInputError(
                f"{_where(row, checked)}: the {what} {name!r} is missing; fill it in or remove "
                "the row"
            )
    row = _first(frame, num < 0)
    if row:
        raise FunnelInputError(
            f"{_where(row, checked)}: the numerator {numerator!r} is {row['numerator']:g}; "
            "counts of events cannot be negative: correct it"
        )
    row = _first(frame, den <= 0)
    if row:
        if checked.statistic == "ratio":
            fix = "a ratio of observed to expected needs expected events above 0"
        else:
            fix = f"a {checked.statistic.replace('_', ' ')} needs a denominator above 0"
        raise FunnelInputError(
            f"{_where(row, checked)}: the {words} {denominator!r} is {row['denominator']:g}; "
            f"{fix}: correct it, or remove the row"
        )
    if checked.statistic == "proportion":
        row = _first(frame, num > den)
        if row:
            raise FunnelInputError(
                f"{_where(row, checked)}: the numerator {numerator!r} ({row['numerator']:g}) is "
                f"above the denominator {denominator!r} ({row['denominator']:g}); a proportion "
                "cannot exceed 1: check the two columns are not swapped and correct the row"
            )
    if checked.rate is not None:
        row = _first(frame, pl.col(RATE).is_null() | ((pl.col(RATE) <= 0) & (num > 0)))
        if row:
            raise FunnelInputError(
                f"{_where(row, checked)}: the rate {checked.rate!r} is {row[RATE]}; a unit "
                "with events needs a rate above 0: correct it"
            )


def _refuse_repeated_units(units: pl.DataFrame, checked: FunnelOptions) -> None:
    repeated = units.filter(pl.col(ROWS) > 1).row(0, named=True)
    keys = "".join(f", {k}={repeated[k]}" for k in checked.keys)
    raise FunnelInputError(
        f"unit {repeated[checked.unit]}{keys} has {repeated[ROWS]} rows; with a rate column each "
        "unit needs one row per comparison: sum the rows first, or add the column that tells "
        "them apart to `by`"
    )
