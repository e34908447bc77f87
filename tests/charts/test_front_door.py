"""The front door refuses bad input with a message that names the problem and the fix.

Every refusal is an ``SPCInputError`` (a ``ValueError``), raised before anything is computed.
"""

import polars as pl
import pytest

from qi.charts import CHART_TYPES, DEFAULT_CHART, RULE_SETS, SPCInputError, spc

MONTHS = list(range(1, 13))
VALUES = [9.0, 11.0] * 6


def data(**columns) -> pl.DataFrame:
    return pl.DataFrame({"month": MONTHS, "y": VALUES, **columns})


def refusal(frame: pl.DataFrame, **options) -> str:
    options = {"value": "y", "period": "month", **options}
    with pytest.raises(SPCInputError) as error:
        spc(frame, **options)
    return str(error.value)


def test_a_missing_column_is_named_with_the_columns_there_are():
    message = refusal(data(), value="admissions")
    assert "no column 'admissions' for the value" in message
    assert "the data has: month, y" in message


def test_a_missing_by_column_is_named():
    message = refusal(data(), by=["place"])
    assert "'place'" in message and "by" in message


def test_text_in_the_value_column_names_the_row_and_the_text():
    frame = pl.DataFrame({"month": [1, 2, 3], "y": ["12", "1,2O4", "9"]})
    message = refusal(frame)
    assert "row 2" in message
    assert "'1,2O4'" in message
    assert "must hold numbers" in message
    assert "mark the value as missing" in message  # the fix


def test_a_denominator_of_zero_names_the_row_and_the_fix():
    frame = data(n=[20.0] * 4 + [0.0] + [20.0] * 7)
    message = refusal(frame, denominator="n", chart="p")
    assert message.startswith("row 5:")
    assert "'n' is 0.0" in message
    assert "above 0" in message


def test_a_denominator_of_zero_with_a_missing_value_is_a_missing_month_not_an_error():
    frame = pl.DataFrame(
        {"month": MONTHS, "y": [5.0] * 4 + [None] + [5.0] * 7, "n": [20.0] * 4 + [0.0] + [20.0] * 7}
    )
    points = spc(frame, value="y", period="month", denominator="n", chart="p").points
    assert points["value"][4] is None
    assert points["centre"][0] == pytest.approx(0.25)


def test_an_unknown_chart_lists_the_charts_there_are():
    message = refusal(data(), chart="xmr")
    assert "unknown chart type 'xmr'" in message
    assert all(name in message for name in CHART_TYPES)


def test_an_unknown_rule_set_lists_the_rule_sets_there_are():
    message = refusal(data(), rules="westgard")
    assert "unknown rule set 'westgard'" in message
    assert all(name in message for name in RULE_SETS)


@pytest.mark.parametrize("chart", ["p", "pp", "u", "up"])
def test_a_chart_of_proportions_or_rates_without_a_denominator_is_refused(chart):
    message = refusal(data(), chart=chart)
    assert "needs a denominator column" in message
    assert "denominator=" in message and "'i'" in message


def test_repeated_periods_without_aggregate_are_refused_with_the_ways_out():
    frame = pl.DataFrame({"month": [1, 2, 2, 3], "y": [1.0, 2.0, 3.0, 4.0]})
    message = refusal(frame)
    assert "1 repeated period(s), first at month=2" in message
    assert "`by`" in message and "aggregate=" in message


def test_repeated_periods_with_aggregate_are_combined():
    frame = pl.DataFrame({"month": [1, 2, 2, 3], "y": [1.0, 2.0, 4.0, 4.0]})
    points = spc(frame, value="y", period="month", aggregate="mean").points
    assert points["value"].to_list() == [1.0, 3.0, 4.0]


def test_a_t_chart_with_a_zero_time_is_refused_with_other_charts_suggested():
    frame = pl.DataFrame({"month": [1, 2, 3, 4], "y": [5.0, 3.0, 0.0, 7.0]})
    message = refusal(frame, chart="t")
    assert "month=3" in message
    assert "above zero" in message
    assert "G chart" in message


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"baseline": 1}, "baseline must be a whole number"),
        ({"multiplier": 0}, "multiplier must be a positive number"),
        ({"aggregate": "max"}, "unknown aggregate 'max'"),
        ({"direction": "up"}, "unknown improvement direction 'up'"),
        ({"exclude": "skip_me"}, "no column 'skip_me' for exclude"),
    ],
)
def test_bad_options_are_refused_by_name(options, words):
    assert words in refusal(data(), **options)


