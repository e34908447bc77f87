"""What an effect estimate holds: ``Estimate``, ``Sensitivity`` and ``Effect``, with Wald
intervals and the delta method that make them, and their forms as a polars frame and as JSON.

Intervals are Wald intervals on the model's scale (estimate +/- z x standard error, z the normal
quantile), transformed back: exponentiated for rate and odds ratios. The difference from the
counterfactual in the measure's units is a non-linear function of the coefficients for the
GLMs; its standard error comes from the delta method (the gradient of the difference times
the coefficient covariance), chosen over simulation because it is exact for the linear models,
deterministic and costs one small matrix product per series.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from qi.effects.calendar import Array
from qi.effects.constants import SIGNIFICANCE, Z
from qi.effects.models import mean, mean_slope


@dataclass(frozen=True)
class Estimate:
    """An estimate with its 95% interval and, for model coefficients, its p-value."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None = None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE

    def as_dict(self) -> dict[str, float | None]:
        values: dict[str, float | None] = {
            "estimate": _plain(self.estimate),
            "ci_low": _plain(self.ci_low),
            "ci_high": _plain(self.ci_high),
        }
        if self.p_value is not None:
            values["p_value"] = _plain(self.p_value)
        return values


def _plain(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def p_value(z: float) -> float:
    """Two-sided p-value of a normal z statistic."""
    return math.erfc(abs(z) / math.sqrt(2)) if math.isfinite(z) else math.nan


def wald(estimate: float, se: float, scale: str, factor: float = 1.0) -> Estimate:
    """A coefficient (or sum of coefficients) on the reported ``scale``: ratios exponentiated,
    differences multiplied by ``factor`` (the measure's multiplier)."""
    low, high = estimate - Z * se, estimate + Z * se
    p = p_value(estimate / se) if se > 0 else math.nan
    if scale in ("rate ratio", "odds ratio"):
        return Estimate(_exp(estimate), _exp(low), _exp(high), p)
    return Estimate(estimate * factor, low * factor, high * factor, p)


def _exp(x: float) -> float:
    """exp that gives infinity rather than an error (a ratio from a model that did not converge)."""
    return math.exp(x) if x < 709 else math.inf


def combination(beta: Array, cov: Array, columns: Sequence[int]) -> tuple[float, float]:
    """The sum of some coefficients and its standard error."""
    c = np.zeros(beta.shape[0])
    c[list(columns)] = 1.0
    variance = float(c @ cov @ c)
    return float(c @ beta), math.sqrt(max(variance, 0.0))


def difference(
    beta: Array, cov: Array, with_change: Array, without: Array, link: str, factor: float
) -> Estimate:
    """mean(with the change) - mean(without it) at one design row each, in the measure's units
    (times ``factor``), with a delta-method interval."""
    eta1, eta0 = float(with_change @ beta), float(without @ beta)
    one, zero = np.array([eta1]), np.array([eta0])
    value = float(mean(link, one)[0] - mean(link, zero)[0])
    gradient = mean_slope(link, one)[0] * with_change - mean_slope(link, zero)[0] * without
    se = float(np.sqrt(max(gradient @ cov @ gradient, 0.0)))
    return Estimate(factor * value, factor * (value - Z * se), factor * (value + Z * se))


@dataclass(frozen=True)
class Sensitivity:
    """The same effects from a second method, and whether the conclusion is the same: each
    effect in the same direction and equally significant (or not) at the 5% level."""

    method: str
    scale: str
    level_change: Estimate | None
    slope_change: Estimate | None
    agrees: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "scale": self.scale,
            "level_change": self.level_change.as_dict() if self.level_change else None,
            "slope_change": self.slope_change.as_dict() if self.slope_change else None,
            "agrees": self.agrees,
        }


