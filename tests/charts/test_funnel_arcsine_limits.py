"""FunnelPlotR's proportion limits on small denominators: the arcsine limits fold back once the
angle passes 0 (or π/2); the curve then sets a lower limit above the next row's to 0 and an
upper limit below it to 1, and a unit's limits are the curve's at its denominator."""

import math

import numpy as np
import polars as pl
import pytest

from qi.charts import funnel

# A rare event: 2% of cases, on denominators from 1 to 400.
DATA = pl.DataFrame(
    {
        "unit": [f"U{i:02}" for i in range(8)],
        "o": [0, 0, 1, 0, 2, 5, 6, 8],
        "n": [1, 2, 5, 20, 60, 200, 300, 400],
    }
)


def test_the_curve_has_1000_even_points_from_3_to_the_largest_denominator():
    curve = funnel(DATA, numerator="o", denominator="n", unit="unit").curves
    seq = [3 + i * ((400 - 3) / 999) for i in range(1, 999)]  # as R's seq() computes them
    assert curve["denominator"].to_list() == [3.0, *seq, 400.0]


def test_folded_lower_limits_are_zero_and_the_rest_rise():
    curve = funnel(DATA, numerator="o", denominator="n", unit="unit", adjusted=False).curves
    lower = curve["lower_998"].to_list()
    target = 22 / 988
    fold = (3.090232 / (2 * math.asin(math.sqrt(target)))) ** 2  # below it the angle passes 0
    below = [v for x, v in zip(curve["denominator"], lower, strict=True) if x < fold - 5]
    assert below and all(v == 0 for v in below)
    above = [v for x, v in zip(curve["denominator"], lower, strict=True) if x > fold + 5]
    assert above == sorted(above) and above[0] > 0


def test_upper_limits_never_rise_and_stay_at_most_one():
    curve = funnel(DATA, numerator="o", denominator="n", unit="unit").curves
    for column in ("upper_95", "upper_998", "od_upper_998"):
        values = curve[column].to_list()
        assert max(values) <= 1
        assert values == sorted(values, reverse=True)


def lookup_table(multiplier: float = 1.0) -> dict[str, dict[float, float]]:
    """FunnelPlotR's limits_lookup for DATA, by hand: the curve and the units' denominators,
    sorted; each limit clipped, then compared with the next row's."""
    target = 22 / 988
    angle = math.asin(math.sqrt(target))
    xs = sorted({3.0, *(3 + i * ((400 - 3) / 999) for i in range(1, 999)), 400.0, *DATA["n"]})
    tables = {}
    for name, z, sign in (
        ("lower_95", 1.959964, -1),
        ("upper_95", 1.959964, 1),
        ("lower_998", 3.090232, -1),
        ("upper_998", 3.090232, 1),
    ):
        values = [
            min(max(multiplier * math.sin(angle + sign * z * math.sqrt(1 / (4 * x))) ** 2, 0), 1)
            for x in xs
        ]
        fixed = list(values)
        for i in range(len(values) - 1):
            if sign < 0 and values[i] > values[i + 1]:
                fixed[i] = 0.0
            if sign > 0 and values[i] < values[i + 1]:
                fixed[i] = multiplier
        tables[name] = dict(zip(xs, fixed, strict=True))
    return tables


def test_each_units_limits_are_those_of_the_sorted_lookup_table_with_the_curve():
    result = funnel(DATA, numerator="o", denominator="n", unit="unit", adjusted=False)
    tables = lookup_table()
    for name, table in tables.items():
        at_units = [table[x] for x in result.points["denominator"]]
        assert result.points[name].to_list() == pytest.approx(at_units, rel=1e-12, abs=0)
        on_curve = [table[x] for x in result.curves["denominator"]]
        assert result.curves[name].to_list() == pytest.approx(on_curve, rel=1e-12, abs=0)


def full_table_limits(data: pl.DataFrame, tau2: float, multiplier: float) -> dict[str, dict]:
    """Every limit of FunnelPlotR's whole lookup table (curve and units, sorted), unfolded row
    by row: what qi computes only below the fold."""
    n = data["n"].to_list()
    angle = math.asin(math.sqrt(sum(data["o"]) / sum(n)))
    stop = math.ceil(max(n))
    xs = sorted({3.0, *(3 + i * ((stop - 3) / 999) for i in range(1, 999)), float(stop), *n})
    tables = {}
    for prefix, between in (("od_", tau2), ("", 0.0)):
        for name, z, sign in (
            ("lower_95", 1.959964, -1),
            ("upper_95", 1.959964, 1),
            ("lower_998", 3.090232, -1),
            ("upper_998", 3.090232, 1),
        ):
            # Term by term as R evaluates FunnelPlotR's expression.
            spreads = [math.sqrt((1 / (2 * math.sqrt(x))) ** 2 + between) for x in xs]
            values = [
                min(max(multiplier * math.sin(angle + sign * (z * w)) ** 2, 0), multiplier)
                for w in spreads
            ]
            fixed = list(values)
            for i in range(len(values) - 1):
                if sign < 0 and values[i] > values[i + 1]:
                    fixed[i] = 0.0
                if sign > 0 and values[i] < values[i + 1]:
                    fixed[i] = multiplier
            tables[prefix + name] = dict(zip(xs, fixed, strict=True))
    return tables


@pytest.mark.parametrize("seed", range(12))
def test_unfolding_below_the_fold_equals_unfolding_the_whole_table(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 30))
    n = rng.integers(1, int(rng.choice([10, 60, 800])), k).astype(float)
    events = np.minimum(rng.binomial(n.astype(int), rng.choice([0.005, 0.05, 0.5, 0.97])), n)
    data = pl.DataFrame({"unit": [f"U{i:02}" for i in range(k)], "o": events, "n": n})
    multiplier = float(rng.choice([1.0, 100.0]))
    result = funnel(data, numerator="o", denominator="n", unit="unit", multiplier=multiplier)
    tables = full_table_limits(data, result.comparisons["tau2"][0], multiplier)
    for name, table in tables.items():
        at_units = [table[x] for x in result.points["denominator"]]
        assert result.points[name].to_list() == pytest.approx(at_units, rel=1e-14, abs=0)
        on_curve = [table[x] for x in result.curves["denominator"]]
        assert result.curves[name].to_list() == pytest.approx(on_curve, rel=1e-14, abs=0)
