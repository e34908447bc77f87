"""Change marks: equal while nothing a review shows was written, different after any write."""

from datetime import date

from qi.access import local_admin
from qi.store import add_initiative, link_measures
from qi.store.annotations import add_annotation, undo_annotation
from qi.store.feedback import select_story
from qi.store.marks import read_change_marks
from qi.store.meetings import add_action, add_meeting
from qi.store.pdsa import add_cycle, link_annotation, update_cycle
from qi.store.stories import add_story
from tests.consent import consent
from tests.store.helpers import add_definitions


def test_marks_change_with_every_write_a_review_shows_and_not_with_actions(engine):
    add_definitions(engine, measures=("waits", "asthma"))
    add_initiative(engine, local_admin("tester"), "Best Start", ["RXX"], measures=["waits"])
    before = read_change_marks(engine)
    assert read_change_marks(engine) == before  # reading changes nothing

    seen = {before}

    def changed() -> None:
        now = read_change_marks(engine)
        assert now not in seen
        seen.add(now)

    link_measures(engine, local_admin("tester"), "Best Start", ["asthma"])
    changed()
    add_initiative(
        engine, local_admin("tester"), "Best Start", ["RYY"]
    )  # places replaced, as many as before
    changed()
    note = add_annotation(
        engine,
        local_admin("tester"),
        measure="waits",
        place="RXX",
        period=date(2024, 1, 1),
        kind="context",
        text="x",
    )
    changed()
    undo_annotation(engine, local_admin("tester"), note)
    changed()
    meeting = add_meeting(
        engine,
        local_admin("tester"),
        title="June",
        held_on=date(2024, 6, 1),
        initiative="Best Start",
    )
    changed()
    add_action(
        engine, local_admin("tester"), meeting, text="Ask", owner="Someone", due_on=date(2024, 7, 1)
    )
    assert read_change_marks(engine) in seen  # actions are read afresh, not marked

    # PDSA cycles are edited in place; the review lists those that ended.
    cycle = add_cycle(
        engine,
        local_admin("tester"),
        initiative="Best Start",
        idea="Text reminders",
        plan="Try it",
        starts_on=date(2024, 2, 1),
    )
    changed()
    update_cycle(
        engine,
        local_admin("tester"),
        cycle,
        ends_on=date(2024, 3, 1),
        status="ended",
        outcome="adopt",
    )
    changed()
    link_annotation(engine, local_admin("tester"), note, cycle)
    changed()
    story = add_story(
        engine,
        local_admin("tester"),
        title="Seen sooner",
        narrative="We were seen sooner.",
        told_on=date(2024, 3, 5),
        voice="parent_or_carer",
        consent=consent("parent_or_carer"),
        anonymised=True,
        place="RYY",
        domains=["healthy"],
    )
    changed()
    select_story(
        engine,
        local_admin("tester"),
        story,
        "Panel",
        "healthy",
        date(2024, 1, 1),
        date(2024, 3, 31),
        "Clear",
    )
    changed()
