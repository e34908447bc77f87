"""Guard rails: too few points refuse with a message saying what and how to fix it; few points
label the estimate low confidence; a change date recorded after the data it is judged on is
labelled; gaps, excluded points and a change of definition inside the window are warnings."""

import datetime as dt

import polars as pl
import pytest

from qi.effects import EffectInputError, estimate_effects

from .series import continuous, counts, frame_of


def one(data: pl.DataFrame, **options):
    options.setdefault("value", "value")
    options.setdefault("period", "month")
    (found,) = estimate_effects(data, **options)
    return found


def test_fewer_than_3_points_after_the_change_is_refused_with_the_fix():
    data = continuous(count=26)
    with pytest.raises(EffectInputError) as refused:
        one(data, change=data["month"][24])
    message = str(refused.value)
    assert "2 points after the change in January 2023" in message
    assert "at least 3 on each side" in message
    assert "choose an earlier change date or wait for more data" in message


def test_fewer_than_3_points_before_the_change_is_refused_with_the_fix():
    data = continuous(count=30)
    with pytest.raises(EffectInputError, match="1 point before .* choose a later change date"):
        one(data, change=data["month"][1])


def test_a_refusal_names_the_series_and_counts_the_others():
    data = pl.concat(
        [
            continuous(count=30).with_columns(place=pl.lit("North")),
            continuous(count=26).with_columns(place=pl.lit("South")),
            continuous(count=25).with_columns(place=pl.lit("West")),
        ]
    )
    with pytest.raises(
        EffectInputError, match=r"^South has 2 points after .*\(and 1 more series\)"
    ):
        frame_of(data, value="value", period="month", change=dt.date(2023, 1, 1), by="place")


def test_three_points_on_each_side_are_enough_but_low_confidence():
    data = continuous(count=6)
    found = one(data, change=data["month"][3])
    assert (found.points_before, found.points_after) == (3, 3)
    assert found.labels == ("low confidence",)
    assert "Low confidence: 3 points before the change and 3 after" in found.warnings[0]


def test_twelve_points_on_each_side_are_not_low_confidence():
    data = continuous(count=24)
    assert one(data, change=data["month"][12]).labels == ()
    assert one(data, change=data["month"][13]).labels == ("low confidence",)


def test_a_change_recorded_after_some_of_its_points_is_chosen_after_seeing_the_data():
    data = continuous(count=36)
    change = data["month"][24]  # January 2023
    found = one(data, change=change, decided_at=dt.date(2023, 4, 10))
    assert "chosen after seeing the data" in found.labels
    message = next(w for w in found.warnings if w.startswith("Chosen after"))
    assert "recorded on 10 April 2023, after 3 of the 12 points after it had happened" in message


def test_a_change_recorded_before_its_first_point_ended_is_not_labelled():
    data = continuous(count=36)
    found = one(data, change=data["month"][24], decided_at=dt.datetime(2023, 1, 31, 17, 0))
    assert found.labels == ()


