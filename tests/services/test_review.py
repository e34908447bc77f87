"""measure_view(): a measure's definition, observations and annotations become charted points.

Every test runs on SQLite and on PostgreSQL (the ``engine`` fixture). The series are built by
hand so the expected limits are plain: a zig-zag of 9 and 11 has mean 10, and the same
zig-zag at 29 and 31 has mean 30.
"""

from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.services.review import MeasureView, ReviewError, measure_view, measure_views
from qi.store import UploadRecord, add_initiative, read_series, store_observations, upsert_measures
from qi.store.annotations import add_annotation, read_annotations, undo_annotation
from qi.text import period
from tests.store.helpers import add_definitions, observations

MONTHS = [date(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 25)]
LOW = [9.0, 11.0] * 6
HIGH = [29.0, 31.0] * 6


def define(engine, code="waits", **fields) -> None:
    """One measure (a count, lower is better, no chart or rule set) with these fields changed."""
    measure = {
        "code": code,
        "name": code,
        "definition": None,
        "unit": None,
        "kind": "count",
        "multiplier": 1.0,
        "improvement": "down",
        "target": None,
        "chart": None,
        "rule_set": None,
        "frequency": "month",
    } | fields
    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame([measure], schema_overrides={"target": pl.Float64, "unit": pl.String}),
    )


def store(engine, rows: pl.DataFrame, name="upload.csv") -> None:
    upload = UploadRecord(file_name=name, content_hash=name, rows_read=rows.height, report={})
    store_observations(engine, local_admin("tester"), rows, upload)


def store_values(engine, measure: str, place: str, values: list[float]) -> None:
    rows = [(measure, place, MONTHS[i], v) for i, v in enumerate(values)]
    store(engine, observations(engine, rows), name=f"{measure}-{place}.csv")


@pytest.fixture
def stored(engine):
    """Places RXX, RYY and RZZ; measure 'waits' with a step up at month 13 at RXX and RYY."""
    add_definitions(engine, measures=("ae_attendances",))
    define(engine)
    store_values(engine, "waits", "RXX", LOW + HIGH)
    store_values(engine, "waits", "RYY", LOW + HIGH)
    return engine


def test_a_count_is_charted_on_its_default_chart_with_the_mdc_rules_and_its_direction(stored):
    view = measure_view(stored, local_admin("tester"), "waits")
    assert isinstance(view, MeasureView)
    assert (view.chart, view.rules) == ("i", "mdc")
    assert view.places == ["RXX", "RYY"]
    assert view.points.height == 48
    assert set(view.points.get_column("chart").cast(pl.String)) == {"i"}
    assert set(view.points.get_column("rules").cast(pl.String)) == {"mdc"}
    assert set(view.points.get_column("direction").cast(pl.String)) == {"decrease"}
    assert view.measure["code"] == "waits"
    # Lower is better: the step up at month 13 is a concern.
    assert view.summary.get_column("variation_icon").to_list() == ["concern_high"] * 2


def test_the_chart_and_rule_set_come_from_the_definition_and_can_be_changed(stored):
    define(stored, chart="c", rule_set="anhoej")
    view = measure_view(stored, local_admin("tester"), "waits", places="RXX")
    assert (view.chart, view.rules) == ("c", "anhoej")
    assert view.points.get_column("chart").cast(pl.String).unique().to_list() == ["c"]
    changed = measure_view(
        stored, local_admin("tester"), "waits", places="RXX", chart="run", rules="ihi"
    )
    assert (changed.chart, changed.rules) == ("run", "ihi")
    assert changed.points.get_column("rules").cast(pl.String).unique().to_list() == ["ihi"]
    assert changed.points.get_column("upper_limit").is_null().all()  # a run chart has no limits


@pytest.mark.parametrize(
    ("improvement", "direction", "icon"),
    [("up", "increase", "improvement_high"), ("neither", "neutral", "neutral_high")],
)
def test_the_improvement_direction_decides_the_point_type(stored, improvement, direction, icon):
    define(stored, improvement=improvement)
    view = measure_view(stored, local_admin("tester"), "waits", places="RXX")
    assert view.points.get_column("direction").cast(pl.String).unique().to_list() == [direction]
    assert view.summary.get_column("variation_icon").to_list() == [icon]


def test_a_proportion_is_charted_as_numerator_over_denominator_with_multiplier_and_target(engine):
    add_definitions(engine)
    define(engine, "feeding", kind="proportion", multiplier=100.0, improvement="up", target=95.0)
    rows = observations(engine, [("feeding", "RXX", MONTHS[i], None) for i in range(24)])
    numerators = [40.0 + (i % 3) for i in range(24)]
    rows = rows.with_columns(
        pl.Series("numerator", numerators),
        pl.lit(50.0).alias("denominator"),
        pl.lit(None, pl.String).alias("missing_reason"),
    )
    store(engine, rows)
    view = measure_view(engine, local_admin("tester"), "feeding")
    assert view.chart == "pp"  # the default for a proportion
    first = view.points.row(0, named=True)
    assert (first["numerator"], first["denominator"]) == (40.0, 50.0)
    assert first["value"] == pytest.approx(80.0)  # 40 / 50 as a percentage
    assert first["target"] == 95.0
    assert view.summary.get_column("assurance_icon").to_list() == ["consistent_fail"]


