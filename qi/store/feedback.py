"""Closing the loop: which stories a panel chose as most significant, what was done with what
people said ("you said, we did"), and the partnership's participation level per quarter.

- ``select_story``: a panel shortlists or selects a story for an outcome domain and period,
  and records why (Most Significant Change); ``read_selections``.
- ``add_response``: what changed because of a story (linked to an annotation, or a meeting's
  action or decision), or why nothing could change yet; when and how it was told back;
  ``read_responses``; ``waiting_inputs``: the stories from children, young people, families and
  communities that nobody has answered yet, and for how long.
- ``record_participation``: the level of participation in a quarter, with its evidence;
  ``read_participation``.

Stories themselves are in ``qi.store.stories``; these tables only point at them. Each write
takes the principal (second argument), needs ``feedback.write`` (coaches and stewards) where the
story is (its place, else its initiative, else a grant over everything) or, for participation,
over the initiative or everything; it is audited, and records who and when. Each refusal
(``FeedbackError``) says what is wrong and how to fix it.

Each read takes the principal too (issue 12, defence in depth) and keeps, in its SQL, to the
stories ``qi.store.stories.read_stories`` would give that principal for the ``audience``
(``readable_stories``, the same condition in their WHERE): a query about another place's stories
returns nothing.
"""

from datetime import date

import polars as pl
from sqlalchemy import Engine, String, false, insert, select, true

from qi.access import Principal, Scope
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import writing
from qi.store.frames import read_frame
from qi.store.limits import check_lengths
from qi.store.models import (
    Action,
    Annotation,
    FeedbackResponse,
    Initiative,
    ParticipationLevel,
    Place,
    Story,
    StorySelection,
)
from qi.store.readable import only_initiatives, place_ids
from qi.store.stories import guard_stored, readable_stories
from qi.vocabulary.outcomes import INPUT_VOICES, RESPONSE_KINDS, SELECTION_STATUSES
from qi.vocabulary.stories import (
    DOMAINS,
    PARTICIPATION,
    PARTICIPATION_ORDER,
    StoryError,
    code_problem,
)


class FeedbackError(ValueError):
    """A selection, response or participation level cannot be kept as given."""


def _check(code: str, choices, what: str) -> None:
    problem = code_problem(code, dict(choices), what)
    if problem:
        raise FeedbackError(problem)


def _guard_story(engine: Engine, principal: Principal, story_id: int) -> str | None:
    """``feedback.write`` where the story is: its place, else its initiative, else everything
    (refused and audited otherwise). Returns the story's place code."""
    try:
        return guard_stored(engine, principal, story_id, "feedback.write")
    except StoryError:
        raise FeedbackError(
            f"there is no story {story_id}; choose a story that is recorded"
        ) from None


def select_story(
    engine: Engine,
    principal: Principal,
    story_id: int,
    panel: str,
    domain: str,
    period_start: date,
    period_end: date,
    why: str,
    status: str = "selected",
) -> int:
    """Record that ``panel`` shortlisted or selected the story for ``domain`` over the period,
    and why (a selection needs its reason). Returns the selection's id."""
    _check(domain, DOMAINS, "outcome domain")
    _check(status, SELECTION_STATUSES, "selection")
    if not panel or not panel.strip():
        raise FeedbackError(
            "say which panel chose the story (for example the young people's panel)"
        )
    if status == "selected" and (not why or not why.strip()):
        raise FeedbackError(
            "say why the panel chose this story: the reason is what others learn from"
        )
    if period_end < period_start:
        raise FeedbackError(
            f"the period ends ({period_end}) before it starts ({period_start}); swap the dates"
        )
    values = dict(
        story_id=int(story_id),
        panel=panel.strip(),
        domain=domain,
        period_start=period_start,
        period_end=period_end,
        status=status,
        why=why or "",
        actor=principal.name,
        created_at=clock.now(),
    )
    check_lengths(StorySelection, values)
    place = _guard_story(engine, principal, story_id)
    with writing(engine) as connection:
        selection_id = connection.execute(
            insert(StorySelection).values(**values).returning(StorySelection.id)
        ).scalar_one()
        audit(
            connection,
            principal,
            "feedback.select",
            place=place,
            subject=f"story {story_id}",
            detail=f"{status} by {values['panel']} for {domain}"[:255],
        )
        return selection_id


