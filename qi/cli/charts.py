"""``qi chart`` and ``qi conformance``: the engine from the command line.

Both are thin: they read files, call ``qi.charts.spc`` or ``qi.conformance``, and write files.
Bad input ends with one line naming the problem and the fix, and exit status 1.
"""

import sys
from pathlib import Path

import click
import polars as pl

from qi.charts import CHART_TYPES, RULE_SETS, SPCInputError, spc


class InputProblem(click.ClickException):
    """Bad input: one line on stderr, exit status 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"qi: {self.format_message()}", err=True)


def read_table(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    """Read a CSV or Parquet file; ``columns``: only these, when a Parquet file has them all
    (a wide file then costs what its few charted columns cost)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputProblem(f"{path}: no such file; check the path")
    try:
        if suffix == ".parquet":
            if columns and set(columns) <= set(pl.read_parquet_schema(path)):
                return pl.read_parquet(path, columns=list(dict.fromkeys(columns)))
            return pl.read_parquet(path)
        if suffix in (".csv", ".txt"):
            return pl.read_csv(
                path, try_parse_dates=True, null_values=["", "NA"], infer_schema_length=None
            )
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputProblem(
            f"{path}: cannot be read ({error}); is it a valid {suffix} file?"
        ) from None
    raise InputProblem(f"{path}: unknown file type {suffix!r}; use .csv or .parquet")


def check_writable(path: Path) -> None:
    """Refuse an output path before any work is done: a known type, in a folder that exists."""
    if path.suffix.lower() not in (".parquet", ".csv"):
        raise InputProblem(f"{path}: unknown output type {path.suffix!r}; use .csv or .parquet")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputProblem(
            f"{path}: the folder {folder} does not exist; create it or write elsewhere"
        )


def write_table(frame: pl.DataFrame, path: Path) -> None:
    check_writable(path)
    try:
        if path.suffix.lower() == ".parquet":
            # lz4 and no column statistics: a third faster to write than zstd with statistics,
            # for a file that is read whole again soon after.
            frame.write_parquet(path, compression="lz4", statistics=False)
        else:
            frame.write_csv(path)
    except OSError as error:
        raise InputProblem(
            f"{path}: cannot be written ({error}); check the folder's permissions"
        ) from None


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


@click.command()
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write one row per point (.csv or .parquet).",
)
@click.option(
    "--summary",
    type=click.Path(path_type=Path),
    help="Also write one row per series: icons, runs, signal counts.",
)
@click.option("--value", required=True, help="Column of values (numerators for rates).")
@click.option("--n", "denominator", help="Column of denominators (population, eligible cases).")
@click.option("--period", required=True, help="Column of periods (dates or numbers).")
@click.option("--by", help="Comma-separated series key columns, e.g. measure,place.")
@click.option("--chart", help=f"Chart type: {', '.join(CHART_TYPES)} (default i).")
@click.option("--kind", help="Kind of measure, to choose the default chart.")
@click.option(
    "--rules", default="mdc", show_default=True, help=f"Rule set: {', '.join(RULE_SETS)}."
)
@click.option(
    "--direction",
    default="neutral",
    show_default=True,
    help="Improvement direction: increase, decrease or neutral.",
)
@click.option("--target", type=float, help="Target for every series.")
@click.option("--phases", help="Comma-separated periods at which limits are recalculated.")
@click.option("--baseline", type=int, help="Freeze limits on the first N points of each phase.")
@click.option("--exclude", help="Comma-separated periods left out of limits and runs.")
@click.option(
    "--multiplier",
    type=float,
    default=1.0,
    show_default=True,
    help="Scale values and limits, e.g. 100 for percent, 1000 per 1,000.",
)
@click.option(
    "--screen/--no-screen",
    default=True,
    show_default=True,
    help="Screen out moving ranges above 3.267 x AMR before the limits.",
)
@click.option("--aggregate", help="Combine repeated periods: mean, median, sum or sd.")
def chart(input_file: Path, output: Path, summary: Path | None, by: str | None, **options) -> None:
    """Chart every series in INPUT (CSV or Parquet) and write one row per point."""
    for path in (output, summary):
        if path is not None:
            check_writable(path)
    keys = _split(by)
    named = [*keys, options["period"], options["value"], options["denominator"]]
    if options["direction"] not in ("increase", "decrease", "neutral"):
        named.append(options["direction"])  # a column of directions
    data = read_table(input_file, [c for c in named if c])
    for name in ("phases", "exclude"):
        periods = _split(options[name])
        options[name] = _as_periods(periods, data, options["period"]) if periods else None
    try:
        charted = spc(data, by=keys, **options)
    except SPCInputError as error:
        raise InputProblem(f"{input_file}: {error}") from None
    write_table(charted.points, output)
    if summary:
        write_table(charted.summary(), summary)


def _as_periods(values: list[str], data: pl.DataFrame, period: str) -> list:
    if period not in data.columns:
        return values  # spc() reports the missing column
    dtype = data.schema[period]
    try:
        return (
            pl.Series(values).cast(dtype).to_list()
            if dtype != pl.Date
            else (pl.Series(values).str.to_date().to_list())
        )
    except pl.exceptions.PolarsError:
        raise InputProblem(
            f"periods {values} do not read as the {period!r} column's type ({dtype}); "
            "write dates as YYYY-MM-DD"
        ) from None


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def conformance(folder: Path) -> None:
    """Run every reference case under FOLDER through the engine; exit 0 only if all pass."""
    from qi.conformance import run_all

    outcomes = run_all(folder)
    for outcome in outcomes:
        click.echo(outcome.line())
    failed = sum(not o.passed for o in outcomes)
    click.echo(f"{len(outcomes) - failed} passed, {failed} failed")
    sys.exit(1 if failed or not outcomes else 0)


COMMANDS = [chart, conformance]
