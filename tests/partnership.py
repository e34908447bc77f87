"""A small partnership for the meeting and board-pack tests, built by hand so every expected
icon is plain: a zig-zag of 9 and 11 (mean 10) and the same zig-zag at 29 and 31 (mean 30).

- initiative "Healthy Start" at RXX and RYY (RZZ is outside it);
- "waits" (lower is better, target 15): steps up at RXX in January 2024 (special cause
  concern), flat at RYY (common cause);
- "asthma_admissions" (lower is better): steps down at both places in January 2024 (special
  cause improvement);
- an intervention annotation on waits at RXX; a parent's story linked to waits at RXX in
  March 2024, with markup in its text; a past meeting with an open action and a decision.
"""

from datetime import date

import polars as pl

from qi.access import local_admin
from qi.store import UploadRecord, add_initiative, store_observations, upsert_measures
from qi.store.annotations import add_annotation
from qi.store.meetings import add_action, add_meeting
from qi.store.stories import add_story
from tests.consent import consent
from tests.store.helpers import add_definitions, observations

MONTHS = [date(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 25)]
LOW = [9.0, 11.0] * 6
HIGH = [29.0, 31.0] * 6
INITIATIVE = "Healthy Start"
MEETING_DAY = date(2024, 6, 10)
STORY_TITLE = "Inhaler <script>alert('x')</script> checks"
STORY_TEXT = (
    "My daughter's school nurse showed us how to use the spacer, and we've not been to A&E "
    'since. <b>Thank you</b>, "really", it changed things.\nSecond line.'
)


def define(engine, code: str, target: float | None = None, name: str | None = None) -> None:
    measure = {
        "code": code,
        "name": name or code.replace("_", " ").capitalize(),
        "definition": None,
        "unit": None,
        "kind": "count",
        "multiplier": 1.0,
        "improvement": "down",
        "target": target,
        "chart": None,
        "rule_set": None,
        "frequency": "month",
    }
    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame([measure], schema_overrides={"target": pl.Float64, "unit": pl.String}),
    )


def store_values(engine, measure: str, place: str, values: list[float]) -> None:
    rows = observations(engine, [(measure, place, MONTHS[i], v) for i, v in enumerate(values)])
    name = f"{measure}-{place}.csv"
    upload = UploadRecord(file_name=name, content_hash=name, rows_read=rows.height, report={})
    store_observations(engine, local_admin("tester"), rows, upload)


def build(engine) -> dict:
    """Store the partnership; returns the ids made (story, meeting, action, decision)."""
    add_definitions(engine)
    define(engine, "waits", target=15.0, name="Waits over 18 weeks")
    define(engine, "asthma_admissions", name="Asthma admissions")
    add_initiative(
        engine,
        local_admin("tester"),
        INITIATIVE,
        ["RXX", "RYY"],
        start_date=date(2023, 1, 1),
        measures=["waits", "asthma_admissions"],
    )
    store_values(engine, "waits", "RXX", LOW + HIGH)
    store_values(engine, "waits", "RYY", LOW + LOW)
    store_values(engine, "asthma_admissions", "RXX", HIGH + LOW)
    store_values(engine, "asthma_admissions", "RYY", HIGH + LOW)
    store_values(engine, "waits", "RZZ", LOW + LOW)
    add_annotation(
        engine,
        local_admin("coach"),
        measure="waits",
        place="RXX",
        period=date(2024, 1, 1),
        kind="context",
        text="New referral pathway",
    )
    story = add_story(
        engine,
        local_admin("worker"),
        title=STORY_TITLE,
        narrative=STORY_TEXT,
        told_on=date(2024, 4, 2),
        voice="parent_or_carer",
        consent=consent("parent_or_carer"),
        anonymised=True,
        place="RXX",
        initiative=INITIATIVE,
        domains=["healthy", "safe"],
        participation="listened_to",
        links=[{"measure": "waits", "start": date(2024, 3, 1)}],
    )
    meeting = add_meeting(
        engine,
        local_admin("chair"),
        title="Stewardship group, June 2024",
        held_on=MEETING_DAY,
        initiative=INITIATIVE,
        notes="First review",
    )
    action = add_action(
        engine,
        local_admin("chair"),
        meeting,
        text="Ask RXX why waits rose",
        owner="Locality lead",
        due_on=date(2024, 7, 31),
        measure="waits",
        place="RXX",
    )
    decision = add_action(
        engine,
        local_admin("chair"),
        meeting,
        kind="decision",
        text="Keep the asthma checks going",
        measure="asthma_admissions",
        story_id=story,
    )
    return {"story": story, "meeting": meeting, "action": action, "decision": decision}
