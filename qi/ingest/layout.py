"""Finding the header row and the columns by what they hold, and turning long or wide tables
into one row per measure, place and period.

Long layout: columns for measure, place, period and value (or numerator and denominator).
Wide layout: measure and place columns, then one column per period (``Apr-24``, ``2024-05``...).
Rows above the header (titles, merged banners) and totals rows are skipped.

Teams head their columns as they like ("Trust", "Leeds", or nothing at all), so a column's name
is only the first clue: the place column is the one whose cells are known place codes or names,
the measure column likewise, the header row of a wide sheet is the row of periods. A layout
problem (no measure column, say) is reported and the cells are still checked, so that one
upload reports every problem.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from qi.ingest.numbers import missing_reason, parse_number
from qi.ingest.periods import parse_period
from qi.ingest.report import Problems

# Column names each field is known by, after lower-casing and turning spaces into underscores.
ALIASES = {
    "measure": ("measure", "measure_code", "indicator", "indicator_code", "metric", "metric_code"),
    "place": (
        "place",
        "place_code",
        "area",
        "area_code",
        "org_code",
        "ods_code",
        "organisation_code",
        "geography_code",
        "ward_code",
        "lsoa_code",
        "locality_code",
    ),
    "period": ("period", "month", "date", "week", "quarter", "period_start", "month_start"),
    "value": ("value", "count", "observation", "observed"),
    "numerator": ("numerator",),
    "denominator": ("denominator", "population"),
    "status": ("status",),
    "breakdown": ("breakdown", "breakdown_code", "subgroup", "group"),
}
_FIELD_OF = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
# Rows whose key cell says this are totals added for people, not observations.
TOTAL_ROW = r"(?i)^\s*(grand\s+)?(sub-?)?totals?:?\s*$|^\s*all\s+(places|areas|wards)\s*$"
# Columns that describe rather than measure (place name, notes...): skipped without a warning.
DESCRIPTIVE = re.compile(r"name|description|notes?|comments?|unit", re.IGNORECASE)
HEADER_SEARCH_ROWS = 30
# A column holds a field's values when at least this share of its filled cells are known codes
# or names of it (a few new or mistyped codes among them are reported as unknown).
CONTENT_SHARE = 0.5


@dataclass(frozen=True)
class Known:
    """What qi holds, to find columns by their cells: lower-cased code or (unique) name -> code."""

    places: dict[str, str] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, measures: pl.DataFrame | None, places: pl.DataFrame | None) -> "Known":
        return cls(places=_lookup(places), measures=_lookup(measures))


def _key(text: pl.Expr) -> pl.Expr:
    return text.str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")


def _lookup(frame: pl.DataFrame | None) -> dict[str, str]:
    """Code by lower-cased code, and by lower-cased name where the name is unique."""
    if frame is None or frame.height == 0:
        return {}
    names = frame.select(_key(pl.col("name")).alias("key"), "code").filter(
        pl.col("key").is_unique() & pl.col("key").is_not_null()
    )
    codes = frame.select(_key(pl.col("code")).alias("key"), "code")
    return {**dict(names.iter_rows()), **dict(codes.iter_rows())}


def _resolved(text: pl.Series, lookup: dict[str, str]) -> pl.Series:
    """Each cell as a code: a code as stored (whatever its case), the code of the place or
    measure it names, else the cell as written (reported later as unknown)."""
    stripped = text.str.strip_chars()
    if not lookup:
        return stripped
    distinct = stripped.drop_nulls().unique()
    keys = distinct.to_frame("t").select(_key(pl.col("t"))).to_series()
    mapped = [lookup.get(k, t) for t, k in zip(distinct.to_list(), keys.to_list(), strict=True)]
    changed = [(t, m) for t, m in zip(distinct.to_list(), mapped, strict=True) if t != m]
    if not changed:
        return stripped
    old, new = zip(*changed, strict=True)
    return stripped.replace(list(old), list(new))


def chosen(text: str | None, lookup: dict[str, str]) -> str | None:
    """The code of a measure or place chosen for a whole file, given by code or name (exact,
    whatever the case); as given when qi does not know it (then reported as unknown)."""
    if text is None or not text.strip():
        return None
    return lookup.get(" ".join(text.strip().lower().split()), text.strip())


def _share_known(cells: pl.Series, lookup: dict[str, str]) -> float:
    """The share of a column's filled cells (totals rows aside) that are known codes or names."""
    if not lookup:
        return 0.0
    counts = (
        cells.str.strip_chars()
        .to_frame("t")
        .filter(
            pl.col("t").is_not_null() & (pl.col("t") != "") & ~pl.col("t").str.contains(TOTAL_ROW)
        )
        .group_by("t")
        .len()
    )
    total = counts["len"].sum()
    if not total:
        return 0.0
    keys = counts.select(_key(pl.col("t"))).to_series().to_list()
    known = sum(n for k, n in zip(keys, counts["len"].to_list(), strict=True) if k in lookup)
    return known / total


