"""Closing the loop: Most Significant Change selections, "you said, we did" responses, inputs
still waiting for a reply, and the participation level per quarter."""

from datetime import date

import pytest

from qi.access import local_admin
from qi.store import add_initiative
from qi.store.feedback import (
    FeedbackError,
    add_response,
    read_participation,
    read_responses,
    read_selections,
    record_participation,
    select_story,
    waiting_inputs,
)
from qi.store.meetings import add_action, add_meeting
from tests.consent import story
from tests.store.helpers import add_definitions


def _story(engine, title: str, told_on: date, voice: str = "child_or_young_person") -> int:
    return story(
        engine, title, "RXX", voice=voice, told_on=told_on, principal=local_admin("tester")
    )


def test_a_panel_selects_a_story_for_a_domain_and_period_and_says_why(engine):
    add_definitions(engine)
    chosen = _story(engine, "A key worker who stayed", date(2025, 2, 3))
    other = _story(engine, "Bus pass", date(2025, 2, 9))
    select_story(
        engine,
        local_admin("tester"),
        other,
        "Young people's panel",
        "safe",
        date(2025, 1, 1),
        date(2025, 3, 31),
        "",
        status="shortlisted",
    )
    select_story(
        engine,
        local_admin("tester"),
        chosen,
        "Young people's panel",
        "safe",
        date(2025, 1, 1),
        date(2025, 3, 31),
        "Stability is what keeps children safe",
    )
    selected = read_selections(
        engine, local_admin("tester"), status="selected", audience="internal"
    )
    assert selected.select("title", "domain", "why").rows() == [
        ("A key worker who stayed", "safe", "Stability is what keeps children safe")
    ]
    assert read_selections(engine, local_admin("tester"), audience="internal").height == 2
    with pytest.raises(FeedbackError, match="say why the panel chose"):
        select_story(
            engine,
            local_admin("tester"),
            chosen,
            "Panel",
            "safe",
            date(2025, 1, 1),
            date(2025, 3, 31),
            " ",
        )
    with pytest.raises(FeedbackError, match="unknown outcome domain 'wealthy'"):
        select_story(
            engine,
            local_admin("tester"),
            chosen,
            "Panel",
            "wealthy",
            date(2025, 1, 1),
            date(2025, 3, 31),
            "x",
        )


def test_a_response_closes_the_loop_and_unanswered_inputs_are_counted_with_their_wait(engine):
    add_definitions(engine)
    said = _story(engine, "Nobody explained the plan", date(2025, 3, 1))
    waiting = _story(engine, "The waiting room is cold", date(2025, 4, 10), "parent_or_carer")
    _story(engine, "Staff view", date(2025, 4, 1), "professional")  # not an input
    meeting = add_meeting(
        engine,
        local_admin("tester"),
        title="Stewardship group",
        held_on=date(2025, 3, 20),
        place="RXX",
    )
    action = add_action(
        engine,
        local_admin("tester"),
        meeting,
        text="Explain plans at every first visit",
        kind="decision",
    )
    add_response(
        engine,
        local_admin("tester"),
        said,
        "changed",
        "Every first visit now starts by explaining the plan",
        action_id=action,
        told_back_on=date(2025, 4, 2),
        told_back_how="at the youth forum",
    )
    responses = read_responses(engine, local_admin("tester"), place="RXX", audience="internal")
    assert responses.select("title", "kind", "action_id", "told_back_how").rows() == [
        ("Nobody explained the plan", "changed", action, "at the youth forum")
    ]
    open_ = waiting_inputs(
        engine, local_admin("tester"), today=date(2025, 5, 1), audience="internal"
    )
    assert open_.select("story_id", "days_waiting").rows() == [(waiting, 21)]
    with pytest.raises(FeedbackError, match="both when and how"):
        add_response(
            engine,
            local_admin("tester"),
            waiting,
            "not_yet",
            "Budget decided in June",
            told_back_on=date(2025, 4, 1),
        )
    with pytest.raises(FeedbackError, match="no action or decision 999"):
        add_response(
            engine, local_admin("tester"), waiting, "changed", "Heating fixed", action_id=999
        )
    add_response(
        engine,
        local_admin("tester"),
        waiting,
        "not_yet",
        "The building's heating is replaced in June",
    )
    assert (
        waiting_inputs(engine, local_admin("tester"), date(2025, 5, 1), audience="internal").height
        == 0
    )


def test_the_participation_level_is_kept_per_quarter_with_its_evidence(engine):
    add_definitions(engine)
    add_initiative(engine, local_admin("tester"), "Family hubs", ["RXX"])
    record_participation(
        engine, local_admin("tester"), date(2025, 1, 15), "listened_to", "Survey of 40 families"
    )
    record_participation(
        engine, local_admin("tester"), date(2025, 5, 2), "supported_to_express_views", "Youth forum"
    )
    record_participation(
        engine,
        local_admin("tester"),
        date(2025, 6, 30),
        "views_taken_into_account",
        "Forum's plan adopted",
    )
    record_participation(
        engine,
        local_admin("tester"),
        date(2025, 4, 1),
        "shares_power",
        "Panel",
        initiative="Family hubs",
    )
    assert read_participation(engine, local_admin("tester")).select(
        "quarter", "level", "rank"
    ).rows() == [
        (date(2025, 1, 1), "listened_to", 1),
        (date(2025, 4, 1), "views_taken_into_account", 3),
    ]
    assert read_participation(engine, local_admin("tester"), "Family hubs")["rank"].to_list() == [5]
    with pytest.raises(FeedbackError, match="give the evidence"):
        record_participation(engine, local_admin("tester"), date(2025, 1, 1), "listened_to", "")
