"""Reading periods as locality teams write them, and normalising them to the period's start.

Accepted: ``2024-03``, ``2024-03-01``, ``Mar-24``, ``March 2024``, ``01/03/2024`` (UK, day first),
Excel serial dates (``45352``), quarters (``2024 Q1``, ``Q1 2024``, financial ``2023/24 Q1``)
and ISO weeks (``2024-W09``). Everything is a polars expression: no per-row Python.
"""

import polars as pl

# Excel counts days from 1899-12-30 (the 1900 leap-year bug included). Serials 20000-80000 are
# the years 1954-2119: anything else in a period cell is more likely a count than a date.
EXCEL_EPOCH = (1899, 12, 30)
EXCEL_SERIAL_RANGE = (20_000, 80_000)
FREQUENCY_STEP = {"week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}
PERIOD_FIX = (
    "write the period as 2024-03 (year-month), 01/03/2024 (day/month/year), Mar-24, "
    "March 2024, 2024 Q1 or 2024-W09"
)


def _when(text: pl.Expr, pattern: str, parsed: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains(pattern)).then(parsed)


def parse_period(column: pl.Expr) -> pl.Expr:
    """The date a period cell names (not yet normalised to a frequency), or null."""
    text = (
        column.str.strip_chars()
        .str.to_lowercase()
        # Excel dates read as text carry a midnight time.
        .str.replace(r"[ t]00:00(:00(\.0+)?)?$", "")
        .str.replace(r"^(\d{4}-\d{2}-\d{2})t.*$", "$1")
    )
    words = text.str.replace_all(r"[-'/_.]", " ").str.replace(r"\bsept\b", "sep")
    numbers = text.str.extract_groups(r"^(\d{4})[- ]?q([1-4])$|^q([1-4])[- ]?(\d{4})$")
    quarter_year = pl.coalesce(numbers.struct[0], numbers.struct[3]).cast(pl.Int32)
    quarter = pl.coalesce(numbers.struct[1], numbers.struct[2]).cast(pl.Int32)
    financial = text.str.extract_groups(r"^(\d{4})/\d{2}[- ]?q([1-4])$")
    financial_start = pl.date(financial.struct[0].cast(pl.Int32), 4, 1).dt.offset_by(
        (financial.struct[1].cast(pl.Int32) - 1).mul(3).cast(pl.String) + "mo"
    )
    serial = text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    low, high = EXCEL_SERIAL_RANGE
    return pl.coalesce(
        _when(text, r"^\d{4}-\d{1,2}-\d{1,2}$", text.str.to_date("%Y-%m-%d", strict=False)),
        _when(text, r"^\d{4}-\d{1,2}$", (text + "-01").str.to_date("%Y-%m-%d", strict=False)),
        _when(text, r"^\d{1,2}/\d{1,2}/\d{4}$", text.str.to_date("%d/%m/%Y", strict=False)),
        _when(text, r"^\d{1,2}/\d{1,2}/\d{2}$", text.str.to_date("%d/%m/%y", strict=False)),
        _when(
            words,
            r"^[a-z]+ +\d{4}$",
            pl.coalesce(
                ("01 " + words).str.to_date("%d %b %Y", strict=False),
                ("01 " + words).str.to_date("%d %B %Y", strict=False),
            ),
        ),
        _when(
            words,
            r"^[a-z]+ +\d{2}$",
            pl.coalesce(
                ("01 " + words).str.to_date("%d %b %y", strict=False),
                ("01 " + words).str.to_date("%d %B %y", strict=False),
            ),
        ),
        pl.when(quarter.is_not_null()).then(pl.date(quarter_year, quarter * 3 - 2, 1)),
        pl.when(financial.struct[0].is_not_null()).then(financial_start),
        _when(
            text,
            r"^\d{4}-?w\d{1,2}$",
            (
                text.str.replace(r"^(\d{4})-?w(\d)$", "${1}-w0$2").str.replace("-?w", "-W") + "-1"
            ).str.to_date("%G-W%V-%u", strict=False),
        ),
        pl.when(serial.is_between(low, high)).then(
            pl.date(*EXCEL_EPOCH) + pl.duration(days=serial)
        ),
    )


def period_start(period: pl.Expr, frequency: pl.Expr | str) -> pl.Expr:
    """The start of the week (Monday), month, quarter or year that ``period`` falls in."""
    if isinstance(frequency, str):
        return period.dt.truncate(FREQUENCY_STEP[frequency])
    return pl.coalesce(
        pl.when(frequency == name).then(period.dt.truncate(step))
        for name, step in FREQUENCY_STEP.items()
    )


def period_hint(column: pl.Expr) -> pl.Expr:
    """Why a period cell did not parse, where a likely cause can be named (else null)."""
    text = column.str.strip_chars()
    parts = text.str.extract_groups(r"^(\d{1,2})/(\d{1,2})/\d{2,4}$")
    return (
        pl.when(parts.struct[1].cast(pl.Int32, strict=False) > 12)
        .then(pl.lit("month ") + parts.struct[1] + " does not exist: dates are read day first")
        .when(text.str.contains(r"^\d{1,4}$"))
        .then(pl.lit("a bare number is not a period"))
    )