def _share_numbers(cells: pl.Series) -> float:
    """The share of a column's filled cells that are numbers or suppression markers."""
    frame = cells.to_frame("t").filter(
        pl.col("t").is_not_null() & (pl.col("t").str.strip_chars() != "")
    )
    if frame.height == 0:
        return 0.0
    numbers = frame.select(
        (parse_number(pl.col("t")).is_not_null() | missing_reason(pl.col("t")).is_not_null()).mean()
    )
    return float(numbers.item() or 0.0)


def field_of(header: str) -> str | None:
    """The field a column name stands for (measure, place, period...), or None."""
    return _FIELD_OF.get(re.sub(r"[\s\-]+", "_", str(header).strip().lower()))


def _is_period_header(cells: Sequence[str | None]) -> list[bool]:
    parsed = pl.Series("h", [c or "" for c in cells], dtype=pl.String).to_frame()
    return parsed.select(parse_period(pl.col("h")).is_not_null()).to_series().to_list()


def _period_cells(cells: Sequence[str | None]) -> int:
    """How many cells of a row are periods written as periods (a bare number, which could be
    an Excel date serial, does not count: in a data row it is a value)."""
    written = [c for c in cells if c and not re.fullmatch(r"\s*\d+(\.\d*)?\s*", c)]
    return sum(_is_period_header(written)) if written else 0


def find_header(rows: Sequence[Sequence[str | None]]) -> int | None:
    """Index of the header among the first rows: the first naming a key field (measure or
    place) and at least one more field or period; else the row with the most periods (at least
    two: a wide sheet's header, whatever its key columns are called); else the first naming the
    period and another field, or the period above a period (a long file whose other columns
    are named as a team names them: Trust, Month, Attendances)."""
    rows = [
        [c if isinstance(c, str) else None for c in cells] for cells in rows[:HEADER_SEARCH_ROWS]
    ]
    most, best = 1, None
    for index, cells in enumerate(rows):
        fields = [field_of(c) for c in cells if c]
        periods = _period_cells(cells)
        if {"measure", "place"} & set(fields) and len(fields) + periods >= 2:
            return index
        if periods > most:
            most, best = periods, index
    if best is not None:
        return best
    for index, cells in enumerate(rows):
        fields = [field_of(c) if c else None for c in cells]
        if "period" not in fields:
            continue
        below = rows[index + 1] if index + 1 < len(rows) else []
        column = fields.index("period")
        if len(set(fields) - {None}) >= 2 or (
            column < len(below) and _is_period_header([below[column]])[0]
        ):
            return index
    return None


def _by_content(body: pl.DataFrame, candidates: list[str], lookup: dict[str, str]) -> str | None:
    """The candidate column whose cells are most often known codes or names (if enough are)."""
    shares = [(_share_known(body[c], lookup), c) for c in candidates]
    share, column = max(shares, default=(0.0, None), key=lambda s: s[0])
    return column if share >= CONTENT_SHARE else None


def _first_text_column(
    body: pl.DataFrame, candidates: list[str], header: dict[str, str]
) -> str | None:
    """The leftmost column of text (not numbers, not a description): where an unknown place's
    codes are, when no column holds known ones (every code is then reported as unknown)."""
    for c in candidates:
        if DESCRIPTIVE.search(header[c]):
            continue
        filled = body[c].drop_nulls().str.strip_chars()
        if (filled != "").sum() and _share_numbers(body[c]) < CONTENT_SHARE:
            return c
    return None


def _without_blank_rows(body: pl.DataFrame) -> pl.DataFrame:
    return body.filter(
        ~pl.all_horizontal(
            pl.exclude("_row").is_null() | (pl.exclude("_row").str.strip_chars() == "")
        )
    )


