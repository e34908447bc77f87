"""One clock: every time the store writes (uploads, revisions, definitions, annotations and
their undoing, stories and their edits, meetings, actions) comes from ``qi.store.clock.now``."""

from datetime import date, datetime

from qi.access import local_admin
from qi.store import (
    UploadRecord,
    add_initiative,
    read_revisions,
    read_uploads,
    store_observations,
)
from qi.store import clock as store_clock
from qi.store.annotations import add_annotation, read_annotations, undo_annotation
from qi.store.meetings import (
    add_action,
    add_meeting,
    read_actions,
    read_meetings,
    set_action_status,
)
from qi.store.stories import add_story, edit_story, read_stories
from tests.consent import consent
from tests.store.helpers import add_definitions, observations

WHEN = datetime(2031, 2, 3, 4, 5, 6)


def upload(name: str) -> UploadRecord:
    return UploadRecord(file_name=name, content_hash=name, rows_read=1, report={})


def test_every_write_takes_its_time_from_the_one_clock(engine, monkeypatch):
    monkeypatch.setattr(store_clock, "now", lambda: WHEN)
    add_definitions(engine, measures=("waits",))
    add_initiative(engine, local_admin("tester"), "Healthy Start", ["RXX"])
    store_observations(
        engine,
        local_admin("tester"),
        observations(engine, [("waits", "RXX", "2024-01-01", 1.0)]),
        upload("a"),
    )
    store_observations(
        engine,
        local_admin("tester"),
        observations(engine, [("waits", "RXX", "2024-01-01", 2.0)]),
        upload("b"),
    )
    note = add_annotation(
        engine,
        local_admin("tester"),
        measure="waits",
        place="RXX",
        period=date(2024, 1, 1),
        kind="context",
        text="Snow",
    )
    undo_annotation(engine, local_admin("tester"), note)
    story = add_story(
        engine,
        local_admin("tester"),
        title="T",
        narrative="N",
        told_on=date(2024, 2, 1),
        voice="professional",
        consent=consent("professional"),
        anonymised=True,
    )
    edit_story(engine, local_admin("tester"), story, title="Changed")
    meeting = add_meeting(
        engine,
        local_admin("tester"),
        title="June",
        held_on=date(2024, 6, 1),
        initiative="Healthy Start",
    )
    action = add_action(
        engine, local_admin("tester"), meeting, text="Ask", owner="Lead", due_on=date(2024, 7, 1)
    )
    set_action_status(engine, local_admin("tester"), action, "done")

    times = {
        *read_uploads(engine, local_admin("tester"))["uploaded_at"],
        *read_revisions(engine, local_admin("tester"))["revised_at"],
        *read_annotations(engine, local_admin("tester"), include_undone=True)
        .select("created_at", "undone_at")
        .row(0),
        *read_stories(engine, local_admin("tester"), audience="internal")
        .select("created_at", "updated_at")
        .row(0),
        *read_meetings(engine, local_admin("tester"))["created_at"],
        *read_actions(engine, local_admin("tester")).select("created_at", "updated_at").row(0),
    }
    assert times == {WHEN}
