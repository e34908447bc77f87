"""Stories of change: timely qualitative evidence kept beside the measures it speaks to.

A story has a title and a narrative, the date it was told, where (a place) and in which
initiative, whose voice it is, the outcome domains it speaks to (several allowed), the level of
participation it reflects, whether it is anonymised, its consent record, and links to the
measures (optionally at a place and over a period range) it speaks to. Writes record who and
when; an edit records who edited and when.

Consent is a record (``story_consents``; codes, words and policy in ``qi.vocabulary.consent``):
no story is stored without one (``add_story``), a change of consent is a new record with the
old ones kept (``change_consent``, ``read_consents``), withdrawal removes the words
(``withdraw_story``). Reads take the principal and the audience: ``read_stories`` and
``story_markers`` return only stories the principal may read whose consent lets that audience
see them (``shown_to``, the one decision), decided in SQL by one condition
(``readable_stories``) that reads about stories elsewhere put in their WHERE too
(``readable_story_ids`` as a subquery).

The codes, their words and the policy a story must meet (consent, dates, codes, the places of
an initiative) are in ``qi.vocabulary.stories``. Here ``add_story`` and ``edit_story`` look up
what the database holds of a story's codes inside the write transaction and hand it to
``check_story`` before writing: no story reaches the database without passing the policy.

Stories are plain text. They are stored exactly as given (no trimming, no escaping, no markup);
whatever shows them (the app, the board pack) renders them as text, never as HTML or Markdown.
Reads return polars. Nothing here draws or computes statistics.
"""

import json
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    ScalarSelect,
    Select,
    String,
    delete,
    false,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import aliased

from qi.access import EVERYTHING, Principal, Scope
from qi.access.authorize import readable_initiatives
from qi.store import clock
from qi.store.access import audit, audit_now, guard
from qi.store.engine import new_id, writing
from qi.store.frames import read_frame
from qi.store.history import record_versions
from qi.store.keys import ids_by_code
from qi.store.limits import check_lengths
from qi.store.models import (
    FreeTextAnswer,
    Initiative,
    InitiativePlace,
    Measure,
    Place,
    Story,
    StoryConsent,
    StoryDomain,
    StoryLink,
    StoryVersion,
)
from qi.store.readable import only_places, place_ids
from qi.vocabulary.consent import (
    AUDIENCES,
    SCOPES,
    Consent,
    change_of,
    consent_problems,
    review_due,
    shown_to,
)
from qi.vocabulary.stories import (
    DOMAINS,
    PARTICIPATION,
    PARTICIPATION_ORDER,
    VOICES,
    Known,
    Link,
    LinkLike,
    StoryDraft,
    StoryError,
    check_story,
    code_problem,
    story_problems,
)

STORY_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "title": pl.String(),
    "narrative": pl.String(),
    "told_on": pl.Date(),
    "place": pl.String(),
    "initiative": pl.String(),
    "voice": pl.String(),
    "participation": pl.String(),
    "anonymised": pl.Boolean(),
    "created_by": pl.String(),
    "created_at": pl.Datetime("us"),
    "updated_by": pl.String(),
    "updated_at": pl.Datetime("us"),
    # The story's consent: its latest record (null for a story kept without consent before
    # consent records), and whether its review date has passed.
    "consent_given_by": pl.String(),
    "consent_basis": pl.String(),
    "consent_scope": pl.String(),
    "consent_given_on": pl.Date(),
    "consent_review_on": pl.Date(),
    "consent_review_due": pl.Boolean(),
}
CONSENT_SCHEMA: dict[str, pl.DataType] = {
    "story_id": pl.Int64(),
    "given_by": pl.String(),
    "basis": pl.String(),
    "scope": pl.String(),
    "given_on": pl.Date(),
    "review_on": pl.Date(),
    "change": pl.String(),
    "recorded_by": pl.String(),
    "recorded_at": pl.Datetime("us"),
}
LINK_SCHEMA: dict[str, pl.DataType] = {
    "story_id": pl.Int64(),
    "measure": pl.String(),
    "place": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
}
# What an edit may change: every field of a draft.
EDITABLE = tuple(f.name for f in fields(StoryDraft))