SELECTION_SCHEMA: dict[str, pl.DataType] = {
    "story_id": pl.Int64(),
    "title": pl.String(),
    "place": pl.String(),
    "panel": pl.String(),
    "domain": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "status": pl.String(),
    "why": pl.String(),
}


def read_selections(
    engine: Engine, principal: Principal, status: str | None = None, *, audience: str
) -> pl.DataFrame:
    """Selections (``SELECTION_SCHEMA``) of the stories ``principal`` may read for
    ``audience``, latest period first; ``status`` keeps one kind."""
    query = (
        select(
            StorySelection.story_id,
            Story.title,
            Place.code,
            StorySelection.panel,
            StorySelection.domain,
            StorySelection.period_start,
            StorySelection.period_end,
            StorySelection.status,
            StorySelection.why,
        )
        .join(Story, Story.id == StorySelection.story_id)
        .outerjoin(Place, Place.id == Story.place_id)
        .where(readable_stories(engine, principal, audience=audience))
        .order_by(StorySelection.period_end.desc(), StorySelection.id)
    )
    if status is not None:
        _check(status, SELECTION_STATUSES, "selection")
        query = query.where(StorySelection.status == status)
    return read_frame(engine, query, SELECTION_SCHEMA)


def add_response(
    engine: Engine,
    principal: Principal,
    story_id: int,
    kind: str,
    text: str,
    annotation_id: int | None = None,
    action_id: int | None = None,
    told_back_on: date | None = None,
    told_back_how: str | None = None,
) -> int:
    """Record what came of a story: ``changed`` (what changed, best linked to the annotation or
    the meeting's action or decision that records it) or ``not_yet`` (why nothing could change
    yet: saying so is a reply too); and, once done, when and how it was told back. Returns the
    response's id."""
    _check(kind, RESPONSE_KINDS, "response")
    if not text or not text.strip():
        what = "what changed" if kind == "changed" else "why nothing could change yet"
        raise FeedbackError(f"say {what}, in words the people who said it will understand")
    if (told_back_on is None) != (not told_back_how):
        raise FeedbackError(
            "give both when and how it was told back (for example 2025-05-01, at the youth "
            "forum), or neither if it has not been told back yet"
        )
    today = clock.now().date()
    if told_back_on is not None and told_back_on > today:
        raise FeedbackError(
            f"it was told back on {told_back_on}, which is in the future; give the day it was told"
        )
    values = dict(
        story_id=int(story_id),
        kind=kind,
        text=text.strip(),
        annotation_id=annotation_id,
        action_id=action_id,
        told_back_on=told_back_on,
        told_back_how=told_back_how or None,
        actor=principal.name,
        created_at=clock.now(),
    )
    place = _guard_story(engine, principal, story_id)
    with writing(engine) as connection:
        for key, model, what in (
            (annotation_id, Annotation, "annotation"),
            (action_id, Action, "action or decision"),
        ):
            if (
                key is not None
                and connection.execute(select(model.id).where(model.id == key)).first() is None
            ):
                raise FeedbackError(f"there is no {what} {key}; link one that is recorded")
        response_id = connection.execute(
            insert(FeedbackResponse).values(**values).returning(FeedbackResponse.id)
        ).scalar_one()
        audit(
            connection,
            principal,
            "feedback.reply",
            place=place,
            subject=f"story {story_id}",
            detail=kind,
        )
        return response_id