def test_missing_months_inside_the_window_are_a_warning():
    data = continuous(count=40)
    gappy = data.filter(~pl.col("month").is_in([dt.date(2022, 3, 1), dt.date(2022, 4, 1)]))
    found = one(gappy, change=dt.date(2023, 1, 1))
    assert any(
        w.startswith("2 months missing inside the window (March 2022, April 2022)")
        for w in found.warnings
    )
    # An empty value is missing too.
    blank = data.with_columns(
        pl.when(pl.col("month") == dt.date(2023, 6, 1))
        .then(None)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    found = one(blank, change=dt.date(2023, 1, 1))
    assert found.points_after == 15
    assert any(
        w.startswith("1 month missing inside the window (June 2023)") for w in found.warnings
    )


def test_excluded_points_are_left_out_and_reported():
    data = continuous(count=40)
    found = one(data, change=dt.date(2023, 1, 1), exclude=[dt.date(2023, 2, 1)])
    assert found.points_after == 15
    assert "1 month excluded and left out of the model (February 2023)." in found.warnings
    flagged = data.with_columns(july=pl.col("month").dt.month() == 7)
    found = one(flagged, change=dt.date(2023, 1, 1), exclude="july")
    assert "3 months excluded and left out of the model (July 2021, July 2022, July 2023)." in (
        found.warnings
    )
    assert not any("missing" in w for w in found.warnings)  # excluded is not missing


def test_a_change_of_definition_inside_the_window_is_a_warning():
    data = continuous(count=40)
    found = one(
        data,
        change=dt.date(2023, 1, 1),
        definition_changes=[dt.date(2022, 6, 1), dt.date(2030, 1, 1)],
    )
    changed = [w for w in found.warnings if "definition" in w]
    assert changed == [
        "The measure's definition changed in June 2022, inside the window: points before and "
        "after it may not be comparable, and the effect may be the new definition's."
    ]


def test_seasonal_terms_are_used_by_default_only_with_24_points_before_the_change():
    data = continuous(count=40)
    assert one(data, change=data["month"][24]).harmonics == 2
    assert one(data, change=data["month"][23]).harmonics == 0
    assert one(data, change=data["month"][23], harmonics=1).harmonics == 1
    assert one(data, change=data["month"][24], harmonics=0).harmonics == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"value": "nope"}, "no column 'nope'; the columns are: month, value"),
        ({"kind": "speed"}, "unknown kind of measure 'speed'; choose one of: count, rate"),
        ({"model": "jump"}, "unknown impact model 'jump'; choose one of: both, level, slope"),
        ({"harmonics": 6}, "harmonics 6 must be between 0 and 5 for monthly data"),
        ({"kind": "rate"}, "a rate needs a denominator: name the population column"),
        ({"change": 24}, "the change 24 is not a date like the 'month' column"),
        ({"multiplier": 0}, "multiplier 0 must be a positive number"),
    ],
)
def test_bad_arguments_say_what_and_how_to_fix_it(options, message):
    data = continuous(count=40)
    options = {"change": dt.date(2023, 1, 1), **options}
    with pytest.raises(EffectInputError, match=message.replace("(", r"\(")):
        one(data, **options)


def test_bad_values_say_which_period_and_series():
    data = counts(count=30).with_columns(place=pl.lit("North"))
    broken = data.with_columns(
        pl.when(pl.col("month") == dt.date(2021, 5, 1))
        .then(-1.0)
        .otherwise(pl.col("admissions"))
        .alias("admissions")
    )
    with pytest.raises(EffectInputError, match="period 2021-05-01 in North has value -1"):
        frame_of(
            broken,
            value="admissions",
            denominator="population",
            kind="rate",
            period="month",
            change=dt.date(2022, 6, 1),
            by="place",
        )
    with pytest.raises(EffectInputError, match="with a denominator, say which kind"):
        frame_of(
            data,
            value="admissions",
            denominator="population",
            period="month",
            change=dt.date(2022, 6, 1),
        )
    twice = pl.concat([data, data.head(1)])
    with pytest.raises(EffectInputError, match="two rows for period 2021-01-01 in North"):
        frame_of(
            twice,
            value="admissions",
            denominator="population",
            kind="rate",
            period="month",
            change=dt.date(2022, 6, 1),
            by="place",
        )


def test_no_events_after_the_change_says_the_ratio_cannot_be_estimated():
    data = counts(count=36).with_columns(
        pl.when(pl.col("month") >= dt.date(2022, 7, 1))
        .then(0.0)
        .otherwise(pl.col("admissions"))
        .alias("admissions")
    )
    found = one(data, value="admissions", kind="count", change=dt.date(2022, 7, 1))
    assert found.warnings[-1].startswith("No events after the change: the ratio cannot be")
    assert found.level_change.ci_high == float("inf") or found.level_change.ci_high > 1e6
    assert found.immediate_difference.ci_low < found.immediate_difference.estimate < 0