def _checked(
    connection: Connection, story: StoryDraft, today: date, consent: Consent | None = None
) -> dict:
    """The story's codes as ids, once the story (and ``consent``, when given) has passed the
    policy against what the database holds of them (read inside the caller's transaction)."""
    places = ids_by_code(connection, Place.code, story.places)
    measures = ids_by_code(connection, Measure.code, story.measures)
    initiatives = ids_by_code(connection, Initiative.name, [story.initiative])
    members = {
        name: frozenset(
            connection.execute(
                select(Place.code)
                .join(InitiativePlace, InitiativePlace.place_id == Place.id)
                .where(InitiativePlace.initiative_id == initiative_id)
            ).scalars()
        )
        for name, initiative_id in initiatives.items()
    }
    known = Known(frozenset(places), frozenset(measures), members)
    if consent is not None:
        problems = story_problems(story, today, known) + consent_problems(
            consent, story.voice, today
        )
        if problems:
            raise StoryError(problems)
    else:
        check_story(story, today, known)
    place_id = places.get(story.place) if story.place is not None else None
    rows: list[dict[str, Any]] = [
        {
            "measure_id": measures[link.measure],
            "place_id": places[link.place] if link.place else place_id,
            "period_start": link.start or (None if link.end else story.told_on),
            "period_end": link.end or link.start or (None if link.start else story.told_on),
        }
        for link in story.linked
    ]
    place_codes = {i: c for c, i in places.items()}
    measure_codes = {i: c for c, i in measures.items()}
    return {
        "place_id": place_id,
        "initiative_id": initiatives.get(story.initiative) if story.initiative else None,
        "links": rows,
        # As the story's version keeps them: domains, and links by code.
        "version": {
            "domains": ",".join(sorted(set(story.domains))) or None,
            "links": json.dumps(
                [
                    {
                        "measure": measure_codes.get(r["measure_id"]),
                        "place": place_codes.get(r["place_id"]) if r["place_id"] else None,
                        "period_start": _day(r["period_start"]),
                        "period_end": _day(r["period_end"]),
                    }
                    for r in rows
                ]
            ),
        },
    }


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _guard_story(engine: Engine, principal: Principal, story: StoryDraft, subject: str) -> None:
    """``story.write`` at the story's place, else over its initiative, else everything."""
    if story.place is not None:
        guard(engine, principal, "story.write", [story.place], subject=subject)
    elif story.initiative is not None:
        guard(
            engine,
            principal,
            "story.write",
            scope=Scope.initiative(story.initiative),
            subject=subject,
        )
    else:
        guard(engine, principal, "story.write", [None], subject=subject)


def add_story(
    engine: Engine,
    principal: Principal,
    *,
    title: str,
    narrative: str,
    told_on: date,
    voice: str,
    consent: Consent,
    anonymised: bool,
    place: str | None = None,
    initiative: str | None = None,
    domains: Sequence[str] = (),
    participation: str | None = None,
    links: Sequence[LinkLike] = (),
    recorded_at: datetime | None = None,
    from_answer: int | None = None,
) -> int:
    """Record a story of change with its consent record and return its id. ``initiative`` is
    the initiative's name; ``links`` are measure codes, ``Link``s or mappings (measure, start,
    end, place); ``consent`` is who gave consent, on what basis, for which scope and until when
    (``qi.vocabulary.consent``): no story is stored without one. ``recorded_at`` backdates the
    record (when loading stories kept elsewhere); default now. ``from_answer``: the id of the
    free-text answer the story is made of (``qi.store.free_text``), which keeps a link to it
    (written in the same transaction; an answer already made into a story is refused). A story
    or consent the policy
    refuses raises ``StoryError`` naming every problem; ``principal`` needs ``story.write`` at
    the story's place (else over its initiative, else everything)."""
    if not isinstance(consent, Consent):
        raise StoryError(
            "a story needs a consent record (qi.vocabulary.consent.Consent: who gave consent, "
            f"on what basis, for which scope, the day given and the review day), not {consent!r}"
        )
    story = StoryDraft(
        title=title,
        narrative=narrative,
        told_on=told_on,
        voice=voice,
        anonymised=anonymised,
        place=place,
        initiative=initiative,
        domains=domains,
        participation=participation,
        links=links,
    )
    now = clock.now()
    if recorded_at is not None and recorded_at > now:
        raise StoryError("recorded_at is in the future; give the time the story was recorded")
    when = recorded_at or now
    who = principal.name
    check_lengths(Story, {**_lengths_of(story), "actor": who})
    _guard_story(engine, principal, story, "a new story")
    with writing(engine) as connection:
        ids = _checked(connection, story, now.date(), consent)
        story_id = new_id(
            connection.execute(
                insert(Story).values(
                    **_columns(story, ids),
                    actor=who,
                    created_at=when,
                    updated_by=who,
                    updated_at=when,
                )
            )
        )
        _write_domains_and_links(connection, story_id, story.domains, ids["links"])
        _write_consent(connection, story_id, consent, None, who, when)
        if from_answer is not None:
            _link_answer(connection, from_answer, story_id)
        record_versions(connection, Story, [story_id], "created", who, when, ids["version"])
        audit(connection, principal, "story.add", place=story.place, subject=f"story {story_id}")
    return story_id


