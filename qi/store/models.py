"""The database schema as SQLAlchemy 2.x tables: places, initiatives, measures, uploads,
observations, revisions, and the annotations, stories and meetings that later attach to them.

This module only declares tables. The schema is created and upgraded by the alembic migrations
in ``qi/store/migrations`` (never ``metadata.create_all``); a test checks the two agree.
Every table a person writes to carries who wrote it (``actor``/``created_by``) and when.
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from qi.vocabulary.consent import BASES, CHANGES, GIVEN_BY, SCOPES
from qi.vocabulary.measures import FREQUENCIES, IMPROVEMENT, MEASURE_KINDS
from qi.vocabulary.meetings import ACTION_KINDS, ACTION_STATUSES
from qi.vocabulary.observations import OBSERVATION_STATUSES, UPLOAD_OUTCOMES
from qi.vocabulary.outcomes import PURPOSES, RESPONSE_KINDS, SCALES, SELECTION_STATUSES
from qi.vocabulary.pdsa import CYCLE_OUTCOMES, CYCLE_STATUSES
from qi.vocabulary.places import PLACE_TYPES
from qi.vocabulary.stories import DOMAINS, PARTICIPATION, VOICES

# Meetings: the codes only; their words for people are in qi.store.meetings. Stories' codes
# and words are in qi.vocabulary.stories.


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    pass


class Place(Base):
    __tablename__ = "places"
    __table_args__ = (CheckConstraint(_one_of("type", PLACE_TYPES.codes), name="ck_places_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    gss_code: Mapped[str | None] = mapped_column(String(9))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Initiative(Base):
    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    # Comma-separated outcome domains, e.g. "urgent care, frailty".
    outcome_domains: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class InitiativePlace(Base):
    __tablename__ = "initiative_places"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), primary_key=True)


class InitiativeMeasure(Base):
    """A measure an initiative reviews: its meeting view and board pack show exactly these."""

    __tablename__ = "initiative_measures"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True
    )


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (
        CheckConstraint(_one_of("kind", MEASURE_KINDS.codes), name="ck_measures_kind"),
        CheckConstraint(_one_of("improvement", IMPROVEMENT.codes), name="ck_measures_improvement"),
        CheckConstraint(_one_of("frequency", FREQUENCIES.codes), name="ck_measures_frequency"),
        CheckConstraint("multiplier > 0", name="ck_measures_multiplier"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    improvement: Mapped[str] = mapped_column(String(8))
    target: Mapped[float | None] = mapped_column(Float)
    chart: Mapped[str | None] = mapped_column(String(16))
    rule_set: Mapped[str | None] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(8))
    # The largest value the measure can plausibly take (a count's ceiling); NULL: the default.
    maximum: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Upload(Base):
    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", UPLOAD_OUTCOMES.codes), name="ck_uploads_outcome"),
        Index("ix_uploads_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(512))
    sheet: Mapped[str | None] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    # qi's key for who uploaded it (``Person.person``); None for uploads before it was kept.
    person: Mapped[str | None] = mapped_column(String(255))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    rows_read: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    observations_added: Mapped[int] = mapped_column(Integer, default=0)
    observations_revised: Mapped[int] = mapped_column(Integer, default=0)
    # The full validation report as JSON (problems, counts, summary).
    report: Mapped[str] = mapped_column(Text)


class Observation(Base):
    """The current value of one measure at one place for one period.

    Keyed by (measure, place, period, breakdown) with no surrogate id and no foreign keys: on PostgreSQL
    each foreign key costs a trigger per row, which would triple the time to store a
    million-row upload. The store resolves measure and place codes to ids inside the write, so
    ids come only from those tables.
    """

    __tablename__ = "observations"
    __table_args__ = (
        CheckConstraint(
            _one_of("status", OBSERVATION_STATUSES.codes), name="ck_observations_status"
        ),
        # On SQLite the table is its key's B-tree: one structure to write instead of two.
        {"sqlite_with_rowid": False},
    )

    measure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    place_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    # The group counted ("imd_quintile:1", "sex:female"; qi.vocabulary.breakdowns) or "all"
    # for the total (migration 0007).
    breakdown: Mapped[str] = mapped_column(String(64), primary_key=True, server_default="all")
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    # Why the value is missing: "suppressed (*)", "blank", ... NULL when a value is present.
    missing_reason: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class Revision(Base):
    """One change to a stored observation: what it was, what it became, who, when, from which upload."""

    __tablename__ = "revisions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["measure_id", "place_id", "period", "breakdown"],
            [
                "observations.measure_id",
                "observations.place_id",
                "observations.period",
                "observations.breakdown",
            ],
            name="fk_revisions_observation",
        ),
        Index("ix_revisions_observation", "measure_id", "place_id", "period", "breakdown"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(Integer)
    place_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[date] = mapped_column(Date)
    breakdown: Mapped[str] = mapped_column(String(64), server_default="all")
    old_value: Mapped[float | None] = mapped_column(Float)
    old_numerator: Mapped[float | None] = mapped_column(Float)
    old_denominator: Mapped[float | None] = mapped_column(Float)
    old_missing_reason: Mapped[str | None] = mapped_column(String(64))
    old_status: Mapped[str] = mapped_column(String(16))
    old_upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"))
    new_value: Mapped[float | None] = mapped_column(Float)
    new_numerator: Mapped[float | None] = mapped_column(Float)
    new_denominator: Mapped[float | None] = mapped_column(Float)
    new_missing_reason: Mapped[str | None] = mapped_column(String(64))
    new_status: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"))
    actor: Mapped[str] = mapped_column(String(128))
    revised_at: Mapped[datetime] = mapped_column(DateTime)


class Annotation(Base):
    """A note on a chart at one period: a change point (new phase), an exclusion, or a comment."""

    __tablename__ = "annotations"
    __table_args__ = (Index("ix_annotations_measure_place", "measure_id", "place_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    # NULL place: the annotation applies to every place of the measure.
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    period: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    new_phase: Mapped[bool] = mapped_column(Boolean, default=False)
    exclude: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    undone_by: Mapped[str | None] = mapped_column(String(128))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)


class Meeting(Base):
    """A stewardship group's meeting for an initiative or a place (or both)."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(
            "initiative_id IS NOT NULL OR place_id IS NOT NULL", name="ck_meetings_subject"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Action(Base):
    """A decision or an action recorded at a meeting, against a measure (optionally at a place),
    a story, or the meeting as a whole. Decisions have no status; actions are open or done."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ACTION_KINDS.codes), name="ck_actions_kind"),
        CheckConstraint(
            f"(kind = 'decision' AND status IS NULL) OR "
            f"(kind = 'action' AND {_one_of('status', ACTION_STATUSES.codes)})",
            name="ck_actions_status",
        ),
        Index("ix_actions_meeting", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    owner: Mapped[str | None] = mapped_column(String(255))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Story(Base):
    """A story of change: what happened to someone, in whose voice, and what it speaks to.

    Vocabularies (voice, outcome domains, participation) are in ``qi.vocabulary.stories``; the
    database checks the codes too. Text is stored exactly as given and is never markup.
    """

    __tablename__ = "stories"
    __table_args__ = (
        CheckConstraint(_one_of("voice", tuple(VOICES)), name="ck_stories_voice"),
        CheckConstraint(
            f"participation IS NULL OR {_one_of('participation', tuple(PARTICIPATION))}",
            name="ck_stories_participation",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    narrative: Mapped[str] = mapped_column(Text)
    told_on: Mapped[date] = mapped_column(Date)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    voice: Mapped[str] = mapped_column(String(32))
    participation: Mapped[str | None] = mapped_column(String(32))
    anonymised: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # Consent withdrawn: the text is gone (here and in the history); the row is a tombstone.
    withdrawn_by: Mapped[str | None] = mapped_column(String(128))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A possible safeguarding concern: hidden from all but admins, passed on outside qi.
    safeguarding_by: Mapped[str | None] = mapped_column(String(128))
    safeguarding_at: Mapped[datetime | None] = mapped_column(DateTime)
    safeguarding_passed_to: Mapped[str | None] = mapped_column(Text)


class StoryDomain(Base):
    """An outcome domain a story speaks to (a story may speak to several)."""

    __tablename__ = "story_domains"
    __table_args__ = (CheckConstraint(_one_of("domain", tuple(DOMAINS)), name="ck_story_domain"),)

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(32), primary_key=True)


class StoryLink(Base):
    """What a story is about: a measure, optionally at a place and over a period range."""

    __tablename__ = "story_links"
    __table_args__ = (Index("ix_story_links_measure", "measure_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)


# --- history: a version row per change, who and when (migration 0003) -------------------------
#
# Each ``*_versions`` row is what the row became at one change: version 1 when it was created,
# then one per change (an edit, a status set, an undo). Reading a row's versions in order is its
# whole history; the live tables hold the last version. ``change`` says what happened.

VERSION_CHANGES = ("created", "updated", "forced", "undone")


class _Version:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class MeasureVersion(_Version, Base):
    __tablename__ = "measure_versions"
    __table_args__ = (
        Index("ix_measure_versions_measure", "measure_id", "version", unique=True),
        CheckConstraint(_one_of("change", VERSION_CHANGES), name="ck_measure_versions_change"),
    )

    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    multiplier: Mapped[float] = mapped_column(Float)
    improvement: Mapped[str] = mapped_column(String(8))
    target: Mapped[float | None] = mapped_column(Float)
    chart: Mapped[str | None] = mapped_column(String(16))
    rule_set: Mapped[str | None] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(8))
    maximum: Mapped[float | None] = mapped_column(Float)


class PlaceVersion(_Version, Base):
    __tablename__ = "place_versions"
    __table_args__ = (
        Index("ix_place_versions_place", "place_id", "version", unique=True),
        CheckConstraint(_one_of("change", VERSION_CHANGES), name="ck_place_versions_change"),
    )

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(Integer)
    gss_code: Mapped[str | None] = mapped_column(String(9))


class StoryVersion(_Version, Base):
    """A story as it was after one change, with its outcome domains (comma-separated codes)
    and links (JSON: measure, place, period_start, period_end) as they were."""

    __tablename__ = "story_versions"
    __table_args__ = (
        Index("ix_story_versions_story", "story_id", "version", unique=True),
        CheckConstraint(_one_of("change", VERSION_CHANGES), name="ck_story_versions_change"),
    )

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    narrative: Mapped[str] = mapped_column(Text)
    told_on: Mapped[date] = mapped_column(Date)
    place_id: Mapped[int | None] = mapped_column(Integer)
    initiative_id: Mapped[int | None] = mapped_column(Integer)
    voice: Mapped[str] = mapped_column(String(32))
    participation: Mapped[str | None] = mapped_column(String(32))
    anonymised: Mapped[bool] = mapped_column(Boolean)
    domains: Mapped[str | None] = mapped_column(Text)
    links: Mapped[str | None] = mapped_column(Text)


class ActionVersion(_Version, Base):
    __tablename__ = "action_versions"
    __table_args__ = (
        Index("ix_action_versions_action", "action_id", "version", unique=True),
        CheckConstraint(_one_of("change", VERSION_CHANGES), name="ck_action_versions_change"),
    )

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    measure_id: Mapped[int | None] = mapped_column(Integer)
    place_id: Mapped[int | None] = mapped_column(Integer)
    story_id: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(255))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(8))


class AnnotationVersion(_Version, Base):
    __tablename__ = "annotation_versions"
    __table_args__ = (
        Index("ix_annotation_versions_annotation", "annotation_id", "version", unique=True),
        CheckConstraint(_one_of("change", VERSION_CHANGES), name="ck_annotation_versions_change"),
    )

    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id"))
    measure_id: Mapped[int] = mapped_column(Integer)
    place_id: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    new_phase: Mapped[bool] = mapped_column(Boolean)
    exclude: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)


# --- change ideas and PDSA cycles (migration 0006) ------------------------------------------


class ChangeIdea(Base):
    """What an initiative is trying (a change idea), tested in PDSA cycles."""

    __tablename__ = "change_ideas"
    __table_args__ = (
        Index("ix_change_ideas_initiative_name", "initiative_id", "name", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PdsaCycle(Base):
    """One Plan-Do-Study-Act cycle of a change idea: ``number`` 1, 2, ... in the idea's ramp.
    An ended cycle has an end date and an outcome (adopt, adapt, abandon)."""

    __tablename__ = "pdsa_cycles"
    __table_args__ = (
        Index("ix_pdsa_cycles_idea_number", "change_idea_id", "number", unique=True),
        CheckConstraint(_one_of("status", CYCLE_STATUSES.codes), name="ck_pdsa_cycles_status"),
        CheckConstraint(
            f"outcome IS NULL OR {_one_of('outcome', CYCLE_OUTCOMES.codes)}",
            name="ck_pdsa_cycles_outcome",
        ),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_pdsa_cycles_dates"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_idea_id: Mapped[int] = mapped_column(ForeignKey("change_ideas.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    plan: Mapped[str] = mapped_column(Text)
    prediction: Mapped[str | None] = mapped_column(Text)
    do: Mapped[str | None] = mapped_column(Text)
    study: Mapped[str | None] = mapped_column(Text)
    act: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class PdsaCycleMeasure(Base):
    """A measure a cycle is followed on (its chart is shaded over the cycle's dates)."""

    __tablename__ = "pdsa_cycle_measures"

    pdsa_cycle_id: Mapped[int] = mapped_column(
        ForeignKey("pdsa_cycles.id", ondelete="CASCADE"), primary_key=True
    )
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)


