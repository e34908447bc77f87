"""The slope index of inequality (SII) and relative index of inequality (RII) of a measure
across deprivation quantiles (quintiles, deciles), per comparison, as PHEindicatormethods 2.1.0's
``phe_sii()`` computes them (OHID's technical guidance; Low & Low, J Public Health 2004;26:388).

For each comparison (a place and period, say) the quantiles are ordered from 1, the most
deprived. Quantile i holds a share a_i of the population; its relative rank b_i is the midpoint
of its range in the cumulative population (a_1 / 2, a_1 + a_2 / 2, ...). The value y_i is
regressed on b_i by least squares weighted by a_i (PHE fits y√a = β₀√a + β₁ b√a with no
intercept, the same fit): the SII is β₁ (times the multiplier), the difference between the
fitted values at the least deprived end (b = 1) and the most deprived (b = 0); the RII is
(β₀ + β₁) / β₀, their ratio (inverted for a negative multiplier).

Confidence limits are simulated, as PHE does: each quantile's value is drawn ``repetitions``
times from a normal distribution on the transformed scale (logit for proportions, log for
rates, none for other values) with the standard error from its 95% interval
((upper − lower) / 2z, Wilson for proportions, Byar/exact for rates), transformed back, and the
fit repeated; the limits are the draws at positions round(repetitions × (1 − c)) and
round(repetitions × c) of the sorted results, c = confidence + (1 − confidence) / 2. The draws
come from numpy's generator seeded with ``seed``: the same call gives the same limits.
"""

from collections.abc import Sequence

import numpy as np
import polars as pl

from qi.charts.funnel_distributions import Floats
from qi.charts.funnel_intervals import poisson_count_interval, two_sided_z

VALUE_TYPES = ("proportion", "rate", "normal")
MIN_QUANTILES, MAX_QUANTILES = 5, 100
SE_CONFIDENCE = 0.95  # PHE derives the standard error from the 95% interval
REPETITIONS = 100_000
SEED = 20041


class InequalityInputError(ValueError):
    """Input the SII cannot be computed from: the message says what, where and the fix."""


def _limit_name(statistic: str, side: str, confidence: float) -> str:
    return f"{statistic}_{side}{confidence * 100:.1f}".replace(".", "_") + "cl"


def slope_index(
    data: pl.DataFrame,
    *,
    quantile: str,
    population: str,
    numerator: str | None = None,
    value: str | None = None,
    se: str | None = None,
    by: Sequence[str] | str = (),
    value_type: str = "proportion",
    multiplier: float = 1.0,
    confidence: Sequence[float] | float = 0.95,
    repetitions: int = REPETITIONS,
    seed: int = SEED,
) -> pl.DataFrame:
    """The SII and RII with their confidence limits, one row per comparison (``by``).

    Arguments:
        quantile: the quantile number, 1 = most deprived (every comparison needs the same
            quantiles, 5 to 100 of them).
        population: each quantile's population (or denominator), above zero.
        numerator: events; the value is numerator / population (proportions and rates).
        value, se: for ``normal`` values: the value and its standard error.
        value_type: ``proportion`` (logit scale, Wilson), ``rate`` (log scale, Byar/exact
            Poisson limits) or ``normal``.
        multiplier: scales the SII and its limits (100 for per cent); negative reverses the
            polarity (and inverts the RII).
        confidence: the levels of the limits, 0.9 to 1 (or 90 to 100): columns such as
            ``sii_lower95_0cl``.

    Returns the ``by`` columns, ``quantiles``, ``sii``, ``rii`` and the limits.

    Raises:
        InequalityInputError: a missing column, an unknown value type, a population of zero or
            less, a proportion of 0 or 1 (no logit), too few or uneven quantiles.
    """
    keys = [by] if isinstance(by, str) else list(by)
    levels = [confidence] if isinstance(confidence, (int, float)) else list(confidence)
    levels = [c / 100 if c >= 90 else c for c in levels]
    if value_type not in VALUE_TYPES:
        raise InequalityInputError(
            f"value_type {value_type!r} is unknown: use one of {', '.join(VALUE_TYPES)}"
        )
    if any(not 0.9 <= c <= 1 for c in levels):
        raise InequalityInputError("confidence levels must be between 0.9 and 1 (or 90 and 100)")
    if repetitions < 1000:
        raise InequalityInputError("repetitions must be 1000 or more (PHE's default is 100,000)")
    needed: list[str | None] = [*keys, quantile, population]
    needed += [numerator] if value_type != "normal" else [value, se]
    missing = [c for c in needed if c is None or c not in data.columns]
    if missing or (value_type != "normal" and numerator is None):
        what = ", ".join(str(c) for c in missing) or "numerator"
        raise InequalityInputError(
            f"no column {what}: {value_type} values need "
            + ("value and se columns" if value_type == "normal" else "a numerator column")
        )
    frame = _with_values(data, keys, quantile, population, numerator, value, se, value_type)
    expected = frame.select(pl.col(quantile).unique().sort())[quantile].to_list()
    if not MIN_QUANTILES <= len(expected) <= MAX_QUANTILES:
        raise InequalityInputError(
            f"{len(expected)} quantiles: the SII needs 5 to 100 (quintiles or deciles, say)"
        )
    rng = np.random.default_rng(seed)
    rows = []
    groups = frame.sort(quantile).group_by(keys, maintain_order=True) if keys else [((), frame)]
    for key, group in groups:
        if group[quantile].to_list() != expected:
            raise InequalityInputError(
                f"{_where(keys, key)}has quantiles {group[quantile].to_list()}, not "
                f"{expected}: give every comparison one row per quantile"
            )
        rows.append(
            dict(
                zip(keys, key, strict=True),
                quantiles=len(expected),
                **_fit(group, population, value_type, multiplier, levels, repetitions, rng),
            )
        )
    schema = {k: data.schema[k] for k in keys}
    return pl.DataFrame(rows, schema_overrides=schema)


