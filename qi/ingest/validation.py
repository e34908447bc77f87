"""Checking one long table of observations against the measures, places and stored history.

Errors (reject the file): unknown measure or place (with "did you mean"), a period that cannot
be read or is in the future, text in a number column, a negative count, a numerator above its
denominator, missing numerator/denominator columns for a proportion or rate, an unknown status,
a breakdown whose kind or group the store does not list (``qi.store.breakdowns``), the same
measure, place, period and breakdown twice. Warnings (do not block): a gap in a series, a value
far outside the series' stored history. All checks are polars expressions over the whole table.
"""

import difflib
from datetime import date

import polars as pl

from qi.ingest.excel import FORMULA_FIX, FORMULA_WITHOUT_VALUE
from qi.ingest.numbers import NUMBER_FIX, missing_reason, number_hint, parse_number
from qi.ingest.periods import PERIOD_FIX, parse_period, period_hint, period_start
from qi.ingest.report import Problems, problems_where
from qi.ingest.settings import DEFAULT_SETTINGS, IngestSettings
from qi.text import number
from qi.vocabulary.breakdowns import ALL, SEPARATOR, BreakdownKinds
from qi.vocabulary.measures import NON_NEGATIVE_KINDS, RATIO_KINDS
from qi.vocabulary.observations import OBSERVATION_STATUSES

# Kinds whose value is a number of things (or days): never a percentage.
COUNTED_KINDS = ("count", "time_between", "cases_between")
# A value is "far outside" a series' history beyond this many standard deviations of at least
# HISTORY_MIN_POINTS stored points (a screen for typos, not a statistical signal).
OUTLIER_SDS = 4.0
HISTORY_MIN_POINTS = 12
# One series: a measure at a place for one breakdown (the total is breakdown "all").
SERIES = ("measure", "place", "breakdown")
SUGGESTIONS_FOR_AT_MOST = 50
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


def _suggest(unknown: list[str], known: pl.DataFrame) -> dict[str, str]:
    """'did you mean' for each unknown code or name that resembles a known code or name: the
    code ('E08000035'), or the name with its code ('Leeds' (E08000035))."""
    said: dict[str, str] = {}
    for code, name in known.select("code", "name").iter_rows():
        if name:
            said.setdefault(name.lower(), f"{name}' ({code})")
        said[code.lower()] = f"{code}'"
    found = {}
    for text in unknown[:SUGGESTIONS_FOR_AT_MOST]:
        close = difflib.get_close_matches(text.lower(), list(said), n=1, cutoff=0.6)
        if close:
            found[text] = said[close[0]]
    return found


def _unknown_codes(frame, column, known: pl.DataFrame, kind: str, fix: str, problems: Problems):
    missing = frame.filter(pl.col(f"{column}_id").is_null() & pl.col(column).is_not_null())
    if missing.height == 0:
        return
    if "name" not in known.columns:
        known = known.with_columns(pl.lit(None, pl.String).alias("name"))
    suggestions = _suggest(missing[column].unique().sort().to_list(), known)
    hint = pl.col(column).replace_strict(suggestions, default=None, return_dtype=pl.String)
    problems.add(
        problems_where(
            missing,
            pl.lit(True),
            "error",
            pl.col(f"_{column}_column"),
            pl.col(column),
            pl.when(hint.is_not_null())
            .then(pl.format("unknown {} code (did you mean '{}?)", pl.lit(kind), hint))
            .otherwise(pl.lit(f"unknown {kind} code")),
            fix,
        )
    )


def _column_of(field: str) -> pl.Expr:
    """The file's own name for the column a field was read from."""
    return pl.col("value_column") if field == "value" else pl.col(f"_{field}_column")


TEXT_COLUMNS = {
    "measure": "_measure_column",
    "place": "_place_column",
    "period_text": "period_column",
    "value_text": "value_column",
    "numerator_text": "_numerator_column",
    "denominator_text": "_denominator_column",
    "status_text": "_status_column",
    "breakdown_text": "_breakdown_column",
}