class PdsaCyclePlace(Base):
    """A place a cycle runs at (none: wherever the change idea's initiative runs)."""

    __tablename__ = "pdsa_cycle_places"

    pdsa_cycle_id: Mapped[int] = mapped_column(
        ForeignKey("pdsa_cycles.id", ondelete="CASCADE"), primary_key=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), primary_key=True)


class AnnotationCycle(Base):
    """The PDSA cycle an annotation on a chart belongs to (at most one), with who linked it."""

    __tablename__ = "annotation_cycles"

    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id"), primary_key=True)
    pdsa_cycle_id: Mapped[int] = mapped_column(ForeignKey("pdsa_cycles.id", ondelete="CASCADE"))
    linked_by: Mapped[str] = mapped_column(String(128))
    linked_at: Mapped[datetime] = mapped_column(DateTime)


# --- outcomes and experience (migration 0008) ---------------------------------------------------


class MeasurePurpose(Base):
    """Why a measure is measured (need, outcome, performance, improvement) and, for a
    performance measure, its statutory source. Its target is the measure's own."""

    __tablename__ = "measure_purposes"
    __table_args__ = (
        CheckConstraint(_one_of("purpose", PURPOSES.codes), name="ck_measure_purposes_purpose"),
    )

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    statutory_source: Mapped[str | None] = mapped_column(Text)


