"""The meeting view: the summary matrix, what is new since the last meeting, and the review a
meeting (and its board pack) starts from. The partnership is described in tests/partnership.py."""

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import update

from qi.access import local_admin
from qi.services.meeting import icon_key, matrix_grid, meeting_review, previous_meeting
from qi.services.review import ReviewError
from qi.services.since import new_signals
from qi.store import add_initiative, clock, link_measures
from qi.store.annotations import add_annotation, undo_annotation
from qi.store.meetings import add_meeting
from qi.store.models import Annotation, Upload
from tests.partnership import INITIATIVE, MEETING_DAY, STORY_TITLE, build


@pytest.fixture
def partnership(engine):
    ids = build(engine)
    # The data was uploaded in January 2024 (before the meeting), except where a test says.
    with engine.begin() as connection:
        connection.execute(update(Upload).values(uploaded_at=datetime(2024, 1, 20)))
    return engine, ids


def test_measures_with_special_cause_concern_come_first_with_icons_in_words(partnership):
    engine, _ = partnership
    matrix = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE).matrix
    assert matrix.select("measure", "place").rows() == [
        ("waits", "RXX"),
        ("waits", "RYY"),
        ("asthma_admissions", "RXX"),
        ("asthma_admissions", "RYY"),
    ]
    waits = matrix.row(0, named=True)
    assert (waits["variation_icon"], waits["variation"]) == (
        "concern_high",
        "Special cause concern (high)",
    )
    assert waits["assurance"] == "Hit and miss against the target"
    assert (waits["latest_value"], waits["target"], waits["latest_period"]) == (
        31.0,
        15.0,
        date(2024, 12, 1),
    )
    assert waits["reading"].startswith("Twelve months above the upper process limit since")
    assert matrix.row(1, named=True)["variation"] == "Common cause variation"
    assert matrix.row(2, named=True)["assurance"] == "No target"
    assert matrix.get_column("special_cause").to_list() == [True, False, True, True]


def test_a_measure_without_special_cause_comes_after_those_with_it(partnership):
    engine, _ = partnership
    matrix = meeting_review(engine, local_admin("tester"), place="RYY").matrix
    assert matrix.get_column("measure").to_list() == ["asthma_admissions", "waits"]


def test_the_grid_has_measures_as_rows_and_places_as_columns_in_words(partnership):
    engine, _ = partnership
    grid = matrix_grid(meeting_review(engine, local_admin("tester"), initiative=INITIATIVE).matrix)
    assert grid.columns == ["measure", "measure_name", "RXX", "RYY"]
    assert grid.row(0, named=True)["RXX"] == (
        "Special cause concern (high); Hit and miss against the target; Latest: 31.0"
    )
    assert set(icon_key().get_column("meaning")) >= {"Common cause variation"}


def test_since_the_last_meeting_lists_new_signals_annotations_and_stories(partnership):
    engine, _ = partnership
    review = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    assert review.since == MEETING_DAY  # the last meeting's day by default
    news = review.news
    # Signals in periods after 10 June 2024: July to December at three signalling series.
    assert news.signals.height == 18
    assert news.signals.get_column("period").min() == date(2024, 7, 1)
    assert set(news.signals.get_column("signal")) == {
        "Above the upper process limit",
        "Below the lower process limit",
    }
    assert news.annotations.get_column("event").to_list() == ["annotation"]
    assert news.stories.get_column("title").to_list() == [STORY_TITLE]
    assert news.sentence() == (
        "Since 10 June 2024: 18 new signals, 1 new annotation or recalculation and 1 new story."
    )


def test_late_data_stored_after_the_meeting_is_news_but_old_history_is_not(partnership):
    engine, _ = partnership
    with engine.begin() as connection:
        connection.execute(update(Upload).values(uploaded_at=datetime(2024, 6, 20)))
    news = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE).news
    # April to June 2024 arrived late (within LATE_DATA_DAYS of the meeting): 3 more months.
    assert news.signals.get_column("period").min() == date(2024, 4, 1)
    assert news.signals.height == 27