def _formulas(frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    """Cells of an .xlsx that are formulas without a saved result: errors, then blank."""
    for text, column in TEXT_COLUMNS.items():
        problems.add(
            problems_where(
                frame,
                pl.col(text) == FORMULA_WITHOUT_VALUE,
                "error",
                pl.col(column),
                pl.lit(None, pl.String),
                "is a formula whose result is not saved in the file",
                FORMULA_FIX,
            )
        )
    return frame.with_columns(
        pl.when(pl.col(text) != FORMULA_WITHOUT_VALUE).then(pl.col(text)).alias(text)
        for text in TEXT_COLUMNS
    )


def _empty_columns(frame: pl.DataFrame, has: dict, header_row: int, problems: Problems) -> None:
    """A value (or numerator, or denominator) column with no values at all: every cell blank.
    Storing it would turn every stored value of its periods into a blank."""
    for field in ("value", "numerator", "denominator"):
        if not has[field] or frame.height == 0:
            continue
        blank = pl.col(f"{field}_text").is_null() | (
            pl.col(f"{field}_text").str.strip_chars() == ""
        )
        # A wide layout's blank period columns are dealt with when the layout is read.
        long = frame.filter(pl.col("value_column").ne_missing(pl.col("period_column")))
        empty = long.group_by(_column_of(field).alias("_column")).agg(blank.all().alias("_empty"))
        for (name,) in empty.filter("_empty").select("_column").iter_rows():
            problems.error(
                header_row,
                name,
                None,
                "has no values at all: every cell in it is blank",
                "fill in the values, or check they are in this column (a blank cell is stored as "
                "a blank, replacing any value stored for that period)",
            )


def _plausible(frame: pl.DataFrame, settings: IngestSettings, problems: Problems) -> None:
    """Values a measure cannot take: above its maximum (a count above ``count_ceiling`` unless
    the measure sets its own), beyond any real magnitude, a percentage given for a count."""
    kind = pl.col("kind")
    counted = kind.is_in(COUNTED_KINDS)
    maximum = pl.col("maximum") if "maximum" in frame.columns else pl.lit(None, pl.Float64)
    ceiling = pl.coalesce(
        maximum, pl.when(kind != "continuous").then(pl.lit(settings.count_ceiling))
    )
    for field in ("value", "numerator", "denominator"):
        text, number = pl.col(f"{field}_text"), pl.col(field)
        problems.add(
            problems_where(
                frame,
                kind.is_not_null() & (number.abs() > settings.max_magnitude),
                "error",
                _column_of(field),
                text,
                pl.lit(f"is too large to be a real value (beyond {settings.max_magnitude:,.0f})"),
                "check for a typo, extra digits or a cell that is not the value",
            )
        )
        problems.add(
            problems_where(
                frame,
                (number.abs() <= settings.max_magnitude) & (number > ceiling),
                "error",
                _column_of(field),
                text,
                pl.format(
                    "is above {}, the most a value of {} can be",
                    ceiling.cast(pl.Int64),
                    pl.col("measure"),
                ),
                "check for a typo or extra digits; if it is right, raise the measure's maximum "
                "(a maximum column in `qi measures import`)",
            )
        )
        problems.add(
            problems_where(
                frame,
                counted & text.str.strip_chars().str.ends_with("%") & number.is_not_null(),
                "error",
                _column_of(field),
                text,
                pl.format("is a percentage, and a {} is a number of things", kind),
                "write the count itself (a percentage needs a proportion measure, with numerator "
                "and denominator columns)",
            )
        )


def _number(frame: pl.DataFrame, field: str, problems: Problems) -> pl.DataFrame:
    text = pl.col(f"{field}_text")
    frame = frame.with_columns(
        parse_number(text).alias(field), missing_reason(text).alias(f"{field}_missing")
    )
    column = _column_of(field)
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
    kinds: BreakdownKinds,
    problems: Problems,
    today: date,
    status: str = "final",
    settings: IngestSettings = DEFAULT_SETTINGS,
) -> pl.DataFrame:
    """The observations ready to store (measure_id, place_id, period, value, numerator,
    denominator, missing_reason, status, breakdown, _row). Problems found are added to
    ``problems``; breakdowns are checked against ``kinds`` (the store's)."""
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
                *(["maximum"] if "maximum" in measures.columns else []),
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
    _empty_columns(frame, has, header_row, problems)  # (a formula cell is not a blank)
    frame = _formulas(frame, problems)
    for field, kind in (("measure", "measure"), ("place", "place")):
        problems.add(
            problems_where(
                frame,
                (pl.col(field).is_null() | (pl.col(field) == ""))
                & pl.col(f"_{field}_column").is_not_null(),  # (no column at all: said once)
                "error",
                pl.col(f"_{field}_column"),
                pl.lit(None, pl.String),
                f"no {kind} code",
                f"fill in the {kind} code or delete the row",
            )
        )
    _unknown_codes(
        frame,
        "measure",
        measures,
        "measure",
        "write the measure's code or name as qi has it (the Upload page lists them), or have the "
        "measure added to qi first (by whoever runs qi: `qi measures import`)",
        problems,
    )
    _unknown_codes(
        frame,
        "place",
        places,
        "place",
        "write the place's code or name as qi has it (the Upload page lists them), or have the "
        "place added to qi first (by whoever runs qi: `qi places import`)",
        problems,
    )

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
            pl.col("period").is_null() & pl.col("period_column").is_not_null(),
            "error",
            pl.col("period_column"),
            pl.col("period_text"),
            pl.when(hint.is_not_null())
            .then(pl.lit("is not a period (") + hint + ")")
            .otherwise(pl.lit("is not a period")),
            PERIOD_FIX,
        )
    )
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
    _plausible(frame, settings, problems)
    ratio = pl.col("kind").is_in(RATIO_KINDS)
    if not (has["numerator"] and has["denominator"]):
        problems.add(
            problems_where(
                frame.unique("measure", maintain_order=True).with_columns(
                    pl.lit(header_row).alias("_row")
                ),
                ratio,
                "error",
                pl.lit(None, pl.String),
                pl.col("measure"),
                pl.format(
                    "measure is a {}: numerator and denominator columns are needed", pl.col("kind")
                ),
                "add numerator and denominator columns (long layout)",
            )
        )
    if not has["value"]:
        problems.add(
            problems_where(
                frame.unique("measure", maintain_order=True).with_columns(
                    pl.lit(header_row).alias("_row")
                ),
                ~ratio & pl.col("kind").is_not_null(),
                "error",
                pl.lit(None, pl.String),
                pl.col("measure"),
                pl.format("measure is a {}: a value column is needed", pl.col("kind")),
                "add a value column, or put one period per column (wide layout)",
            )
        )
    non_negative = pl.col("kind").is_in(NON_NEGATIVE_KINDS)
    for field in ("value", "numerator", "denominator"):
        column = _column_of(field)
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
            pl.col("_numerator_column"),
            pl.col("numerator_text"),
            pl.format("is above its denominator {}", pl.col("denominator_text")),
            "a proportion's numerator counts part of its denominator: check both columns are not swapped",
        )
    )

    # Status.
    status_text = pl.col("status_text").str.strip_chars().str.to_lowercase()
    frame = frame.with_columns(
        pl.when(status_text.is_null() | (status_text == ""))
        .then(pl.lit(status))
        .otherwise(status_text)
        .alias("status")
    )
    problems.add(
        problems_where(
            frame,
            ~pl.col("status").is_in(OBSERVATION_STATUSES.codes),
            "error",
            pl.col("_status_column"),
            pl.col("status_text"),
            "is not a status",
            "write final or provisional, or leave the cell blank",
        )
    )

    # Breakdown: blank (or no column) is the total, "all"; else a known kind's group.
    breakdown_text = pl.col("breakdown_text").str.strip_chars().str.to_lowercase()
    frame = frame.with_columns(
        pl.when(breakdown_text.is_null() | (breakdown_text == ""))
        .then(pl.lit(ALL))
        .otherwise(breakdown_text)
        .alias("breakdown")
    )
    known_breakdowns = frame.select(pl.col("breakdown").unique()).with_columns(
        pl.col("breakdown")
        .map_elements(kinds.accepts, return_dtype=pl.Boolean)
        .alias("_breakdown_ok")
    )
    frame = frame.join(known_breakdowns, on="breakdown", how="left", maintain_order="left")
    group_kind = pl.col("breakdown").str.split(SEPARATOR).list.first()
    problems.add(
        problems_where(
            frame,
            ~pl.col("_breakdown_ok"),
            "error",
            pl.col("_breakdown_column"),
            pl.col("breakdown_text"),
            pl.when(~pl.col("breakdown").str.contains(SEPARATOR, literal=True))
            .then(pl.lit("is not a breakdown (a kind and a group, such as imd_quintile:1)"))
            .when(group_kind.is_in(list(kinds.kinds)))
            .then(pl.format("is not a group {} accepts", group_kind))
            .otherwise(pl.format("has a kind of breakdown qi does not know ({})", group_kind)),
            "write all (or leave blank) for the total, or kind:group with one of "
            + kinds.accepted()
            + "; an admin adds kinds and groups with `qi breakdowns add`",
        )
    )

    _repeats(frame, problems)
    _kept_missing(frame, problems)

    frame = frame.with_columns(
        pl.when(ratio)
        .then(pl.coalesce(pl.col("numerator_missing"), pl.col("denominator_missing")))
        .otherwise(pl.col("value_missing"))
        .alias("missing_reason")
    )
    plausible = pl.col("period").is_between(pl.lit(settings.earliest_period), pl.lit(today))
    _gaps(frame.filter(plausible & pl.col("place_id").is_not_null()), problems)
    _outliers(frame, history, problems)
    return frame.select(
        "measure_id",
        "place_id",
        "period",
        "value",
        "numerator",
        "denominator",
        "missing_reason",
        "status",
        "breakdown",
        "_row",
    )


