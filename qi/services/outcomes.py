"""The outcomes view: outcome domains x places, each cell the measures of that domain with
their variation and assurance icons, and the stories tagged with that domain (how many, the
latest, and the one a panel selected as most significant, which comes first).

It answers "how are children in Basildon doing on 'safe'?" on one screen. ``outcomes_view()``
gathers it for every place (or an initiative's places); charts come from
``qi.services.review`` and the matrix rows from ``qi.services.meeting.summary_matrix``, so a
cell reads exactly as the meeting view's. Nothing is drawn here.
"""

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.services.meeting import summary_matrix
from qi.services.review import ReviewError, measure_views
from qi.store.definitions import read_initiatives, read_measures
from qi.store.feedback import read_selections
from qi.store.observations import read_series, read_series_index
from qi.store.outcomes import read_purposes
from qi.store.stories import read_stories
from qi.vocabulary.stories import DOMAINS


@dataclass(frozen=True)
class OutcomesView:
    """``measures``: one row per domain, measure and place (the meeting matrix's columns plus
    ``domain`` and ``purpose``). ``stories``: one row per domain and place: ``stories`` (how
    many), the latest story's ``latest_title`` and ``latest_told_on``, and the panel's
    ``selected_title`` and ``selected_why`` (null when none is selected). ``places``: the
    places shown, in order."""

    measures: pl.DataFrame
    stories: pl.DataFrame
    places: list[str]

    def cell(self, domain: str, place: str) -> tuple[pl.DataFrame, dict | None]:
        """The measures of ``domain`` at ``place`` and its stories' row (None if no story)."""
        measures = self.measures.filter((pl.col("domain") == domain) & (pl.col("place") == place))
        stories = self.stories.filter((pl.col("domain") == domain) & (pl.col("place") == place))
        return measures, (stories.row(0, named=True) if stories.height else None)

    @property
    def domains(self) -> list[str]:
        """Every outcome domain, in the framework's order."""
        return list(DOMAINS)


def outcomes_view(
    engine: Engine, principal: Principal, initiative: str | None = None
) -> OutcomesView:
    """Domains x places for every place with data or stories (or the places of
    ``initiative``), with each domain's measures and stories."""
    purposes = read_purposes(engine).explode("domains").drop_nulls("domains")
    purposes = purposes.rename({"domains": "domain"})
    charted = set(read_series_index(engine, principal).get_column("measure").to_list())
    definitions = read_measures(engine)
    codes = [c for c in purposes.get_column("measure").unique().to_list() if c in charted]
    try:  # one read and one matrix for every measure, as the meeting view's
        series = read_series(engine, principal, measures=codes, initiative=initiative)
    except LookupError as error:
        raise ReviewError(str(error)) from None
    views = measure_views(engine, principal, series, sorted(series.get_column("place").unique()))
    points = [v.points for v in views.values() if v.points.height]
    summaries = [v.summary for v in views.values() if v.summary.height]
    matrix = summary_matrix(
        pl.concat(points, how="diagonal_relaxed") if points else pl.DataFrame(),
        pl.concat(summaries, how="diagonal_relaxed") if summaries else pl.DataFrame(),
        definitions,
    )
    measures = matrix.join(
        purposes.select("measure", "domain", "purpose"), on="measure", how="inner"
    ).sort("domain", "measure_name", "place")
    stories = _stories(engine, principal, initiative)
    if initiative is not None:
        found = read_initiatives(engine).filter(pl.col("name") == initiative)
        places = found.get_column("places").to_list()[0] if found.height else []
    else:
        places = sorted(
            set(measures.get_column("place").to_list())
            | set(stories.get_column("place").drop_nulls().to_list())
        )
    return OutcomesView(measures=measures, stories=stories, places=list(places))


def _stories(engine: Engine, principal: Principal, initiative: str | None) -> pl.DataFrame:
    """The stories the Outcomes page counts: those ``principal`` may read (internal audience)."""
    stories = read_stories(engine, principal, audience="internal", initiative=initiative)
    stories = stories.explode("domains")
    stories = stories.rename({"domains": "domain"}).drop_nulls("domain")
    counted = (
        stories.sort("told_on", descending=True)
        .group_by("domain", "place", maintain_order=True)
        .agg(
            pl.len().alias("stories"),
            pl.col("title").first().alias("latest_title"),
            pl.col("told_on").first().alias("latest_told_on"),
        )
    )
    selected = (
        read_selections(engine, principal, status="selected", audience="internal")
        .join(stories.select(pl.col("id").alias("story_id"), "domain"), on=["story_id", "domain"])
        .group_by("domain", "place", maintain_order=True)
        .agg(
            pl.col("title").first().alias("selected_title"),
            pl.col("why").first().alias("selected_why"),
        )
    )
    return counted.join(selected, on=["domain", "place"], how="left")