def _columns(
    header: list[str],
    body: pl.DataFrame,
    known: Known,
    measure: str | None = None,
    place: str | None = None,
) -> tuple[dict[str, str], list[str], list[str]]:
    """Which column holds each field (by its name, else by its cells), the period columns of a
    wide layout, and the columns left over. A measure or place chosen for the whole file is not
    looked for."""
    ids = [f"c{i}" for i in range(len(header))]
    names = dict(zip(ids, header, strict=True))
    fields = [field_of(h) for h in header]
    columns = {f: f"c{i}" for i, f in reversed(list(enumerate(fields))) if f}
    is_period = _is_period_header(header) if "period" not in columns else [False] * len(header)
    period_columns = [c for c, f, p in zip(ids, fields, is_period, strict=True) if not f and p]
    unassigned = [c for c, f, p in zip(ids, fields, is_period, strict=True) if not f and not p]
    if "measure" not in columns and measure is None:
        found = _by_content(body, unassigned, known.measures)
        if found is not None:
            columns["measure"] = found
            unassigned.remove(found)
    if "place" not in columns and place is None:
        found = _by_content(body, unassigned, known.places)
        found = found or _first_text_column(body, unassigned, names)
        if found is not None:
            columns["place"] = found
            unassigned.remove(found)
    return columns, period_columns, unassigned


def fields_to_choose(header: list[str], body: pl.DataFrame, known: Known) -> list[str]:
    """'measure' and 'place', those of them the file has no column for (by name or by its
    cells): the measure or place of the whole file is then chosen by the person uploading."""
    columns, _, _ = _columns(header, _without_blank_rows(body), known)
    return [f for f in ("measure", "place") if f not in columns]