def _link_answer(connection: Connection, answer_id: int, story_id: int) -> None:
    """The free-text answer ``answer_id`` keeps a link to the story made of it; refused (and
    so the story too) when the answer does not exist or is a story already."""
    linked = connection.execute(
        update(FreeTextAnswer)
        .where(FreeTextAnswer.id == int(answer_id), FreeTextAnswer.story_id.is_(None))
        .values(story_id=story_id)
    ).rowcount
    if linked != 1:
        found = connection.execute(
            select(FreeTextAnswer.story_id).where(FreeTextAnswer.id == int(answer_id))
        ).first()
        raise StoryError(
            f"no free-text answer {answer_id}; choose one from the list of answers"
            if found is None
            else f"free-text answer {answer_id} is story {found[0]} already; edit that story"
        )


def _write_consent(
    connection: Connection,
    story_id: int,
    consent: Consent,
    before: str | None,
    who: str,
    when: datetime,
) -> None:
    """A new consent record (checked already), its change seen against the scope ``before``."""
    connection.execute(
        insert(StoryConsent).values(
            story_id=story_id,
            given_by=consent.given_by,
            basis=consent.basis,
            scope=consent.scope,
            given_on=consent.given_on,
            review_on=consent.review,
            change=change_of(before, consent.scope),
            recorded_by=who,
            recorded_at=when,
        )
    )


def _lengths_of(story: StoryDraft) -> dict:
    """The story's free texts with a length limit (its codes are checked by ``check_story``)."""
    return {"title": story.title}


def _columns(story: StoryDraft, ids: dict) -> dict:
    return {
        "title": story.title,
        "narrative": story.narrative,
        "told_on": story.told_on,
        "voice": story.voice,
        "participation": story.participation,
        "anonymised": story.anonymised,
        "place_id": ids["place_id"],
        "initiative_id": ids["initiative_id"],
    }


def _write_domains_and_links(
    connection: Connection, story_id: int, domains: Sequence[str], links: list[dict]
) -> None:
    connection.execute(delete(StoryDomain).where(StoryDomain.story_id == story_id))
    connection.execute(delete(StoryLink).where(StoryLink.story_id == story_id))
    if domains:
        connection.execute(
            insert(StoryDomain), [{"story_id": story_id, "domain": d} for d in domains]
        )
    if links:
        connection.execute(insert(StoryLink), [{"story_id": story_id, **row} for row in links])


