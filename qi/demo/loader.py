"""Loading the demo into a database through the store's own functions (never SQL).

Loading is idempotent: definitions are written only when they differ from what is stored,
observations go through ``store_observations`` (the same values again write nothing), and an
annotation already recorded (or recorded and undone) is not recorded again. A story or meeting
already stored (same title and date) is not added again; an action already recorded at the
meeting (same kind and text) is not recorded again, and its status is left as people have since
set it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal, local_admin
from qi.demo.ae import AE_FILE, ae_observations
from qi.demo.annotations import ANNOTATIONS
from qi.demo.free_text import load_free_text
from qi.demo.neighbourhoods import (
    GLD_MEASURE,
    neighbourhood_deprivation,
    neighbourhood_observations,
    neighbourhood_places,
    neighbourhood_populations,
)
from qi.demo.outcomes import EXPERIENCE_MEASURES, load_outcomes
from qi.demo.partnership import (
    AE_INITIATIVE,
    ICB,
    INITIATIVE_MEASURES,
    INITIATIVES,
    LOCALITIES,
    MEASURES,
    TRUSTS,
)
from qi.demo.pdsa import write_change_ideas
from qi.demo.stories import MEETING, STORIES, consent_of
from qi.demo.synthetic import synthetic_observations
from qi.store import (
    UploadRecord,
    add_initiative,
    clock,
    read_measures,
    read_places,
    store_observations,
    upsert_measures,
    upsert_places,
)
from qi.store.annotations import add_annotation, read_annotations
from qi.store.definitions import FLOAT_FIELDS, MEASURE_FIELDS, PLACE_FIELDS
from qi.store.meetings import (
    add_action,
    add_meeting,
    read_actions,
    read_meetings,
    set_action_status,
)
from qi.store.places import (
    read_deprivation,
    read_populations,
    store_populations,
    upsert_deprivation,
)
from qi.store.stories import add_story, read_stories

# --- summary ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds, and what this load wrote (zero when it was already loaded)."""

    measures: int
    places: int
    initiatives: int
    observations: int
    annotations: int
    stories: int
    meetings: int
    actions: int
    definitions_written: int
    observations_added: int
    observations_revised: int
    annotations_added: int
    stories_added: int
    meetings_added: int
    actions_added: int

    def render(self) -> str:
        wrote = (
            self.definitions_written,
            self.observations_added,
            self.annotations_added,
            self.stories_added,
            self.meetings_added,
            self.actions_added,
        )
        changed = (
            f"this load wrote {self.definitions_written} definitions, added "
            f"{self.observations_added} observations (revised {self.observations_revised}), "
            f"{self.annotations_added} annotations, {self.stories_added} stories, "
            f"{self.meetings_added} meetings and {self.actions_added} decisions and actions"
            if any(wrote)
            else "it was already loaded, so nothing changed"
        )
        return (
            f"Demo: {self.measures} measures, {self.places} places, {self.initiatives} "
            f"initiatives, {self.observations} observations, {self.annotations} annotations, "
            f"{self.stories} illustrative stories, {self.meetings} meeting with {self.actions} "
            f"decisions and actions; {changed}."
        )


# --- loading ------------------------------------------------------------------------------------


# Who the demo's records say made them: the demo itself, with every internal role.
DEMO_AUTHOR = local_admin("demo")