def test_recalculations_are_named_and_annotations_undone_since_the_meeting_are_not_news(
    partnership,
):
    engine, _ = partnership

    def annotate(text: str, **recalculation) -> int:
        return add_annotation(
            engine,
            local_admin("tester"),
            measure="waits",
            place="RXX",
            period=date(2024, 1, 1),
            kind="intervention",
            text=text,
            **recalculation,
        )

    annotate("Pathway launched", new_phase=True, reason="The process changed")
    undo_annotation(engine, local_admin("tester"), annotate("Typed at the wrong month"))
    seen = annotate("Shown at the last meeting")
    with engine.begin() as connection:
        connection.execute(
            update(Annotation).where(Annotation.id == seen).values(created_at=datetime(2024, 5, 1))
        )
    undo_annotation(engine, local_admin("tester"), seen)
    events = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE).news.annotations
    assert sorted(events.select("event", "text").rows()) == [
        ("annotation", "New referral pathway"),
        ("recalculation", "Pathway launched"),
        ("undone", "Shown at the last meeting"),
    ]


def test_since_counts_from_the_previous_meeting_once_todays_is_recorded(partnership):
    engine, _ = partnership
    before = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    assert before.since == MEETING_DAY
    add_meeting(
        engine,
        local_admin("tester"),
        title="Today",
        held_on=clock.now().date(),
        initiative=INITIATIVE,
    )
    after = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    assert after.since == MEETING_DAY
    assert after.news.sentence() == before.news.sentence()
    assert previous_meeting(
        engine, initiative=INITIATIVE, today=clock.now().date() + timedelta(days=1)
    )["title"] == ("Today")


def test_an_initiative_reviews_its_own_measures_only(partnership):
    engine, _ = partnership
    add_initiative(engine, "Waits only", ["RXX", "RYY", "RZZ"], measures=["waits"])
    review = meeting_review(engine, local_admin("tester"), initiative="Waits only")
    assert list(review.views) == ["waits"]
    assert review.places == ["RXX", "RYY", "RZZ"]
    assert meeting_review(engine, local_admin("tester"), place="RXX").measures.get_column(
        "code"
    ).to_list() == [
        "asthma_admissions",
        "waits",
    ]
    link_measures(engine, "Waits only", ["asthma_admissions"])
    assert sorted(meeting_review(engine, local_admin("tester"), initiative="Waits only").views) == [
        "asthma_admissions",
        "waits",
    ]


def test_new_signals_is_pure_and_keeps_only_signalled_points_after_the_day():
    from qi.charts import spc

    data = pl.DataFrame(
        {
            "measure": "m",
            "place": "p",
            "period": pl.date_range(date(2023, 1, 1), date(2024, 12, 1), "1mo", eager=True),
            "value": [10.0, 11.0] * 6 + [30.0, 31.0] * 6,
        }
    )
    points = spc(data, value="value", period="period", by=["measure", "place"], chart="i").points
    assert new_signals(points, date(2024, 10, 15)).get_column("period").to_list() == [
        date(2024, 12, 1),
        date(2024, 11, 1),
    ]


def test_the_review_gathers_stories_actions_and_refuses_unknown_names(partnership):
    engine, ids = partnership
    review = meeting_review(
        engine, local_admin("tester"), initiative=INITIATIVE, since_day=date(2024, 1, 1)
    )
    assert list(review.views) == ["waits", "asthma_admissions"]
    assert review.places == ["RXX", "RYY"]
    assert review.measure_stories("waits", "RXX").get_column("story_id").to_list() == [ids["story"]]
    assert review.measure_stories("waits", "RYY").height == 0
    assert set(review.actions.get_column("id")) == {ids["action"], ids["decision"]}
    with pytest.raises(ReviewError, match="unknown initiative"):
        meeting_review(engine, local_admin("tester"), initiative="Nope")
    with pytest.raises(ReviewError, match="initiative or a place"):
        meeting_review(engine, local_admin("tester"))


def test_the_review_charts_each_measure_as_its_own_measure_view_would(partnership):
    """The review reads every measure's series and annotations at once: each view is still
    the one ``measure_view()`` draws for that measure at the review's places, annotated
    change points (here a recalculation at one place, an exclusion at every place) included."""
    from qi.services.review import measure_view

    engine, _ = partnership
    add_annotation(
        engine,
        local_admin("tester"),
        measure="waits",
        place="RXX",
        period=date(2024, 1, 1),
        kind="intervention",
        text="Pathway launched",
        new_phase=True,
        reason="The process changed",
    )
    review = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    assert review.views, "the partnership's initiative has measures to review"
    assert any(v.annotations.height for v in review.views.values())
    for code, view in review.views.items():
        alone = measure_view(engine, code, places=review.places)
        assert view.points.equals(alone.points), code
        assert view.summary.equals(alone.summary), code
        assert view.annotations.equals(alone.annotations), code
        assert view.suggestions.equals(alone.suggestions), code
