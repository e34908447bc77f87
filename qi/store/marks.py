"""Change marks: a cheap token that changes whenever what a review shows may have changed.

``read_change_marks()`` reads, in one round trip, the newest id of each append-only record
(uploads, annotation, measure, place and story versions, meetings) and the size of the
initiatives' links. Every write the store makes to observations, annotations, stories, measures,
places and meetings adds such a row (``qi.store.history``); PDSA cycles, their links and the
panel's story selections are marked by count and newest edit. Equal marks mean the same data:
a cache of a computed review (the app's meeting view) is fresh while the marks are equal.
Decisions and actions are not marked: they are cheap to read afresh every time.
"""

from sqlalchemy import Engine, func, select

from qi.store.models import (
    AnnotationCycle,
    AnnotationVersion,
    InitiativeMeasure,
    InitiativePlace,
    MeasureVersion,
    Meeting,
    PdsaCycle,
    PlaceVersion,
    StorySelection,
    StoryVersion,
    Upload,
)

# Links are marked by their count and the sum of their ids: replacing an initiative's places or
# measures changes one or the other.
LINK_WEIGHT = 1_000_003


def read_change_marks(engine: Engine) -> tuple:
    """A tuple equal between two calls only if no observation, annotation, story, measure,
    place, initiative or meeting was written in between."""
    marks = [
        select(func.max(table.id)).scalar_subquery()
        for table in (Upload, AnnotationVersion, MeasureVersion, PlaceVersion, StoryVersion)
    ]
    marks.append(select(func.max(Meeting.id)).scalar_subquery())
    for link, column in (
        (InitiativeMeasure, InitiativeMeasure.measure_id),
        (InitiativePlace, InitiativePlace.place_id),
    ):
        marks.append(
            select(func.count() * LINK_WEIGHT + func.coalesce(func.sum(column), 0))
            .select_from(link)
            .scalar_subquery()
        )
    # PDSA cycles are edited in place (a cycle ends): their count and newest edit; the panel's
    # story selections and the annotations' links to cycles by count and newest change.
    marks.append(select(func.count()).select_from(PdsaCycle).scalar_subquery())
    marks.append(select(func.max(PdsaCycle.updated_at)).scalar_subquery())
    marks.append(select(func.count()).select_from(AnnotationCycle).scalar_subquery())
    marks.append(select(func.max(AnnotationCycle.linked_at)).scalar_subquery())
    marks.append(select(func.count()).select_from(StorySelection).scalar_subquery())
    marks.append(select(func.max(StorySelection.id)).scalar_subquery())
    with engine.connect() as connection:
        row = connection.execute(select(*marks)).one()
    return tuple(row)
