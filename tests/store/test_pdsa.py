"""Change ideas and PDSA cycles: recorded with who and when, numbered as a ramp, checked
(status, outcome, dates), followed on measures and places, linked from annotations, written
only by a coach where the cycle runs; on SQLite and PostgreSQL."""

from datetime import date

import pytest

from qi.access import Refused, local_admin
from qi.store import add_initiative
from qi.store.access import add_grant, add_person, principal_for, read_audit
from qi.store.annotations import add_annotation
from qi.store.pdsa import (
    PdsaError,
    add_change_idea,
    add_cycle,
    link_annotation,
    read_change_ideas,
    read_cycles,
    update_cycle,
)
from tests.store.helpers import add_definitions


@pytest.fixture
def idea(engine) -> int:
    add_definitions(engine)
    add_initiative(engine, local_admin("lead"), "Front door", ["RXX", "RYY"])
    return add_change_idea(
        engine,
        local_admin("coach"),
        initiative="Front door",
        name="Same-day triage",
        description="A senior clinician sees every walk-in first",
    )


def test_cycles_of_an_idea_are_numbered_as_a_ramp_with_who_wrote_them(engine, idea):
    first = add_cycle(
        engine,
        local_admin("coach"),
        change_idea=idea,
        plan="Triage on Mondays at RXX",
        prediction="Fewer than 10% wait over 4 hours",
        starts_on=date(2024, 1, 8),
        ends_on=date(2024, 2, 5),
        status="ended",
        outcome="adapt",
        study="12% waited; Mondays too busy for one clinician",
        act="Add a second clinician",
        measures=["ae_attendances"],
        places=["RXX"],
    )
    second = add_cycle(
        engine,
        local_admin("tester"),
        change_idea=idea,
        plan="Two clinicians, every weekday",
        starts_on=date(2024, 3, 1),
    )
    cycles = read_cycles(engine, local_admin("tester"), change_idea=idea)
    assert cycles["id"].to_list() == [first, second]
    assert cycles["number"].to_list() == [1, 2]
    one = cycles.row(0, named=True)
    assert (one["status"], one["outcome"], one["ends_on"]) == ("ended", "adapt", date(2024, 2, 5))
    assert (one["measures"], one["places"], one["updated_by"]) == (
        ["ae_attendances"],
        ["RXX"],
        "coach",
    )
    assert cycles.row(1, named=True)["status"] == "planned"
    ideas = read_change_ideas(engine, local_admin("tester"))
    assert ideas.select("initiative", "name", "cycles", "created_by").row(0) == (
        "Front door",
        "Same-day triage",
        2,
        "coach",
    )


def test_a_cycle_is_followed_through_do_study_act_to_its_outcome(engine, idea):
    cycle = add_cycle(
        engine,
        local_admin("tester"),
        change_idea=idea,
        plan="Triage at RYY",
        starts_on=date(2024, 4, 1),
    )
    update_cycle(engine, local_admin("nurse"), cycle, status="running", do="Started on the 2nd")
    update_cycle(
        engine,
        local_admin("coach"),
        cycle,
        status="ended",
        ends_on=date(2024, 4, 30),
        study="Waits fell as predicted",
        outcome="adopt",
        measures=["ae_attendances"],
    )
    found = read_cycles(engine, local_admin("tester"), measure="ae_attendances").row(0, named=True)
    assert (found["do"], found["study"], found["outcome"]) == (
        "Started on the 2nd",
        "Waits fell as predicted",
        "adopt",
    )
    assert found["updated_by"] == "coach"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"plan": "  "}, "needs a plan"),
        ({"status": "finished"}, "unknown status 'finished'; choose one of: planned, running"),
        ({"status": "ended"}, "an ended cycle needs its end date and an outcome"),
        ({"outcome": "adopt"}, "only an ended cycle has an outcome"),
        ({"outcome": "keep", "status": "ended"}, "unknown outcome 'keep'"),
        ({"ends_on": date(2023, 12, 1)}, "ends on 2023-12-01 before it starts on 2024-01-01"),
        ({"measures": ["nope"]}, "unknown measure code(s): nope"),
        ({"change_idea": 999}, "no change idea 999"),
    ],
)
def test_a_cycle_that_does_not_make_sense_is_refused_and_nothing_is_written(
    engine, idea, changes, message
):
    arguments = dict(change_idea=idea, plan="Triage", starts_on=date(2024, 1, 1)) | changes
    with pytest.raises(PdsaError) as refused:
        add_cycle(engine, local_admin("tester"), **arguments)
    assert message in str(refused.value)
    assert read_cycles(engine, local_admin("tester")).height == 0


