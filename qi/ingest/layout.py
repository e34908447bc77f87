"""Finding the header row and turning long or wide tables into one row per measure, place, period.

Long layout: columns for measure, place, period and value (or numerator and denominator).
Wide layout: measure and place columns, then one column per period (``Apr-24``, ``2024-05``...).
Rows above the header (titles, merged banners) and totals rows are skipped.
"""

import re

import polars as pl

from qi.ingest.periods import parse_period
from qi.ingest.report import Problems

# Column names each field is known by, after lower-casing and turning spaces into underscores.
ALIASES = {
    "measure": ("measure", "measure_code", "indicator", "indicator_code", "metric", "metric_code"),
    "place": (
        "place", "place_code", "area", "area_code", "org_code", "ods_code", "organisation_code",
        "geography_code", "ward_code", "lsoa_code", "locality_code",
    ),
    "period": ("period", "month", "date", "week", "quarter", "period_start", "month_start"),
    "value": ("value", "count", "observation", "observed"),
    "numerator": ("numerator",),
    "denominator": ("denominator", "population"),
    "status": ("status",),
}  # fmt: skip
_FIELD_OF = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
# Rows whose key cell says this are totals added for people, not observations.
TOTAL_ROW = r"(?i)^\s*(grand\s+)?(sub-?)?totals?:?\s*$|^\s*all\s+(places|areas|wards)\s*$"
# Columns that describe rather than measure (place name, notes...): skipped without a warning.
DESCRIPTIVE = re.compile(r"name|description|notes?|comments?|unit", re.IGNORECASE)
HEADER_SEARCH_ROWS = 30


def field_of(header: str) -> str | None:
    """The field a column name stands for (measure, place, period...), or None."""
    return _FIELD_OF.get(re.sub(r"[\s\-]+", "_", str(header).strip().lower()))


def _is_period_header(cells: list[str | None]) -> list[bool]:
    parsed = pl.Series("h", [c or "" for c in cells], dtype=pl.String).to_frame()
    return parsed.select(parse_period(pl.col("h")).is_not_null()).to_series().to_list()


def find_header(rows: list[list[str | None]]) -> int | None:
    """Index of the header among the first rows: the first naming a key field and at least
    one more field or period."""
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = [field_of(c) for c in cells if c]
        if not {"measure", "place"} & set(fields):
            continue
        periods = sum(_is_period_header(list(cells)))
        if len(fields) + periods >= 2:
            return index
    return None


