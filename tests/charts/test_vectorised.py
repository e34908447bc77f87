"""Many series in one call give exactly what each series gives alone.

The engine charts every series in one pass of polars expressions, with windows clipped to
each series. These properties check that no window, sum or runs count leaks from one series
into the next, and that the order of the input rows does not matter.
"""

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qi.charts import spc

# Small integers make ties, repeated values and points on the centre line common.
VALUE = st.one_of(st.none(), st.integers(0, 12).map(float))


@st.composite
def many_series(draw, with_denominator: bool) -> pl.DataFrame:
    rows = []
    for s in range(draw(st.integers(1, 4))):
        length = draw(st.integers(1, 30))
        for month in range(1, length + 1):
            y = draw(VALUE)
            n = draw(st.integers(12, 40)) if with_denominator else None
            rows.append({"series": f"s{s}", "month": month, "y": y, "n": n})
    return pl.DataFrame(
        rows, schema={"series": pl.String, "month": pl.Int64, "y": pl.Float64, "n": pl.Float64}
    )


def chart(data: pl.DataFrame, chart_type: str, rules: str) -> pl.DataFrame:
    denominator = "n" if chart_type == "p" else None
    return spc(
        data,
        value="y",
        period="month",
        by="series",
        denominator=denominator,
        chart=chart_type,
        rules=rules,
    ).points


def one_at_a_time(data: pl.DataFrame, chart_type: str, rules: str) -> pl.DataFrame:
    parts = [
        chart(part, chart_type, rules) for part in data.partition_by("series", maintain_order=True)
    ]
    return pl.concat(parts).sort(["series", "month"], maintain_order=True)


CASES = [(c, r) for c in ("i", "p", "c", "run") for r in ("mdc", "anhoej")]
# spc() takes about 50 ms even on a tiny frame; 10 examples x 8 cases keep this file near 20 s.
PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("chart_type", "rules"), CASES)
def test_many_series_at_once_equal_each_series_alone(chart_type, rules):
    @PROPERTY
    @given(data=many_series(with_denominator=chart_type == "p"))
    def check(data):
        together = chart(data, chart_type, rules)
        alone = one_at_a_time(data, chart_type, rules)
        assert together.equals(alone)

    check()


@pytest.mark.parametrize(("chart_type", "rules"), CASES)
def test_the_order_of_the_input_rows_does_not_matter(chart_type, rules):
    @PROPERTY
    @given(data=many_series(with_denominator=chart_type == "p"), seed=st.integers(0, 2**32 - 1))
    def check(data, seed):
        ordered = chart(data, chart_type, rules)
        shuffled = chart(data.sample(fraction=1.0, shuffle=True, seed=seed), chart_type, rules)
        assert shuffled.equals(ordered)

    check()


def test_the_property_is_not_vacuous_a_leaking_window_would_be_seen():
    # Series a ends with four points above the mean, b starts with three: no shift in either,
    # but seven in a row if a window ran from one series into the next.
    a = [1.0, 2, 1, 2, 5, 4, 5, 4]
    b = [4.0, 5, 4, 2, 1, 2, 1]
    data = pl.DataFrame(
        {"series": ["a"] * 8 + ["b"] * 7, "month": [*range(1, 9), *range(1, 8)], "y": a + b}
    )
    by_series = spc(data, value="y", period="month", by="series").points
    assert not by_series["rule_shift"].any()
    as_one = spc(
        data.with_columns(pl.int_range(1, 16).alias("month")), value="y", period="month"
    ).points
    assert as_one["rule_shift"].to_list() == [False] * 4 + [True] * 7 + [False] * 4