class MeasureDomain(Base):
    """An outcome domain a measure speaks to (a measure may speak to several)."""

    __tablename__ = "measure_domains"
    __table_args__ = (CheckConstraint(_one_of("domain", tuple(DOMAINS)), name="ck_measure_domain"),)

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(32), primary_key=True)


class Question(Base):
    """A survey question: its code, wording, answer scale and the answer numbers (comma-separated)
    that count as positive. The bank qi starts with is stored by the migration."""

    __tablename__ = "questions"
    __table_args__ = (CheckConstraint(_one_of("scale", tuple(SCALES)), name="ck_questions_scale"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    wording: Mapped[str] = mapped_column(Text)
    scale: Mapped[str] = mapped_column(String(16))
    positive: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SurveyAnswer(Base):
    """One answer to one question at a place on a day: the answer's number on the question's
    scale (0: an answer that is not counted, such as "Don't know"), whose voice, a breakdown."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        CheckConstraint(
            f"voice IS NULL OR {_one_of('voice', tuple(VOICES))}", name="ck_survey_answers_voice"
        ),
        Index("ix_survey_answers_question_place", "question_id", "place_id", "answered_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    answered_on: Mapped[date] = mapped_column(Date)
    answer: Mapped[int] = mapped_column(Integer)
    voice: Mapped[str | None] = mapped_column(String(32))
    breakdown: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ExperienceMeasure(Base):
    """A measure made from answers: positive answers over all counted answers to one question,
    per place and month (of one voice, or every voice when NULL). Months with fewer than
    ``minimum_answers`` are shown but not judged."""

    __tablename__ = "experience_measures"
    __table_args__ = (
        CheckConstraint(
            f"voice IS NULL OR {_one_of('voice', tuple(VOICES))}",
            name="ck_experience_measures_voice",
        ),
        CheckConstraint("minimum_answers >= 1", name="ck_experience_measures_minimum"),
    )

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    voice: Mapped[str | None] = mapped_column(String(32))
    minimum_answers: Mapped[int] = mapped_column(Integer)


class StorySelection(Base):
    """Most Significant Change: a panel shortlisted or selected a story for an outcome domain
    and period (``period_start`` to ``period_end``), and why."""

    __tablename__ = "story_selections"
    __table_args__ = (
        CheckConstraint(_one_of("domain", tuple(DOMAINS)), name="ck_story_selections_domain"),
        CheckConstraint(
            _one_of("status", SELECTION_STATUSES.codes), name="ck_story_selections_status"
        ),
        Index("ix_story_selections_story", "story_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    panel: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    why: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FeedbackResponse(Base):
    """ "You said, we did": what changed because of a story (linked to an annotation or a
    meeting's action or decision), or why nothing could change yet; and when and how it was
    told back to the people who said it."""

    __tablename__ = "feedback_responses"
    __table_args__ = (
        CheckConstraint(_one_of("kind", RESPONSE_KINDS.codes), name="ck_feedback_responses_kind"),
        Index("ix_feedback_responses_story", "story_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    annotation_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    told_back_on: Mapped[date | None] = mapped_column(Date)
    told_back_how: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ParticipationLevel(Base):
    """The partnership's level of participation (Shier's five levels, as stories use) in one
    quarter, with the evidence; for one initiative, or the whole partnership when NULL."""

    __tablename__ = "participation_levels"
    __table_args__ = (
        CheckConstraint(
            _one_of("level", tuple(PARTICIPATION)), name="ck_participation_levels_level"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    quarter: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


# --- places' deprivation (migration 0007) -------------------------------------------------------


class PlaceDeprivation(Base):
    """A place's deprivation: an LSOA's IMD decile and quintile (1 = most
    deprived), rank and score; a local authority's or ICB's published summary (average score,
    rank of average score). ``source`` names the index ("IMD 2025")."""

    __tablename__ = "place_deprivation"
    __table_args__ = (
        CheckConstraint("imd_decile BETWEEN 1 AND 10", name="ck_place_deprivation_decile"),
        CheckConstraint("imd_quintile BETWEEN 1 AND 5", name="ck_place_deprivation_quintile"),
    )

    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(32))
    imd_decile: Mapped[int | None] = mapped_column(Integer)
    imd_quintile: Mapped[int | None] = mapped_column(Integer)
    imd_rank: Mapped[float | None] = mapped_column(Float)
    imd_score: Mapped[float | None] = mapped_column(Float)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


# --- who may see and change what (qi.access): people, grants, the audit --------------------------
# Codes only; their words are in qi.access.roles.
ROLE_CODES = ("locality", "coach", "steward", "admin", "viewer")
SCOPE_KINDS = ("place", "initiative", "everything")
AUDIT_OUTCOMES = ("done", "refused", "failed")


class Person(Base):
    """Someone who signs in to qi: ``person`` is qi's key for them (``local:<username>`` for a
    local account, ``oidc:<issuer>|<subject>`` from an identity provider), never an e-mail.
    Local accounts keep a password hash (scrypt) and count failed sign-ins for the lock-out."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person: Mapped[str] = mapped_column(String(255), unique=True)
    # As long as the "who" columns of the records they write (actor, created_by: 128).
    name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RoleGrant(Base):
    """A role granted to a person over a place, an initiative or everything; revoked grants are
    kept (who revoked, when)."""

    __tablename__ = "grants"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLE_CODES), name="ck_grants_role"),
        CheckConstraint(_one_of("scope", SCOPE_KINDS), name="ck_grants_scope"),
        CheckConstraint(
            "(scope = 'place' AND place_id IS NOT NULL AND initiative_id IS NULL) OR "
            "(scope = 'initiative' AND initiative_id IS NOT NULL AND place_id IS NULL) OR "
            "(scope = 'everything' AND place_id IS NULL AND initiative_id IS NULL)",
            name="ck_grants_scope_target",
        ),
        Index("ix_grants_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    granted_by: Mapped[str] = mapped_column(String(255))
    granted_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(255))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """One thing someone did or tried: append-only (the database refuses UPDATE and DELETE).
    ``person`` and ``person_name`` as they were then; ``place`` the place code, if any;
    ``subject`` what it was done to ("upload 12", "annotation 3"); ``detail`` no personal text."""

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", AUDIT_OUTCOMES), name="ck_audit_events_outcome"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    person: Mapped[str] = mapped_column(String(255))
    person_name: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


