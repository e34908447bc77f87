"""Data a funnel cannot use is refused with one message naming the problem, where it is (the row
and the unit) and the fix; so are unknown options."""

import polars as pl
import pytest

from qi.charts import FunnelInputError, funnel


def data(**changes) -> pl.DataFrame:
    frame = {
        "trust": ["R0A", "R1F", "RXX"],
        "breaches": [10, 20, 30],
        "attendances": [100, 200, 300],
    }
    frame.update(changes)
    return pl.DataFrame(frame)


def refused(frame: pl.DataFrame, **options) -> str:
    call = dict(numerator="breaches", denominator="attendances", unit="trust")
    call.update(options)
    with pytest.raises(FunnelInputError) as error:
        funnel(frame, **call)
    return str(error.value)


def test_a_denominator_of_zero_names_row_unit_and_fix():
    message = refused(data(attendances=[100, 0, 300]))
    assert "row 2 (unit R1F)" in message
    assert "'attendances' is 0" in message
    assert "denominator above 0" in message


def test_an_expected_count_of_zero_is_named_as_such():
    message = refused(data(attendances=[100, 200, 0]), statistic="ratio")
    assert "row 3 (unit RXX)" in message
    assert "expected count 'attendances' is 0" in message
    assert "expected events above 0" in message


def test_more_events_than_cases_in_a_proportion():
    message = refused(data(breaches=[10, 250, 30]))
    assert "row 2 (unit R1F)" in message
    assert "above the denominator" in message and "swapped" in message


def test_more_events_than_expected_is_fine_for_a_ratio():
    result = funnel(
        data(breaches=[10, 250, 30]),
        numerator="breaches",
        denominator="attendances",
        unit="trust",
        statistic="ratio",
    )
    assert result.points.height == 3


def test_negative_counts():
    message = refused(data(breaches=[10, -2, 30]))
    assert "row 2 (unit R1F)" in message and "cannot be negative" in message


def test_missing_counts_and_units():
    assert "row 3 (unit RXX)" in refused(data(breaches=[10, 20, None]))
    assert "fill it in or remove the row" in refused(data(breaches=[10, 20, None]))
    assert refused(data(trust=["R0A", None, "RXX"])).startswith(
        "row 2: the unit 'trust' is missing"
    )


def test_a_missing_column_lists_the_columns_there_are():
    message = refused(data(), denominator="population")
    assert "no column 'population' for the denominator" in message
    assert "trust, breaches, attendances" in message


def test_text_where_numbers_belong():
    message = refused(data(breaches=["10", "twenty", "30"]))
    assert "must hold numbers" in message and "row 2" in message and "'twenty'" in message


def test_the_row_and_keys_are_those_of_the_callers_data():
    frame = pl.concat([data().with_columns(pl.lit("m1").alias("measure"))] * 2).with_columns(
        pl.Series("attendances", [100, 200, 300, 100, 0, 300])
    )
    assert "row 5 (unit R1F, measure=m1)" in refused(frame, by="measure")


@pytest.mark.parametrize(
    "options, words",
    [
        (dict(statistic="rate"), "unknown statistic for the spiegelhalter method 'rate'"),
        (dict(method="phe", statistic="ratio_of_counts"), "choose one of: proportion, ratio, rate"),
        (dict(method="bayes"), "unknown method 'bayes'"),
        (dict(limit=90), "limit must be 95 (95%) or 99 (99.8%)"),
        (dict(trim_by=0.5), "trim_by must be a proportion above 0 and below 0.5"),
        (dict(multiplier=0), "multiplier must be a positive number"),
        (dict(method="phe", confidence=[0.5]), "confidence levels must be between 0.9 and 1"),
        (dict(method="phe", statistic="rate", rate_type="dsr"), "needs its rate column"),
        (dict(by="trust"), "is also a `by` column"),
    ],
)
def test_unknown_or_impossible_options(options, words):
    assert words in refused(data(), **options)
