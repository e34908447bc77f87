"""PHEindicatormethods cases: ``phe_proportion()``, ``calculate_ISRatio()`` or ``phe_rate()``
with ``assign_funnel_significance()``, ``calculate_funnel_points()`` and
``calculate_funnel_limits()`` on one table, as ``qi.charts.funnel`` calls (method "phe"), and
their tables from qi's points, comparisons and curves.

``calculate_ISRatio()`` sums expected events E = x_ref / n_ref × n per unit; where that differs
from the denominator column ``assign_funnel_significance()`` reads, qi is called once with each.
The curve's ``statistic`` and ``method`` labels are PHE's text, composed from the call.
"""

import re
from pathlib import Path
from typing import Any

import polars as pl

from qi.charts import funnel
from qi.charts.funnel_phe import level_label
from qi.conformance.case import Outcome
from qi.conformance.funnel_case import (
    BISECTION_TOLERANCE,
    FunnelCase,
    compare_table,
    first_failure,
    in_order_of,
    read_funnel_case,
)

# PHE's two-level column names (confidence = c(0.95, 0.998)).
TWO_LEVELS = {
    "lower95_0cl": "ci_lower_95",
    "upper95_0cl": "ci_upper_95",
    "lower99_8cl": "ci_lower_998",
    "upper99_8cl": "ci_upper_998",
}
FUNNEL_LIMITS = {
    "funnel_lower_95": "lower_95",
    "funnel_upper_95": "upper_95",
    "funnel_lower_99_8": "lower_998",
    "funnel_upper_99_8": "upper_998",
}
SAME = ("value", "significance", "rate_chart", "denominator_derived")
LEVELS = {"2s": "95", "3s": "998"}
CURVE_X = {"proportion": "Population", "ratio": "Observed_events", "rate": "Events"}
SUMMARY = {"proportion": "average", "rate": "weighted_average"}


def run(folder: Path, call: dict[str, Any]) -> Outcome:
    case = read_funnel_case(folder, call, ())
    args = case.arguments
    statistic = str(args.get("statistic", "proportion"))
    numerator = case.column("numerator", "x_numerator", "x")
    denominator = case.column("denominator", "n_denominator", "n")
    if numerator is None or denominator is None:
        return Outcome(case.name, False, "the call names no numerator or denominator")
    rate = case.column("rate")
    levels = _confidence(case)
    multiplier = float(args.get("multiplier", 1 if statistic == "proportion" else 100))
    options: dict[str, Any] = dict(
        numerator=numerator,
        unit="unit",
        statistic=statistic,
        method="phe",
        rate=rate if statistic == "rate" else None,
        rate_type=str(args.get("rate_type", "crude")),
        ratio_type=str(args.get("ratio_type", "isr")),
        years_of_data=float(args.get("years_of_data", 1)),
        confidence=levels,
        multiplier=float(args.get("refvalue", 1)) if statistic == "ratio" else multiplier,
    )
    tested = funnel(case.data, denominator=denominator, **options)
    intervals = tested
    if statistic == "ratio":
        expected = _isr_expected(case, denominator)
        if expected is not None:
            intervals = funnel(case.data, denominator=expected, **options)
    outcomes = [
        _points(case, intervals.points, tested.points, numerator, denominator, rate, levels)
    ]
    summary = case.table("summary.csv")
    if summary is not None and statistic in SUMMARY:
        actual = tested.comparisons.select(pl.col("target").alias(SUMMARY[statistic]))
        outcomes.append(compare_table(case.name, "summary.csv", summary, actual))
    limits = case.table("limits.csv")
    if limits is not None:
        outcomes.append(_limits(case, limits, tested.curves, statistic, multiplier))
    return first_failure(outcomes) or Outcome(case.name, True)


def _confidence(case: FunnelCase) -> list[float]:
    """The intervals' levels: the ``confidence`` argument, else as the R call writes it
    (``confidence = c(0.95, 0.998)``), else PHE's default 0.95."""
    value = case.arguments.get("confidence")
    if value is None:
        found = re.search(r"confidence\s*=\s*(c\([^)]*\)|[0-9.]+)", case.call.get("r_call", ""))
        if found is None:
            return [0.95]
        value = [float(v) for v in re.findall(r"[0-9.]+", found.group(1))]
    return [float(c) for c in (value if isinstance(value, list) else [value])]


