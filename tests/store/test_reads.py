"""Reads filtered in the store by who asks (defence in depth), on SQLite and PostgreSQL.

Two localities share one qi: locality A may read ward W1 and its local authority LA1; W2 and
LA2 are locality B's. Every read of place-scoped data, called by A for B's place (by code, as a
caller that forgot to check would), returns nothing of it, and A's own rows still come back.
A viewer reads nothing but the published outputs; the local admin reads everything.
"""

from datetime import date

import polars as pl
import pytest

from qi.access import EVERYTHING, Grant, Principal, Scope, local_admin
from qi.store import (
    UploadRecord,
    add_initiative,
    read_breakdowns,
    read_places,
    read_revisions,
    read_series,
    read_series_index,
    store_observations,
    upsert_places,
)
from qi.store.annotations import add_annotation, read_annotations
from qi.store.history import action_history, annotation_history
from qi.store.meetings import (
    MeetingError,
    add_action,
    add_meeting,
    carried_forward,
    read_actions,
    read_meetings,
)
from qi.store.pdsa import add_change_idea, add_cycle, read_change_ideas, read_cycles
from qi.store.places import read_levels, read_rollup
from qi.store.surveys import add_question, read_answers, store_answers
from qi.vocabulary.breakdowns import SEPARATOR
from tests.store.helpers import add_definitions, observations

ADMIN = local_admin("tester")
A = Principal(
    "local:a",
    "Locality A",
    (
        Grant("locality", Scope.place("W1"), frozenset({"W1"})),
        Grant("locality", Scope.place("LA1"), frozenset({"LA1"})),
    ),
)
VIEWER = Principal("local:v", "Viewer", (Grant("viewer", Scope.place("W1"), frozenset({"W1"})),))
GROUP = f"imd_quintile{SEPARATOR}1"
MEASURE = "ae_attendances"


def _places(engine) -> None:
    add_definitions(engine, places=("LA1", "LA2"))
    upsert_places(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "code": ["LA1", "LA2", "W1", "W2"],
                "name": ["Authority 1", "Authority 2", "Ward 1", "Ward 2"],
                "type": ["local_authority", "local_authority", "ward", "ward"],
                "parent": [None, None, "LA1", "LA2"],
                "gss_code": None,
            },
            schema_overrides={"gss_code": pl.String},
        ),
    )


def _upload(name: str) -> UploadRecord:
    return UploadRecord(name, name, 1, {})


def _store(engine, rows, name: str, breakdown: str = "all") -> None:
    frame = observations(engine, rows).with_columns(pl.lit(breakdown).alias("breakdown"))
    store_observations(engine, ADMIN, frame, _upload(name))


@pytest.fixture
def shared(engine):
    """Data, revisions, breakdowns, annotations, meetings, actions, PDSA and answers at W1 (A's)
    and W2 (B's); the initiative "Both" spans both localities, "Only B" is B's alone."""
    _places(engine)
    months = ["2024-01-01", "2024-02-01"]
    _store(engine, [(MEASURE, w, m, 10.0) for w in ("W1", "W2") for m in months], "first")
    _store(engine, [(MEASURE, w, months[1], 12.0) for w in ("W1", "W2")], "revised")
    _store(engine, [(MEASURE, w, months[0], 3.0) for w in ("W1", "W2")], "groups", GROUP)
    add_initiative(engine, ADMIN, "Both", ["W1", "W2"])
    add_initiative(engine, ADMIN, "Only B", ["W2"])
    add_initiative(engine, ADMIN, "Only A", ["W1"])
    for place in ("W1", "W2", None):
        add_annotation(
            engine, ADMIN, measure=MEASURE, period=date(2024, 2, 1), kind="context",
            text=f"note at {place or 'every place'}", place=place,
        )  # fmt: skip
    meetings = {
        "W1": add_meeting(engine, ADMIN, title="W1 group", held_on=date(2024, 3, 1), place="W1"),
        "W2": add_meeting(engine, ADMIN, title="W2 group", held_on=date(2024, 3, 1), place="W2"),
        "Both": add_meeting(
            engine, ADMIN, title="Both group", held_on=date(2024, 3, 1), initiative="Both"
        ),
        "Only B": add_meeting(
            engine, ADMIN, title="B group", held_on=date(2024, 3, 1), initiative="Only B"
        ),
    }
    due = {"owner": "Sam", "due_on": date(2024, 4, 1)}
    for key, meeting in meetings.items():
        add_action(engine, ADMIN, meeting, text=f"action of {key}", **due)
    for place in ("W1", "W2"):
        add_action(
            engine,
            ADMIN,
            meetings["Both"],
            text=f"action at {place}",
            measure=MEASURE,
            place=place,
            **due,
        )
    later = {
        key: add_meeting(engine, ADMIN, title=f"{key} next", held_on=date(2024, 4, 1), place=key)
        for key in ("W1", "W2")
    }
    idea = add_change_idea(engine, ADMIN, initiative="Both", name="Shared idea")
    add_change_idea(engine, ADMIN, initiative="Only B", name="B's idea")
    add_change_idea(engine, ADMIN, initiative="Only A", name="A's idea")
    cycle = {"change_idea": idea, "starts_on": date(2024, 1, 1)}
    add_cycle(engine, ADMIN, plan="at W1", places=["W1"], **cycle)
    add_cycle(engine, ADMIN, plan="at W2", places=["W2"], **cycle)
    add_cycle(engine, ADMIN, plan="at both", places=["W1", "W2"], **cycle)
    add_cycle(engine, ADMIN, plan="anywhere", **cycle)
    add_question(engine, ADMIN, "felt_safe", "I felt safe", "agree5", [4, 5])
    store_answers(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "question": ["felt_safe", "felt_safe"],
                "place": ["W1", "W2"],
                "answered_on": [date(2024, 1, 5), date(2024, 1, 6)],
                "answer": [5, 4],
                "voice": ["parent_or_carer", "parent_or_carer"],
                "breakdown": [None, None],
            },
            schema_overrides={"breakdown": pl.String},
        ),
    )
    return engine, meetings, later