RESPONSE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "story_id": pl.Int64(),
    "title": pl.String(),
    "narrative": pl.String(),
    "told_on": pl.Date(),
    "place": pl.String(),
    "initiative": pl.String(),
    "kind": pl.String(),
    "text": pl.String(),
    "annotation_id": pl.Int64(),
    "action_id": pl.Int64(),
    "told_back_on": pl.Date(),
    "told_back_how": pl.String(),
}


def read_responses(
    engine: Engine,
    principal: Principal,
    place: str | None = None,
    initiative: str | None = None,
    *,
    audience: str,
) -> pl.DataFrame:
    """Responses with their stories (``RESPONSE_SCHEMA``), newest story first: only replies
    about stories ``principal`` may read for ``audience``; ``place`` and ``initiative`` keep
    the stories of one place or initiative."""
    query = (
        select(
            FeedbackResponse.id,
            FeedbackResponse.story_id,
            Story.title,
            Story.narrative,
            Story.told_on,
            Place.code,
            Initiative.name,
            FeedbackResponse.kind,
            FeedbackResponse.text,
            FeedbackResponse.annotation_id,
            FeedbackResponse.action_id,
            FeedbackResponse.told_back_on,
            FeedbackResponse.told_back_how,
        )
        .join(Story, Story.id == FeedbackResponse.story_id)
        .outerjoin(Place, Place.id == Story.place_id)
        .outerjoin(Initiative, Initiative.id == Story.initiative_id)
        .where(readable_stories(engine, principal, audience=audience))
        .order_by(Story.told_on.desc(), FeedbackResponse.id)
    )
    return read_frame(engine, _of(engine, query, place, initiative), RESPONSE_SCHEMA)


def _of(engine: Engine, query, place: str | None, initiative: str | None):
    """``query`` (about stories) kept to one place's or one initiative's stories, when given.
    The code and the name are resolved to ids first (``read_frame`` renders literals)."""
    for value, model, key, column in (
        (place, Place, Place.code, Story.place_id),
        (initiative, Initiative, Initiative.name, Story.initiative_id),
    ):
        if value is not None:
            with engine.connect() as connection:
                found = connection.execute(select(model.id).where(key == value)).scalar()
            query = query.where(column == int(found) if found is not None else false())
    return query


WAITING_SCHEMA: dict[str, pl.DataType] = {
    "story_id": pl.Int64(),
    "title": pl.String(),
    "told_on": pl.Date(),
    "place": pl.String(),
    "initiative": pl.String(),
    "voice": pl.String(),
    "days_waiting": pl.Int64(),
}


def waiting_inputs(
    engine: Engine,
    principal: Principal,
    today: date,
    place: str | None = None,
    initiative: str | None = None,
    *,
    audience: str,
) -> pl.DataFrame:
    """Stories in the voice of children, young people, parents, carers or community members
    (``INPUT_VOICES``) told on or before ``today`` with no response yet, longest waiting first,
    with the days each has waited (``WAITING_SCHEMA``): only stories ``principal`` may read for
    ``audience``."""
    answered = select(FeedbackResponse.story_id)
    query = (
        select(
            Story.id,
            Story.title,
            Story.told_on,
            Place.code,
            Initiative.name,
            Story.voice,
        )
        .outerjoin(Place, Place.id == Story.place_id)
        .outerjoin(Initiative, Initiative.id == Story.initiative_id)
        .where(
            Story.voice.in_(INPUT_VOICES),
            Story.id.not_in(answered),
            Story.told_on <= today,
            readable_stories(engine, principal, audience=audience),
        )
        .order_by(Story.told_on, Story.id)
    )
    schema = {k: v for k, v in WAITING_SCHEMA.items() if k != "days_waiting"}
    frame = read_frame(engine, _of(engine, query, place, initiative), schema)
    return frame.with_columns(
        (pl.lit(today) - pl.col("told_on")).dt.total_days().cast(pl.Int64).alias("days_waiting")
    )


