"""The permission matrix of closing the loop, at the library: role x operation x scope, on SQLite
and PostgreSQL. Choosing a story (Most Significant Change), replying to what people told us and
recording the participation level are the library's own calls, made as people granted through
the store; every outcome must be in the audit (a refusal as "refused", a write as "done").

The expectations are written out from the issue, not derived from ``qi.access.POLICY``: coaches
and stewards choose stories, reply and record participation, where the story is (its place,
else its initiative) or over the initiative the level is for; the partnership's own level
needs a grant over everything. Localities, admins and viewers do none of it.
"""

from datetime import date

import pytest

from qi.access import Refused, local_admin
from qi.store import add_initiative
from qi.store.access import add_grant, add_person, principal_for, read_audit
from qi.store.feedback import add_response, read_responses, record_participation, select_story
from qi.store.stories import add_story
from tests.consent import consent
from tests.store.helpers import add_definitions

SETUP = local_admin("Setup")
OWN, OTHER, PROGRAMME = "RXX", "RYY", "Family hubs"
ROLES = ("locality", "coach", "steward", "admin", "viewer")
# Each person holds one grant: on their own place, on another place, on the initiative their
# own place is in, or over everything.
SCOPES = ("own place", "other place", "own initiative", "everything")
OPERATIONS = (
    "select own place's story",
    "reply to own place's story",
    "reply to the initiative's story",
    "record the initiative's participation",
    "record the partnership's participation",
)
# For the roles that may close the loop (coach, steward): the grants under which each
# operation is allowed. Everyone else is refused everything.
ALLOWED_UNDER = {
    "select own place's story": {"own place", "own initiative", "everything"},
    "reply to own place's story": {"own place", "own initiative", "everything"},
    "reply to the initiative's story": {"own initiative", "everything"},
    "record the initiative's participation": {"own initiative", "everything"},
    "record the partnership's participation": {"everything"},
}
CLOSE_THE_LOOP = {"coach", "steward"}


def expected(role: str, operation: str, scope: str) -> bool:
    return role in CLOSE_THE_LOOP and scope in ALLOWED_UNDER[operation]


def _stories(engine) -> dict[str, int]:
    common = dict(
        narrative="What changed for us.",
        told_on=date(2024, 1, 2),
        voice="child_or_young_person",
        consent=consent("child_or_young_person"),
        anonymised=True,
    )
    return {
        "place": add_story(engine, SETUP, title="At my place", place=OWN, **common),
        "initiative": add_story(engine, SETUP, title="In the hubs", initiative=PROGRAMME, **common),
    }


def _operation(engine, principal, operation: str, stories: dict[str, int], n: int) -> None:
    if operation == "select own place's story":
        select_story(
            engine,
            principal,
            stories["place"],
            f"Panel {n}",
            "safe",
            date(2024, 1, 1),
            date(2024, 3, 31),
            "It shows what a key worker changed",
        )
    elif operation.startswith("reply to"):
        story = stories["place" if "place" in operation else "initiative"]
        add_response(engine, principal, story, "changed", f"We changed it ({n})")
    elif operation == "record the initiative's participation":
        record_participation(
            engine, principal, date(2024, 1, 1), "listened_to", f"Survey {n}", PROGRAMME
        )
    elif operation == "record the partnership's participation":
        record_participation(engine, principal, date(2024, 1, 1), "listened_to", f"Survey {n}")
    else:
        raise AssertionError(operation)


@pytest.mark.parametrize("role", ROLES)
def test_the_feedback_permission_matrix(engine, role):
    add_definitions(engine)
    add_initiative(engine, SETUP, PROGRAMME, [OWN])
    stories = _stories(engine)
    people = {}
    for scope in SCOPES:
        person = add_person(engine, SETUP, username=f"{role}-{scope.replace(' ', '-')}", name=role)
        where: dict = {
            "own place": {"place": OWN},
            "other place": {"place": OTHER},
            "own initiative": {"initiative": PROGRAMME},
            "everything": {"everything": True},
        }[scope]
        add_grant(engine, SETUP, person, role, **where)
        people[scope] = principal_for(engine, person)
    before = read_audit(engine, SETUP).height
    found, n = {}, 0
    for operation in OPERATIONS:
        for scope in SCOPES:
            n += 1
            try:
                _operation(engine, people[scope], operation, stories, n)
            except Refused:
                found[operation, scope] = False
            else:
                found[operation, scope] = True
    wanted = {(o, s): expected(role, o, s) for o in OPERATIONS for s in SCOPES}
    assert found == wanted
    audit = read_audit(engine, SETUP)
    audit = audit.head(audit.height - before)  # newest first: this test's rows
    mine = audit.filter(audit["person"].str.starts_with(f"local:{role}-"))
    refused = sum(not allowed for allowed in wanted.values())
    assert mine.filter(mine["outcome"] == "refused").height == refused
    done = mine.filter(mine["outcome"] == "done")
    assert done.height == sum(wanted.values())
    assert set(done["action"]) <= {"feedback.select", "feedback.reply", "feedback.participation"}
    print(f"\n{role}: {len(wanted)} cases, {mine.height} audit rows ({refused} refusals)")


def test_a_refused_reply_is_not_stored(engine):
    add_definitions(engine)
    add_initiative(engine, SETUP, PROGRAMME, [OWN])
    stories = _stories(engine)
    person = add_person(engine, SETUP, username="far-coach", name="Far coach")
    add_grant(engine, SETUP, person, "coach", place=OTHER)
    with pytest.raises(Refused, match="record participation for place RXX"):
        add_response(engine, principal_for(engine, person), stories["place"], "changed", "Done")
    assert read_responses(engine, SETUP, audience="internal").height == 0
