"""The slope and relative indices of inequality (PHE's phe_sii), checked by hand."""

import math

import polars as pl
import pytest

from qi.charts.inequality import InequalityInputError, slope_index

# Quintiles 1 (most deprived) to 5 with 200, 100, 100, 50, 50 people (shares a = .4 .2 .2 .1 .1,
# relative ranks b = .2 .5 .7 .85 .95) and 60, 25, 20, 9, 5 events (y = .30 .25 .20 .18 .10).
UNEVEN = pl.DataFrame(
    {
        "quintile": [1, 2, 3, 4, 5],
        "people": [200, 100, 100, 50, 50],
        "events": [60, 25, 20, 9, 5],
    }
)


def _by_hand_slope_and_intercept() -> tuple[float, float]:
    """Weighted least squares written out: mean rank .5, mean value .238."""
    a = [0.4, 0.2, 0.2, 0.1, 0.1]
    b = [0.2, 0.5, 0.7, 0.85, 0.95]
    y = [0.30, 0.25, 0.20, 0.18, 0.10]
    sxx = 0.4 * 0.3**2 + 0 + 0.2 * 0.2**2 + 0.1 * 0.35**2 + 0.1 * 0.45**2  # .0765
    sxy = (
        0.4 * (-0.3) * (0.30 - 0.238)
        + 0.2 * 0.2 * (0.20 - 0.238)
        + 0.1 * 0.35 * (0.18 - 0.238)
        + 0.1 * 0.45 * (0.10 - 0.238)
    )  # -.0172
    assert math.isclose(sum(ai * bi for ai, bi in zip(a, b, strict=True)), 0.5)
    assert math.isclose(sum(ai * yi for ai, yi in zip(a, y, strict=True)), 0.238)
    slope = sxy / sxx
    return slope, 0.238 - 0.5 * slope


def test_the_sii_is_the_weighted_slope_across_the_population_ranks():
    slope, intercept = _by_hand_slope_and_intercept()
    assert math.isclose(slope, -0.2248366, rel_tol=1e-6)
    result = slope_index(
        UNEVEN,
        quantile="quintile",
        population="people",
        numerator="events",
        multiplier=100,
        repetitions=1000,
    ).row(0, named=True)
    assert result["quantiles"] == 5
    assert math.isclose(result["sii"], 100 * slope, rel_tol=1e-9)  # -22.5 percentage points
    assert math.isclose(result["rii"], (intercept + slope) / intercept, rel_tol=1e-9)  # 0.358


def test_a_straight_line_of_equal_quintiles_gives_its_own_slope():
    data = pl.DataFrame({"q": [1, 2, 3, 4, 5], "n": [1000] * 5, "x": [500, 400, 300, 200, 100]})
    result = slope_index(data, quantile="q", population="n", numerator="x", repetitions=1000)
    # y = .55 - .5 b through b = .1, .3, .5, .7, .9: .05 at the least deprived end, .55 at the most.
    assert math.isclose(result["sii"][0], -0.5, rel_tol=1e-12)
    assert math.isclose(result["rii"][0], 0.05 / 0.55, rel_tol=1e-12)
    reversed_ = slope_index(
        data, quantile="q", population="n", numerator="x", multiplier=-1, repetitions=1000
    )
    assert math.isclose(reversed_["sii"][0], 0.5) and math.isclose(reversed_["rii"][0], 0.55 / 0.05)


def test_the_simulated_limits_match_the_slopes_standard_error_worked_by_hand():
    data = UNEVEN.with_columns(y=pl.Series([0.30, 0.25, 0.20, 0.18, 0.10]), se=pl.lit(0.01))
    result = slope_index(
        data,
        quantile="quintile",
        population="people",
        value="y",
        se="se",
        value_type="normal",
        confidence=[0.95, 0.998],
    ).row(0, named=True)
    # slope = sum c_i y_i with c_i = a_i (b_i - .5) / Sxx, so its variance is sum c_i² se²:
    # (.16 × .09 + .04 × .04 + .01 × .1225 + .01 × .2025) × .01² / .0765² = 3.289e-4.
    sd = math.sqrt(0.01925 * 0.01**2 / 0.0765**2)
    for level, z in ((95, 1.959964), (99.8, 3.090232)):
        name = f"{level:.1f}".replace(".", "_")
        lower, upper = result[f"sii_lower{name}cl"], result[f"sii_upper{name}cl"]
        assert math.isclose(result["sii"] - lower, z * sd, rel_tol=0.03)
        assert math.isclose(upper - result["sii"], z * sd, rel_tol=0.03)
    assert result["rii_lower95_0cl"] < result["rii"] < result["rii_upper95_0cl"]


def test_the_same_call_gives_the_same_limits_and_each_comparison_its_own_row():
    both = pl.concat(
        [UNEVEN.with_columns(period=pl.lit(2024)), UNEVEN.with_columns(period=pl.lit(2025))]
    )
    first = slope_index(
        both,
        by="period",
        quantile="quintile",
        population="people",
        numerator="events",
        repetitions=2000,
    )
    again = slope_index(
        both,
        by="period",
        quantile="quintile",
        population="people",
        numerator="events",
        repetitions=2000,
    )
    assert first.equals(again)
    assert first["period"].to_list() == [2024, 2025]
    assert first["sii"][0] == first["sii"][1]
    assert first["sii_lower95_0cl"][0] < first["sii"][0] < first["sii_upper95_0cl"][0]


def test_input_the_sii_cannot_use_is_refused_with_where_and_why():
    with pytest.raises(
        InequalityInputError, match="quantile 3: 0 of 100 is a proportion of 0 or 1"
    ):
        slope_index(
            UNEVEN.with_columns(events=pl.Series([60, 25, 0, 9, 5])),
            quantile="quintile",
            population="people",
            numerator="events",
        )
    with pytest.raises(InequalityInputError, match="Area b, has quantiles \\[1, 2, 3, 4\\]"):
        slope_index(
            pl.concat(
                [
                    UNEVEN.with_columns(area=pl.lit("a")),
                    UNEVEN.head(4).with_columns(area=pl.lit("b")),
                ]
            ),
            by="area",
            quantile="quintile",
            population="people",
            numerator="events",
        )
    with pytest.raises(InequalityInputError, match="3 quantiles: the SII needs 5 to 100"):
        slope_index(UNEVEN.head(3), quantile="quintile", population="people", numerator="events")
    with pytest.raises(InequalityInputError, match="no column deaths"):
        slope_index(UNEVEN, quantile="quintile", population="people", numerator="deaths")
