"""The permission matrix, at the library: role x operation x (own place, another place, a grant
over everything), on SQLite and PostgreSQL. Each person is made and granted through the store
(``add_person``, ``add_grant``, ``principal_for``), each operation is the library's own call,
and every outcome must be in the audit: a refusal as "refused", a write as "done".

The expectations are written out from the issue, not derived from ``qi.access.POLICY``:
a locality uploads for its own places; a coach annotates, confirms or undoes recalculations,
adds stories, and records change ideas and PDSA cycles (at the places they run, an idea at its
initiative's places); a steward records meetings, decisions and actions; an admin manages
people, defines measures, places and survey questions, and reads the audit (over everything
only) and does none of the rest; a viewer changes nothing.
"""

from datetime import date

import polars as pl
import pytest

from qi.access import Refused, local_admin
from qi.store import UploadRecord, add_initiative, store_observations, upsert_measures
from qi.store.access import add_grant, add_person, principal_for, read_audit
from qi.store.annotations import add_annotation, undo_annotation
from qi.store.definitions import upsert_places
from qi.store.meetings import add_action, add_meeting, set_action_status
from qi.store.pdsa import add_change_idea, add_cycle, link_annotation, update_cycle
from qi.store.stories import add_story
from qi.store.surveys import add_question
from tests.consent import consent
from tests.store.helpers import add_definitions, observations

SETUP = local_admin("Setup")
OWN, OTHER = "RXX", "RYY"
PROGRAMME = {OWN: "Own programme", OTHER: "Other programme"}  # an initiative at each place
ROLES = ("locality", "coach", "steward", "admin", "viewer")
SCOPES = ("own place", "other place", "everything")
OPERATIONS = (
    "upload",
    "annotate",
    "confirm recalculation",
    "undo annotation",
    "add story",
    "record meeting",
    "record action",
    "mark action done",
    "add person",
    "read audit",
    "add change idea",
    "add PDSA cycle",
    "update cycle",
    "link annotation to cycle",
    "define measure",
    "define place",
    "add question",
)
# Which operations each role may do; "own" ones at its own place and with a grant over
# everything, "everywhere" ones only with a grant over everything.
MAY = {
    "locality": {"upload"},
    "coach": {
        "annotate",
        "confirm recalculation",
        "undo annotation",
        "add story",
        "add change idea",
        "add PDSA cycle",
        "update cycle",
        "link annotation to cycle",
    },
    "steward": {"record meeting", "record action", "mark action done"},
    "admin": set(),
    "viewer": set(),
}
MAY_EVERYWHERE = {
    "admin": {"add person", "read audit", "define measure", "define place", "add question"}
}


def expected(role: str, operation: str, scope: str) -> bool:
    if operation in MAY_EVERYWHERE.get(role, set()):
        return scope == "everything"
    return operation in MAY[role] and scope != "other place"