def to_long(
    header: list[str],
    header_row: int,
    body: pl.DataFrame,
    problems: Problems,
    measure: str | None = None,
) -> pl.DataFrame | None:
    """One row per cell holding an observation. Columns: _row, measure, place, period_text,
    period_column, value_text, value_column, numerator_text, denominator_text, status_text.
    Returns None (with errors added) when the layout cannot be understood."""
    fields = [field_of(h) for h in header]
    columns = {f: f"c{i}" for i, f in reversed(list(enumerate(fields))) if f}
    names = dict(zip([f"c{i}" for i in range(len(header))], header, strict=True))
    if "place" not in columns:
        problems.error(
            header_row, None, None, "no place column",
            "add a column named place (or place_code, area_code, org_code) with the place codes",
        )  # fmt: skip
        return None
    if "measure" not in columns and measure is None:
        problems.error(
            header_row, None, None, "no measure column",
            "add a column named measure with the measure codes, or name the measure with --measure",
        )  # fmt: skip
        return None
    body = body.filter(
        ~pl.all_horizontal(
            pl.exclude("_row").is_null() | (pl.exclude("_row").str.strip_chars() == "")
        )
    )
    key = pl.col(columns["place"]).fill_null("")
    if "measure" in columns:
        key = key + " " + pl.col(columns["measure"]).fill_null("")
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
    measure_expr = pl.col(columns["measure"]) if "measure" in columns else pl.lit(measure)
    keys = [
        pl.col("_row"),
        measure_expr.str.strip_chars().alias("measure"),
        pl.col(columns["place"]).str.strip_chars().alias("place"),
        # The file's own column names, for the report.
        pl.lit(names[columns["measure"]] if "measure" in columns else "--measure").alias(
            "_measure_column"
        ),
        pl.lit(names[columns["place"]]).alias("_place_column"),
    ]
    optional = [
        (pl.col(columns[f]) if f in columns else pl.lit(None, pl.String)).alias(f"{f}_text")
        for f in ("numerator", "denominator", "status")
    ] + [
        # The file's own names for these columns, for the report.
        pl.lit(names[columns[f]] if f in columns else f, pl.String).alias(f"_{f}_column")
        for f in ("numerator", "denominator", "status")
    ]
    # Which value fields the file has as columns (a wide layout's periods are value columns).
    present = [
        pl.lit(f in columns or (f == "value" and "period" not in columns)).alias(f"_has_{f}")
        for f in ("value", "numerator", "denominator")
    ]
    optional += present
    if "period" in columns:
        return body.select(
            *keys,
            pl.col(columns["period"]).alias("period_text"),
            pl.lit(names[columns["period"]]).alias("period_column"),
            (pl.col(columns["value"]) if "value" in columns else pl.lit(None, pl.String)).alias("value_text"),
            pl.lit(names[columns["value"]] if "value" in columns else None, pl.String).alias("value_column"),
            *optional,
        )  # fmt: skip
    is_period = _is_period_header(header)
    period_columns = [
        f"c{i}" for i, (f, p) in enumerate(zip(fields, is_period, strict=True)) if not f and p
    ]
    if not period_columns:
        problems.error(
            header_row, None, None, "no period column and no periods across the header",
            "add a period column (long layout) or put one period per column, such as Apr-24 (wide layout)",
        )  # fmt: skip
        return None
    for i, (f, p) in enumerate(zip(fields, is_period, strict=True)):
        if not f and not p and header[i] and not DESCRIPTIVE.search(header[i]):
            problems.warning(
                header_row, header[i], None, "column ignored: not a period or a known field",
                "rename it if it holds data qi should read",
            )  # fmt: skip
    if "numerator" in columns or "denominator" in columns:
        problems.error(
            header_row, None, None, "numerator and denominator columns in a wide layout",
            "use the long layout (measure, place, period, numerator, denominator) for proportions and rates",
        )  # fmt: skip
        return None
    blank = (
        body.select(
            (pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")).all()
            for c in period_columns
        ).row(0)
        if body.height
        else [True] * len(period_columns)
    )
    if all(blank):
        problems.error(
            header_row, None, None, "no values at all: every period column is blank",
            "fill in the values under the periods",
        )  # fmt: skip
    else:
        for c, empty in zip(period_columns, blank, strict=True):
            if empty:
                problems.warning(
                    header_row, names[c], None, "column skipped: it has no values (nothing stored for this period)",
                    "no change needed if the period is not reported yet",
                )  # fmt: skip
        period_columns = [c for c, empty in zip(period_columns, blank, strict=True) if not empty]
    wide = body.select(*keys, *optional, *period_columns)
    long = wide.unpivot(
        on=period_columns,
        index=[c for c in wide.columns if c not in period_columns],
        variable_name="_c",
        value_name="value_text",
    )
    headers = pl.DataFrame(
        {"_c": period_columns, "period_text": [names[c] for c in period_columns]}
    )
    return (
        long.join(headers, on="_c", how="left")
        .with_columns(
            pl.col("period_text").alias("period_column"),
            pl.col("period_text").alias("value_column"),
        )
        .select(
            "_row", "measure", "place", "period_text", "period_column", "value_text",
            "value_column", "numerator_text", "denominator_text", "status_text",
            "_has_value", "_has_numerator", "_has_denominator", "_measure_column", "_place_column",
            "_numerator_column", "_denominator_column", "_status_column",
        )
        .sort("_row", maintain_order=True)
    )  # fmt: skip