def _isr_expected(case: FunnelCase, denominator: str) -> str | None:
    """``calculate_ISRatio()``'s expected events, x_ref / n_ref × n, as a column; None when it
    is the denominator column itself."""
    parts = []
    for name in ("x_ref", "n_ref"):
        value = case.arguments.get(name)
        column = case.column(name)
        if column is not None:
            parts.append(pl.col(column).cast(pl.Float64).fill_null(0.0))
        elif isinstance(value, int | float):
            parts.append(pl.lit(float(value)))
        else:
            return None
    expected = parts[0] / parts[1] * pl.col(denominator).cast(pl.Float64).fill_null(0.0)
    case.data = case.data.with_columns(expected.alias("_isr_expected"))
    if case.data.select((pl.col("_isr_expected") == pl.col(denominator)).all()).item():
        return None
    return "_isr_expected"


def _points(
    case: FunnelCase,
    intervals: pl.DataFrame,
    tested: pl.DataFrame,
    numerator: str,
    denominator: str,
    rate: str | None,
    levels: list[float],
) -> Outcome:
    expected = case.table("expected.csv")
    if expected is None:
        return Outcome(case.name, False, "no expected.csv")
    names: dict[str, pl.Expr] = {"unit": pl.col("unit")}
    for column in expected.columns:
        if column == numerator:
            names[column] = pl.col("numerator")
        elif column == denominator:
            names[column] = pl.col("denominator")
        elif rate is not None and column == rate:
            names[column] = pl.col("rate")
        elif column in TWO_LEVELS and len(levels) == 2:
            names[column] = pl.col(TWO_LEVELS[column])
        elif column in ("lowercl", "uppercl") and len(levels) == 1:
            names[column] = pl.col(f"ci_{column[:5]}_{level_label(levels[0])}")
    actual = intervals.select(
        pl.col("unit").cast(pl.String), *[e.alias(n) for n, e in names.items() if n != "unit"]
    )
    judged = [c for c in (*SAME, *FUNNEL_LIMITS.values()) if c in tested.columns]
    judgement = tested.select(pl.col("unit").cast(pl.String), *judged).rename(
        {v: k for k, v in FUNNEL_LIMITS.items() if v in judged}
    )
    if "value" in judgement.columns:
        judgement = judgement.drop("value")
    actual = actual.join(judgement, on="unit", how="left", maintain_order="left")
    if "value" not in actual.columns:
        actual = actual.join(
            intervals.select(pl.col("unit").cast(pl.String), "value"), on="unit", how="left"
        )
    return compare_table(case.name, "expected.csv", expected, in_order_of(actual, expected, "unit"))


def _limits(
    case: FunnelCase,
    limits: pl.DataFrame,
    curves: pl.DataFrame,
    statistic: str,
    multiplier: float,
) -> Outcome:
    renamed: dict[str, str] = {
        "population": "Population",
        "observed": "Observed_events",
        "events": "Events",
        "baseline": "baseline",
    }
    for sigma, level in LEVELS.items():
        for side in ("lower", "upper"):
            renamed[f"{side}_{level}"] = f"{side}_{sigma}_limit"
            renamed[f"{side}_{level}_expected"] = f"{side}_{sigma}_exp_events"
            renamed[f"{side}_{level}_population"] = f"{side}_{sigma}_population_1_year"
    actual = curves.rename({k: v for k, v in renamed.items() if k in curves.columns})
    label = {
        "proportion": "proportion",
        "ratio": f"ratio ({case.arguments.get('ratio_type', 'isr')})",
        "rate": f"rate ({case.arguments.get('rate_type', 'crude')} per {_r_format(multiplier)})",
    }[statistic]
    actual = actual.with_columns(
        pl.lit(label).alias("statistic"),
        pl.lit("Wilson" if statistic == "proportion" else "Poisson").alias("method"),
    )
    tolerance = BISECTION_TOLERANCE if statistic != "proportion" else 1e-9
    return compare_table(case.name, "limits.csv", limits, actual, tolerance)


def _r_format(number: float) -> str:
    """R's ``format(x, big.mark = ",", scientific = FALSE)``."""
    return f"{int(number):,}" if number == int(number) else f"{number:,}"
