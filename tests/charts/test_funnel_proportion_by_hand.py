"""Three units' proportions worked by hand, step by step, as Spiegelhalter (2005) and
FunnelPlotR 0.6.0 compute them: arcsine z-scores, 10% Winsorisation, phi, tau² and the limits."""

import math

import polars as pl
import pytest

from qi.charts import funnel

DATA = pl.DataFrame({"unit": ["A", "B", "C"], "events": [10, 30, 50], "cases": [100, 200, 250]})
Z95, Z998 = 1.959964, 3.090232  # FunnelPlotR's hard-coded normal quantiles


def by_hand():
    target = 90 / 550
    centre = math.asin(math.sqrt(target))
    z = [
        (math.asin(math.sqrt(o / n)) - centre) * 2 * math.sqrt(n)
        for o, n in ((10, 100), (30, 200), (50, 250))
    ]
    low, middle, high = sorted(z)
    # R's quantile type 7 of three values: positions 1.2 and 2.8.
    lz, uz = 0.8 * low + 0.2 * middle, 0.2 * middle + 0.8 * high
    winsorised = [min(max(v, lz), uz) for v in z]
    phi = sum(v * v for v in winsorised) / 3
    w = [4 * n for n in (100, 200, 250)]  # 1 / s² with s = 1 / (2 √n)
    tau2 = (3 * phi - 2) / (sum(w) - sum(x * x for x in w) / sum(w))
    return target, centre, z, winsorised, phi, tau2


def test_the_target_is_the_pooled_proportion_on_the_arcsine_scale():
    result = funnel(DATA, numerator="events", denominator="cases", unit="unit")
    target, centre, *_ = by_hand()
    assert result.comparisons["target"][0] == pytest.approx(target, rel=1e-12)
    assert result.points["target_transformed"].to_list() == pytest.approx([centre] * 3, rel=1e-12)


def test_z_scores_are_arcsine_distances_over_one_over_two_root_n():
    result = funnel(DATA, numerator="events", denominator="cases", unit="unit")
    _, _, z, *_ = by_hand()
    assert result.points["z_score"].to_list() == pytest.approx(z, rel=1e-12)
    assert result.points["standard_error"].to_list() == pytest.approx(
        [1 / (2 * math.sqrt(n)) for n in (100, 200, 250)], rel=1e-12
    )


def test_the_extremes_are_winsorised_to_the_10_and_90_percent_quantiles():
    result = funnel(DATA, numerator="events", denominator="cases", unit="unit")
    _, _, _, winsorised, *_ = by_hand()
    assert result.points["adjusted_z_score"].to_list() == pytest.approx(winsorised, rel=1e-12)
    assert result.points["winsorised"].to_list() == [True, False, True]


def test_phi_is_the_mean_squared_winsorised_z_and_tau2_dersimonian_laird():
    result = funnel(DATA, numerator="events", denominator="cases", unit="unit")
    *_, phi, tau2 = by_hand()
    row = result.comparisons.row(0, named=True)
    assert phi > 1, "the example is over-dispersed"
    assert row["phi"] == pytest.approx(phi, rel=1e-12)
    assert row["tau2"] == pytest.approx(tau2, rel=1e-12)
    assert row["adjusted"] is True and row["unadjusted"] is False


def test_limits_at_each_unit_add_tau2_to_the_within_unit_variance():
    result = funnel(DATA, numerator="events", denominator="cases", unit="unit")
    _, centre, *_, tau2 = by_hand()
    for row in result.points.iter_rows(named=True):
        n = row["denominator"]
        for name, z, sign in (("lower_998", Z998, -1), ("upper_95", Z95, 1)):
            adjusted = math.sin(centre + sign * z * math.sqrt(1 / (4 * n) + tau2)) ** 2
            plain = math.sin(centre + sign * z * math.sqrt(1 / (4 * n))) ** 2
            assert row[f"od_{name}"] == pytest.approx(adjusted, rel=1e-12)
            assert row[name] == pytest.approx(plain, rel=1e-12)


def test_an_outlier_is_outside_the_adjusted_99_8_limits_when_they_are_drawn():
    result = funnel(DATA, numerator="events", denominator="cases", unit="unit")
    points = result.points
    outside = (points["value"] < points["od_lower_998"]) | (
        points["value"] > points["od_upper_998"]
    )
    assert points["outlier"].to_list() == outside.to_list()
    assert points["lower_limit"].to_list() == points["od_lower_998"].to_list()