# --- breakdown kinds and place populations (migration 0010) --------------------------------------


class BreakdownKindRecord(Base):
    """A kind of breakdown observations may carry (``imd_quintile``, ``sex``), with its words,
    in order; seeded from ``qi.vocabulary.breakdowns.SEED_KINDS``, added to by an admin."""

    __tablename__ = "breakdown_kinds"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(255))
    added_at: Mapped[datetime] = mapped_column(DateTime)


class BreakdownGroup(Base):
    """A group a kind of breakdown accepts, in order; a kind with none accepts any group."""

    __tablename__ = "breakdown_groups"

    kind: Mapped[str] = mapped_column(
        ForeignKey("breakdown_kinds.code", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(255))
    added_at: Mapped[datetime] = mapped_column(DateTime)


class PlacePopulation(Base):
    """How many people live in a place, in which year, and where the figure comes from."""

    __tablename__ = "place_populations"
    __table_args__ = (CheckConstraint("population >= 0", name="ck_place_populations_population"),)

    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    population: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(128))
    updated_by: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


# --- consent records and free-text answers (migration 0009) -------------------------------------


class StoryConsent(Base):
    """One consent record of a story: who gave it (the relationship, never a name), on what
    basis, for which scope, the day given and the review day, who recorded it and when. The
    story's consent is its latest record; the earlier ones are its history. Codes and words:
    ``qi.vocabulary.consent``."""

    __tablename__ = "story_consents"
    __table_args__ = (
        CheckConstraint(_one_of("given_by", GIVEN_BY.codes), name="ck_story_consents_given_by"),
        CheckConstraint(_one_of("basis", BASES.codes), name="ck_story_consents_basis"),
        CheckConstraint(_one_of("scope", SCOPES.codes), name="ck_story_consents_scope"),
        CheckConstraint(_one_of("change", CHANGES.codes), name="ck_story_consents_change"),
        CheckConstraint("review_on > given_on", name="ck_story_consents_review_after_given"),
        Index("ix_story_consents_story", "story_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    given_by: Mapped[str] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    given_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    change: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class FreeTextQuestion(Base):
    """A question answered in words, on no scale: its answers are never counted in an
    experience measure (a question of the bank has a scale; this one has none)."""

    __tablename__ = "free_text_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    wording: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FreeTextAnswer(Base):
    """An answer in words to a free-text question, at a place on a day, in a voice; never
    counted in an experience measure. ``story_id``: the story a coach made of it, if any."""

    __tablename__ = "free_text_answers"
    __table_args__ = (
        CheckConstraint(
            f"voice IS NULL OR {_one_of('voice', tuple(VOICES))}",
            name="ck_free_text_answers_voice",
        ),
        Index("ix_free_text_answers_place", "place_id", "answered_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("free_text_questions.id"))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    answered_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    voice: Mapped[str | None] = mapped_column(String(32))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


# --- a measure's purpose and domains, versioned (migration 0011) --------------------------------


class MeasurePurposeVersion(Base):
    """One version of a measure's purpose, statutory source and outcome domains (``domains``:
    codes joined by ","; empty for none), with who made it and when: a row per change, so the
    purposes' history is kept as measures' own is (``measure_versions``)."""

    __tablename__ = "measure_purpose_versions"
    __table_args__ = (
        Index("ix_measure_purpose_versions_measure", "measure_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(String(16))
    statutory_source: Mapped[str | None] = mapped_column(Text)
    domains: Mapped[str] = mapped_column(String(255))
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
