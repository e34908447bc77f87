"""Before phi is estimated, extreme z-scores are Winsorised (clamped to R's type-7 quantiles:
proportions, ratios of counts, CQC ratios) or, by NHS Digital's SHMI method, truncated (units
in the outer rank groups are left out)."""

import polars as pl
import pytest

from qi.charts import funnel

# Twenty units, observed over expected, with a spread of z-scores.
OBSERVED = [12, 25, 31, 40, 44, 52, 60, 61, 75, 80, 81, 90, 99, 104, 120, 125, 140, 151, 170, 230]
EXPECTED = [
    20.0,
    30,
    30,
    45,
    40,
    50,
    55,
    66,
    70,
    80,
    90,
    85,
    100,
    100,
    110,
    130,
    130,
    140,
    150,
    160,
]
DATA = pl.DataFrame({"unit": [f"U{i:02}" for i in range(20)], "o": OBSERVED, "e": EXPECTED})


def r_quantile(values: list[float], p: float) -> float:
    """R's quantile(type = 7)."""
    ordered = sorted(values)
    index = 1 + (len(ordered) - 1) * p
    lo = int(index // 1)
    h = index - lo
    return ordered[lo - 1] if h == 0 else (1 - h) * ordered[lo - 1] + h * ordered[lo]


def test_winsorisation_clamps_to_the_trim_quantiles_and_flags_the_clamped():
    points = funnel(
        DATA, numerator="o", denominator="e", unit="unit", statistic="ratio", ratio_method="cqc"
    ).points
    z = points["z_score"].to_list()
    lz, uz = r_quantile(z, 0.1), r_quantile(z, 0.9)
    assert points["adjusted_z_score"].to_list() == pytest.approx(
        [min(max(v, lz), uz) for v in z], rel=1e-12
    )
    assert points["winsorised"].to_list() == [not (lz < v < uz) for v in z]
    assert sum(points["winsorised"]) == 4  # two each end of twenty
    assert points["truncated"].null_count() == 20


def test_a_wider_trim_winsorises_more():
    points = funnel(
        DATA,
        numerator="o",
        denominator="e",
        unit="unit",
        statistic="ratio",
        ratio_method="cqc",
        trim_by=0.2,
    ).points
    assert sum(points["winsorised"]) == 8


def test_shmi_truncation_keeps_only_the_middle_rank_groups():
    points = funnel(DATA, numerator="o", denominator="e", unit="unit", statistic="ratio").points
    ranks = points["rank"].to_list()
    groups = [int(r * 10 // 21) for r in ranks]  # floor(rank k / (N + 1)), k = 1 / trim_by
    assert points["truncation_group"].to_list() == groups
    assert points["truncated"].to_list() == [not (0 < g < 9) for g in groups]
    kept = points.filter(~pl.col("truncated"))
    assert kept["adjusted_z_score"].to_list() == kept["z_score"].to_list()
    assert points.filter(pl.col("truncated"))["adjusted_z_score"].null_count() == sum(
        points["truncated"]
    )


def test_shmi_phi_counts_only_the_kept_units():
    result = funnel(DATA, numerator="o", denominator="e", unit="unit", statistic="ratio")
    kept = result.points.filter(~pl.col("truncated"))["z_score"]
    assert result.comparisons["phi"][0] == pytest.approx((kept**2).mean(), rel=1e-12)


def test_shmi_z_scores_are_on_the_log_scale_with_expected_rounded_to_2_decimals():
    data = DATA.with_columns(pl.col("e") + 0.004)
    points = funnel(data, numerator="o", denominator="e", unit="unit", statistic="ratio").points
    assert points["denominator"].to_list() == pytest.approx(
        [round(e + 0.004, 2) for e in EXPECTED], rel=1e-12
    )
    # The plotted ratio keeps the unrounded expected, as FunnelPlotR's does.
    assert points["ratio"][0] == pytest.approx(12 / 20.004, rel=1e-12)