def test_data_that_is_not_a_polars_frame_is_refused():
    with pytest.raises(SPCInputError, match="polars DataFrame"):
        spc({"month": MONTHS, "y": VALUES}, value="y", period="month")


def test_an_unknown_kind_of_measure_is_refused_as_input_error():
    message = refusal(data(), kind="percentage")
    assert "unknown kind of measure 'percentage'" in message


def test_a_row_without_a_period_is_dropped_even_with_a_target_per_series():
    frame = pl.DataFrame({"place": ["A"] * 13, "month": [*MONTHS, None], "y": [*VALUES, 50.0]})
    points = spc(frame, value="y", period="month", by="place", target={"A": 20.0}).points
    assert points.height == 12
    assert points["target"].to_list() == [20.0] * 12


def test_a_row_without_a_period_is_dropped():
    frame = pl.DataFrame({"month": [*MONTHS, None], "y": [*VALUES, 50.0]})
    points = spc(frame, value="y", period="month").points
    assert points.height == 12
    assert points["centre"][0] == 10.0


# --- the default chart for each kind of measure --------------------------------------------


@pytest.mark.parametrize("kind", list(DEFAULT_CHART))
def test_the_default_chart_follows_the_kind_of_measure(kind):
    frame = data(n=[40.0] * 12)
    denominator = "n" if DEFAULT_CHART[kind][0] in ("p", "pp", "u", "up") else None
    points = spc(frame, value="y", period="month", kind=kind, denominator=denominator).points
    assert points["chart"][0] == DEFAULT_CHART[kind][0]


def test_the_default_chart_without_a_kind_is_the_xmr_chart():
    assert spc(data(), value="y", period="month").points["chart"][0] == "i"


def test_a_chart_named_by_the_caller_beats_the_kind():
    points = spc(data(), value="y", period="month", kind="cases_between", chart="run").points
    assert points["chart"][0] == "run"


def test_every_default_chart_is_a_known_chart_with_a_reason():
    for kind, (chart, reason) in DEFAULT_CHART.items():
        assert chart in CHART_TYPES, kind
        assert len(reason) > 20, kind


SUBGROUP_COLUMNS = ["subgroup_size", "subgroup_mean", "subgroup_sd"]


def test_subgroup_statistics_come_only_where_a_period_can_hold_several_rows():
    months = [1, 1, 2, 2, 3, 3, 4, 4]
    frame = pl.DataFrame({"month": months, "y": [9.0, 11, 10, 14, 8, 12, 10, 10]})
    xbar = spc(frame, value="y", period="month", chart="xbar").points
    assert xbar.select(SUBGROUP_COLUMNS).row(1) == (2, 12.0, pytest.approx(2.8284271247))
    combined = spc(frame, value="y", period="month", aggregate="sum").points
    assert combined["subgroup_size"].to_list() == [2, 2, 2, 2]
    assert combined["value"].to_list() == [20.0, 24.0, 20.0, 20.0]
    single = spc(frame.unique("month", keep="first"), value="y", period="month").points
    assert not set(SUBGROUP_COLUMNS) & set(single.columns)


def test_nan_values_and_denominators_are_missing_points():
    nan = float("nan")
    frame = pl.DataFrame(
        {"m": [1, 2, 3, 4, 5], "y": [1.0, nan, 3, 2, 4], "n": [10.0, 10, nan, 10, 10]}
    )
    assert spc(frame, value="y", period="m").points["value"].to_list() == [1.0, None, 3.0, 2.0, 4.0]
    proportions = spc(frame, value="y", period="m", denominator="n", chart="p").points
    assert proportions["value"].to_list() == [0.1, None, None, 0.2, 0.4]


@pytest.mark.parametrize("name", ["direction", "target", "signal", "point_type"])
def test_an_argument_column_may_share_a_name_with_an_output_column(name):
    data = pl.DataFrame(
        {
            "month": MONTHS,
            "y": VALUES,
            name: ["increase"] * len(MONTHS) if name == "direction" else [1.0] * len(MONTHS),
        }
    )
    if name == "direction":
        points = spc(data, value="y", period="month", direction=name).points
        assert points["direction"].cast(pl.String).unique().to_list() == ["increase"]
    elif name == "target":
        points = spc(data, value="y", period="month", target=name).points
        assert points["target"].unique().to_list() == [1.0]
    else:
        points = spc(data, value="y", period="month", centre=name).points
        assert points["centre"].unique().to_list() == [1.0]
    assert points.columns.count(name) == 1