def _kept_missing(frame: pl.DataFrame, problems: Problems) -> None:
    """Notes (not problems) for suppressed and not-available cells: kept as missing, with why,
    never stored as zero."""
    for field in ("value", "numerator", "denominator"):
        reason = pl.col(f"{field}_missing")
        problems.add(
            problems_where(
                frame,
                reason.is_not_null() & (reason != "blank"),
                "note",
                _column_of(field),
                pl.col(f"{field}_text").str.strip_chars(),
                pl.format("{}: kept as missing, not stored as zero", reason),
                "no change needed",
            )
        )


def _repeats(frame: pl.DataFrame, problems: Problems) -> None:
    """The same measure, place and period twice. A wide sheet's row repeated (the same place
    twice) is one problem on the row, not one per month; the same period twice in one row (two
    columns for one month) is one per column."""
    key = ["measure", "place", "period", "breakdown"]
    keyed = frame.filter(pl.col("period").is_not_null() & pl.col("measure").is_not_null())
    repeats = (
        keyed.with_row_index("_i")
        .with_columns(
            pl.col("_row").min().over(key).alias("_first"),
            pl.col("_i").min().over(key).alias("_first_i"),
            pl.len().over(key).alias("_n"),
        )
        .filter((pl.col("_n") > 1) & (pl.col("_i") != pl.col("_first_i")))
    )
    wide = pl.col("value_column").eq_missing(pl.col("period_column"))
    rows = (
        repeats.filter(wide & (pl.col("_row") != pl.col("_first")))
        .group_by("_row", "_first", "measure", "place", "_place_column", maintain_order=True)
        .agg(pl.len().alias("_periods"))
    )
    problems.add(
        problems_where(
            rows,
            pl.lit(True),
            "error",
            pl.col("_place_column"),
            pl.col("place"),
            pl.format(
                "repeats row {}: measure {} at place {} again ({} periods)",
                pl.col("_first"),
                pl.col("measure"),
                pl.col("place"),
                pl.col("_periods"),
            ),
            "keep one row per measure and place: delete or correct the repeated row",
        )
    )
    problems.add(
        problems_where(
            repeats,
            ~(wide & (pl.col("_row") != pl.col("_first"))),
            "error",
            pl.col("period_column"),
            pl.col("period_text"),
            pl.format(
                "repeats measure {}, place {}, period {} (first on row {})",
                pl.col("measure"),
                pl.col("place"),
                pl.col("period"),
                pl.col("_first"),
            ),
            "keep one row per measure, place and period: delete or correct the repeat",
        )
    )


