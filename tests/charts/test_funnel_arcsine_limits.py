"""FunnelPlotR's proportion limits on small denominators: the arcsine limits fold back once the
angle passes 0 (or π/2); the curve then sets a lower limit above the next row's to 0 and an
upper limit below it to 1, and a unit's limits are the curve's at its denominator."""

import math

import polars as pl

from qi.charts import funnel

# A rare event: 2% of cases, on denominators from 1 to 400.
DATA = pl.DataFrame(
    {
        "unit": [f"U{i:02}" for i in range(8)],
        "o": [0, 0, 1, 0, 2, 5, 6, 8],
        "n": [1, 2, 5, 20, 60, 200, 300, 400],
    }
)


def test_the_curve_has_1000_even_points_from_3_plus_the_units_denominators():
    curve = funnel(DATA, numerator="o", denominator="n", unit="unit").curves
    seq = [3 + i * ((400 - 3) / 999) for i in range(1, 999)]  # as R's seq() computes them
    expected = sorted({3.0, *seq, 400.0, 1.0, 2.0, 5.0, 20.0, 60.0, 200.0, 300.0})
    assert curve["denominator"].to_list() == expected
    assert curve["denominator"].is_sorted()


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


def test_a_units_limits_are_the_curves_at_its_denominator():
    result = funnel(DATA, numerator="o", denominator="n", unit="unit")
    curve = result.curves
    for row in result.points.iter_rows(named=True):
        at = curve.filter(pl.col("denominator") == row["denominator"]).row(0, named=True)
        for column in ("od_lower_998", "od_upper_998", "lower_95", "upper_95"):
            assert row[column] == at[column]
