"""Checking one long table of observations against the measures, places and stored history.

Errors (reject the file): unknown measure or place (with "did you mean"), a period that cannot
be read or is in the future, text in a number column, a negative count, a numerator above its
denominator, missing numerator/denominator columns for a proportion or rate, an unknown status,
the same measure, place and period twice. Warnings (do not block): a gap in a series, a value
far outside the series' stored history. All checks are polars expressions over the whole table.
"""

import difflib
from datetime import date

import polars as pl

from qi.ingest.numbers import NUMBER_FIX, missing_reason, number_hint, parse_number
from qi.ingest.periods import PERIOD_FIX, parse_period, period_hint, period_start
from qi.ingest.report import Problems, problems_where
from qi.ingest.settings import DEFAULT_SETTINGS, IngestSettings

RATIO_KINDS = ("proportion", "rate")
NON_NEGATIVE_KINDS = ("count", "proportion", "rate", "time_between", "cases_between")
STATUSES = ("final", "provisional")
# A value is "far outside" a series' history beyond this many standard deviations of at least
# HISTORY_MIN_POINTS stored points (a screen for typos, not a statistical signal).
OUTLIER_SDS = 4.0
HISTORY_MIN_POINTS = 12
SUGGESTIONS_FOR_AT_MOST = 50
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


def _suggest(unknown: list[str], known: list[str]) -> dict[str, str]:
    """'did you mean' for each unknown code that resembles a known one."""
    found = {}
    for code in unknown[:SUGGESTIONS_FOR_AT_MOST]:
        close = difflib.get_close_matches(code, known, n=1, cutoff=0.6)
        if not close:
            close = [k for k in known if k.lower() == code.lower()][:1]
        if close:
            found[code] = close[0]
    return found


def _unknown_codes(frame, column, known: pl.DataFrame, kind: str, fix: str, problems: Problems):
    missing = frame.filter(pl.col(f"{column}_id").is_null() & pl.col(column).is_not_null())
    if missing.height == 0:
        return
    suggestions = _suggest(missing[column].unique().sort().to_list(), known["code"].to_list())
    hint = pl.col(column).replace_strict(suggestions, default=None, return_dtype=pl.String)
    problems.add(
        problems_where(
            missing,
            pl.lit(True),
            "error",
            pl.col(f"_{column}_column"),
            pl.col(column),
            pl.when(hint.is_not_null())
            .then(pl.format("unknown {} code (did you mean '{}'?)", pl.lit(kind), hint))
            .otherwise(pl.lit(f"unknown {kind} code")),
            fix,
        )
    )


def _number(frame: pl.DataFrame, field: str, problems: Problems) -> pl.DataFrame:
    text = pl.col(f"{field}_text")
    frame = frame.with_columns(
        parse_number(text).alias(field), missing_reason(text).alias(f"{field}_missing")
    )
    column = pl.col("value_column") if field == "value" else pl.lit(field)
    hint = number_hint(text)
    problems.add(
        problems_where(
            frame,
            pl.col(field).is_null() & pl.col(f"{field}_missing").is_null(),
            "error",
            column,
            text,
            pl.when(hint.is_not_null())
            .then(pl.lit("is not a number (") + hint + ")")
            .otherwise(pl.lit("is not a number")),
            NUMBER_FIX,
        )
    )
    return frame


