"""Experience measures: survey answers turned into monthly proportions, judged honestly.

An experience measure (``qi.store.surveys.define_experience_measure``) is the share of positive
answers to one question (of one voice, or every voice) per place and month: the numerator is
the positive answers, the denominator every counted answer ("Don't know" is not counted). The
counts are stored as the measure's observations (so revisions, charts, icons and the pack treat
them as any other proportion) and charted as P' charts with the usual rules.

Breakdowns: every answer counts in the total (breakdown ``all``); an answer that names a
breakdown (``imd_quintile:1``, ``sex:female``) counts in that group's observation too, so the
breakdown and inequality views work for experience measures as for any other. Answers without
a breakdown are in the total only, so the groups need not add up to it.

Small samples: a month with fewer answers than the measure's minimum is shown but not judged
(``unjudged_months``: handed to the engine as an exclusion, which keeps the point on the chart
but out of the limits, the runs and every signal); in a group as in the total.
"""

import hashlib
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.store.definitions import read_measures, read_places
from qi.store.observations import StoreResult, UploadRecord, store_observations
from qi.store.surveys import read_answers, read_experience_measures, read_questions
from qi.vocabulary.breakdowns import ALL
from qi.vocabulary.outcomes import NOT_COUNTED

COUNT_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "place": pl.String(),
    "period": pl.Date(),
    "breakdown": pl.String(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
}


def monthly_counts(
    answers: pl.DataFrame, questions: pl.DataFrame, experience: pl.DataFrame
) -> pl.DataFrame:
    """Per experience measure, place, month and breakdown: positive answers (``numerator``) out
    of every counted answer (``denominator``); breakdown ``all`` counts every answer, a group
    only the answers that name it. ``answers``, ``questions`` and ``experience`` are as
    ``qi.store.surveys`` reads them."""
    positive = questions.select(pl.col("code").alias("question"), "positive")
    counted = answers.filter(pl.col("answer") != NOT_COUNTED).join(positive, on="question")
    made = experience.join(counted, on="question", how="inner", suffix="_answer").filter(
        pl.col("voice").is_null() | (pl.col("voice") == pl.col("voice_answer"))
    )
    made = made.with_columns(
        pl.col("answered_on").dt.truncate("1mo").alias("period"),
        pl.col("positive").list.contains(pl.col("answer")).alias("_positive"),
    ).select("measure", "place", "period", "breakdown", "_positive")
    grouped = made.filter(pl.col("breakdown").is_not_null() & (pl.col("breakdown") != ALL))
    return (
        pl.concat([made.with_columns(pl.lit(ALL).alias("breakdown")), grouped])
        .group_by("measure", "place", "period", "breakdown")
        .agg(
            pl.col("_positive").sum().cast(pl.Float64).alias("numerator"),
            pl.len().cast(pl.Float64).alias("denominator"),
        )
        .sort("measure", "place", "period", "breakdown")
        .select(list(COUNT_SCHEMA))
    )


def update_experience_measures(
    engine: Engine, principal: Principal, questions: Sequence[str] | None = None
) -> StoreResult | None:
    """Recount the experience measures made from ``questions`` (default: all) from every
    stored answer and store the counts as their observations (changed months become
    revisions). None when no experience measure is made from those questions."""
    experience = read_experience_measures(engine)
    if questions is not None:
        experience = experience.filter(pl.col("question").is_in(list(questions)))
    if experience.height == 0:
        return None
    counts = monthly_counts(
        read_answers(engine, principal, experience.get_column("question").unique().to_list()),
        read_questions(engine),
        experience,
    )
    measure_ids = read_measures(engine).select(pl.col("code").alias("measure"), "id")
    place_ids = read_places(engine).select(pl.col("code").alias("place"), "id")
    rows = (
        counts.join(measure_ids.rename({"id": "measure_id"}), on="measure")
        .join(place_ids.rename({"id": "place_id"}), on="place")
        .select(
            "measure_id",
            "place_id",
            "period",
            "breakdown",
            (pl.col("numerator") / pl.col("denominator")).alias("value"),
            "numerator",
            "denominator",
            pl.lit(None, pl.String).alias("missing_reason"),
            pl.lit("final").alias("status"),
        )
    )
    digest = hashlib.sha256(counts.write_csv().encode()).hexdigest()
    record = UploadRecord(
        file_name="survey answers (experience measures)",
        content_hash=digest,
        rows_read=rows.height,
        report={"made from": "survey answers", "measures": experience["measure"].to_list()},
    )
    return store_observations(engine, principal, rows, record)


def unjudged_months(engine: Engine, series: pl.DataFrame) -> pl.DataFrame:
    """The (measure, place, period) of ``series`` (any measures) whose answers are fewer than
    their experience measure's minimum: shown, but not judged. None of a measure not made from
    answers. A group of a breakdown charted as its own series (``qi.services.groups``) is
    judged on its own answers."""
    experience = read_experience_measures(engine).unique("measure", maintain_order=True)
    minimum = dict(experience.select("measure", "minimum_answers").iter_rows())
    columns = ["measure", "place", "period"]
    least = pl.col("measure").replace_strict(minimum, default=None, return_dtype=pl.Float64)
    return series.filter(pl.col("denominator") < least).select(columns)