def test_a_new_phase_annotation_recalculates_the_limits_from_its_period(stored):
    before = measure_view(stored, local_admin("tester"), "waits", places="RXX")
    assert before.points.get_column("phase").unique().to_list() == [1]
    assert before.points.get_column("centre").unique().to_list() == [pytest.approx(20.0)]
    # The step up at month 13 is proposed as a change point.
    assert before.suggestions.select("place", "period", "rule").rows() == [
        ("RXX", MONTHS[12], "shift")
    ]
    add_annotation(
        stored,
        local_admin("Sam Patel"),
        measure="waits",
        place="RXX",
        period=MONTHS[12],
        kind="intervention",
        text="Extra clinic",
        new_phase=True,
        reason="Capacity changed",
    )
    after = measure_view(stored, local_admin("tester"), "waits", places="RXX")
    centres = after.points.select("phase", "centre").unique().sort("phase").rows()
    assert centres == [(1, pytest.approx(10.0)), (2, pytest.approx(30.0))]
    assert after.points.filter(pl.col("period") == MONTHS[12])["phase"].item() == 2
    assert after.points.filter(pl.col("period") == MONTHS[11])["phase"].item() == 1
    assert after.suggestions.height == 0  # the coach has confirmed it
    assert after.annotations.get_column("text").to_list() == ["Extra clinic"]


def test_an_excluded_point_is_shown_but_left_out_of_the_limits(stored):
    store_values(stored, "waits", "RZZ", [*LOW[:6], 100.0, *LOW[7:]])
    spiked = measure_view(stored, local_admin("tester"), "waits", places="RZZ")
    add_annotation(
        stored,
        local_admin("tester"),
        measure="waits",
        place="RZZ",
        period=MONTHS[6],
        kind="data_issue",
        text="Duplicate referrals counted",
        exclude=True,
        reason="Known data error",
    )
    view = measure_view(stored, local_admin("tester"), "waits", places="RZZ")
    spike = view.points.filter(pl.col("period") == MONTHS[6]).row(0, named=True)
    assert spike["excluded"] and spike["value"] == 100.0
    assert spiked.points["centre"][0] == pytest.approx(sum([*LOW[:6], 100.0, *LOW[7:]]) / 12)
    assert view.points["centre"][0] == pytest.approx(sum([*LOW[:6], *LOW[7:]]) / 11)
    assert view.points["upper_limit"][0] < spiked.points["upper_limit"][0]


def test_an_annotation_without_a_place_applies_at_every_place(stored):
    add_annotation(
        stored,
        local_admin("tester"),
        measure="waits",
        period=MONTHS[12],
        kind="context",
        text="New referral criteria across the area",
        new_phase=True,
        reason="Criteria changed everywhere",
    )
    view = measure_view(stored, local_admin("tester"), "waits")
    phases = view.points.group_by("place").agg(pl.col("phase").max()).sort("place").rows()
    assert phases == [("RXX", 2), ("RYY", 2)]
    assert view.place_annotations("RYY").get_column("place").to_list() == [None]


def test_an_undone_annotation_no_longer_shapes_the_chart(stored):
    annotation = add_annotation(
        stored,
        local_admin("Sam Patel"),
        measure="waits",
        place="RXX",
        period=MONTHS[12],
        kind="intervention",
        text="Extra clinic",
        new_phase=True,
        reason="Capacity changed",
    )
    undo_annotation(stored, local_admin("tester"), annotation)
    view = measure_view(stored, local_admin("tester"), "waits", places="RXX")
    assert view.points.get_column("phase").max() == 1
    assert view.annotations.height == 0
    assert read_annotations(stored, local_admin("tester"), include_undone=True).height == 1


def test_places_initiative_and_periods_choose_what_is_charted(stored):
    add_initiative(stored, local_admin("tester"), "Waits together", ["RYY"])
    assert measure_view(
        stored, local_admin("tester"), "waits", initiative="Waits together"
    ).places == ["RYY"]
    add_annotation(
        stored,
        local_admin("tester"),
        measure="waits",
        place="RXX",
        period=MONTHS[2],
        kind="context",
        text="Snow",
    )
    window = measure_view(
        stored, local_admin("tester"), "waits", places=["RXX"], start=MONTHS[6], end=MONTHS[17]
    )
    assert window.points.get_column("period").to_list() == MONTHS[6:18]
    assert window.annotations.height == 0  # the snow fell before the window