def _places_of(frame: pl.DataFrame, column: str = "place") -> set:
    return set(frame.get_column(column).to_list())


def test_a_locality_reads_nothing_of_another_localitys_place(shared):
    engine, meetings, later = shared
    # Observations, asked for B's place by code: nothing; unasked: A's own only.
    assert read_series(engine, A, places="W2").height == 0
    assert _places_of(read_series(engine, A)) == {"W1"}
    assert read_series(engine, A, places=["W1", "W2"]).height == 2
    assert read_series(engine, A, initiative="Both")["place"].unique().to_list() == ["W1"]
    assert read_breakdowns(engine, A, "imd_quintile", places="W2").height == 0
    assert _places_of(read_breakdowns(engine, A, "imd_quintile")) == {"W1"}
    assert _places_of(read_series_index(engine, A)) == {"W1"}
    assert read_revisions(engine, A, places="W2").height == 0
    assert _places_of(read_revisions(engine, A)) == {"W1"}
    # Annotations: B's are not read; those about every place are.
    notes = read_annotations(engine, A, places="W2")
    assert notes["text"].to_list() == ["note at every place"]
    assert set(read_annotations(engine, A)["text"]) == {"note at W1", "note at every place"}
    # Rolled up: only the authority A may read, from its own wards.
    assert _places_of(read_rollup(engine, A, MEASURE, "local_authority", "ward")) == {"LA1"}
    assert (
        read_rollup(engine, A, MEASURE, "ward", "ward").filter(pl.col("place") == "W2").is_empty()
    )
    assert read_levels(engine, A, MEASURE) == {"ward": 1}
    # Meetings: A's place's and the shared initiative's, never B's.
    assert read_meetings(engine, A, place="W2").height == 0
    assert read_meetings(engine, A, initiative="Only B").height == 0
    assert set(read_meetings(engine, A)["title"]) == {"W1 group", "Both group", "W1 next"}
    assert read_actions(engine, A, place="W2").height == 0
    assert set(read_actions(engine, A)["text"]) == {
        "action of W1",
        "action of Both",
        "action at W1",
    }
    assert carried_forward(engine, A, later["W1"])["text"].to_list() == ["action of W1"]
    with pytest.raises(MeetingError, match="no meeting"):
        carried_forward(engine, A, later["W2"])
    # PDSA: the shared initiative's idea; cycles at A's place or at none; B's place unlisted.
    assert read_change_ideas(engine, A)["name"].to_list() == ["Shared idea", "A's idea"]
    assert read_change_ideas(engine, A, initiative="Only B").height == 0
    cycles = read_cycles(engine, A)
    assert dict(zip(cycles["plan"], cycles["places"].to_list(), strict=True)) == {
        "at W1": ["W1"],
        "at both": ["W1"],
        "anywhere": [],
    }
    assert read_cycles(engine, A, place="W2")["plan"].to_list() == ["anywhere"]
    assert _places_of(read_answers(engine, A)) == {"W1"}


def test_everything_is_read_with_a_grant_over_everything(shared):
    engine, meetings, later = shared
    assert _places_of(read_series(engine, ADMIN)) == {"W1", "W2"}
    assert _places_of(read_series_index(engine, ADMIN)) == {"W1", "W2"}
    assert _places_of(read_rollup(engine, ADMIN, MEASURE, "local_authority", "ward")) == {
        "LA1",
        "LA2",
    }
    assert read_meetings(engine, ADMIN).height == 6
    assert read_actions(engine, ADMIN).height == 6
    assert read_change_ideas(engine, ADMIN).height == 3
    assert read_cycles(engine, ADMIN).height == 4
    assert _places_of(read_answers(engine, ADMIN)) == {"W1", "W2"}
    assert _places_of(read_annotations(engine, ADMIN, places="W2")) == {"W2", None}