def test_an_update_is_checked_against_the_whole_cycle(engine, idea):
    cycle = add_cycle(
        engine, local_admin("tester"), change_idea=idea, plan="Triage", starts_on=date(2024, 1, 1)
    )
    with pytest.raises(PdsaError, match="an ended cycle needs its end date"):
        update_cycle(engine, local_admin("tester"), cycle, status="ended", outcome="abandon")
    with pytest.raises(PdsaError, match="a cycle has no colour"):
        update_cycle(engine, local_admin("tester"), cycle, colour="red")
    assert read_cycles(engine, local_admin("tester"))["status"].to_list() == ["planned"]


def test_an_idea_needs_a_known_initiative_and_a_name_of_its_own(engine, idea):
    with pytest.raises(PdsaError, match="unknown initiative 'Nope'"):
        add_change_idea(engine, local_admin("tester"), initiative="Nope", name="x")
    with pytest.raises(PdsaError, match="already has a change idea called 'Same-day triage'"):
        add_change_idea(
            engine, local_admin("tester"), initiative="Front door", name="Same-day triage"
        )


def test_cycles_for_a_place_include_those_at_no_place_in_particular(engine, idea):
    add_cycle(
        engine,
        local_admin("tester"),
        change_idea=idea,
        plan="A",
        starts_on=date(2024, 1, 1),
        places=["RXX"],
    )
    add_cycle(
        engine,
        local_admin("tester"),
        change_idea=idea,
        plan="B",
        starts_on=date(2024, 2, 1),
        places=["RYY"],
    )
    add_cycle(engine, local_admin("tester"), change_idea=idea, plan="C", starts_on=date(2024, 3, 1))
    assert read_cycles(engine, local_admin("tester"), place="RXX")["plan"].to_list() == ["A", "C"]


def test_cycles_that_ended_in_a_window(engine, idea):
    for month in (1, 3, 5):
        add_cycle(
            engine,
            local_admin("tester"),
            change_idea=idea,
            plan=f"month {month}",
            starts_on=date(2024, month, 1),
            ends_on=date(2024, month, 28),
            status="ended",
            outcome="adapt",
        )
    add_cycle(
        engine, local_admin("tester"), change_idea=idea, plan="open", starts_on=date(2024, 2, 1)
    )
    found = read_cycles(
        engine, local_admin("tester"), ended_after=date(2024, 2, 28), ended_by=date(2024, 5, 28)
    )
    assert found["plan"].to_list() == ["month 3", "month 5"]


def test_an_annotation_is_linked_to_one_cycle_at_a_time(engine, idea):
    first = add_cycle(
        engine, local_admin("tester"), change_idea=idea, plan="A", starts_on=date(2024, 1, 1)
    )
    second = add_cycle(
        engine, local_admin("tester"), change_idea=idea, plan="B", starts_on=date(2024, 2, 1)
    )
    note = add_annotation(
        engine,
        local_admin("tester"),
        measure="ae_attendances",
        period=date(2024, 1, 1),
        kind="pdsa",
        text="Cycle 1",
    )
    link_annotation(engine, local_admin("coach"), note, first)
    link_annotation(engine, local_admin("coach"), note, second)
    assert read_cycles(engine, local_admin("tester"))["annotations"].to_list() == [[], [note]]
    link_annotation(engine, local_admin("tester"), note, None)
    assert read_cycles(engine, local_admin("tester"))["annotations"].to_list() == [[], []]
    with pytest.raises(PdsaError, match="no PDSA cycle 999"):
        link_annotation(engine, local_admin("tester"), note, 999)
    with pytest.raises(PdsaError, match="no annotation 999"):
        link_annotation(engine, local_admin("tester"), 999, first)


