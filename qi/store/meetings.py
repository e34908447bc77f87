"""Meetings of stewardship groups, and the decisions and actions they record.

A meeting is held on a day for an initiative or a place (or a place within an initiative), with
a title and notes. At a meeting the group records decisions (what was agreed) and actions (what
someone will do: an owner and a due date, open until marked done), each against a measure
(optionally at one place), a story, or the meeting as a whole: a group's actions are not all
about one chart ("invite the youth council"), so neither link is required.

An action stays open until someone marks it done, and every open action of earlier meetings of
the same initiative or place is listed at the next one (``carried_forward``). Writes record
who and when; marking an action done or reopening it records who changed it and when. Text is
stored as given and is plain text wherever it is shown. Reads return polars.
"""

from collections.abc import Sequence
from datetime import date

import polars as pl
from sqlalchemy import Connection, Engine, String, insert, select, update
from sqlalchemy.orm import aliased

from qi.access import Principal, Scope
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import new_id, writing
from qi.store.frames import read_frame
from qi.store.history import record_versions
from qi.store.limits import check_lengths
from qi.store.models import (
    Action,
    Initiative,
    Measure,
    Meeting,
    Place,
    Story,
)
from qi.store.readable import only_meetings, only_places, place_ids
from qi.vocabulary.meetings import ACTION_KINDS, ACTION_STATUSES

MEETING_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "title": pl.String(),
    "initiative": pl.String(),
    "place": pl.String(),
    "held_on": pl.Date(),
    "notes": pl.String(),
    "actor": pl.String(),
    "created_at": pl.Datetime("us"),
}
ACTION_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "meeting_id": pl.Int64(),
    "meeting": pl.String(),
    "held_on": pl.Date(),
    "kind": pl.String(),
    "text": pl.String(),
    "measure": pl.String(),
    "place": pl.String(),
    "story_id": pl.Int64(),
    "story": pl.String(),
    "owner": pl.String(),
    "due_on": pl.Date(),
    "status": pl.String(),
    "created_by": pl.String(),
    "created_at": pl.Datetime("us"),
    "updated_by": pl.String(),
    "updated_at": pl.Datetime("us"),
}


class MeetingError(ValueError):
    """A meeting or action cannot be recorded as given; the message says why and how to fix it.
    ``field`` names the argument at fault (text, owner...), for a form to show it beside it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _id(connection: Connection, column, key_column, value, what: str) -> int | None:
    if value is None:
        return None
    found = connection.execute(select(column).where(key_column == value)).scalar_one_or_none()
    if found is None:
        raise MeetingError(f"unknown {what} {value!r}; check the {what}'s code or name")
    return int(found)


def _meeting_scope(place: str | None, initiative: str | None) -> tuple[list, Scope | None]:
    """What a meeting's writes need ``meeting.write`` on: its place, else its initiative."""
    if place is not None:
        return [place], None
    return [], Scope.initiative(initiative) if initiative is not None else None


def _guard_meeting(engine: Engine, principal: Principal, meeting_id: int) -> tuple[str | None, str]:
    with engine.connect() as connection:
        found = connection.execute(
            select(Place.code, Initiative.name)
            .select_from(Meeting)
            .outerjoin(Place, Place.id == Meeting.place_id)
            .outerjoin(Initiative, Initiative.id == Meeting.initiative_id)
            .where(Meeting.id == meeting_id)
        ).first()
    if found is None:
        raise MeetingError(f"unknown meeting {meeting_id!r}; check the meeting's code or name")
    places, scope = _meeting_scope(found[0], found[1])
    guard(engine, principal, "meeting.write", places, scope=scope, subject=f"meeting {meeting_id}")
    return found[0], f"meeting {meeting_id}"


def add_meeting(
    engine: Engine,
    principal: Principal,
    *,
    title: str,
    held_on: date,
    initiative: str | None = None,
    place: str | None = None,
    notes: str | None = None,
) -> int:
    """Record a meeting for an initiative (by name) or a place (by code), or both; returns its
    id. ``principal`` needs ``meeting.write`` at the place (else over the initiative)."""
    if not title or not title.strip():
        raise MeetingError("a meeting needs a title, such as 'Stewardship group, June 2024'")
    if initiative is None and place is None:
        raise MeetingError(
            "a meeting is for an initiative or a place; give initiative=... or place=..."
        )
    if not isinstance(held_on, date):
        raise MeetingError(f"held_on must be a date, not {held_on!r}")
    check_lengths(Meeting, {"title": title, "actor": principal.name})
    places, scope = _meeting_scope(place, initiative)
    guard(engine, principal, "meeting.write", places, scope=scope, subject=f"meeting {title}"[:255])
    with writing(engine) as connection:
        meeting_id = new_id(
            connection.execute(
                insert(Meeting).values(
                    title=title,
                    held_on=held_on,
                    initiative_id=_id(
                        connection, Initiative.id, Initiative.name, initiative, "initiative"
                    ),
                    place_id=_id(connection, Place.id, Place.code, place, "place"),
                    notes=notes,
                    actor=principal.name,
                    created_at=clock.now(),
                )
            )
        )
        audit(connection, principal, "meeting.add", place=place, subject=f"meeting {meeting_id}")
        return meeting_id