def test_an_unknown_measure_or_place_is_named(stored):
    with pytest.raises(ReviewError, match="unknown measure 'nope'.*waits"):
        measure_view(stored, local_admin("tester"), "nope")
    with pytest.raises(ReviewError, match="NOWHERE"):
        measure_view(stored, local_admin("tester"), "waits", places=["NOWHERE"])


def test_the_view_reads_each_place_in_words(stored):
    view = measure_view(stored, local_admin("tester"), "waits", places="RXX")
    assert view.reading("RXX") == (
        "Twelve months above the upper process limit since January 2024: special cause concern."
    )
    with pytest.raises(ReviewError, match="RYY"):
        view.reading("RYY")


def test_a_new_phase_marked_between_periods_starts_at_the_next_charted_period(stored):
    store_values(stored, "waits", "RZZ", [*LOW, None, *HIGH[1:]])  # month 13 missing
    add_annotation(
        stored,
        local_admin("tester"),
        measure="waits",
        place="RZZ",
        period=date(2023, 12, 15),
        kind="intervention",
        text="Extra clinic opened mid-December",
        new_phase=True,
        reason="Capacity changed",
    )
    view = measure_view(stored, local_admin("tester"), "waits", places="RZZ")
    phases = view.points.select("period", "phase")
    assert phases.filter(pl.col("phase") == 2)["period"].min() == MONTHS[13]
    assert view.points.filter(pl.col("phase") == 2)["centre"][0] == pytest.approx(
        sum(HIGH[1:]) / 11
    )


def test_a_measure_without_observations_is_an_empty_view(stored):
    define(stored, "new_measure")
    view = measure_view(stored, local_admin("tester"), "new_measure")
    assert (view.points.height, view.summary.height, view.suggestions.height) == (0, 0, 0)
    assert view.places == []


def test_after_a_confirmed_recalculation_the_reading_names_the_step_who_and_why(stored):
    assert "Centre line moved" not in measure_view(
        stored, local_admin("tester"), "waits", places="RXX"
    ).reading("RXX")
    add_annotation(
        stored,
        local_admin("Sam Patel"),
        measure="waits",
        place="RXX",
        period=MONTHS[12],
        kind="intervention",
        text="Extra clinic",
        new_phase=True,
        reason="Capacity changed with the extra clinic",
    )
    words = measure_view(stored, local_admin("tester"), "waits", places="RXX").reading("RXX")
    month = period(MONTHS[12])
    assert (
        f"Centre line moved from 10 to 30 at {month}, confirmed by Sam Patel because capacity "
        "changed with the extra clinic." in words
    )
    # Another place's reading is not about this place's step.
    assert "Centre line moved" not in measure_view(
        stored, local_admin("tester"), "waits", places="RYY"
    ).reading("RYY")


def test_many_measures_charted_together_are_each_charted_as_alone(stored):
    """``measure_views()`` charts the measures that share a chart and rules in one ``spc()``
    call, each with its own direction and target, and its own annotations: every view equals
    ``measure_view()`` of that measure alone."""
    define(stored, "visits", improvement="up", target=25.0)
    define(stored, "contacts", improvement="neither")
    define(stored, "feeding", kind="proportion", multiplier=100.0, improvement="up", target=95.0)
    for code in ("visits", "contacts"):
        store_values(stored, code, "RXX", HIGH + LOW)
        store_values(stored, code, "RYY", LOW + HIGH)
    rows = observations(stored, [("feeding", "RXX", MONTHS[i], None) for i in range(24)])
    store(
        stored,
        rows.with_columns(
            pl.Series("numerator", [40.0 + (i % 3) for i in range(24)]),
            pl.lit(50.0).alias("denominator"),
            pl.lit(None, pl.String).alias("missing_reason"),
        ),
        name="feeding.csv",
    )
    add_annotation(
        stored,
        local_admin("Sam Patel"),
        measure="visits",
        place="RXX",
        period=MONTHS[12],
        kind="intervention",
        text="New rota",
        new_phase=True,
        reason="Visits doubled",
    )
    codes = ["contacts", "feeding", "visits", "waits"]
    places = ["RXX", "RYY"]
    who = local_admin("tester")
    views = measure_views(
        stored, who, read_series(stored, who, measures=codes, places=places), places
    )
    assert list(views) == codes
    for code in codes:
        alone = measure_view(stored, who, code, places=places)
        together = views[code]
        assert together.points.equals(alone.points, null_equal=True), code
        assert together.summary.equals(alone.summary, null_equal=True), code
        assert together.suggestions.equals(alone.suggestions, null_equal=True), code
        assert together.annotations.equals(alone.annotations, null_equal=True), code
    assert views["visits"].points.get_column("phase").max() == 2  # its own annotation
    assert views["waits"].points.get_column("phase").max() == 1
    assert views["visits"].points.get_column("target").unique().to_list() == [25.0]
    assert views["contacts"].points.get_column("direction").unique().to_list() == ["neutral"]
