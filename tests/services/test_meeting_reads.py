"""A meeting's review seen by a locality: an initiative spanning two localities shows only the
places the locality may read (the store filters every read, so nothing of the other place
reaches the review: not its series, annotations, actions or signals)."""

from datetime import date, datetime

import polars as pl
import pytest
from sqlalchemy import update

from qi.access import Grant, Principal, Scope, local_admin
from qi.services.meeting import meeting_review
from qi.store.annotations import add_annotation
from qi.store.meetings import add_action
from qi.store.models import Upload
from tests.partnership import INITIATIVE, build

RXX_ONLY = Principal(
    "local:rxx", "RXX analyst", (Grant("locality", Scope.place("RXX"), frozenset({"RXX"})),)
)


@pytest.fixture
def partnership(engine):
    ids = build(engine)
    with engine.begin() as connection:
        connection.execute(update(Upload).values(uploaded_at=datetime(2024, 1, 20)))
    admin = local_admin("tester")
    add_annotation(
        engine,
        admin,
        measure="asthma_admissions",
        place="RYY",
        period=date(2024, 1, 1),
        kind="intervention",
        text="RYY's new clinic",
        new_phase=True,
        reason="RYY changed its service",
    )
    add_action(
        engine,
        admin,
        ids["meeting"],
        text="Ask RYY about asthma",
        owner="RYY lead",
        due_on=date(2024, 7, 31),
        measure="asthma_admissions",
        place="RYY",
    )
    return engine


def _places_in(frame: pl.DataFrame) -> set:
    return set(frame.get_column("place").drop_nulls().to_list()) if frame.height else set()


def test_a_locality_sees_only_its_own_places_of_an_initiative_spanning_two(partnership):
    engine = partnership
    everyone = meeting_review(
        engine, local_admin("tester"), initiative=INITIATIVE, since_day=date(2024, 1, 1)
    )
    assert everyone.places == ["RXX", "RYY"]  # what there is to hide
    assert "Ask RYY about asthma" in everyone.actions["text"].to_list()
    assert any(e.place == "RYY" for e in everyone.effects)

    review = meeting_review(engine, RXX_ONLY, initiative=INITIATIVE, since_day=date(2024, 1, 1))
    assert review.places == ["RXX"]
    assert _places_in(review.matrix) == {"RXX"}
    for view in review.views.values():
        assert _places_in(view.points) == {"RXX"}
        assert "RYY" not in _places_in(view.annotations)
    assert "Ask RYY about asthma" not in review.actions["text"].to_list()
    assert "Ask RXX why waits rose" in review.actions["text"].to_list()
    assert all(e.place == "RXX" for e in review.effects)
    assert review.news is not None
    assert _places_in(review.news.signals) <= {"RXX"}
    assert "RYY" not in _places_in(review.news.annotations)