@dataclass(frozen=True)
class Effect:
    """The estimated effect of a change on one series.

    Attributes:
        series: the series key (``by`` column -> value); empty for a single series.
        kind: the kind of measure (count, rate, proportion, continuous).
        method: the model, e.g. "quasi-Poisson GLM with a log(population) offset".
        scale: what ``level_change``, ``slope_change`` and ``trend_before`` are on: "rate
            ratio", "odds ratio" or "difference".
        impact_model: both, level or slope (``design.IMPACT_MODELS``), chosen before looking.
        change: the change's date (or period number), and ``change_name`` it in words.
        unit: the periods' unit (month, quarter, week, day, year, period).
        level_change: the immediate effect (None when the impact model has no level change).
        slope_change: the change in trend per period (None when the model has none).
        trend_before: the trend before the change per period (a ratio per period for GLMs).
        trend_before_units: the same trend in the measure's units per period, near the change.
        immediate_difference: the difference from the earlier trend at the first point after
            the change, in the measure's units (percentage points for proportions).
        difference: the same ``horizon`` periods after the change (twelve months, or the last
            point if sooner), named ``horizon_name``.
        units: the units of the differences ("" for the measure's own units, "per 1,000",
            "percentage points").
        points_before, points_after: points the model used on each side of the change.
        harmonics: Fourier harmonics in the model (0: no seasonal terms).
        dispersion: the quasi scale (GLMs), else None.
        hac_lags: the Newey–West lag (continuous), else None.
        sensitivity: the second method's answer.
        comparison: the comparison series' name, for a controlled estimate.
        labels: "low confidence", "chosen after seeing the data".
        warnings: every label and warning, as sentences.
        converged: False when a fit stopped before converging (see ``warnings``).
        fitted, counterfactual: the model's mean at each point it used (in period order, in
            the measure's units as ``difference``: times the multiplier, percentages for
            proportions), with the change and without it (the earlier trend continued);
            seasonal terms included. None for a controlled estimate.
    """

    series: Mapping[str, Any]
    kind: str
    method: str
    scale: str
    impact_model: str
    change: Any
    change_name: str
    unit: str
    level_change: Estimate | None
    slope_change: Estimate | None
    trend_before: Estimate
    trend_before_units: float
    immediate_difference: Estimate | None
    difference: Estimate
    horizon: int
    horizon_name: str
    units: str
    points_before: int
    points_after: int
    harmonics: int
    dispersion: float | None
    hac_lags: int | None
    sensitivity: Sensitivity
    comparison: str | None
    labels: tuple[str, ...]
    warnings: tuple[str, ...]
    converged: bool = True
    fitted: Array | None = field(default=None, compare=False, repr=False)
    counterfactual: Array | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The effect as JSON-ready values (the ``--json`` output of ``qi effect``)."""
        return {
            "series": {k: _json_value(v) for k, v in self.series.items()},
            "kind": self.kind,
            "method": self.method,
            "impact_model": self.impact_model,
            "change": _json_value(self.change),
            "scale": self.scale,
            "level_change": self.level_change.as_dict() if self.level_change else None,
            "slope_change": self.slope_change.as_dict() if self.slope_change else None,
            "trend_before": self.trend_before.as_dict(),
            "units": self.units,
            "immediate_difference": (
                self.immediate_difference.as_dict() if self.immediate_difference else None
            ),
            "counterfactual_difference": {
                **self.difference.as_dict(),
                "periods_after_change": self.horizon,
                "at": self.horizon_name,
            },
            "points_before": self.points_before,
            "points_after": self.points_after,
            "unit": self.unit,
            "harmonics": self.harmonics,
            "dispersion": None if self.dispersion is None else _plain(self.dispersion),
            "hac_lags": self.hac_lags,
            "comparison": self.comparison,
            "sensitivity": self.sensitivity.as_dict(),
            "labels": list(self.labels),
            "warnings": list(self.warnings),
        }


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _estimate_columns(name: str, value: Estimate | None, p: bool = True) -> dict[str, Any]:
    fields = ("estimate", "ci_low", "ci_high", *(("p_value",) if p else ()))
    out: dict[str, Any] = {}
    for part in fields:
        column = name if part == "estimate" else f"{name}_{part}"
        out[column] = None if value is None else getattr(value, part)
    return out


def to_frame(effects: Sequence[Effect], schema: Mapping[str, Any] | None = None) -> pl.DataFrame:
    """One row per series: its keys (each effect's ``series``; ``schema``, e.g. the data's,
    keeps their types), then the effects, the counterfactual difference, counts, labels and
    warnings."""
    rows = []
    for effect in effects:
        row: dict[str, Any] = {}
        row.update(
            kind=effect.kind,
            method=effect.method,
            scale=effect.scale,
            impact_model=effect.impact_model,
            change=effect.change,
            **_estimate_columns("level_change", effect.level_change),
            **_estimate_columns("slope_change", effect.slope_change),
            **_estimate_columns("trend_before", effect.trend_before),
            trend_before_units=effect.trend_before_units,
            units=effect.units,
            **_estimate_columns("immediate_difference", effect.immediate_difference, p=False),
            **_estimate_columns("difference", effect.difference, p=False),
            horizon=effect.horizon,
            points_before=effect.points_before,
            points_after=effect.points_after,
            harmonics=effect.harmonics,
            dispersion=effect.dispersion,
            hac_lags=effect.hac_lags,
            sensitivity_method=effect.sensitivity.method,
            sensitivity_agrees=effect.sensitivity.agrees,
            low_confidence="low confidence" in effect.labels,
            chosen_after_data="chosen after seeing the data" in effect.labels,
            warnings=list(effect.warnings),
        )
        rows.append(row)
    schema_overrides: dict[str, pl.DataType | type[pl.DataType]] = {
        c: pl.Float64
        for c in (
            "level_change",
            "level_change_ci_low",
            "level_change_ci_high",
            "level_change_p_value",
            "slope_change",
            "slope_change_ci_low",
            "slope_change_ci_high",
            "slope_change_p_value",
            "immediate_difference",
            "immediate_difference_ci_low",
            "immediate_difference_ci_high",
            "dispersion",
        )
    }
    schema_overrides.update({"hac_lags": pl.Int64, "warnings": pl.List(pl.String)})
    body = pl.DataFrame(rows, schema_overrides=schema_overrides, infer_schema_length=None)
    names = list(effects[0].series) if effects else []
    types = {name: schema[name] for name in names if schema and name in schema}
    keys = pl.DataFrame(
        [dict(effect.series) for effect in effects],
        schema_overrides=types,
        infer_schema_length=None,
    )
    if keys.width == 0:
        return body
    return pl.concat([keys, body], how="horizontal")