def _period_index(frequency: pl.Expr) -> pl.Expr:
    months = pl.col("period").dt.year().cast(pl.Int64) * 12 + pl.col("period").dt.month() - 1
    step = frequency.replace_strict(MONTHS_IN, default=None, return_dtype=pl.Int64)
    days = pl.col("period").cast(pl.Int64)
    return pl.when(frequency == "week").then(days // 7).otherwise(months // step)


def _gaps(frame: pl.DataFrame, problems: Problems) -> None:
    series = (
        frame.filter(pl.col("period").is_not_null() & pl.col("frequency").is_not_null())
        .select(
            "_row",
            "measure",
            "place",
            "breakdown",
            "period",
            "period_text",
            "period_column",
            "frequency",
        )
        .with_columns(_period_index(pl.col("frequency")).alias("_index"))
        .sort("measure", "place", "breakdown", "_index")
        .with_columns(
            (pl.col("_index") - pl.col("_index").shift(1).over(SERIES)).alias("_step"),
            pl.col("period").shift(1).over(SERIES).alias("_before"),
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
                pl.col("measure"),
                pl.col("place"),
                pl.col("_step") - 1,
                pl.col("frequency"),
                pl.col("_before"),
            ),
            "add the missing periods (blank or * if not available) if the series should be complete",
        )
    )


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
    # The history read is the totals': a group's values are not compared with them.
    totals = frame.filter(pl.col("breakdown") == ALL)
    checked = totals.with_columns(_point(totals).alias("_point")).join(
        stats, on=["measure", "place"], how="inner"
    )
    # Name the file's own cells: the value as written, or numerator/denominator and their ratio.
    ratio = pl.col("value").is_null() & pl.col("numerator").is_not_null()
    # Written by the one number formatter: "mean 1,115" (never "1115.0" or 1.115e+03).
    history_words = pl.format(
        "this series' history (mean {}, standard deviation {}, {} points)",
        *(
            pl.col(c).round_sig_figs(4).map_elements(number, return_dtype=pl.String)
            for c in ("_mean", "_sd")
        ),
        pl.col("_n"),
    )
    problems.add(
        problems_where(
            checked,
            ((pl.col("_point") - pl.col("_mean")).abs() > OUTLIER_SDS * pl.col("_sd")),
            "warning",
            pl.when(ratio).then(pl.col("_numerator_column")).otherwise(pl.col("value_column")),
            pl.when(ratio)
            .then(pl.format("{}/{}", pl.col("numerator_text"), pl.col("denominator_text")))
            .otherwise(pl.col("value_text")),
            pl.when(ratio)
            .then(
                pl.format(
                    "{} over {} is {}, far outside {}",
                    pl.col("_numerator_column"),
                    pl.col("_denominator_column"),
                    pl.col("_point").round_sig_figs(4),
                    history_words,
                )
            )
            .otherwise(pl.format("is far outside {}", history_words)),
            "check for a typo or a changed definition; store it if it is right",
        )
    )