def to_long(
    header: list[str],
    header_row: int,
    body: pl.DataFrame,
    problems: Problems,
    measure: str | None = None,
    known: Known | None = None,
    place: str | None = None,
) -> pl.DataFrame | None:
    """One row per cell holding an observation. Columns: _row, measure, place, period_text,
    period_column, value_text, value_column, numerator_text, denominator_text, status_text,
    breakdown_text (null without a breakdown column: every row is the total), the file's own
    names of the columns each came from (_measure_column...) and which value fields the file has
    (_has_value...). Measure and place cells are given as codes where they name a known measure
    or place. ``measure`` and ``place`` (a code or a name) are the measure and
    place of the whole file, for a file without a column for them (a column in the file wins).
    Layout problems are added to ``problems``; None is returned only when no cell can be
    checked at all."""
    known = known or Known()
    measure, place = chosen(measure, known.measures), chosen(place, known.places)
    ids = [f"c{i}" for i in range(len(header))]
    names = dict(zip(ids, header, strict=True))
    body = _without_blank_rows(body)
    if body.height == 0:
        problems.error(
            header_row,
            None,
            None,
            "no data rows: the file has a header and nothing below it",
            "add the values below the header, one row per measure, place and period (check the "
            "right file or sheet was exported)",
        )
        return None
    columns, period_columns, unassigned = _columns(header, body, known, measure, place)
    if "period" in columns and not {"value", "numerator", "denominator"} & set(columns):
        numeric = [
            c
            for c in unassigned
            if not DESCRIPTIVE.search(names[c]) and _share_numbers(body[c]) >= CONTENT_SHARE
        ]
        if len(numeric) == 1:
            columns["value"] = numeric[0]
            unassigned.remove(numeric[0])
    if "place" not in columns and place is None:
        problems.error(
            header_row,
            None,
            None,
            "no place column: no column holds place codes or names qi knows",
            "add a column of place codes (or names) as qi knows them, or choose the place of the "
            "whole file (one place's file); the places must be added to qi first (by whoever "
            "runs qi: `qi places import`)",
        )
    if "measure" not in columns and measure is None:
        problems.error(
            header_row,
            None,
            None,
            "no measure column: no column holds measure codes qi knows",
            "add a column named measure with the measure codes (or names), or choose the "
            "measure of the whole file (the Upload page offers them; `qi ingest --measure`)",
        )
    if "period" not in columns and not period_columns:
        problems.error(
            header_row,
            None,
            None,
            "no period column and no periods across the header",
            "add a period column (long layout) or put one period per column, such as Apr-24 (wide layout)",
        )
    if period_columns and ("numerator" in columns or "denominator" in columns):
        problems.error(
            header_row,
            None,
            None,
            "numerator and denominator columns in a wide layout",
            "use the long layout (measure, place, period, numerator, denominator) for proportions and rates",
        )
        return None

    def text(field: str) -> pl.Expr:
        return pl.col(columns[field]) if field in columns else pl.lit(None, pl.String)

    def name(field: str, default: str | None = None) -> pl.Expr:
        return pl.lit(names[columns[field]] if field in columns else default, pl.String)

    key = text("place").fill_null("") + " " + text("measure").fill_null("")
    totals = body.filter(key.str.strip_chars().str.contains(TOTAL_ROW))
    for row in totals["_row"].to_list():
        problems.warning(
            row,
            None,
            None,
            "a totals row was skipped",
            "qi adds up places itself; no change needed",
        )
    body = body.filter(~key.str.strip_chars().str.contains(TOTAL_ROW))
    if "measure" in columns:
        body = body.with_columns(_resolved(body[columns["measure"]], known.measures))
    if "place" in columns:
        body = body.with_columns(_resolved(body[columns["place"]], known.places))
    keys = [
        pl.col("_row"),
        (text("measure") if "measure" in columns else pl.lit(measure, pl.String))
        .str.strip_chars()
        .alias("measure"),
        (text("place") if "place" in columns else pl.lit(place, pl.String))
        .str.strip_chars()
        .alias("place"),
        # The file's own column names, for the report (null: the layout has no such column, a
        # problem reported once above rather than on every row).
        name("measure", "chosen measure" if measure is not None else None).alias("_measure_column"),
        name("place", "chosen place" if place is not None else None).alias("_place_column"),
    ]
    extra = ("numerator", "denominator", "status", "breakdown")
    optional = [text(f).alias(f"{f}_text") for f in extra] + [
        name(f, f).alias(f"_{f}_column") for f in extra
    ]
    if "period" in columns or not period_columns:
        # Which value fields the file has (with no periods and no value columns at all, the
        # missing value column is not a problem of its own).
        no_values = not period_columns and "period" not in columns
        no_values = no_values and not {"value", "numerator", "denominator"} & set(columns)
        optional += [
            pl.lit(f in columns or no_values).alias(f"_has_{f}")
            for f in ("value", "numerator", "denominator")
        ]
        return body.select(
            *keys,
            text("period").alias("period_text"),
            name("period").alias("period_column"),
            text("value").alias("value_text"),
            name("value").alias("value_column"),
            *optional,
        )
    optional += [
        pl.lit(f == "value").alias(f"_has_{f}") for f in ("value", "numerator", "denominator")
    ]
    for c in unassigned:
        if DESCRIPTIVE.search(names[c]):
            continue
        if names[c].startswith("column ") and body[c].drop_nulls().str.strip_chars().eq("").all():
            continue  # an unnamed, empty column
        problems.warning(
            header_row,
            names[c],
            None,
            "column ignored: not a period or a known field",
            "rename it if it holds data qi should read",
        )
    blank = (
        body.select(
            (pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")).all()
            for c in period_columns
        ).row(0)
        if body.height
        else (True,) * len(period_columns)
    )
    if all(blank):
        problems.error(
            header_row,
            None,
            None,
            "no values at all: every period column is blank",
            "fill in the values under the periods",
        )
    else:
        for c, empty in zip(period_columns, blank, strict=True):
            if empty:
                problems.warning(
                    header_row,
                    names[c],
                    None,
                    "column skipped: it has no values (nothing stored for this period)",
                    "no change needed if the period is not reported yet",
                )
        period_columns = [c for c, empty in zip(period_columns, blank, strict=True) if not empty]
    wide = body.select(*keys, *optional, *period_columns)
    long = wide.unpivot(
        on=period_columns,
        index=[c for c in wide.columns if c not in period_columns],
        variable_name="_c",
        value_name="value_text",
    )
    headers = pl.DataFrame(
        {"_c": period_columns, "period_text": [names[c] for c in period_columns]},
        schema={"_c": pl.String, "period_text": pl.String},
    )
    return (
        long.join(headers, on="_c", how="left")
        .with_columns(
            pl.col("period_text").alias("period_column"),
            pl.col("period_text").alias("value_column"),
        )
        .select(
            "_row",
            "measure",
            "place",
            "period_text",
            "period_column",
            "value_text",
            "value_column",
            "numerator_text",
            "denominator_text",
            "status_text",
            "breakdown_text",
            "_has_value",
            "_has_numerator",
            "_has_denominator",
            "_measure_column",
            "_place_column",
            "_numerator_column",
            "_denominator_column",
            "_status_column",
            "_breakdown_column",
        )
        .sort("_row", maintain_order=True)
    )