def add_action(
    engine: Engine,
    principal: Principal,
    meeting_id: int,
    *,
    text: str,
    kind: str = "action",
    owner: str | None = None,
    due_on: date | None = None,
    measure: str | None = None,
    place: str | None = None,
    story_id: int | None = None,
) -> int:
    """Record a decision or an action at a meeting; returns its id.

    An action needs an owner and a due date (an action nobody owns is not done) and starts
    open. A decision records what was agreed; it may name an owner but has no status.
    ``place`` narrows a measure to one place, so it needs ``measure``. ``principal`` needs
    ``meeting.write`` where the meeting is (and at ``place``).
    """
    if kind not in ACTION_KINDS:
        raise MeetingError(f"unknown kind {kind!r}; choose one of: {', '.join(ACTION_KINDS)}")
    if not text or not text.strip():
        raise MeetingError(
            f"a {kind} needs a text saying what was agreed or what will be done", "text"
        )
    if kind == "action" and not (owner and owner.strip()):
        raise MeetingError("an action needs an owner: who will do it", "owner")
    if kind == "action" and due_on is None:
        raise MeetingError("an action needs a due date: when it will be done by", "due_on")
    if place is not None and measure is None:
        raise MeetingError("a place narrows a measure; give the measure too, or leave out place")
    when = clock.now()
    who = principal.name
    check_lengths(Action, {"kind": kind, "owner": owner, "created_by": who})
    meeting_place, subject = _guard_meeting(engine, principal, meeting_id)
    if place is not None:
        guard(engine, principal, "meeting.write", [place], subject=subject)
    with writing(engine) as connection:
        _id(connection, Story.id, Story.id, story_id, "story")
        action_id = new_id(
            connection.execute(
                insert(Action).values(
                    meeting_id=meeting_id,
                    kind=kind,
                    text=text,
                    measure_id=_id(connection, Measure.id, Measure.code, measure, "measure"),
                    place_id=_id(connection, Place.id, Place.code, place, "place"),
                    story_id=story_id,
                    owner=owner,
                    due_on=due_on,
                    status="open" if kind == "action" else None,
                    created_by=who,
                    created_at=when,
                    updated_by=who,
                    updated_at=when,
                )
            )
        )
        record_versions(connection, Action, [action_id], "created", who, when)
        audit(
            connection,
            principal,
            f"{kind}.add",
            place=place or meeting_place,
            subject=f"{kind} {action_id} at {subject}",
        )
        return action_id


def set_action_status(engine: Engine, principal: Principal, action_id: int, status: str) -> None:
    """Mark an action done, or open again; records who changed it and when. ``principal``
    needs ``meeting.write`` where the action's meeting is."""
    if status not in ACTION_STATUSES:
        raise MeetingError(
            f"unknown status {status!r}; choose one of: {', '.join(ACTION_STATUSES)}"
        )
    with engine.connect() as connection:
        found = connection.execute(
            select(Action.kind, Action.meeting_id).where(Action.id == action_id)
        ).first()
    if found is None:
        raise MeetingError(f"no action {action_id}")
    meeting_place, subject = _guard_meeting(engine, principal, found.meeting_id)
    with writing(engine) as connection:
        kind = connection.execute(select(Action.kind).where(Action.id == action_id)).scalar()
        if kind != "action":
            raise MeetingError(f"{action_id} is a decision, which has no status to change")
        who, when = principal.name, clock.now()
        check_lengths(Action, {"updated_by": who})
        connection.execute(
            update(Action)
            .where(Action.id == action_id)
            .values(status=status, updated_by=who, updated_at=when)
        )
        record_versions(connection, Action, [action_id], "updated", who, when)
        audit(
            connection,
            principal,
            "action.status",
            place=meeting_place,
            subject=f"action {action_id} at {subject}",
            detail=status,
        )


def read_meetings(
    engine: Engine,
    principal: Principal,
    initiative: str | None = None,
    place: str | None = None,
    before: date | None = None,
) -> pl.DataFrame:
    """Meetings (``MEETING_SCHEMA``), newest first; filters on initiative name, place code,
    and held strictly before a day. Only the meetings ``principal`` may read: at a place it
    may read, or for an initiative with a place it may read."""
    query = (
        select(
            Meeting.id,
            Meeting.title,
            Initiative.name,
            Place.code,
            Meeting.held_on,
            Meeting.notes,
            Meeting.actor,
            Meeting.created_at.cast(String),
        )
        .outerjoin(Initiative, Initiative.id == Meeting.initiative_id)
        .outerjoin(Place, Place.id == Meeting.place_id)
        .where(only_meetings(place_ids(engine, principal)))
    )
    frame = read_frame(engine, query, MEETING_SCHEMA | {"created_at": pl.String()}).with_columns(
        pl.col("created_at").str.to_datetime(time_unit="us", strict=False)
    )
    frame = _subject(frame, initiative, place)
    if before is not None:
        frame = frame.filter(pl.col("held_on") < before)
    return frame.sort(["held_on", "id"], descending=True)


