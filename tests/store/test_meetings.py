"""Meetings, decisions and actions: recorded with who and when, open actions carried forward."""

from datetime import date

import pytest

from qi.access import local_admin
from qi.store import add_initiative
from qi.store.meetings import (
    MeetingError,
    add_action,
    add_meeting,
    carried_forward,
    last_meeting,
    read_actions,
    read_meetings,
    set_action_status,
)
from tests.store.helpers import add_definitions


@pytest.fixture
def groups(engine):
    add_definitions(engine, measures=("waits",))
    add_initiative(engine, local_admin("tester"), "Healthy Start", ["RXX", "RYY"])
    add_initiative(engine, local_admin("tester"), "Other", ["RZZ"])
    return engine


def test_a_meeting_is_for_an_initiative_or_a_place(groups):
    with pytest.raises(MeetingError, match="initiative or a place"):
        add_meeting(groups, local_admin("tester"), title="June", held_on=date(2024, 6, 10))
    with pytest.raises(MeetingError, match="unknown initiative 'Nope'"):
        add_meeting(
            groups,
            local_admin("tester"),
            title="June",
            held_on=date(2024, 6, 10),
            initiative="Nope",
        )
    new = add_meeting(
        groups, local_admin("chair"), title="June", held_on=date(2024, 6, 10), place="RXX"
    )
    kept = read_meetings(groups, local_admin("tester")).row(0, named=True)
    assert (kept["id"], kept["place"], kept["initiative"], kept["actor"]) == (
        new,
        "RXX",
        None,
        "chair",
    )


def test_an_action_needs_an_owner_and_a_due_date_but_a_decision_does_not(groups):
    meeting = add_meeting(
        groups,
        local_admin("tester"),
        title="June",
        held_on=date(2024, 6, 10),
        initiative="Healthy Start",
    )
    with pytest.raises(MeetingError, match="needs an owner"):
        add_action(
            groups, local_admin("tester"), meeting, text="Find out why", due_on=date(2024, 7, 1)
        )
    with pytest.raises(MeetingError, match="needs a due date"):
        add_action(groups, local_admin("tester"), meeting, text="Find out why", owner="Lead")
    with pytest.raises(MeetingError, match="place narrows a measure"):
        add_action(
            groups,
            local_admin("tester"),
            meeting,
            text="x",
            owner="Lead",
            due_on=date(2024, 7, 1),
            place="RXX",
        )
    decision = add_action(
        groups, local_admin("tester"), meeting, kind="decision", text="Keep going", measure="waits"
    )
    action = add_action(
        groups,
        local_admin("chair"),
        meeting,
        text="Find out why",
        owner="Lead",
        due_on=date(2024, 7, 1),
        measure="waits",
        place="RXX",
    )
    rows = {
        r["id"]: r
        for r in read_actions(groups, local_admin("tester"), meetings=meeting).iter_rows(named=True)
    }
    assert rows[decision]["status"] is None and rows[action]["status"] == "open"
    assert (rows[action]["measure"], rows[action]["place"], rows[action]["owner"]) == (
        "waits",
        "RXX",
        "Lead",
    )
    assert rows[action]["created_by"] == "chair"
    with pytest.raises(MeetingError, match="decision, which has no status"):
        set_action_status(groups, local_admin("tester"), decision, "done")


def test_open_actions_of_earlier_meetings_are_listed_at_the_next_one(groups):
    may = add_meeting(
        groups,
        local_admin("tester"),
        title="May",
        held_on=date(2024, 5, 13),
        initiative="Healthy Start",
    )
    june = add_meeting(
        groups,
        local_admin("tester"),
        title="June",
        held_on=date(2024, 6, 10),
        initiative="Healthy Start",
    )
    other = add_meeting(
        groups, local_admin("tester"), title="Other", held_on=date(2024, 5, 1), initiative="Other"
    )
    due = date(2024, 7, 1)
    still_open = add_action(
        groups, local_admin("tester"), may, text="Audit referrals", owner="A", due_on=due
    )
    finished = add_action(
        groups, local_admin("tester"), may, text="Share the chart", owner="B", due_on=due
    )
    add_action(groups, local_admin("tester"), may, kind="decision", text="Adopt the pathway")
    add_action(groups, local_admin("tester"), other, text="Elsewhere", owner="C", due_on=due)
    add_action(groups, local_admin("tester"), june, text="Next time", owner="D", due_on=due)
    set_action_status(groups, local_admin("B"), finished, "done")

    carried = carried_forward(groups, local_admin("tester"), june)
    assert carried.get_column("id").to_list() == [still_open]
    assert carried.row(0, named=True)["meeting"] == "May"
    done = read_actions(groups, local_admin("tester"), status="done").row(0, named=True)
    assert (done["id"], done["updated_by"]) == (finished, "B")
    set_action_status(groups, local_admin("tester"), finished, "open")
    assert set(carried_forward(groups, local_admin("tester"), june).get_column("id")) == {
        still_open,
        finished,
    }
    assert last_meeting(groups, local_admin("tester"), initiative="Healthy Start")["id"] == june
    assert (
        last_meeting(
            groups, local_admin("tester"), initiative="Healthy Start", before=date(2024, 6, 10)
        )["id"]
        == may
    )
    with pytest.raises(MeetingError, match="unknown status 'closed'"):
        set_action_status(groups, local_admin("tester"), finished, "closed")