def validate(
    long: pl.DataFrame,
    header_row: int,
    measures: pl.DataFrame,
    places: pl.DataFrame,
    history: pl.DataFrame,
    problems: Problems,
    today: date,
    status: str = "final",
    settings: IngestSettings = DEFAULT_SETTINGS,
) -> pl.DataFrame:
    """The observations ready to store (measure_id, place_id, period, value, numerator,
    denominator, missing_reason, status, _row). Problems found are added to ``problems``."""
    has = {
        f: long.height > 0 and long[f"_has_{f}"][0] for f in ("value", "numerator", "denominator")
    }
    frame = (
        long.join(
            measures.select(
                pl.col("code").alias("measure"),
                pl.col("id").alias("measure_id"),
                "kind",
                "frequency",
            ),
            on="measure",
            how="left",
        )
        .join(
            places.select(pl.col("code").alias("place"), pl.col("id").alias("place_id")),
            on="place",
            how="left",
        )
        .sort("_row", maintain_order=True)
    )
    for field, kind in (("measure", "measure"), ("place", "place")):
        problems.add(
            problems_where(
                frame,
                pl.col(field).is_null() | (pl.col(field) == ""),
                "error",
                pl.col(f"_{field}_column"),
                pl.lit(None, pl.String),
                f"no {kind} code",
                f"fill in the {kind} code or delete the row",
            )
        )
    _unknown_codes(
        frame, "measure", measures, "measure", "correct the code, or have the measure added to qi first (by whoever runs qi: `qi measures import`)", problems
    )  # fmt: skip
    _unknown_codes(
        frame, "place", places, "place", "correct the code, or have the place added to qi first (by whoever runs qi: `qi places import`)", problems
    )  # fmt: skip

    # Periods: parse, then move to the start of the measure's week, month, quarter or year.
    # A file repeats a few dozen period texts many times: parse each distinct one once.
    periods = (
        frame.select("period_text", pl.col("frequency").fill_null("month").alias("_frequency"))
        .unique()
        .with_columns(
            period_start(parse_period(pl.col("period_text")), pl.col("_frequency")).alias("period"),
            period_hint(pl.col("period_text")).alias("_period_hint"),
        )
    )
    frame = frame.with_columns(pl.col("frequency").fill_null("month").alias("_frequency")).join(
        periods,
        on=["period_text", "_frequency"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    hint = pl.col("_period_hint")
    problems.add(
        problems_where(
            frame,
            pl.col("period").is_null(),
            "error",
            pl.col("period_column"),
            pl.col("period_text"),
            pl.when(hint.is_not_null()).then(pl.lit("is not a period (") + hint + ")").otherwise(pl.lit("is not a period")),
            PERIOD_FIX,
        )
    )  # fmt: skip
    problems.add(
        problems_where(
            frame,
            pl.col("period") > pl.lit(today),
            "error",
            pl.col("period_column"),
            pl.col("period_text"),
            f"is in the future (today is {today.isoformat()})",
            "check the year; future periods cannot have observations",
        )
    )
    problems.add(
        problems_where(
            frame,
            pl.col("period") < pl.lit(settings.earliest_period),
            "error",
            pl.col("period_column"),
            pl.col("period_text"),
            f"is before {settings.earliest_period.year}",
            "check the year (a typo such as 1024 for 2024?); qi keeps periods from "
            f"{settings.earliest_period.year} on",
        )
    )

    # Numbers.
    for field in ("value", "numerator", "denominator"):
        frame = _number(frame, field, problems)
    ratio = pl.col("kind").is_in(RATIO_KINDS)
    if not (has["numerator"] and has["denominator"]):
        problems.add(
            problems_where(
                frame.unique("measure", maintain_order=True).with_columns(pl.lit(header_row).alias("_row")),
                ratio,
                "error",
                pl.lit(None, pl.String),
                pl.col("measure"),
                pl.format("measure is a {}: numerator and denominator columns are needed", pl.col("kind")),
                "add numerator and denominator columns (long layout)",
            )
        )  # fmt: skip
    if not has["value"]:
        problems.add(
            problems_where(
                frame.unique("measure", maintain_order=True).with_columns(pl.lit(header_row).alias("_row")),
                ~ratio & pl.col("kind").is_not_null(),
                "error",
                pl.lit(None, pl.String),
                pl.col("measure"),
                pl.format("measure is a {}: a value column is needed", pl.col("kind")),
                "add a value column, or put one period per column (wide layout)",
            )
        )  # fmt: skip
    non_negative = pl.col("kind").is_in(NON_NEGATIVE_KINDS)
    for field in ("value", "numerator", "denominator"):
        column = pl.col("value_column") if field == "value" else pl.lit(field)
        problems.add(
            problems_where(
                frame,
                non_negative & (pl.col(field) < 0),
                "error",
                column,
                pl.col(f"{field}_text"),
                pl.format("is negative, and a {} cannot be", pl.col("kind")),
                "check the sign; counts and populations are never below zero",
            )
        )
    problems.add(
        problems_where(
            frame,
            (pl.col("kind") == "proportion") & (pl.col("numerator") > pl.col("denominator")),
            "error",
            pl.lit("numerator"),
            pl.col("numerator_text"),
            pl.format("is above its denominator {}", pl.col("denominator_text")),
            "a proportion's numerator counts part of its denominator: check both columns are not swapped",
        )
    )

    # Status.
    status_text = pl.col("status_text").str.strip_chars().str.to_lowercase()
    frame = frame.with_columns(
        pl.when(status_text.is_null() | (status_text == "")).then(pl.lit(status)).otherwise(status_text).alias("status")
    )  # fmt: skip
    problems.add(
        problems_where(
            frame,
            ~pl.col("status").is_in(STATUSES),
            "error",
            pl.lit("status"),
            pl.col("status_text"),
            "is not a status",
            "write final or provisional, or leave the cell blank",
        )
    )

    # The same measure, place and period twice.
    key = ["measure", "place", "period"]
    keyed = frame.filter(pl.col("period").is_not_null() & pl.col("measure").is_not_null())
    problems.add(
        problems_where(
            keyed.with_row_index("_i").with_columns(
                pl.col("_row").min().over(key).alias("_first"), pl.col("_i").min().over(key).alias("_first_i")
            ),
            (pl.len().over(key) > 1) & (pl.col("_i") != pl.col("_first_i")),
            "error",
            pl.col("period_column"),
            pl.col("period_text"),
            pl.format(
                "repeats measure {}, place {}, period {} (first on row {})",
                pl.col("measure"), pl.col("place"), pl.col("period"), pl.col("_first"),
            ),
            "keep one row per measure, place and period: delete or correct the repeat",
        )
    )  # fmt: skip

    frame = frame.with_columns(
        pl.when(ratio)
        .then(pl.coalesce(pl.col("numerator_missing"), pl.col("denominator_missing")))
        .otherwise(pl.col("value_missing"))
        .alias("missing_reason")
    )
    _gaps(frame, problems)
    _outliers(frame, history, problems)
    return frame.select(
        "measure_id", "place_id", "period", "value", "numerator", "denominator",
        "missing_reason", "status", "_row",
    )  # fmt: skip


def _period_index(frequency: pl.Expr) -> pl.Expr:
    months = pl.col("period").dt.year().cast(pl.Int64) * 12 + pl.col("period").dt.month() - 1
    step = frequency.replace_strict(MONTHS_IN, default=None, return_dtype=pl.Int64)
    days = pl.col("period").cast(pl.Int64)
    return pl.when(frequency == "week").then(days // 7).otherwise(months // step)


def _gaps(frame: pl.DataFrame, problems: Problems) -> None:
    series = (
        frame.filter(pl.col("period").is_not_null() & pl.col("frequency").is_not_null())
        .select("_row", "measure", "place", "period", "period_text", "period_column", "frequency")
        .with_columns(_period_index(pl.col("frequency")).alias("_index"))
        .sort("measure", "place", "_index")
        .with_columns(
            (pl.col("_index") - pl.col("_index").shift(1).over("measure", "place")).alias("_step"),
            pl.col("period").shift(1).over("measure", "place").alias("_before"),
        )
    )
    problems.add(
        problems_where(
            series,
            pl.col("_step") > 1,
            "warning",
            pl.col("period_column"),
            pl.col("period_text"),
            pl.format(
                "gap in {} at {}: {} {}(s) missing since {}",
                pl.col("measure"), pl.col("place"), pl.col("_step") - 1, pl.col("frequency"), pl.col("_before"),
            ),
            "add the missing periods (blank or * if not available) if the series should be complete",
        )
    )  # fmt: skip


def _point(frame: pl.DataFrame) -> pl.Expr:
    return pl.coalesce(pl.col("value"), pl.col("numerator") / pl.col("denominator"))


def _outliers(frame: pl.DataFrame, history: pl.DataFrame, problems: Problems) -> None:
    if history.height == 0:
        return
    stats = (
        history.with_columns(_point(history).alias("_point"))
        .group_by("measure", "place")
        .agg(
            pl.col("_point").drop_nulls().len().alias("_n"),
            pl.col("_point").mean().alias("_mean"),
            pl.col("_point").std().alias("_sd"),
        )
        .filter((pl.col("_n") >= HISTORY_MIN_POINTS) & (pl.col("_sd") > 0))
    )
    checked = frame.with_columns(_point(frame).alias("_point")).join(
        stats, on=["measure", "place"], how="inner"
    )
    problems.add(
        problems_where(
            checked,
            ((pl.col("_point") - pl.col("_mean")).abs() > OUTLIER_SDS * pl.col("_sd")),
            "warning",
            pl.col("value_column").fill_null("value"),
            pl.col("_point"),
            pl.format(
                "is far outside this series' history (mean {}, sd {}, {} points)",
                pl.col("_mean").round(2), pl.col("_sd").round(2), pl.col("_n"),
            ),
            "check for a typo or a changed definition; store it if it is right",
        )
    )  # fmt: skip