def test_a_viewer_reads_only_published_outputs(shared):
    engine, _, _ = shared
    assert read_series(engine, VIEWER).height == 0
    assert _places_of(read_series(engine, VIEWER, published=True)) == {"W1"}
    assert _places_of(read_series_index(engine, VIEWER)) == {"W1"}
    assert read_breakdowns(engine, VIEWER, "imd_quintile").height == 0
    assert read_revisions(engine, VIEWER).height == 0
    assert read_annotations(engine, VIEWER).height == 0
    assert read_rollup(engine, VIEWER, MEASURE, "ward", "ward").height == 0
    assert read_levels(engine, VIEWER, MEASURE) == {}
    assert read_meetings(engine, VIEWER).height == 0
    assert read_actions(engine, VIEWER).height == 0
    assert read_change_ideas(engine, VIEWER).height == 0
    assert read_cycles(engine, VIEWER).height == 0
    assert read_answers(engine, VIEWER).height == 0


# --- the matrix: role x grant x place asked for x read ------------------------------------------

ROLES = ("locality", "coach", "steward", "admin", "viewer")
GRANTS = {"W1": Scope.place("W1"), "everything": EVERYTHING}
ALONE = {"W1": "Only A", "W2": "Only B"}  # an initiative of each place alone


def _found(frame: pl.DataFrame, place: str, column: str = "place") -> bool:
    return place in frame.get_column(column).to_list()


def _place_id(engine, code: str) -> int:
    return read_places(engine).filter(pl.col("code") == code)["id"].item()


def _carried(engine, who, meeting: int) -> pl.DataFrame:
    try:
        return carried_forward(engine, who, meeting)
    except MeetingError:
        return pl.DataFrame({"text": []}, schema={"text": pl.String})


READS = {
    "read_series": lambda e, who, p, _: _found(read_series(e, who, places=p), p),
    "read_breakdowns": lambda e, who, p, _: _found(
        read_breakdowns(e, who, "imd_quintile", places=p), p
    ),
    "read_revisions": lambda e, who, p, _: _found(read_revisions(e, who, places=p), p),
    "read_annotations": lambda e, who, p, _: _found(read_annotations(e, who, places=p), p),
    "read_rollup": lambda e, who, p, _: _found(read_rollup(e, who, MEASURE, "ward", "ward"), p),
    "read_meetings": lambda e, who, p, _: read_meetings(e, who, place=p).height > 0,
    "read_actions": lambda e, who, p, _: read_actions(e, who, place=p).height > 0,
    "carried_forward": lambda e, who, p, later: _carried(e, who, later[p]).height > 0,
    "read_change_ideas": lambda e, who, p, _: read_change_ideas(e, who, ALONE[p]).height > 0,
    "read_cycles": lambda e, who, p, _: any(p in c for c in read_cycles(e, who)["places"]),
    "read_answers": lambda e, who, p, _: _found(read_answers(e, who), p),
    "annotation_history": lambda e, who, p, _: (
        _place_id(e, p) in annotation_history(e, who)["place_id"].to_list()
    ),
    "action_history": lambda e, who, p, _: (
        _place_id(e, p) in action_history(e, who)["place_id"].to_list()
    ),
}
PUBLISHED = {  # the published outputs: a viewer reads them too
    "read_series_index": lambda e, who, p, _: _found(read_series_index(e, who), p),
    "read_series published": lambda e, who, p, _: _found(
        read_series(e, who, places=p, published=True), p
    ),
}


def test_the_read_matrix(shared):
    """Every read x role x grant (W1, everything) x place asked for (W1, W2): a read finds the
    place's rows exactly when the grant covers it and the role may read data (any role, for
    the published outputs)."""
    engine, _, later = shared
    checked = []
    for role in ROLES:
        for grant, scope in GRANTS.items():
            places = frozenset() if scope == EVERYTHING else frozenset({"W1"})
            who = Principal(f"local:{role}", role, (Grant(role, scope, places),))
            for place in ("W1", "W2"):
                covered = grant == "everything" or place == grant
                for name, read in {**READS, **PUBLISHED}.items():
                    may = covered and (role != "viewer" or name in PUBLISHED)
                    checked.append((role, grant, place, name, read(engine, who, place, later), may))
    wrong = [c for c in checked if c[4] != c[5]]
    assert not wrong, wrong
    assert len(checked) == 5 * 2 * 2 * 15