def load_demo(engine: Engine, principal: Principal = DEMO_AUTHOR) -> DemoSummary:
    """Load (or reload) the demo through the store's API; loading twice changes nothing.
    ``principal`` is who the records say made them (and must be allowed to)."""
    written = _write_definitions(engine, _places(), read_places, upsert_places, principal)
    neighbourhoods = neighbourhood_places()
    written += _write_definitions(engine, neighbourhoods, read_places, upsert_places, principal)
    written += _write_deprivation(engine, principal)
    written += _write_definitions(
        engine,
        pl.DataFrame([*MEASURES, GLD_MEASURE], schema=_MEASURE_SCHEMA),
        read_measures,
        upsert_measures,
        principal,
    )
    for spec in (*INITIATIVES, AE_INITIATIVE):
        # add_initiative matches by name and replaces the places: the same call twice is a no-op.
        add_initiative(
            engine,
            principal,
            spec.name,
            list(spec.places),
            start_date=spec.start_date,
            description=spec.description,
            outcome_domains=list(spec.outcome_domains),
            measures=list(INITIATIVE_MEASURES[spec.name]),
        )
    ids_of_measures = dict(read_measures(engine).select("code", "id").iter_rows())
    ids_of_places = dict(read_places(engine).select("code", "id").iter_rows())
    added = revised = observations = 0
    for file_name, frame in (
        ("demo: West Yorkshire children and young people (synthetic)", synthetic_observations()),
        (f"demo: {AE_FILE.name} (NHS England, OGL v3.0)", ae_observations()),
        ("demo: West Yorkshire neighbourhoods (synthetic)", neighbourhood_observations()),
    ):
        rows = frame.select(
            pl.col("measure").replace_strict(ids_of_measures).alias("measure_id"),
            pl.col("place").replace_strict(ids_of_places).alias("place_id"),
            pl.exclude("measure", "place"),
        )
        result = store_observations(engine, principal, rows, _upload(file_name, frame))
        added, revised = added + result.added, revised + result.revised
        observations += frame.height
    annotations_added = _write_annotations(engine, principal)
    stories_added = _write_stories(engine, principal)
    meetings_added, actions_added = _write_meeting(engine, principal)
    write_change_ideas(engine, principal)  # qi.demo.pdsa: the change ideas and their PDSA cycles
    load_outcomes(engine, principal)  # purposes, experience, selections, replies (qi.demo.outcomes)
    load_free_text(engine, principal)  # answers in words, none a story yet (qi.demo.free_text)
    return DemoSummary(
        measures=len(MEASURES) + len(EXPERIENCE_MEASURES) + 1,
        places=1 + len(LOCALITIES) + len(TRUSTS) + neighbourhoods.height,
        initiatives=len(INITIATIVES) + 1,
        observations=observations,
        annotations=len(ANNOTATIONS),
        stories=len(STORIES),
        meetings=1,
        actions=len(MEETING.actions),
        definitions_written=written,
        observations_added=added,
        observations_revised=revised,
        annotations_added=annotations_added,
        stories_added=stories_added,
        meetings_added=meetings_added,
        actions_added=actions_added,
    )


_MEASURE_SCHEMA = {f: pl.Float64 if f in FLOAT_FIELDS else pl.String for f in MEASURE_FIELDS}


def _places() -> pl.DataFrame:
    rows = [
        (ICB[0], ICB[1], "icb", None, ICB[0]),
        *((p.code, p.name, "local_authority", ICB[0], p.code) for p in LOCALITIES),
        *((code, name, "trust", ICB[0], None) for code, name in TRUSTS),
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(PLACE_FIELDS, pl.String), orient="row")


def _write_deprivation(engine: Engine, principal: Principal) -> int:
    """The neighbourhoods' and districts' IMD 2025 and (synthetic) populations, unless stored
    as they are already."""
    written = 0
    for wanted, read, write in (
        (neighbourhood_deprivation(), read_deprivation, upsert_deprivation),
        (neighbourhood_populations(), read_populations, store_populations),
    ):
        stored = read(engine).select(wanted.columns)
        if wanted.join(stored, on=wanted.columns, how="anti", nulls_equal=True).height:
            written += write(engine, principal, wanted)
    return written


def _write_definitions(engine, wanted: pl.DataFrame, read, upsert, principal) -> int:
    """Upsert only the rows that are new or differ, so a reload leaves who/when untouched."""
    stored = read(engine).select(wanted.columns)
    changed = wanted.join(stored, on=wanted.columns, how="anti", nulls_equal=True)
    if changed.height == 0:
        return 0
    return upsert(engine, principal, changed)