def test_a_cycle_names_its_idea_which_is_recorded_with_it_or_not_at_all(engine, idea):
    first = add_cycle(
        engine,
        local_admin("tester"),
        initiative="Front door",
        idea="Text reminders",
        description="A text the day before",
        plan="Text every booked patient",
        starts_on=date(2024, 1, 1),
    )
    again = add_cycle(
        engine,
        local_admin("tester"),
        initiative="Front door",
        idea="Text reminders",
        plan="Text twice",
        starts_on=date(2024, 2, 1),
    )
    cycles = read_cycles(engine, local_admin("tester")).filter(change_idea="Text reminders")
    assert cycles["id"].to_list() == [first, again]
    assert cycles["number"].to_list() == [1, 2]
    with pytest.raises(PdsaError, match="unknown measure code"):
        add_cycle(
            engine,
            local_admin("tester"),
            initiative="Front door",
            idea="Never recorded",
            plan="x",
            starts_on=date(2024, 1, 1),
            measures=["nope"],
        )
    assert (
        "Never recorded" not in read_change_ideas(engine, local_admin("tester"))["name"].to_list()
    )


def _coach_at(engine, place: str):
    person = add_person(engine, local_admin(), username=f"coach-{place}", name=f"Coach {place}")
    add_grant(engine, local_admin(), person, "coach", place=place)
    return principal_for(engine, person)


def test_a_coach_writes_cycles_where_they_run_and_nowhere_else(engine, idea):
    """Front door runs at RXX and RYY; the coach is granted RXX only."""
    coach = _coach_at(engine, "RXX")
    here = add_cycle(
        engine, coach, change_idea=idea, plan="At RXX", starts_on=date(2024, 1, 1), places=["RXX"]
    )
    update_cycle(engine, coach, here, status="running", do="Begun")
    with pytest.raises(
        Refused, match="Coach RXX may not record change ideas and PDSA cycles for place RYY"
    ):
        update_cycle(engine, coach, here, places=["RXX", "RYY"])  # taking it elsewhere
    with pytest.raises(Refused, match="for place RYY"):
        add_cycle(engine, coach, change_idea=idea, plan="Both", starts_on=date(2024, 1, 1))
    with pytest.raises(Refused, match="for place RYY"):
        add_change_idea(engine, coach, initiative="Front door", name="Text reminders")
    # A new idea named with a cycle at the coach's own place is theirs to record.
    add_cycle(
        engine,
        coach,
        initiative="Front door",
        idea="Text reminders",
        plan="Texts at RXX",
        starts_on=date(2024, 2, 1),
        places=["RXX"],
    )
    with pytest.raises(PdsaError, match="unknown place code"):
        add_cycle(
            engine, coach, change_idea=idea, plan="?", starts_on=date(2024, 1, 1), places=["nope"]
        )
    elsewhere = add_cycle(
        engine,
        local_admin(),
        change_idea=idea,
        plan="At RYY",
        starts_on=date(2024, 1, 1),
        places=["RYY"],
    )
    note = add_annotation(
        engine,
        local_admin(),
        measure="ae_attendances",
        place="RYY",
        period=date(2024, 1, 1),
        kind="pdsa",
        text="Started at RYY",
    )
    with pytest.raises(Refused, match="for place RYY"):
        link_annotation(engine, coach, note, elsewhere)
    link_annotation(engine, local_admin(), note, elsewhere)
    with pytest.raises(Refused, match="for place RYY"):
        link_annotation(engine, coach, note, here)  # moving it off a cycle at RYY
    cycles = read_cycles(engine, local_admin("tester"))
    assert cycles.select("plan", "status", "places", "updated_by").rows() == [
        ("At RXX", "running", ["RXX"], "Coach RXX"),
        ("At RYY", "planned", ["RYY"], "Local administrator"),
        ("Texts at RXX", "planned", ["RXX"], "Coach RXX"),
    ]
    assert cycles.filter(plan="At RYY")["annotations"].to_list() == [[note]]
    audit = read_audit(engine, local_admin(), person="local:coach-RXX")
    assert audit.sort("id").select("action", "place", "outcome").rows() == [
        ("pdsa.cycle.add", "RXX", "done"),
        ("pdsa.cycle.update", "RXX", "done"),
        ("pdsa.write", "RYY", "refused"),
        ("pdsa.write", "RYY", "refused"),
        ("pdsa.write", "RYY", "refused"),
        ("pdsa.idea.add", "RXX", "done"),
        ("pdsa.cycle.add", "RXX", "done"),
        ("pdsa.write", "RYY", "refused"),
        ("pdsa.write", "RYY", "refused"),
    ]
