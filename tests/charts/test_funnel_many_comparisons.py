"""Many comparisons in one call (the key is data: measure × period) give exactly what each
comparison gives alone, for every statistic of both methods; and input order does not matter."""

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from qi.charts import funnel

rng = np.random.default_rng(20261201)
UNITS, MEASURES, PERIODS = 40, 3, 4


def panel() -> pl.DataFrame:
    size = UNITS * MEASURES * PERIODS
    cases = rng.integers(5, 2000, size).astype(float)
    rate = rng.uniform(0.02, 0.4, size)
    events = rng.binomial(cases.astype(int), rate).astype(float)
    return pl.DataFrame(
        {
            "measure": np.repeat([f"m{i}" for i in range(MEASURES)], UNITS * PERIODS),
            "period": np.tile(np.repeat(np.arange(PERIODS), UNITS), MEASURES),
            "place": np.tile([f"P{u:03}" for u in range(UNITS)], MEASURES * PERIODS),
            "events": events,
            "cases": cases,
            "expected": np.round(cases * 0.2, 3) + 0.5,
        }
    )


DATA = panel()
CALLS = [
    dict(statistic="proportion", denominator="cases"),
    dict(statistic="ratio_of_counts", denominator="cases"),
    dict(statistic="ratio", denominator="expected"),
    dict(statistic="ratio", denominator="expected", ratio_method="cqc", limit=95),
    dict(statistic="proportion", denominator="cases", method="phe"),
    dict(statistic="ratio", denominator="expected", method="phe"),
    dict(statistic="rate", denominator="cases", method="phe", multiplier=1000.0),
]


@pytest.mark.parametrize(
    "call", CALLS, ids=[f"{c.get('method', 'spiegelhalter')}-{c['statistic']}" for c in CALLS]
)
def test_each_comparison_alone_equals_its_part_of_one_call(call):
    together = funnel(DATA, numerator="events", unit="place", by=["measure", "period"], **call)
    for (measure, period), part in DATA.group_by("measure", "period"):
        alone = funnel(part, numerator="events", unit="place", **call)
        mine = together.filter(measure=measure, period=period)
        assert_frame_equal(mine.points.drop("measure", "period"), alone.points)
        assert_frame_equal(mine.curves.drop("measure", "period"), alone.curves)
        assert_frame_equal(mine.comparisons.drop("measure", "period"), alone.comparisons)


def test_row_order_changes_only_the_order_of_the_rows():
    call = dict(numerator="events", denominator="cases", unit="place", by=["measure", "period"])
    shuffled = DATA.sample(fraction=1.0, shuffle=True, seed=7)
    a, b = funnel(DATA, **call), funnel(shuffled, **call)
    order = ["measure", "period", "place"]
    assert_frame_equal(a.points.sort(order), b.points.sort(order))
    assert_frame_equal(a.comparisons.sort(order[:2]), b.comparisons.sort(order[:2]))


def test_comparisons_and_units_come_in_the_order_they_first_appear():
    shuffled = DATA.sample(fraction=1.0, shuffle=True, seed=7)
    result = funnel(shuffled, numerator="events", denominator="cases", unit="place", by="measure")
    first = shuffled.select("measure").unique(maintain_order=True)["measure"].to_list()
    assert result.comparisons["measure"].to_list() == first
    units = shuffled.filter(pl.col("measure") == first[0])["place"].unique(maintain_order=True)
    assert result.points.filter(pl.col("measure") == first[0])["place"].to_list() == units.to_list()


def test_rows_of_one_unit_are_summed_over_a_window():
    window = funnel(
        DATA.filter(pl.col("measure") == "m0"),
        numerator="events",
        denominator="cases",
        unit="place",
    )
    sums = DATA.filter(pl.col("measure") == "m0").group_by("place").agg(pl.col("events").sum())
    assert window.points.height == UNITS
    assert (
        window.points.sort("place")["numerator"].to_list() == sums.sort("place")["events"].to_list()
    )