def record_participation(
    engine: Engine,
    principal: Principal,
    quarter: date,
    level: str,
    evidence: str,
    initiative: str | None = None,
) -> int:
    """Record the level of participation (Shier's five levels) reached in the quarter that
    ``quarter`` falls in, with the evidence; for an initiative, or the whole partnership.
    Returns the record's id; a later record of the same quarter is the one read.
    ``principal`` needs ``feedback.write`` over the initiative, or over everything for the
    whole partnership."""
    _check(level, PARTICIPATION, "level of participation")
    if not evidence or not evidence.strip():
        raise FeedbackError("give the evidence for the level: what children and young people did")
    start = date(quarter.year, 3 * ((quarter.month - 1) // 3) + 1, 1)
    subject = f"participation {start.isoformat()}"
    if initiative is not None:
        scope = Scope.initiative(initiative)
        guard(engine, principal, "feedback.write", scope=scope, subject=subject)
    else:
        guard(engine, principal, "feedback.write", [None], subject=subject)
    with writing(engine) as connection:
        initiative_id = None
        if initiative is not None:
            initiative_id = connection.execute(
                select(Initiative.id).where(Initiative.name == initiative)
            ).scalar()
            if initiative_id is None:
                raise FeedbackError(f"unknown initiative {initiative!r}; check its name")
        record_id = connection.execute(
            insert(ParticipationLevel)
            .values(
                initiative_id=initiative_id,
                quarter=start,
                level=level,
                evidence=evidence.strip(),
                actor=principal.name,
                created_at=clock.now(),
            )
            .returning(ParticipationLevel.id)
        ).scalar_one()
        audit(
            connection,
            principal,
            "feedback.participation",
            subject=subject if initiative is None else f"{subject}, {initiative}"[:255],
            detail=level,
        )
        return record_id


PARTICIPATION_SCHEMA: dict[str, pl.DataType] = {
    "quarter": pl.Date(),
    "initiative": pl.String(),
    "level": pl.String(),
    "rank": pl.Int64(),
    "evidence": pl.String(),
}


def read_participation(
    engine: Engine, principal: Principal, initiative: str | None = None
) -> pl.DataFrame:
    """The level per quarter (``PARTICIPATION_SCHEMA``, ``rank`` 1 to 5), oldest first: the
    whole partnership's, or one initiative's. The latest record of a quarter counts.

    Who may read it: the levels are judged from, and their evidence tells of, what children
    and young people said and did, which is what stories hold; so it needs ``story.read``, not
    ``data.read`` (a locality, who reads data but not stories, gets nothing). The whole
    partnership's level, with ``story.read`` somewhere; an initiative's, with ``story.read`` at
    one of its places. It is not about one story, so no consent scope applies."""
    readable = place_ids(engine, principal, "story.read")
    query = (
        select(
            ParticipationLevel.id,
            ParticipationLevel.quarter,
            Initiative.name.cast(String),
            ParticipationLevel.level,
            ParticipationLevel.evidence,
        )
        .outerjoin(Initiative, Initiative.id == ParticipationLevel.initiative_id)
        .where(
            only_initiatives(ParticipationLevel.initiative_id, readable)
            | (ParticipationLevel.initiative_id.is_(None) & (true() if readable != [] else false()))
        )
        .order_by(ParticipationLevel.id)
    )
    frame = read_frame(
        engine,
        query,
        {
            "id": pl.Int64(),
            "quarter": pl.Date(),
            "initiative": pl.String(),
            "level": pl.String(),
            "evidence": pl.String(),
        },
    )
    frame = frame.filter(
        pl.col("initiative").is_null() if initiative is None else pl.col("initiative") == initiative
    )
    return (
        frame.unique("quarter", keep="last", maintain_order=True)
        .sort("quarter")
        .with_columns(
            pl.col("level").replace_strict(PARTICIPATION_ORDER, return_dtype=pl.Int64).alias("rank")
        )
        .select(list(PARTICIPATION_SCHEMA))
    )
