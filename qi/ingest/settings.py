"""The limits an upload is held to, in one settings object with defaults.

Every limit is checked before the work it bounds (a file's size before reading it, a sheet's
dimensions before loading it, columns before parsing rows), so that a small file cannot make
qi run for minutes or use gigabytes. Each has a message saying the limit and how to split the
file. Pass ``IngestSettings(max_rows=...)`` to ``ingest_file``/``ingest_bytes`` to change one.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class IngestSettings:
    # Size of the file as uploaded.
    max_file_bytes: int = 200_000_000
    # Rows below the header, columns across, and cells (rows x columns) of the table read.
    max_rows: int = 2_000_000
    max_columns: int = 2_000
    max_cells: int = 12_000_000
    # Characters in one cell: Excel's own limit, so any cell Excel can hold is read.
    max_cell_chars: int = 32_767
    # An .xlsx sheet's XML once unzipped (a zip can hold gigabytes in a few kilobytes).
    max_sheet_xml_bytes: int = 600_000_000
    # Wall-clock time for one upload, reading to storing; past it nothing is stored.
    time_budget_s: float = 120.0
    # Plausibility: a count (and a numerator or denominator) above this is an error, unless
    # the measure sets its own ``maximum``; any value beyond MAX_MAGNITUDE is an error.
    count_ceiling: float = 1e9
    max_magnitude: float = 1e15
    # Periods before this day are errors (typos such as 1024 for 2024, or Excel's day zero).
    earliest_period: date = date(1900, 1, 1)
    # A CSV file whose last line has no line break may have been cut short; an error unless
    # this is False (for tools that never end their files with a line break).
    require_final_line_break: bool = True


DEFAULT_SETTINGS = IngestSettings()


def size_words(size: int) -> str:
    """A number of bytes as people read it: 950 bytes, 12 kB, 3.4 MB, 200 MB."""
    if size < 1_000:
        return f"{size:,} bytes"
    if size < 1_000_000:
        return f"{size / 1e3:,.0f} kB"
    return f"{size / 1e6:,.1f} MB" if size < 10_000_000 else f"{size / 1e6:,.0f} MB"
