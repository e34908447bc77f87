"""The meeting view: what a stewardship group reviews for an initiative or a place.

``summary_matrix()`` is pure: the charted points and their summaries in, one row per
measure x place out, with the variation and assurance icons (by name and in words), the latest
value, the target and a one-line reading; measures showing special cause come first (concern
before improvement). ``matrix_grid()`` pivots it to measures (rows) by places (columns) of
words, for a table or the board pack.

``meeting_review()`` gathers everything a meeting (and its board pack) shows, so the app's
meeting page and ``qi report`` stay thin: a ``MeasureView`` per measure, the matrix, the stories
linked to each measure, the actions (open ones and those of recent meetings) and what is new
since a day. Charts come from ``qi.services.review``, readings from ``qi.text.reading``; nothing is
computed here that the engine has not decided, and nothing is drawn.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.services.effects import EffectAt, effects_at_change_points
from qi.services.feedback import selected_first
from qi.services.pdsa import cycles_ended
from qi.services.review import MeasureView, ReviewError, measure_views
from qi.services.since import Since, since
from qi.store import clock
from qi.store.definitions import (
    initiative_measures,
    read_initiatives,
    read_measures,
    read_places,
)
from qi.store.meetings import last_meeting, read_actions
from qi.store.observations import read_series, read_series_index
from qi.store.stories import read_stories, story_links, story_markers
from qi.text.reading import readings
from qi.vocabulary.points import ICON_LABELS, NO_ASSURANCE_ICON, NO_VARIATION_ICON

SERIES = ["measure", "place"]
# Matrix order: concern first, then other special cause, then common cause.
CONCERN_ICONS = ("concern_high", "concern_low")
COMMON_CAUSE = "common_cause"

MATRIX_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "measure_name": pl.String(),
    "place": pl.String(),
    "unit": pl.String(),
    "variation_icon": pl.String(),
    "variation": pl.String(),
    "assurance_icon": pl.String(),
    "assurance": pl.String(),
    "latest_period": pl.Date(),
    "latest_value": pl.Float64(),
    "target": pl.Float64(),
    "special_cause": pl.Boolean(),
    "signals": pl.Int64(),
    "reading": pl.String(),
}


def icon_key() -> pl.DataFrame:
    """Every icon with its meaning in words (the key printed beside the matrix)."""
    return pl.DataFrame(
        {"icon": list(ICON_LABELS), "meaning": list(ICON_LABELS.values())},
        schema={"icon": pl.String, "meaning": pl.String},
    )


def summary_matrix(
    points: pl.DataFrame, summary: pl.DataFrame, measures: pl.DataFrame
) -> pl.DataFrame:
    """One row per measure x place (``MATRIX_SCHEMA``), measures with special cause first.

    ``points``: ``spc()``'s points with ``measure`` and ``place`` columns (many measures);
    ``summary``: ``summarise(points, by=["measure", "place"])``; ``measures``: the definitions
    (``read_measures()``: code, name, unit). A measure's rank is its most pressing cell: any
    special cause concern, then any other special cause, then common cause; then by name.
    """
    if summary.height == 0:
        return pl.DataFrame(schema=MATRIX_SCHEMA)
    names = measures.select(
        pl.col("code").alias("measure"), pl.col("name").alias("measure_name"), "unit"
    )
    frame = summary.join(names, on="measure", how="left").with_columns(
        pl.col("variation_icon").cast(pl.String), pl.col("assurance_icon").cast(pl.String)
    )
    rows = frame.to_dicts()
    texts = readings(rows, points, SERIES, "period", [row["unit"] for row in rows])
    frame = frame.with_columns(
        pl.Series("reading", texts, dtype=pl.String),
        pl.col("variation_icon")
        .replace_strict(ICON_LABELS, default=NO_VARIATION_ICON, return_dtype=pl.String)
        .alias("variation"),
        pl.col("assurance_icon")
        .replace_strict(ICON_LABELS, default=None, return_dtype=pl.String)
        .fill_null(NO_ASSURANCE_ICON)
        .alias("assurance"),
        (pl.col("variation_icon").is_not_null() & (pl.col("variation_icon") != COMMON_CAUSE))
        .fill_null(False)
        .alias("special_cause"),
        pl.col("last_period").cast(pl.Date).alias("latest_period"),
        pl.col("signals").cast(pl.Int64),
        pl.col("measure_name").fill_null(pl.col("measure")),
    )
    cell_rank = (
        pl.when(pl.col("variation_icon").is_in(CONCERN_ICONS))
        .then(0)
        .when(pl.col("special_cause"))
        .then(1)
        .otherwise(2)
    )
    frame = frame.with_columns(cell_rank.min().over("measure").alias("_rank"))
    return frame.sort("_rank", "measure_name", "measure", "place").select(list(MATRIX_SCHEMA))


def matrix_grid(matrix: pl.DataFrame, places: Sequence[str] | None = None) -> pl.DataFrame:
    """Measures (rows, in the matrix's order) by places (columns): each cell the variation and
    assurance in words and the latest value, or "No data"."""
    places = list(places) if places is not None else _unique(matrix.get_column("place"))
    cells = matrix.select(
        "measure",
        "measure_name",
        "place",
        pl.concat_str(
            pl.col("variation"),
            pl.col("assurance"),
            pl.lit("Latest: ") + pl.col("latest_value").round(2).cast(pl.String).fill_null("none"),
            separator="; ",
        ).alias("cell"),
    )
    grid = pl.DataFrame(
        {
            "measure": _unique(matrix.get_column("measure")),
        },
        schema={"measure": pl.String},
    ).join(
        matrix.select("measure", "measure_name").unique("measure"),
        on="measure",
        how="left",
        maintain_order="left",
    )
    for place in places:
        column = cells.filter(pl.col("place") == place).select(
            "measure", pl.col("cell").alias(place)
        )
        grid = grid.join(column, on="measure", how="left", maintain_order="left").with_columns(
            pl.col(place).fill_null("No data")
        )
    return grid


def _unique(series: pl.Series) -> list:
    return series.unique(maintain_order=True).to_list()


@dataclass(frozen=True)
class MeetingReview:
    """Everything one meeting of an initiative or place looks at.

    ``views``: a ``MeasureView`` per measure code, in the matrix's order. ``matrix``:
    ``summary_matrix()``. ``stories``: ``story_markers()`` for every measure shown, with
    ``measure``, ``narrative``, ``anonymised`` and ``consent_scope``: only stories whose consent
    reaches the partnership audience. ``actions``: open
    actions of this initiative or place, and everything recorded at meetings held on or after
    ``since`` (or at the last meeting). ``news``: what is new since ``since`` (None without it).
    """

    title: str
    initiative: str | None
    place: str | None
    places: list[str]
    views: dict[str, MeasureView]
    matrix: pl.DataFrame
    stories: pl.DataFrame
    actions: pl.DataFrame
    since: date | None = None
    news: Since | None = None
    measures: pl.DataFrame = field(default_factory=pl.DataFrame)
    place_names: dict[str, str] = field(default_factory=dict)
    # PDSA cycles of this initiative (at its places) that ended after ``since`` and by today,
    # newest first (``qi.services.pdsa.cycles_ended``).
    cycles: pl.DataFrame = field(default_factory=pl.DataFrame)
    # The effect at each confirmed change point of the measures shown (``qi.services.effects``).
    effects: tuple[EffectAt, ...] = ()
    # For whom the figures are: "" as stored (internal); else the sentence saying how small
    # numbers were controlled for publication (``qi.services.published``).
    disclosure: str = ""

    def place_name(self, code: str) -> str:
        """A place's name for people to read (its code when it has none)."""
        return self.place_names.get(code, code)

    def measure_stories(self, measure: str, place: str | None = None) -> pl.DataFrame:
        """The stories linked to a measure (at a place: its own and those for every place)."""
        found = self.stories.filter(pl.col("measure") == measure)
        if place is not None:
            found = found.filter(pl.col("place").is_null() | (pl.col("place") == place))
        return found


@dataclass(frozen=True)
class Subjects:
    """What a meeting can review: the initiatives (names, oldest first) and the places with
    data (code to name, by name)."""

    initiatives: list[str]
    places: dict[str, str]

    def only_one(self) -> tuple[str | None, str | None] | None:
        """(initiative, place) when there is exactly one thing to review, else None."""
        if len(self.initiatives) == 1:
            return self.initiatives[0], None
        if not self.initiatives and len(self.places) == 1:
            return None, next(iter(self.places))
        return None

    def sentence(self) -> str:
        """Every initiative and place, for someone choosing one."""
        initiatives = "; ".join(repr(n) for n in self.initiatives) or "none yet"
        places = "; ".join(f"{c} ({n})" for c, n in self.places.items()) or "none with data yet"
        return f"the initiatives are: {initiatives}. The places with data are: {places}"


def review_subjects(engine: Engine, principal: Principal) -> Subjects:
    """The initiatives and the places with data that a meeting can review."""
    names = dict(read_places(engine).select("code", "name").iter_rows())
    with_data = set(read_series_index(engine, principal).get_column("place"))
    places = sorted(with_data, key=lambda c: (names.get(c, c), c))
    return Subjects(
        initiatives=read_initiatives(engine).get_column("name").to_list(),
        places={c: names.get(c, c) for c in places},
    )


def previous_meeting(
    engine: Engine,
    principal: Principal,
    *,
    initiative: str | None = None,
    place: str | None = None,
    today: date | None = None,
) -> dict | None:
    """The meeting "since the last meeting" counts from: the latest of this initiative or place
    held before ``today`` (the store's clock's day by default). Today's meeting, once recorded,
    is the one being held, so recording it never hides the news it is about."""
    day = today if today is not None else clock.now().date()
    return last_meeting(engine, principal, initiative=initiative, place=place, before=day)


def meeting_review(
    engine: Engine,
    principal: Principal,
    *,
    initiative: str | None = None,
    place: str | None = None,
    measures: Sequence[str] | None = None,
    since_day: date | None = None,
    last_meeting_default: bool = True,
    published: bool = False,
) -> MeetingReview:
    """Gather a meeting's view of an initiative (by name) or a place (by code).

    The measures are an initiative's own (``qi.store.initiative_measures``), or for a place
    alone those with data there; ``measures`` narrows them. Without ``since_day``, what is new
    is counted from the day of the previous meeting of this initiative or place
    (``previous_meeting``), if there was one (``last_meeting_default``). Raises
    ``ReviewError`` for unknown names.

    The series are those of the places ``principal`` may read (``data.read``), or with
    ``published`` those it may see published outputs of (``data.published``: a viewer's, for
    a pack made by ``qi.services.published.pack_review(..., "published")``, which controls
    small numbers); annotations, actions and stories are always those it may read.
    """
    if initiative is None and place is None:
        raise ReviewError("a meeting reviews an initiative or a place; give one of them")
    try:
        if initiative is not None:
            own = initiative_measures(engine, initiative)
            measures = [c for c in measures if c in own] if measures is not None else own
        # One read for every measure: each measure's rows at the places found are the rows
        # ``measure_view(engine, code, places=places)`` would read.
        series = read_series(
            engine,
            principal,
            measures=measures if measures is None or measures else [],
            places=place,
            initiative=initiative,
            published=published,
        )
    except LookupError as error:
        raise ReviewError(str(error)) from None
    places = sorted(series.get_column("place").unique().to_list())
    views = measure_views(engine, principal, series, places)
    definitions = read_measures(engine)
    summaries = [v.summary for v in views.values() if v.summary.height]
    points = [v.points for v in views.values() if v.points.height]
    matrix = summary_matrix(
        pl.concat(points, how="diagonal_relaxed") if points else pl.DataFrame(),
        pl.concat(summaries, how="diagonal_relaxed") if summaries else pl.DataFrame(),
        definitions,
    )
    order = _unique(matrix.get_column("measure"))
    views = {code: views[code] for code in order} | {
        c: v for c, v in views.items() if c not in order
    }
    if since_day is None and last_meeting_default:
        previous = previous_meeting(engine, principal, initiative=initiative, place=place)
        since_day = previous["held_on"] if previous else None
    news = (
        since(
            engine, principal, since_day, views, initiative=initiative, places=places, series=series
        )
        if since_day is not None
        else None
    )
    return MeetingReview(
        title=_title(engine, initiative, place),
        initiative=initiative,
        place=place,
        places=places,
        views=views,
        matrix=matrix,
        stories=_stories(engine, principal, list(views), places),
        actions=review_actions(engine, principal, initiative, place, since_day),
        since=since_day,
        news=news,
        measures=definitions.filter(pl.col("code").is_in(list(views))),
        place_names=dict(read_places(engine).select("code", "name").iter_rows()),
        cycles=cycles_ended(
            engine, principal, since_day, clock.now().date(), initiative=initiative, places=places
        ),
        effects=effects_at_change_points(engine, principal, list(views), places),
    )


def _title(engine: Engine, initiative: str | None, place: str | None) -> str:
    if place is None:
        return str(initiative)
    names = read_places(engine).filter(pl.col("code") == place).get_column("name")
    name = names[0] if names.len() else place
    return f"{initiative}: {name}" if initiative else name


def _stories(
    engine: Engine, principal: Principal, measures: list[str], places: list[str]
) -> pl.DataFrame:
    """The stories a meeting shows: those ``principal`` may read whose consent reaches the
    partnership (the meeting view and the board pack), their review not due."""
    linked = set(story_links(engine).get_column("measure").to_list())  # read once, not per measure
    markers = [
        story_markers(engine, principal, code, audience="partnership", places=places).with_columns(
            pl.lit(code).alias("measure")
        )
        for code in measures
        if code in linked
    ]
    markers = [m for m in markers if m.height]
    if not markers:
        return pl.DataFrame(
            schema={
                "story_id": pl.Int64,
                "place": pl.String,
                "period": pl.Date,
                "period_start": pl.Date,
                "period_end": pl.Date,
                "title": pl.String,
                "voice": pl.String,
                "consent_review_due": pl.Boolean,
                "measure": pl.String,
                "narrative": pl.String,
                "told_on": pl.Date,
                "anonymised": pl.Boolean,
                "consent_scope": pl.String,
            }
        )
    found = pl.concat(markers)
    details = read_stories(
        engine,
        principal,
        audience="partnership",
        ids=found.get_column("story_id").unique().to_list(),
    ).select(pl.col("id").alias("story_id"), "narrative", "told_on", "anonymised", "consent_scope")
    # The panel's selected stories (Most Significant Change) come first, here and in the pack.
    joined = found.join(details, on="story_id", how="left")
    return selected_first(engine, principal, joined, audience="partnership").drop("selected")


def review_actions(
    engine: Engine,
    principal: Principal,
    initiative: str | None,
    place: str | None,
    since_day: date | None,
) -> pl.DataFrame:
    """The actions a review lists: every open one of this initiative or place, and what was
    recorded at meetings held on or after ``since_day`` (default: the previous meeting's)."""
    actions = read_actions(engine, principal, initiative=initiative, place=place)
    if since_day is None:
        previous = previous_meeting(engine, principal, initiative=initiative, place=place)
        since_day = previous["held_on"] if previous else None
    recent = pl.col("held_on") >= since_day if since_day is not None else pl.lit(False)
    return actions.filter((pl.col("status") == "open") | recent)