def _upload(file_name: str, frame: pl.DataFrame) -> UploadRecord:
    content_hash = hashlib.sha256(frame.write_csv().encode()).hexdigest()
    report: dict[str, object] = {
        "file": file_name,
        "sheet": None,
        "outcome": "stored",
        "rows_read": frame.height,
        "errors": 0,
        "warnings": 0,
        "problems": [],
        "problems_truncated": False,
        "note": "loaded by qi demo",
    }
    return UploadRecord(file_name, content_hash, frame.height, report)


def _write_annotations(engine: Engine, principal: Principal) -> int:
    # Annotations are never replaced in the store, so look for each one first; undone ones
    # count too, or a reload would bring back what a coach took off the chart.
    stored = read_annotations(engine, principal, include_undone=True)
    seen = set(stored.select("measure", "place", "period", "kind", "text").iter_rows())
    added = 0
    for spec in ANNOTATIONS:
        if (spec.measure, spec.place, spec.period, spec.kind, spec.text) in seen:
            continue
        add_annotation(
            engine,
            principal,
            measure=spec.measure,
            place=spec.place,
            period=spec.period,
            kind=spec.kind,
            text=spec.text,
            new_phase=spec.new_phase,
            exclude=spec.exclude,
            reason=spec.reason,
            # Recorded a fortnight into the month, as a coach would, so that "since the last
            # meeting" sees the demo's history as history, not as news of the day it loaded.
            recorded_at=datetime.combine(spec.period, time(9)) + timedelta(days=14),
        )
        added += 1
    return added


def _write_stories(engine: Engine, principal: Principal) -> int:
    # A story already stored with the same title and date is the demo's (or was edited from
    # it only in ways that keep those): adding it again would duplicate it.
    seen = set(
        read_stories(engine, principal, audience="internal").select("title", "told_on").iter_rows()
    )
    added = 0
    today = clock.now().date()
    for spec in STORIES:
        if (spec.title, spec.told_on) in seen:
            continue
        add_story(
            engine,
            principal,
            title=spec.title,
            narrative=spec.labelled_narrative,
            told_on=spec.told_on,
            voice=spec.voice,
            consent=consent_of(spec, today),
            anonymised=True,
            place=spec.place,
            initiative=spec.initiative,
            domains=spec.domains,
            participation=spec.participation,
            links=spec.links,
            recorded_at=datetime.combine(spec.told_on, time(12)),
        )
        added += 1
    return added


def _write_meeting(engine: Engine, principal: Principal) -> tuple[int, int]:
    """The past meeting and its decisions and actions: (meetings added, actions added)."""
    found = read_meetings(engine, principal, initiative=MEETING.initiative).filter(
        pl.col("title") == MEETING.title, pl.col("held_on") == MEETING.held_on
    )
    meetings_added = 0
    if found.height:
        meeting_id = int(found["id"][0])
    else:
        meeting_id = add_meeting(
            engine,
            principal,
            title=MEETING.title,
            held_on=MEETING.held_on,
            initiative=MEETING.initiative,
            notes=MEETING.notes,
        )
        meetings_added = 1
    seen = set(
        read_actions(engine, principal, meetings=meeting_id).select("kind", "text").iter_rows()
    )
    story_ids = dict(
        read_stories(engine, principal, audience="internal").select("title", "id").iter_rows()
    )
    added = 0
    for spec in MEETING.actions:
        if (spec.kind, spec.text) in seen:
            continue
        action_id = add_action(
            engine,
            principal,
            meeting_id,
            text=spec.text,
            kind=spec.kind,
            owner=spec.owner,
            due_on=spec.due_on,
            measure=spec.measure,
            place=spec.place,
            story_id=story_ids.get(spec.story) if spec.story else None,
        )
        # Only on first recording: a reload must not undo what people have marked since.
        if spec.status == "done":
            set_action_status(engine, principal, action_id, "done")
        added += 1
    return meetings_added, added