def _subject(frame: pl.DataFrame, initiative: str | None, place: str | None) -> pl.DataFrame:
    if initiative is not None:
        frame = frame.filter(pl.col("initiative") == initiative)
    if place is not None:
        frame = frame.filter(pl.col("place") == place)
    return frame


def last_meeting(
    engine: Engine,
    principal: Principal,
    initiative: str | None = None,
    place: str | None = None,
    before: date | None = None,
) -> dict | None:
    """The most recent meeting of this initiative or place (before a day, if given), or None."""
    meetings = read_meetings(engine, principal, initiative=initiative, place=place, before=before)
    return meetings.row(0, named=True) if meetings.height else None


def read_actions(
    engine: Engine,
    principal: Principal,
    *,
    meetings: int | Sequence[int] | None = None,
    initiative: str | None = None,
    place: str | None = None,
    status: str | None = None,
    held_before: date | None = None,
    measures: str | Sequence[str] | None = None,
    story_id: int | None = None,
) -> pl.DataFrame:
    """Decisions and actions (``ACTION_SCHEMA``) with their meeting's title and day, ordered by
    meeting day, then open actions by due date. Filters: meeting ids, the meeting's initiative
    or place, status (open/done), meetings held strictly before a day, measure, story. Only
    the actions ``principal`` may read: of a meeting it may read (see ``read_meetings``), at a
    place it may read or at none."""
    meeting_place = aliased(Place)
    readable = place_ids(engine, principal)
    query = (
        select(
            Action.id,
            Action.meeting_id,
            Meeting.title,
            Meeting.held_on,
            Action.kind,
            Action.text,
            Measure.code,
            Place.code,
            Action.story_id,
            Story.title,
            Action.owner,
            Action.due_on,
            Action.status,
            Action.created_by,
            Action.created_at.cast(String),
            Action.updated_by,
            Action.updated_at.cast(String),
            Initiative.name,
            meeting_place.code,
        )
        .join(Meeting, Meeting.id == Action.meeting_id)
        .outerjoin(Measure, Measure.id == Action.measure_id)
        .outerjoin(Place, Place.id == Action.place_id)
        .outerjoin(Story, Story.id == Action.story_id)
        .outerjoin(Initiative, Initiative.id == Meeting.initiative_id)
        .outerjoin(meeting_place, meeting_place.id == Meeting.place_id)
        .where(
            only_meetings(readable),
            only_places(Action.place_id, readable, nullable=True),
        )
    )
    if meetings is not None:
        ids = [meetings] if isinstance(meetings, int) else list(meetings)
        query = query.where(Action.meeting_id.in_([int(i) for i in ids]))
    if held_before is not None:
        query = query.where(Meeting.held_on < held_before)
    if story_id is not None:
        query = query.where(Action.story_id == int(story_id))
    wire = ACTION_SCHEMA | {
        "created_at": pl.String(),
        "updated_at": pl.String(),
        "_initiative": pl.String(),
        "_place": pl.String(),
    }
    frame = read_frame(engine, query, wire).with_columns(
        pl.col("created_at", "updated_at").str.to_datetime(time_unit="us", strict=False)
    )
    if initiative is not None:
        frame = frame.filter(pl.col("_initiative") == initiative)
    if place is not None:
        frame = frame.filter(pl.col("_place") == place)
    if status is not None:
        if status not in ACTION_STATUSES:
            raise MeetingError(
                f"unknown status {status!r}; choose one of: {', '.join(ACTION_STATUSES)}"
            )
        frame = frame.filter(pl.col("status") == status)
    if measures is not None:
        wanted = [measures] if isinstance(measures, str) else list(measures)
        frame = frame.filter(pl.col("measure").is_in(wanted))
    return frame.drop("_initiative", "_place").sort(
        ["held_on", "meeting_id", "due_on", "id"], nulls_last=True
    )


def carried_forward(engine: Engine, principal: Principal, meeting_id: int) -> pl.DataFrame:
    """The open actions of earlier meetings of the same initiative or place: the list a
    meeting starts with (``ACTION_SCHEMA``, oldest meeting first, then by due date); those
    ``principal`` may read (a meeting it may not read is not found)."""
    meetings = read_meetings(engine, principal)
    found = meetings.filter(pl.col("id") == meeting_id)
    if found.height == 0:
        raise MeetingError(f"no meeting {meeting_id}")
    meeting = found.row(0, named=True)
    return open_actions(
        engine,
        principal,
        initiative=meeting["initiative"],
        place=meeting["place"],
        held_before=meeting["held_on"],
    )


def open_actions(
    engine: Engine,
    principal: Principal,
    initiative: str | None = None,
    place: str | None = None,
    held_before: date | None = None,
) -> pl.DataFrame:
    """Open actions of the meetings of this initiative and/or place (held before a day)."""
    if initiative is None and place is None:
        raise MeetingError("open actions of which initiative or place? give one")
    return read_actions(
        engine,
        principal,
        initiative=initiative,
        place=place,
        status="open",
        held_before=held_before,
    )
