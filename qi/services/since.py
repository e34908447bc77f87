"""What is new since the last meeting: signals, annotations and recalculations, and stories.

Given a day (usually the day of the group's last meeting, see
``qi.store.meetings.last_meeting``), ``since()`` lists:

- new signals (the rule named in plain words): charted points that carry a special-cause
  signal and are new, meaning their period is after the day, or their value was stored on or
  after the day for a recent period
  (within ``LATE_DATA_DAYS`` before the day: monthly data arrives weeks after the month it
  describes, so a signal for May uploaded in late June is news at the July meeting even though
  May was before the June meeting);
- annotations recorded on or after the day that still stand, each named as what it does: an
  annotation, a recalculation of the limits (new phase) or an exclusion; and the undoing of
  annotations the group saw before the day. An annotation made and undone since the day is not
  news: the chart is as it was;
- stories of change recorded on or after the day.

"On or after": what was recorded on the meeting day itself is listed again rather than risk
missing what was added after the meeting closed. Signals come from the same charted points the
meeting view shows (``qi.services.review.measure_view``: the measure's own chart, rules, phases and
exclusions), never recomputed another way. Nothing here draws or writes.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.services.review import MeasureView
from qi.store.annotations import read_annotations
from qi.store.observations import read_series, read_upload_times
from qi.store.stories import read_stories
from qi.text import count, period
from qi.text.signals import with_signal_words

SIGNAL_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "place": pl.String(),
    "period": pl.Date(),
    "value": pl.Float64(),
    "point_type": pl.String(),
    "signal": pl.String(),
    "stored_at": pl.Datetime("us"),
}
# Late data: a value stored after the meeting counts as news only if its period is this recent,
# so a first upload of several years' history does not report every past signal as new.
# Monthly NHS and local-authority returns arrive within about two months of the period's end.
LATE_DATA_DAYS = 92


@dataclass(frozen=True)
class Since:
    """What is new since ``when``: ``signals`` (``SIGNAL_SCHEMA``), ``annotations`` (the
    annotations' columns plus ``event`` and ``event_at``) and ``stories`` (``read_stories``)."""

    when: date
    signals: pl.DataFrame
    annotations: pl.DataFrame
    stories: pl.DataFrame

    @property
    def is_empty(self) -> bool:
        return not (self.signals.height or self.annotations.height or self.stories.height)

    def sentence(self) -> str:
        """For example "Since 10 June 2024: 2 new signals on 1 chart, 1 new annotation or
        recalculation and no new stories." (a chart: a measure at a place; the pack and the
        meeting view list the charts, so the count of charts is said beside the signals')."""
        signals = count(self.signals.height, "new signal", zero="no")
        if self.signals.height:
            charts = self.signals.select("measure", "place").unique().height
            signals += f" on {count(charts, 'chart')}"
        annotations = count(
            self.annotations.height,
            "new annotation or recalculation",
            "new annotations or recalculations",
            zero="no",
        )
        stories = count(self.stories.height, "new story", "new stories", zero="no")
        return f"Since {period(self.when, 'day')}: {signals}, {annotations} and {stories}."


def _start_of(when: date) -> datetime:
    return datetime(when.year, when.month, when.day)


def new_signals(
    points: pl.DataFrame, when: date, stored_at: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The signalled points (``spc()``'s, with measure and place) that are new since ``when``:
    period after it, or stored on or after it (``stored_at``: measure, place, period,
    stored_at). Pure; ``SIGNAL_SCHEMA``, newest period first."""
    if points.height == 0:
        return pl.DataFrame(schema=SIGNAL_SCHEMA)
    signalled = with_signal_words(points.filter(pl.col("signal").is_not_null()), "_label")
    if stored_at is None:
        stored_at = pl.DataFrame(
            schema={k: SIGNAL_SCHEMA[k] for k in ("measure", "place", "period", "stored_at")}
        )
    signalled = signalled.join(stored_at, on=["measure", "place", "period"], how="left")
    late = (pl.col("stored_at") >= _start_of(when)) & (
        pl.col("period") > when - timedelta(days=LATE_DATA_DAYS)
    )
    new = signalled.filter((pl.col("period") > when) | late)
    return new.select(
        "measure",
        "place",
        pl.col("period").cast(pl.Date),
        "value",
        pl.col("point_type").cast(pl.String),
        pl.col("_label").cast(pl.String).alias("signal"),
        "stored_at",
    ).sort(["period", "measure", "place"], descending=[True, False, False])


def annotation_events(annotations: pl.DataFrame, when: date) -> pl.DataFrame:
    """Annotations recorded on or after ``when`` that still stand, and those recorded before it
    and undone since, one row per event (pure)."""
    start = _start_of(when)
    kind = (
        pl.when(pl.col("new_phase"))
        .then(pl.lit("recalculation"))
        .when(pl.col("exclude"))
        .then(pl.lit("exclusion"))
        .otherwise(pl.lit("annotation"))
    )
    made = annotations.filter(
        (pl.col("created_at") >= start) & pl.col("undone_at").is_null()
    ).with_columns(kind.alias("event"), pl.col("created_at").alias("event_at"))
    undone = annotations.filter(
        (pl.col("undone_at") >= start) & (pl.col("created_at") < start)
    ).with_columns(pl.lit("undone").alias("event"), pl.col("undone_at").alias("event_at"))
    return pl.concat([made, undone]).sort("event_at", "id")


def _stored_at(
    engine: Engine,
    principal: Principal,
    measures: list[str],
    places: list[str],
    series: pl.DataFrame | None,
) -> pl.DataFrame:
    """When each observation's current value was stored (its upload's time); from ``series``
    (``read_series``' rows of at least these measures and places) when already read."""
    schema = {
        "measure": pl.String(),
        "place": pl.String(),
        "period": pl.Date(),
        "stored_at": pl.Datetime("us"),
    }
    if not measures or not places:
        return pl.DataFrame(schema=schema)
    if series is None:
        series = read_series(engine, principal, measures=measures, places=places)
    else:
        series = series.filter(pl.col("measure").is_in(measures) & pl.col("place").is_in(places))
    series = series.select("measure", "place", "period", "upload_id")
    uploads = read_upload_times(engine, series.get_column("upload_id").unique().to_list())
    return series.join(
        uploads.rename({"uploaded_at": "stored_at"}), on="upload_id", how="left"
    ).select(list(schema))


def since(
    engine: Engine,
    principal: Principal,
    when: date,
    views: Mapping[str, MeasureView],
    *,
    initiative: str | None = None,
    places: Sequence[str] | None = None,
    series: pl.DataFrame | None = None,
) -> Since:
    """What is new since ``when`` for these measure views (``qi.services.review.measure_view`` by
    measure code), their places, and the stories of this initiative or these places.
    ``series``: the views' observations (``read_series``), when already read."""
    measures = list(views)
    shown = sorted({p for v in views.values() for p in v.places} | set(places or []))
    points = [v.points for v in views.values() if v.points.height]
    signals = new_signals(
        pl.concat(points, how="diagonal_relaxed") if points else pl.DataFrame(),
        when,
        _stored_at(engine, principal, measures, shown, series),
    )
    annotations = (
        annotation_events(
            read_annotations(
                engine, principal, measures=measures, places=shown, include_undone=True
            ),
            when,
        )
        if measures
        else pl.DataFrame()
    )
    # What a meeting shows: the stories whose consent reaches the partnership.
    stories = read_stories(engine, principal, audience="partnership", created_since=when)
    about = pl.lit(False)
    if initiative is not None:
        about = about | (pl.col("initiative") == initiative)
    if places:
        about = about | pl.col("place").is_in(list(places))
    if measures:
        about = about | pl.col("measures").list.eval(pl.element().is_in(measures)).list.any()
    return Since(when=when, signals=signals, annotations=annotations, stories=stories.filter(about))