def edit_story(engine: Engine, principal: Principal, story_id: int, **changes) -> None:
    """Change some of a story's fields (any of ``EDITABLE``; ``domains`` and ``links`` replace
    the old ones). The whole edited story is checked again, and the edit records who and when.
    ``principal`` needs ``story.write`` where the story is and where it would be."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise StoryError(
            f"cannot edit {', '.join(unknown)} of a story; editable: {', '.join(EDITABLE)}"
        )
    guard_stored(engine, principal, story_id, "story.write")
    current = _one(engine, story_id)
    stored = StoryDraft(
        **{field: current[field] for field in EDITABLE if field != "links"},
        links=[
            Link(r["measure"], start=r["period_start"], end=r["period_end"], place=r["place"])
            for r in current["links"]
        ],
    )
    story = replace(stored, **changes)
    when = clock.now()
    who = principal.name
    check_lengths(Story, {**_lengths_of(story), "updated_by": who})
    _guard_story(engine, principal, stored, f"story {story_id}")
    _guard_story(engine, principal, story, f"story {story_id}")
    with writing(engine) as connection:
        ids = _checked(connection, story, when.date())
        connection.execute(
            update(Story)
            .where(Story.id == story_id)
            .values(**_columns(story, ids), updated_by=who, updated_at=when)
        )
        _write_domains_and_links(connection, story_id, story.domains, ids["links"])
        record_versions(connection, Story, [story_id], "updated", who, when, ids["version"])
        audit(connection, principal, "story.edit", place=story.place, subject=f"story {story_id}")


def read_story(engine: Engine, principal: Principal, story_id: int) -> dict:
    """One story as the app's pages show it (the internal audience), as a dict: the columns of
    ``read_stories``, with ``links`` as a list of dicts. ``principal`` needs ``story.read``
    where the story is (refused and audited otherwise)."""
    guard_stored(engine, principal, story_id, "story.read")
    return _one(engine, story_id)


def _one(engine: Engine, story_id: int) -> dict:
    """One shown story with its links, unfiltered (callers have guarded it)."""
    shown = _shown() & (Story.id == int(story_id))
    found = _with_lists(engine, _base(engine, shown), shown)
    if found.height == 0:
        raise StoryError(f"no story {story_id}; it may have been entered on another database")
    story = found.row(0, named=True)
    story["links"] = story_links(engine, story_id).to_dicts()
    return story


def _shown():
    """Stories anyone may read: not withdrawn, not flagged as a possible safeguarding concern."""
    return Story.withdrawn_at.is_(None) & Story.safeguarding_at.is_(None)


def _latest_consent(field: str) -> ScalarSelect[Any]:
    """``field`` of the story's latest consent record (the story's consent; null when it has
    none), for the story of the query it goes into: one look-up in the index on story and id."""
    record = aliased(StoryConsent)
    return (
        select(getattr(record, field))
        .where(record.story_id == Story.id)
        .order_by(record.id.desc())
        .limit(1)
        .correlate(Story)
        .scalar_subquery()
    )


def _base(engine: Engine, condition: ColumnElement[bool]) -> pl.DataFrame:
    """The stories meeting ``condition`` (over ``Story``), with their latest consent record
    (``STORY_SCHEMA``)."""
    query = (
        select(
            Story.id,
            Story.title,
            Story.narrative,
            Story.told_on,
            Place.code,
            Initiative.name,
            Story.voice,
            Story.participation,
            Story.anonymised.cast(Integer),
            Story.actor,
            Story.created_at.cast(String),
            Story.updated_by,
            Story.updated_at.cast(String),
            StoryConsent.given_by,
            StoryConsent.basis,
            StoryConsent.scope,
            StoryConsent.given_on,
            StoryConsent.review_on,
        )
        .outerjoin(Place, Place.id == Story.place_id)
        .outerjoin(Initiative, Initiative.id == Story.initiative_id)
        .outerjoin(StoryConsent, StoryConsent.id == _latest_consent("id"))
        .where(condition)
    )
    # Flags as integers and times as text read the same on both backends; converted below.
    wire = {k: v for k, v in STORY_SCHEMA.items() if k != "consent_review_due"} | {
        "anonymised": pl.Int64(),
        "created_at": pl.String(),
        "updated_at": pl.String(),
    }
    today = clock.now().date()
    return read_frame(engine, query, wire).with_columns(
        pl.col("anonymised").cast(pl.Boolean),
        pl.col("created_at", "updated_at").str.to_datetime(time_unit="us", strict=False),
        pl.col("consent_review_on")
        .map_elements(lambda day: review_due(day, today), return_dtype=pl.Boolean, skip_nulls=False)
        .alias("consent_review_due"),
    )


def _domains(engine: Engine, stories: Select) -> pl.DataFrame:
    """The outcome domains of the stories whose ids ``stories`` selects."""
    query = select(StoryDomain.story_id, StoryDomain.domain).where(
        StoryDomain.story_id.in_(stories)
    )
    return read_frame(engine, query, {"story_id": pl.Int64(), "domain": pl.String()})


def story_links(engine: Engine, story_ids: int | Sequence[int] | None = None) -> pl.DataFrame:
    """The measures stories speak to (``LINK_SCHEMA``): the charts to show beside a story."""
    if story_ids is None:
        return _links(engine, true())
    wanted = [story_ids] if isinstance(story_ids, int) else list(story_ids)
    return _links(engine, StoryLink.story_id.in_([int(i) for i in wanted]))


def _links(engine: Engine, condition: ColumnElement[bool]) -> pl.DataFrame:
    """The links (``LINK_SCHEMA``) of shown stories meeting ``condition``."""
    query = (
        select(
            StoryLink.story_id,
            Measure.code,
            Place.code,
            StoryLink.period_start,
            StoryLink.period_end,
        )
        .join(Measure, Measure.id == StoryLink.measure_id)
        .outerjoin(Place, Place.id == StoryLink.place_id)
        .join(Story, Story.id == StoryLink.story_id)
        .where(_shown(), condition)
    )
    frame = read_frame(engine, query, LINK_SCHEMA)
    return frame.sort("story_id", "measure", "place", "period_start", nulls_last=False)


def _as_list(value: str | int | Sequence[Any]) -> list[Any]:
    return [value] if isinstance(value, str | int) else list(value)


def readable_stories(
    bind: Engine | Connection, principal: Principal, *, audience: str
) -> ColumnElement[bool]:
    """The rule, as a condition over ``Story`` for a query's WHERE: the stories ``principal``
    may read whose consent lets ``audience`` see them. Never a withdrawn or
    safeguarding-flagged story. Reading needs ``story.read`` for the internal and partnership
    audiences and ``data.published`` (a viewer too) for the public one: at the story's place,
    else over its initiative, else over everything. Consent is the story's latest record
    (``shown_to``, the one decision: its scope reaches the audience and, outside the internal
    audience, its review day has not passed). ``bind`` resolves place and initiative names to
    ids (queries carry only integers and dates as literals)."""
    problem = code_problem(audience, dict(AUDIENCES), "audience")
    if problem:
        raise StoryError(problem)
    action = "data.published" if audience == "public" else "story.read"
    return (
        _shown()
        & _may_read(bind, principal, action)
        & _consent_reaches(audience, clock.now().date())
    )


def _may_read(bind: Engine | Connection, principal: Principal, action: str) -> ColumnElement[bool]:
    """Stories where ``principal`` may do ``action``: at a place they may, else (no place) told
    for an initiative they hold a grant on; every story when they may everywhere."""
    places = place_ids(bind, principal, action)
    if places is None:
        return true()
    names = readable_initiatives(principal, action)
    initiatives: list[int] = []
    if names:
        query = select(Initiative.id).where(Initiative.name.in_(sorted(names)))
        if isinstance(bind, Connection):
            initiatives = [int(i) for i in bind.execute(query).scalars()]
        else:
            with bind.connect() as connection:
                initiatives = [int(i) for i in connection.execute(query).scalars()]
    for_initiative = (
        Story.place_id.is_(None) & Story.initiative_id.in_(initiatives) if initiatives else false()
    )
    return only_places(Story.place_id, places) | for_initiative


def _consent_reaches(audience: str, today: date) -> ColumnElement[bool]:
    """Stories whose latest consent record lets ``audience`` see them on ``today``, as
    ``shown_to`` decides: which scopes reach the audience, whether the review day counts for
    it, and whether a story with no record at all is shown to it."""
    scopes = [scope for scope in SCOPES if shown_to(audience, scope, date.max, today)]
    review_counts = any(not shown_to(audience, scope, date.min, today) for scope in scopes)
    without_record = shown_to(audience, None, None, today)
    if len(scopes) == len(SCOPES) and not review_counts and without_record:
        return true()
    reaches: ColumnElement[bool] = _latest_consent("scope").in_(scopes)
    if review_counts:
        # Not due: the review day is today or later (a missing day counts as due).
        reaches = reaches & (_latest_consent("review_on") >= today)
    if without_record:  # every record has a scope
        reaches = reaches | _latest_consent("scope").is_(None)
    return reaches


def readable_story_ids(bind: Engine | Connection, principal: Principal, *, audience: str) -> Select:
    """The ids of the stories ``read_stories`` gives ``principal`` for ``audience``, as a query
    to use as a subquery (``X.story_id.in_(readable_story_ids(...))``): reads about stories
    (selections, replies, waiting inputs, links, domains) keep to these in their SQL. The same
    rule, ``readable_stories``."""
    return (
        select(Story.id).where(readable_stories(bind, principal, audience=audience)).correlate(None)
    )


def _with_lists(
    engine: Engine, stories: pl.DataFrame, condition: ColumnElement[bool]
) -> pl.DataFrame:
    """``stories`` (those meeting ``condition``) with ``domains``, ``measures`` and
    ``participation_rank``."""
    ids = select(Story.id).where(condition).correlate(None)
    domain_lists = (
        _domains(engine, ids)
        .sort("domain")
        .group_by("story_id")
        .agg(pl.col("domain").alias("domains"))
    )
    measure_lists = (
        _links(engine, StoryLink.story_id.in_(ids))
        .select("story_id", "measure")
        .unique()
        .sort("measure")
        .group_by("story_id")
        .agg(pl.col("measure").alias("measures"))
    )
    return (
        stories.join(domain_lists, left_on="id", right_on="story_id", how="left")
        .join(measure_lists, left_on="id", right_on="story_id", how="left")
        .with_columns(
            pl.col("domains").fill_null(pl.lit([], pl.List(pl.String))),
            pl.col("measures").fill_null(pl.lit([], pl.List(pl.String))),
            pl.col("participation")
            .replace_strict(PARTICIPATION_ORDER, default=None, return_dtype=pl.Int8)
            .alias("participation_rank"),
        )
    )


def read_stories(
    engine: Engine,
    principal: Principal,
    *,
    audience: str,
    ids: Sequence[int] | None = None,
    initiative: str | None = None,
    places: str | Sequence[str] | None = None,
    measures: str | Sequence[str] | None = None,
    voices: str | Sequence[str] | None = None,
    domains: str | Sequence[str] | None = None,
    participation: str | Sequence[str] | None = None,
    participation_at_least: str | None = None,
    review_due: bool | None = None,
    anonymised: bool | None = None,
    start: date | None = None,
    end: date | None = None,
    created_since: date | None = None,
    search: str | None = None,
) -> pl.DataFrame:
    """Stories as polars, newest first: ``STORY_SCHEMA`` plus ``domains`` (list of codes),
    ``measures`` (list of linked measure codes) and ``participation_rank`` (1-5, Shier).

    Only the stories ``principal`` may read whose consent lets ``audience`` see them
    (``qi.vocabulary.consent.shown_to``): ``internal`` for the app's pages, ``partnership`` for
    the meeting view and the board pack, ``public`` for published outputs. A story whose
    consent review is due is read by the internal audience only (``consent_review_due``).

    Every other filter is optional and they combine with "and"; a list means "any of these".
    ``domains``: stories speaking to any of them. ``measures``: stories linked to any of them.
    ``start``/``end``: the story's date, inclusive. ``created_since``: recorded on or after
    that day. ``search``: case-insensitive text in the title or narrative.
    """
    problems = [
        code_problem(code, choices, what)
        for codes, choices, what in (
            (_as_list(voices or []), VOICES, "voice"),
            (_as_list(domains or []), DOMAINS, "outcome domain"),
            (_as_list(participation or []), PARTICIPATION, "level of participation"),
            ([participation_at_least] if participation_at_least else None, PARTICIPATION, "level"),
        )
        for code in codes or []
    ]
    if any(problems):
        raise StoryError([p for p in problems if p is not None])
    shown = readable_stories(engine, principal, audience=audience)
    if ids is not None:
        shown = shown & Story.id.in_([int(i) for i in ids])
    stories = _with_lists(engine, _base(engine, shown), shown)
    keep = []
    if initiative is not None:
        keep.append(pl.col("initiative") == initiative)
    if places is not None:
        keep.append(pl.col("place").is_in(_as_list(places)))
    if measures is not None:
        wanted = _as_list(measures)
        keep.append(pl.col("measures").list.eval(pl.element().is_in(wanted)).list.any())
    if voices is not None:
        keep.append(pl.col("voice").is_in(_as_list(voices)))
    if domains is not None:
        wanted = _as_list(domains)
        keep.append(pl.col("domains").list.eval(pl.element().is_in(wanted)).list.any())
    if participation is not None:
        keep.append(pl.col("participation").is_in(_as_list(participation)))
    if participation_at_least is not None:
        keep.append(pl.col("participation_rank") >= PARTICIPATION_ORDER[participation_at_least])
    if review_due is not None:
        keep.append(pl.col("consent_review_due") == review_due)
    if anonymised is not None:
        keep.append(pl.col("anonymised") == anonymised)
    if start is not None:
        keep.append(pl.col("told_on") >= start)
    if end is not None:
        keep.append(pl.col("told_on") <= end)
    if created_since is not None:
        keep.append(pl.col("created_at").dt.date() >= created_since)
    if search:
        needle = search.lower()
        keep.append(
            pl.col("title").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("narrative").str.to_lowercase().str.contains(needle, literal=True)
        )
    if keep:
        stories = stories.filter(*keep)
    return stories.sort(["told_on", "id"], descending=True)


def story_markers(
    engine: Engine,
    principal: Principal,
    measure: str,
    *,
    audience: str,
    places: str | Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """Stories linked to a measure, one row per link, for markers on the measure's chart:
    ``story_id``, ``place`` (null: every place), ``period`` (where the marker goes: the start
    of the linked range), ``period_start``, ``period_end``, ``title``, ``voice`` and
    ``consent_review_due``.

    Only stories ``principal`` may read and ``audience`` may see (as ``read_stories``): a
    marker never shows a title to someone who may not read the story. ``places`` keeps links at those places and links for every place; ``start``/``end`` keep
    links whose range overlaps those periods.
    """
    with engine.connect() as connection:
        measure_id = connection.execute(select(Measure.id).where(Measure.code == measure)).scalar()
    about = StoryLink.measure_id == int(measure_id) if measure_id is not None else false()
    shown = readable_story_ids(engine, principal, audience=audience)
    links = _links(engine, about & StoryLink.story_id.in_(shown))
    if places is not None:
        links = links.filter(pl.col("place").is_null() | pl.col("place").is_in(_as_list(places)))
    if start is not None:
        links = links.filter(pl.coalesce("period_end", "period_start") >= start)
    if end is not None:
        links = links.filter(pl.coalesce("period_start", "period_end") <= end)
    # Stories read already: ``links`` holds only readable ones.
    stories = _base(engine, Story.id.in_(links.get_column("story_id").unique().sort().to_list()))
    return (
        links.join(
            stories.select(
                pl.col("id").alias("story_id"), "title", "voice", "told_on", "consent_review_due"
            ),
            on="story_id",
        )
        .select(
            "story_id",
            "place",
            pl.coalesce("period_start", "period_end", "told_on").alias("period"),
            "period_start",
            "period_end",
            "title",
            "voice",
            "consent_review_due",
        )
        .sort("period", "story_id")
    )


WITHDRAWN_TITLE = "Withdrawn"


def guard_stored(engine: Engine, principal: Principal, story_id: int, action: str) -> str | None:
    """``action`` where the stored story is (its place, else initiative, else everything),
    refused and audited otherwise; returns its place code. ``StoryError`` when there is no
    such story."""
    with engine.connect() as connection:
        found = connection.execute(
            select(Place.code, Initiative.name)
            .select_from(Story)
            .outerjoin(Place, Place.id == Story.place_id)
            .outerjoin(Initiative, Initiative.id == Story.initiative_id)
            .where(Story.id == int(story_id))
        ).first()
    if found is None:
        raise StoryError(f"no story {story_id}")
    place, initiative = found
    subject = f"story {story_id}"
    if place is not None:
        guard(engine, principal, action, [place], subject=subject)
    elif initiative is not None:
        guard(engine, principal, action, scope=Scope.initiative(initiative), subject=subject)
    else:
        guard(engine, principal, action, [None], subject=subject)
    return place


def withdraw_story(engine: Engine, principal: Principal, story_id: int) -> None:
    """Consent withdrawn: the title and narrative go, from the story and from every version in
    its history, with its links and outcome domains, so no chart, list or board pack made
    afterwards carries it. The row stays as a tombstone (who withdrew it, when), hidden from
    every reader; the audit records the withdrawal without any of the text. Needs
    ``story.write`` where the story is."""
    place = guard_stored(engine, principal, story_id, "story.write")
    when, who = clock.now(), principal.name
    with writing(engine) as connection:
        connection.execute(
            update(Story)
            .where(Story.id == int(story_id))
            .values(
                title=WITHDRAWN_TITLE,
                narrative="",
                withdrawn_by=who,
                withdrawn_at=when,
                updated_by=who,
                updated_at=when,
            )
        )
        connection.execute(
            update(StoryVersion)
            .where(StoryVersion.story_id == int(story_id))
            .values(title=WITHDRAWN_TITLE, narrative="", links=None)
        )
        _write_domains_and_links(connection, int(story_id), (), [])
        audit(
            connection,
            principal,
            "story.withdraw",
            place=place,
            subject=f"story {story_id}",
            detail="consent withdrawn: title and narrative removed",
        )


def flag_safeguarding(engine: Engine, principal: Principal, story_id: int, passed_to: str) -> None:
    """A possible safeguarding concern: the story is hidden from every reader but admins, and
    who it was passed to outside qi (the designated safeguarding lead, and when) is recorded.
    qi is not a safeguarding case system. Needs ``story.write`` where the story is."""
    if not passed_to or not passed_to.strip():
        raise StoryError(
            "say who the concern was passed to outside qi (the designated safeguarding lead) "
            "and when, before flagging the story"
        )
    place = guard_stored(engine, principal, story_id, "story.write")
    with writing(engine) as connection:
        connection.execute(
            update(Story)
            .where(Story.id == int(story_id))
            .values(
                safeguarding_by=principal.name,
                safeguarding_at=clock.now(),
                safeguarding_passed_to=passed_to.strip(),
            )
        )
        audit(
            connection,
            principal,
            "story.safeguarding",
            place=place,
            subject=f"story {story_id}",
            detail="flagged as a possible safeguarding concern; passed on outside qi",
        )


def read_flagged_stories(engine: Engine, principal: Principal) -> pl.DataFrame:
    """Stories flagged as a possible safeguarding concern (``STORY_SCHEMA``) with who flagged
    them, when, and who the concern was passed to; admins only (``story.safeguarding``), and
    the reading is audited."""
    guard(engine, principal, "story.safeguarding", scope=EVERYTHING)
    stories = _base(engine, Story.safeguarding_at.is_not(None))
    with engine.connect() as connection:
        flags = pl.DataFrame(
            connection.execute(
                select(
                    Story.id,
                    Story.safeguarding_by,
                    Story.safeguarding_at,
                    Story.safeguarding_passed_to,
                ).where(Story.safeguarding_at.is_not(None))
            ).all(),
            schema={
                "id": pl.Int64(),
                "safeguarding_by": pl.String(),
                "safeguarding_at": pl.Datetime("us"),
                "safeguarding_passed_to": pl.String(),
            },
            orient="row",
        )
    audit_now(engine, principal, "story.safeguarding.read", detail=f"{flags.height} stories")
    return stories.join(flags, on="id").sort("safeguarding_at", descending=True)


def change_consent(engine: Engine, principal: Principal, story_id: int, consent: Consent) -> str:
    """Record a story's consent anew (narrowed, widened or renewed: the change is seen against
    the scope before it) and return the change's code; earlier records stay as its history.
    A renewal (a new review date) is how a story whose review is due is shown again. Checked
    like a new story's consent; needs ``story.write`` where the story is. Withdrawal is
    ``withdraw_story``."""
    if not isinstance(consent, Consent):
        raise StoryError(f"a consent record is a qi.vocabulary.consent.Consent, not {consent!r}")
    place = guard_stored(engine, principal, story_id, "story.write")
    story = _one(engine, story_id)
    now = clock.now()
    problems = consent_problems(consent, story["voice"], now.date())
    if problems:
        raise StoryError(problems)
    before = story["consent_scope"]
    with writing(engine) as connection:
        _write_consent(connection, int(story_id), consent, before, principal.name, now)
        change = change_of(before, consent.scope)
        audit(
            connection,
            principal,
            "story.consent",
            place=place,
            subject=f"story {story_id}",
            detail=f"consent {change}: scope {consent.scope}, review on {consent.review}",
        )
    return change


def read_consents(engine: Engine, principal: Principal, story_id: int) -> pl.DataFrame:
    """A story's consent records, oldest first (``CONSENT_SCHEMA``): its history; the last is
    its consent. Needs ``story.read`` where the story is."""
    guard_stored(engine, principal, story_id, "story.read")
    query = (
        select(
            StoryConsent.story_id,
            StoryConsent.given_by,
            StoryConsent.basis,
            StoryConsent.scope,
            StoryConsent.given_on,
            StoryConsent.review_on,
            StoryConsent.change,
            StoryConsent.recorded_by,
            StoryConsent.recorded_at.cast(String),
        )
        .where(StoryConsent.story_id == int(story_id))
        .order_by(StoryConsent.id)
    )
    frame = read_frame(engine, query, CONSENT_SCHEMA | {"recorded_at": pl.String()})
    return frame.with_columns(pl.col("recorded_at").str.to_datetime(time_unit="us", strict=False))