def _operation(engine, principal, operation: str, place: str, n: int) -> None:
    """Do ``operation`` at ``place`` as ``principal``; ``n`` makes each write unique."""
    if operation == "upload":
        rows = observations(engine, [("ae_attendances", place, date(2020, 1 + n % 12, 1), n)])
        store_observations(engine, principal, rows, UploadRecord(f"{n}.csv", str(n), 1, {}))
    elif operation in ("annotate", "confirm recalculation"):
        add_annotation(
            engine,
            principal,
            measure="ae_attendances",
            place=place,
            period=date(2024, 1, 1),
            kind="context",
            text=f"note {n}",
            new_phase=operation == "confirm recalculation",
            reason="a new service model" if operation == "confirm recalculation" else None,
        )
    elif operation == "undo annotation":
        note = add_annotation(
            engine,
            SETUP,
            measure="ae_attendances",
            place=place,
            period=date(2024, 1, 1),
            kind="context",
            text=f"to undo {n}",
        )
        undo_annotation(engine, principal, note)
    elif operation == "add story":
        add_story(
            engine,
            principal,
            title=f"Story {n}",
            narrative="What changed for us.",
            told_on=date(2024, 1, 2),
            voice="parent_or_carer",
            consent=consent("parent_or_carer"),
            anonymised=True,
            place=place,
        )
    elif operation == "record meeting":
        add_meeting(engine, principal, title=f"Meeting {n}", held_on=date(2024, 2, 1), place=place)
    elif operation in ("record action", "mark action done"):
        meeting = add_meeting(
            engine, SETUP, title=f"Setup {n}", held_on=date(2024, 2, 1), place=place
        )
        if operation == "record action":
            add_action(engine, principal, meeting, kind="decision", text=f"Agreed {n}")
        else:
            action = add_action(
                engine, SETUP, meeting, text=f"Do {n}", owner="Sam", due_on=date(2024, 3, 1)
            )
            set_action_status(engine, principal, action, "done")
    elif operation == "add person":
        add_person(engine, principal, username=f"new{n}", name=f"New {n}")
    elif operation == "read audit":
        read_audit(engine, principal, limit=1)
    elif operation == "add change idea":
        add_change_idea(engine, principal, initiative=PROGRAMME[place], name=f"Idea {n}")
    elif operation in ("add PDSA cycle", "update cycle", "link annotation to cycle"):
        who = principal if operation == "add PDSA cycle" else SETUP
        cycle = add_cycle(
            engine,
            who,
            initiative=PROGRAMME[place],
            idea=f"Tested at {place}",
            plan=f"Cycle {n}",
            starts_on=date(2024, 1, 1),
            places=[place],
        )
        if operation == "update cycle":
            update_cycle(engine, principal, cycle, status="running", do=f"Started {n}")
        elif operation == "link annotation to cycle":
            note = add_annotation(
                engine,
                SETUP,
                measure="ae_attendances",
                place=place,
                period=date(2024, 1, 1),
                kind="pdsa",
                text=f"Cycle {n} starts",
            )
            link_annotation(engine, principal, note, cycle)
    elif operation == "define measure":
        measure = dict(code=f"m{n}", name=f"Measure {n}", kind="count", improvement="down")
        upsert_measures(engine, principal, pl.DataFrame([measure | {"frequency": "month"}]))
    elif operation == "define place":
        upsert_places(
            engine,
            principal,
            pl.DataFrame(
                [dict(code=f"P{n}", name=f"Place {n}", type="trust", parent=None, gss_code=None)],
                schema_overrides={"parent": pl.String, "gss_code": pl.String},
            ),
        )
    elif operation == "add question":
        add_question(engine, principal, f"q{n}", f"Question {n}", "agree5", [4, 5])
    else:
        raise AssertionError(operation)


@pytest.mark.parametrize("role", ROLES)
def test_the_permission_matrix(engine, role):
    add_definitions(engine)
    for place, programme in PROGRAMME.items():
        add_initiative(engine, SETUP, programme, [place])
        add_change_idea(engine, SETUP, initiative=programme, name=f"Tested at {place}")
    people = {}
    for scope in SCOPES:
        person = add_person(engine, SETUP, username=f"{role}-{scope.split()[0]}", name=f"{role}")
        if scope == "everything":
            add_grant(engine, SETUP, person, role, everything=True)
        else:
            add_grant(engine, SETUP, person, role, place=OWN)
        people[scope] = principal_for(engine, person)
    before = read_audit(engine, SETUP).height
    found, n = {}, 0
    for operation in OPERATIONS:
        for scope in SCOPES:
            n += 1
            place = OWN if scope == "own place" else OTHER
            try:
                _operation(engine, people[scope], operation, place, n)
            except Refused:
                found[operation, scope] = False
            else:
                found[operation, scope] = True
    wanted = {(o, s): expected(role, o, s) for o in OPERATIONS for s in SCOPES}
    assert found == wanted
    audit = read_audit(engine, SETUP).head(-before) if before else read_audit(engine, SETUP)
    mine = audit.filter(audit["person"].str.starts_with(f"local:{role}-"))
    refused = sum(not allowed for allowed in wanted.values())
    assert mine.filter(mine["outcome"] == "refused").height == refused
    # Every allowed write is audited as done (reading the audit is a read, not audited).
    writes = sum(allowed for (o, _), allowed in wanted.items() if o != "read audit")
    assert mine.filter(mine["outcome"] == "done").height == writes
    print(f"\n{role}: {len(wanted)} cases, {mine.height} audit rows ({refused} refusals)")
