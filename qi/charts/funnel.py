"""Funnel plots' front door: ``funnel()`` compares units (places, trusts, practices) on one
measure at one period or over a window, for many comparisons at once, and returns a ``Funnel``.

Two methods, each followed to the digit:

- ``"spiegelhalter"``, as FunnelPlotR 0.6.0: proportions (PR), indirectly standardised ratios
  of observed to expected (SR, by the SHMI or CQC method) and ratios of counts (RC); z-scores on
  a variance-stabilising scale, 10% Winsorisation (or SHMI truncation), the dispersion ratio phi,
  the additive random-effects τ², and 95% and 99.8% limits with and without it
  (``funnel_dispersion``, ``funnel_limits``).
- ``"phe"``, as PHEindicatormethods 2.1.0 (Fingertips): Wilson intervals for proportions, exact
  or Byar intervals for ratios and rates, funnel significance labels and the limit curves of
  ``calculate_funnel_limits()`` (``funnel_intervals``, ``funnel_phe``).

The comparison key is data (``by``: every measure × period in one call): each step is one set of
polars (or numpy) operations over every comparison, never a loop per comparison.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from qi.charts import funnel_phe
from qi.charts.funnel_arguments import (
    COMPARISON,
    METHODS,
    RATE,
    STATISTICS,
    FunnelInputError,
    FunnelOptions,
    options,
    prepare,
)
from qi.charts.funnel_constants import CONFIDENCE, SHMI_ROUNDING_DIGITS, TRIM_BY
from qi.charts.funnel_dispersion import POINT_COLUMNS as DISPERSION_COLUMNS
from qi.charts.funnel_dispersion import dispersion, is_shmi
from qi.charts.funnel_limits import POINT_COLUMNS as LIMIT_COLUMNS
from qi.charts.funnel_limits import count_outliers, drawn, funnel_limits

__all__ = ["METHODS", "STATISTICS", "Funnel", "FunnelInputError", "funnel"]

SPIEGELHALTER_COMPARISONS = ("units", "target", "phi", "tau2", "adjusted", "unadjusted", "outliers")
PHE_COMPARISONS = ("units", "target")


@dataclass(frozen=True)
class Funnel:
    """What ``funnel()`` returns.

    Attributes:
        points: one row per comparison and unit: the ``keys``, the ``unit``, ``numerator``,
            ``denominator``, ``value`` (the plotted ratio × multiplier) and the method's columns.
            Spiegelhalter: ``ratio``, ``target``, ``target_transformed``, ``transformed``,
            ``standard_error``, ``z_score``, ``winsorised`` (or for SHMI ``rank``,
            ``truncation_group``, ``truncated``), ``adjusted_z_score``, ``limits_standard_error``,
            the limits at the unit's denominator (``od_lower_95`` ... ``od_upper_998`` adjusted
            for over-dispersion, ``lower_95`` ... ``upper_998`` not), ``lower_limit`` and
            ``upper_limit`` (the pair the flag uses) and ``outlier``. PHE: ``ci_lower_95``,
            ``ci_upper_95``, ``ci_lower_998``, ``ci_upper_998`` (one pair per confidence level),
            ``ci_method``, for proportions the funnel limits at the unit's denominator
            (``lower_95`` ... ``upper_998``), ``significance``; for rates ``rate``,
            ``rate_chart`` and ``denominator_derived``.
        curves: the limit curves to draw, one row per comparison and curve point: the
            ``keys`` and the curve's columns. Spiegelhalter: FunnelPlotR's 1,000 denominators
            from 1.1 (ratios) or 3 to the largest, ``standard_error`` and the eight limits (the
            limits at each unit's own denominator are in ``points``; the two together are
            FunnelPlotR's ``limits_lookup``). PHE: ``calculate_funnel_limits()``'s 100 rows of
            ``population``, ``observed`` or ``events``, the four limits, the expected counts or
            populations where they lie, and the ``baseline``.
        comparisons: one row per comparison: the ``keys``, ``units``, ``target`` and, for
            Spiegelhalter, ``phi``, ``tau2``, ``adjusted`` and ``unadjusted`` (which limits are
            drawn: adjusted ones flag outliers when drawn) and ``outliers``.
        keys: the comparison key columns (``by``).
        unit: the unit column.
        statistic: proportion, ratio, ratio_of_counts or rate.
        method: spiegelhalter or phe.
    """

    points: pl.DataFrame
    curves: pl.DataFrame
    comparisons: pl.DataFrame
    keys: tuple[str, ...]
    unit: str
    statistic: str
    method: str

    def filter(self, **constraints: object) -> "Funnel":
        """The comparisons whose keys have these values, e.g. ``funnel.filter(measure="A&E")``."""
        return replace(
            self,
            points=self.points.filter(**constraints),
            curves=self.curves.filter(**constraints),
            comparisons=self.comparisons.filter(**constraints),
        )


def funnel(
    data: pl.DataFrame,
    *,
    numerator: str,
    denominator: str,
    unit: str,
    by: Sequence[str] | str = (),
    statistic: str = "proportion",
    method: str = "spiegelhalter",
    ratio_method: str = "shmi",
    trim_by: float = TRIM_BY,
    limit: int = 99,
    adjusted: bool = True,
    unadjusted: bool = False,
    round_expected: bool = True,
    multiplier: float = 1.0,
    rate: str | None = None,
    rate_type: str = "crude",
    ratio_type: str = "isr",
    years_of_data: float = 1.0,
    confidence: Sequence[float] | float = CONFIDENCE,
    curve_max: float | None = None,
) -> Funnel:
    """Compare the units of every comparison in ``data`` on a funnel plot.

    Rows with the same keys and unit are summed (numerator and denominator), as FunnelPlotR
    does: pass one period, or a window of periods, per comparison.

    Arguments:
        numerator: events (observed count O).
        denominator: cases or population (n); for ratios the expected count E.
        unit: the units compared (places, trusts, practices).
        by: the comparison key columns: every measure × period in one call.
        statistic: ``proportion`` (O/n), ``ratio`` (observed / expected, an indirectly
            standardised ratio), ``ratio_of_counts`` (Spiegelhalter only) or ``rate`` (PHE only).
        method: ``spiegelhalter`` (FunnelPlotR) or ``phe`` (PHEindicatormethods, Fingertips).
        ratio_method: Spiegelhalter ratios: ``shmi`` (log scale, truncation; NHS Digital) or
            ``cqc`` (square-root scale, Winsorisation; Spiegelhalter 2005).
        trim_by: the share Winsorised (or truncated) at each end before phi is estimated.
        limit: 99 (99.8%) or 95: the limits that flag outliers.
        adjusted: estimate over-dispersion and draw adjusted limits (FunnelPlotR's
            ``draw_adjusted``); False reports phi and τ² as 0.
        unadjusted: draw unadjusted limits too (``draw_unadjusted``). With only adjusted limits
            asked for and phi at most 1, the unadjusted ones are drawn (and flag) instead.
        round_expected: SHMI ratios: round expected counts to 2 decimals (``SHMI_rounding``).
        multiplier: Spiegelhalter: scales values and limits (100 for per cent). PHE: scales values
            and intervals (proportions, rates per 100,000; ratios: the reference value). PHE's
            ratio curves are per cent (isr) or excess (count) whatever it is, as in PHE.
        rate: PHE rates: the column of each unit's rate (directly standardised rates need it);
            without it the crude rate numerator / denominator × multiplier.
        rate_type: PHE rates: ``crude`` or ``dsr``.
        ratio_type: PHE ratio curves: ``isr`` (× 100) or ``count`` (− 1).
        years_of_data: PHE rates: years the data spans (the curves' populations are per year).
        confidence: PHE intervals: the levels, between 0.9 and 1 (default 95% and 99.8%).
        curve_max: Spiegelhalter: where the limits curve ends (FunnelPlotR's ``x_range``
            upper end); default the largest denominator rounded up.

    Raises:
        FunnelInputError: a missing column or unit, a negative count, a denominator (or
            expected count) of zero, more events than cases in a proportion, or an unknown
            option; the message names the row, the unit and the fix.
    """
    checked = options(
        data,
        numerator=numerator,
        denominator=denominator,
        unit=unit,
        by=by,
        statistic=statistic,
        method=method,
        ratio_method=ratio_method,
        trim_by=trim_by,
        limit=limit,
        adjusted=adjusted,
        unadjusted=unadjusted,
        round_expected=round_expected,
        multiplier=multiplier,
        rate=rate,
        rate_type=rate_type,
        ratio_type=ratio_type,
        years_of_data=years_of_data,
        confidence=confidence,
        curve_max=curve_max,
    )
    units = prepare(data, checked)
    if checked.method == "spiegelhalter":
        points, curve, comparisons = _spiegelhalter(units, checked)
    else:
        points, curve, comparisons = _phe(units, checked)
    keys = list(checked.keys)
    index = units.select(COMPARISON, *keys).unique(COMPARISON, maintain_order=True)
    return Funnel(
        points=points.drop(COMPARISON),
        curves=_keyed(curve, index, keys),
        comparisons=_keyed(comparisons, index, keys),
        keys=checked.keys,
        unit=checked.unit,
        statistic=checked.statistic,
        method=checked.method,
    )


def _keyed(frame: pl.DataFrame, index: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """A per-comparison frame with the comparison's keys in front instead of its number."""
    if not keys:
        return frame.drop(COMPARISON)
    joined = frame.join(index, on=COMPARISON, how="left", maintain_order="left")
    return joined.select(*keys, pl.exclude(*keys, COMPARISON))


def _round_like_r(value: pl.Expr, digits: int) -> pl.Expr:
    """R's ``round(x, digits)`` (R >= 4.0): of the two candidates either side, the one nearer x;
    on an exact tie, the even one."""
    scale = 10.0**digits
    down, up = (value * scale).floor(), (value * scale).ceil()
    below, above = value - down / scale, up / scale - value
    even = pl.when(down % 2 == 0).then(down).otherwise(up)
    nearer = pl.when(below < above).then(down).when(below > above).then(up).otherwise(even)
    return nearer / scale


def _spiegelhalter(
    units: pl.DataFrame, checked: FunnelOptions
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    units = units.with_columns((pl.col("numerator") / pl.col("denominator")).alias("ratio"))
    if is_shmi(checked) and checked.round_expected:
        # As FunnelPlotR: the ratio is O / E; the z-score and limits use E rounded.
        units = units.with_columns(_round_like_r(pl.col("denominator"), SHMI_ROUNDING_DIGITS))
    units, comparisons = dispersion(units, checked)
    comparisons = drawn(comparisons, checked)
    units = units.with_columns((pl.col("ratio") * checked.multiplier).alias("value"))
    units, curve = funnel_limits(units, comparisons, checked)
    comparisons = count_outliers(units, comparisons)
    order = [*checked.keys, checked.unit, COMPARISON, "numerator", "denominator"]
    points = units.select(*order, "value", *DISPERSION_COLUMNS, *LIMIT_COLUMNS, "outlier")
    return points, curve, comparisons.select(COMPARISON, *SPIEGELHALTER_COMPARISONS)


def _phe(
    units: pl.DataFrame, checked: FunnelOptions
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    points, comparisons = funnel_phe.points(units, checked)
    curve = funnel_phe.curves(units, comparisons, checked)
    order = [*checked.keys, checked.unit, COMPARISON, "numerator", "denominator"]
    points = points.select(*order, pl.exclude(*order, RATE))
    return points, curve, comparisons.select(COMPARISON, *PHE_COMPARISONS)
