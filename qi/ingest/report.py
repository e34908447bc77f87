"""The validation report: every problem in a file with where it is, what is wrong and the fix.

Problems are collected as rows (severity, row, column, value, problem, fix). Errors reject the
whole file; warnings are shown and do not block; notes say what was done with a cell (a
suppressed cell kept as missing). Rendering groups identical problems so that a
wrong code repeated on 10,000 rows reads as one line listing the rows.
"""

from dataclasses import dataclass, field

import polars as pl

PROBLEM_SCHEMA = {
    "severity": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "problem": pl.String(),
    "fix": pl.String(),
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}
ROWS_SHOWN = 8
# A file of garbage can have a problem in every cell: show and keep the first ones, count all.
LINES_SHOWN = 100
PROBLEMS_KEPT = 10_000


class Problems:
    """A growing list of problems: single ones added one by one, bulk ones as frames."""

    def __init__(self) -> None:
        self._frames: list[pl.DataFrame] = []
        self._single: list[tuple] = []

    def error(self, row, column, value, problem, fix) -> None:
        self._single.append(("error", row, column, value, problem, fix))

    def warning(self, row, column, value, problem, fix) -> None:
        self._single.append(("warning", row, column, value, problem, fix))

    def add(self, frame: pl.DataFrame) -> None:
        """Add problems given as a frame with PROBLEM_SCHEMA's columns."""
        if frame.height:
            self._frames.append(frame.select(pl.col(c).cast(t) for c, t in PROBLEM_SCHEMA.items()))

    def frame(self) -> pl.DataFrame:
        """Every problem once per row and column, with ``count`` the cells it was found in (a
        wide row repeats its measure and place in every period cell: one problem, 12 cells)."""
        single = pl.DataFrame(self._single, schema=PROBLEM_SCHEMA, orient="row")
        return (
            pl.concat([single, *self._frames])
            .group_by(list(PROBLEM_SCHEMA), maintain_order=True)
            .agg(pl.len().cast(pl.Int64).alias("count"))
            .sort("row", nulls_last=False, maintain_order=True)
        )


def problems_where(
    frame: pl.DataFrame,
    condition: pl.Expr,
    severity: str,
    column: pl.Expr,
    value: pl.Expr,
    problem: pl.Expr | str,
    fix: pl.Expr | str,
) -> pl.DataFrame:
    """One problem for each row of ``frame`` where ``condition`` holds."""

    def lit(x):
        return pl.lit(x) if isinstance(x, str) else x

    return frame.filter(condition).select(
        pl.lit(severity).alias("severity"),
        pl.col("_row").alias("row"),
        column.alias("column"),
        value.cast(pl.String).alias("value"),
        lit(problem).alias("problem"),
        lit(fix).alias("fix"),
    )


@dataclass
class Report:
    """What happened to one file: outcome, counts and the problems found."""

    file_name: str
    sheet: str | None = None
    outcome: str = "rejected"  # stored, unchanged or rejected
    rows_read: int = 0
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    upload_id: int | None = None
    what: str = "observations"
    problems: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA | {"count": pl.Int64()})
    )

    @property
    def errors(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == "error")

    @property
    def warnings(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == "warning")

    @property
    def notes(self) -> pl.DataFrame:
        """Cells kept as missing (suppressed, not available), one row per cell group."""
        return self.problems.filter(pl.col("severity") == "note")

    @property
    def cells_kept_missing(self) -> int:
        return int(self.notes["count"].sum())

    def grouped(self) -> pl.DataFrame:
        """Identical problems merged: one row per (severity, column, value, problem, fix)."""
        return (
            self.problems.group_by(
                ["severity", "column", "value", "problem", "fix"], maintain_order=True
            )
            .agg(pl.col("row").drop_nulls().alias("rows"), pl.col("count").sum().alias("count"))
            .sort(
                pl.col("severity").replace_strict(SEVERITY_ORDER, default=len(SEVERITY_ORDER)),
                "rows",
                maintain_order=True,
            )
        )

    def to_dict(self) -> dict:
        return {
            "file": self.file_name,
            "sheet": self.sheet,
            "outcome": self.outcome,
            "rows_read": self.rows_read,
            "added": self.added,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "errors": self.errors.height,
            "warnings": self.warnings.height,
            "kept_missing": self.cells_kept_missing,
            "problems": self.grouped().head(PROBLEMS_KEPT).to_dicts(),
            "problems_truncated": self.grouped().height > PROBLEMS_KEPT,
        }

    def render(self) -> str:
        where = self.file_name + (f", sheet '{self.sheet}'" if self.sheet else "")
        lines = []
        grouped = self.grouped()
        for p in grouped.head(LINES_SHOWN).iter_rows(named=True):
            rows = p["rows"]
            place = where
            if rows:
                shown = ", ".join(str(r) for r in rows[:ROWS_SHOWN])
                more = f" and {len(rows) - ROWS_SHOWN} more" if len(rows) > ROWS_SHOWN else ""
                place += f", row{'s' if len(rows) > 1 else ''} {shown}{more}"
            if p["column"]:
                place += f", column '{p['column']}'"
            value = f" '{p['value']}'" if p["value"] is not None else ""
            cells = f" (in {p['count']:,} cells)" if p["count"] > max(len(rows), 1) else ""
            lines.append(
                f"{p['severity']}: {place}:{value} {p['problem']}{cells}. Fix: {p['fix']}."
            )
        if grouped.height > LINES_SHOWN:
            lines.append(f"... and {grouped.height - LINES_SHOWN} more problems like these.")
        if self.outcome == "rejected":
            lines.append(
                f"Rejected: {self.errors.height} error(s), {self.warnings.height} warning(s) in "
                f"{self.rows_read} rows. Nothing was stored; fix the errors and upload the file again."
            )
        elif self.outcome == "unchanged":
            lines.append(
                f"Unchanged: all {self.unchanged} observations are already stored with these values."
            )
        elif self.upload_id is None:
            lines.append(f"Stored: {self.added} {self.what} (new or updated).")
        else:
            lines.append(
                f"Stored as upload {self.upload_id}: {self.added} new observation(s), "
                f"{self.revised} revised (old values kept), {self.unchanged} unchanged; "
                f"{self.warnings.height} warning(s)."
            )
        return "\n".join(lines)
