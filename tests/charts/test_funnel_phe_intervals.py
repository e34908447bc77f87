"""PHEindicatormethods' intervals against published values: Wilson score intervals for
proportions (Newcombe 1998), exact Poisson intervals below 10 events and Byar's approximation
from 10 (Breslow & Day 1987), for rates (per population) and ratios (per expected count)."""

import polars as pl
import pytest

from qi.charts import funnel


def phe(data, statistic, **options):
    return funnel(
        data,
        numerator="o",
        denominator="n",
        unit="unit",
        method="phe",
        statistic=statistic,
        **options,
    ).points


def test_wilson_interval_of_81_out_of_263_is_newcombes():
    # Newcombe (1998), Statistics in Medicine 17:857, table II: 81/263, 95% 0.2553 to 0.3662.
    points = phe(pl.DataFrame({"unit": ["A"], "o": [81], "n": [263]}), "proportion")
    assert points["ci_lower_95"][0] == pytest.approx(0.2553, abs=5e-5)
    assert points["ci_upper_95"][0] == pytest.approx(0.3662, abs=5e-5)
    assert points["ci_method"][0] == "Wilson"


def test_wilson_interval_of_none_and_of_all():
    points = phe(
        pl.DataFrame({"unit": ["A none", "B all"], "o": [0, 2], "n": [1, 2]}), "proportion"
    )
    # PHEindicatormethods 2.1.0 on these (the funnel reference case phe_prop_syn_tiny_denoms).
    assert points["ci_lower_95"].to_list() == pytest.approx([0.0, 0.3423802275066532], rel=1e-12)
    assert points["ci_upper_95"].to_list() == pytest.approx([0.7934506856227626, 1.0], rel=1e-12)
    assert points["ci_upper_998"][0] == pytest.approx(0.9052090984986795, rel=1e-12)


def test_exact_poisson_interval_below_ten_events():
    # Poisson 95% limits of 3 events: 0.6187 and 8.7673 (Armitage & Berry, table A6).
    points = phe(pl.DataFrame({"unit": ["A"], "o": [3], "n": [1000]}), "rate", multiplier=1000)
    assert points["ci_lower_95"][0] == pytest.approx(0.6187, abs=5e-5)
    assert points["ci_upper_95"][0] == pytest.approx(8.7673, abs=5e-5)
    assert points["ci_method"][0] == "Exact"


def test_no_events_have_a_lower_limit_of_zero():
    points = phe(pl.DataFrame({"unit": ["A"], "o": [0], "n": [50.0]}), "ratio")
    assert points["ci_lower_95"][0] == 0.0
    assert points["ci_upper_95"][0] == pytest.approx(3.6888794541139363 / 50, rel=1e-12)


def test_byar_from_ten_events():
    # Byar's 95% limits of 100 events: 81.36 and 121.63 (Breslow & Day 1987, eq. 2.17).
    points = phe(pl.DataFrame({"unit": ["A"], "o": [100], "n": [100.0]}), "ratio")
    z = 1.959963984540054
    assert points["ci_lower_95"][0] == pytest.approx((1 - 1 / 900 - z / 30) ** 3, rel=1e-12)
    assert points["ci_upper_95"][0] == pytest.approx(1.2163, abs=5e-5)
    assert points["ci_lower_95"][0] == pytest.approx(0.8136, abs=5e-5)
    assert points["ci_method"][0] == "Byars"


def test_a_single_confidence_level_names_its_columns():
    points = phe(
        pl.DataFrame({"unit": ["A"], "o": [30], "n": [100]}), "proportion", confidence=0.99
    )
    assert {"ci_lower_99", "ci_upper_99"} <= set(points.columns)
    assert "ci_lower_95" not in points.columns