def _where(keys: list[str], key: tuple[object, ...]) -> str:
    return "".join(f"{k} {v}, " for k, v in zip(keys, key, strict=True)).capitalize()


def _with_values(
    data: pl.DataFrame,
    keys: list[str],
    quantile: str,
    population: str,
    numerator: str | None,
    value: str | None,
    se: str | None,
    value_type: str,
) -> pl.DataFrame:
    """value and (transformed) standard error per row, checked."""
    frame = data.select(*keys, quantile, population, *(c for c in (numerator, value, se) if c))
    bad = frame.filter(~(pl.col(population) > 0))
    if bad.height:
        row = bad.row(0, named=True)
        raise InequalityInputError(
            f"{_where(keys, tuple(row[k] for k in keys))}quantile {row[quantile]} has a "
            f"population of {row[population]}: every quantile needs people in it"
        )
    if value_type == "normal":
        assert value is not None and se is not None  # (checked by the caller)
        return frame.select(
            *keys, quantile, population, pl.col(value).alias("_y"), pl.col(se).alias("_se")
        )
    assert numerator is not None  # (checked by the caller)
    x = frame[numerator].to_numpy().astype(float)
    n = frame[population].to_numpy().astype(float)
    z = two_sided_z(SE_CONFIDENCE)
    if value_type == "proportion":
        if ((x <= 0) | (x >= n)).any():
            i = int(np.flatnonzero((x <= 0) | (x >= n))[0])
            row = frame.row(i, named=True)
            raise InequalityInputError(
                f"{_where(keys, tuple(row[k] for k in keys))}quantile {row[quantile]}: "
                f"{row[numerator]} of {row[population]} is a proportion of 0 or 1, which has "
                "no logit: the SII of proportions needs events and non-events in every quantile"
            )
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        lower = (2 * x + z**2 - spread) / 2 / (n + z**2)
        upper = (2 * x + z**2 + spread) / 2 / (n + z**2)
        standard_error = (_logit(upper) - _logit(lower)) / z / 2
    else:
        if (x <= 0).any():
            row = frame.row(int(np.flatnonzero(x <= 0)[0]), named=True)
            raise InequalityInputError(
                f"{_where(keys, tuple(row[k] for k in keys))}quantile {row[quantile]} has no "
                "events: the SII of rates needs at least one in every quantile (log scale)"
            )
        low, high = poisson_count_interval(x, SE_CONFIDENCE)
        standard_error = (np.log(high / n) - np.log(low / n)) / z / 2
    return frame.select(*keys, quantile, population).with_columns(
        pl.Series("_y", x / n), pl.Series("_se", standard_error)
    )


def _logit(p: Floats) -> Floats:
    return np.log(p / (1 - p))


def _fit(
    group: pl.DataFrame,
    population: str,
    value_type: str,
    multiplier: float,
    levels: list[float],
    repetitions: int,
    rng: np.random.Generator,
) -> dict[str, float]:
    people = group[population].to_numpy().astype(float)
    share = people / people.sum()
    rank = np.cumsum(share) - share / 2
    root = np.sqrt(share)
    design = np.column_stack([root, rank * root])  # k x 2
    solve = np.linalg.solve(design.T @ design, design.T)  # 2 x k: least squares
    y = group["_y"].to_numpy().astype(float)
    intercept, slope = solve @ (y * root)
    result = {"sii": multiplier * slope, "rii": _rii(intercept, slope, multiplier)}
    centre = _logit(y) if value_type == "proportion" else np.log(y) if value_type == "rate" else y
    draws = rng.normal(centre, group["_se"].to_numpy(), size=(repetitions, len(y)))
    if value_type == "proportion":
        draws = np.exp(draws) / (1 + np.exp(draws))
    elif value_type == "rate":
        draws = np.exp(draws)
    fitted = (draws * root) @ solve.T  # repetitions x 2
    simulated = {
        "sii": np.sort(multiplier * fitted[:, 1]),
        "rii": np.sort(_rii(fitted[:, 0], fitted[:, 1], multiplier)),
    }
    for level in levels:
        critical = level + (1 - level) / 2
        lower = int(np.round(repetitions * (1 - critical))) - 1
        upper = int(np.round(repetitions * critical)) - 1
        for statistic, values in simulated.items():
            result[_limit_name(statistic, "lower", level)] = float(values[lower])
            result[_limit_name(statistic, "upper", level)] = float(values[upper])
    return {k: float(v) for k, v in result.items()}


def _rii(intercept: Floats, slope: Floats, multiplier: float) -> Floats:
    ratio = (intercept + slope) / intercept
    return 1 / ratio if multiplier < 0 else ratio
