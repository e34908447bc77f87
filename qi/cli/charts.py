"""``qi chart`` and ``qi conformance``: the engine from the command line.

Both are thin: they read files, call ``qi.charts.spc`` or ``qi.conformance``, and write files.
An input larger than one batch (or a folder in or out) is charted in batches of whole series
by ``qi.cli.datasets``.
Bad input ends with one line naming the problem and the fix, and exit status 1.
"""

import sys
from pathlib import Path

import click
import polars as pl

from qi.charts import CHART_TYPES, RULE_SETS, SPCInputError, spc
from qi.charts.batches import point_columns
from qi.cli import datasets, engines


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
    help="Where to write one row per point: .csv or .parquet, or a folder for a Parquet "
    "dataset (one file per batch). A .parquet or .csv name is always one file.",
)
@click.option(
    "--summary",
    type=click.Path(path_type=Path),
    help="Also write one row per series: icons, runs, signal counts. A run in batches "
    "always writes it, by default beside the dataset (OUT-summary.parquet).",
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
@click.option(
    "--columns",
    help="Point columns to write after the keys and period: all, narrow (value, centre, "
    "limits, signal, point type) or a comma-separated list. Default: all, or narrow for a "
    "run in batches.",
)
@click.option(
    "--memory",
    default=datasets.DEFAULT_MEMORY,
    show_default=True,
    help="Memory to chart within. A larger input is charted in batches of whole series.",
)
@click.option(
    "--batch-series",
    type=click.IntRange(min=1),
    help="Chart in batches of this many series (instead of sizing batches by --memory).",
)
@click.option(
    "--engine",
    type=click.Choice(engines.ENGINES),
    default="polars",
    show_default=True,
    help="Where to chart: this machine (polars), or a Spark or Dask cluster (a local one "
    "unless --master or --scheduler names one); spark and dask read Parquet and write "
    "Parquet datasets (pip install 'qi[spark]' or 'qi[dask]').",
)
@click.option("--master", help="Spark master URL for --engine spark (default: local, every core).")
@click.option(
    "--scheduler",
    help="Dask scheduler address for --engine dask (default: a local cluster of 2 workers).",
)
def chart(
    input_file: Path,
    output: Path,
    summary: Path | None,
    by: str | None,
    columns: str | None,
    memory: str,
    batch_series: int | None,
    engine: str,
    master: str | None,
    scheduler: str | None,
    **options,
) -> None:
    """Chart every series in INPUT (a CSV or Parquet file, or a folder of Parquet files) and
    write one row per point."""
    keys = _split(by)
    try:
        budget = datasets.parse_memory(memory)
        scan = datasets.scan_input(input_file)
        schema = datasets.schema_of(scan, input_file)
        batched = (
            batch_series is not None
            or input_file.is_dir()
            or _names_a_folder(output)
            or datasets.rows_in(scan)
            > (budget - datasets.BASE_BYTES) // datasets.ONE_GO_BYTES_PER_ROW
        )
    except datasets.DatasetProblem as error:
        raise InputProblem(str(error)) from None
    for name in ("phases", "exclude"):
        periods = _split(options[name])
        options[name] = _as_periods(periods, schema, options["period"]) if periods else None
    chosen = _split(columns) if columns not in (None, "all", "narrow") else columns
    if engine != "polars":
        if batch_series is not None:
            raise InputProblem(
                f"--batch-series sizes batches on this machine; --engine {engine} charts "
                "partitions of whole series (leave it out)"
            )
        _chart_on(
            engine,
            input_file,
            output,
            summary,
            keys,
            chosen or "narrow",
            options,
            master if engine == "spark" else scheduler,
        )
        return
    if batched:
        _chart_in_batches(
            input_file, output, summary, keys, chosen or "narrow", budget, batch_series, options
        )
        return
    for path in (output, summary):
        if path is not None:
            check_writable(path)
    named = [*keys, options["period"], options["value"], options["denominator"]]
    if options["direction"] not in ("increase", "decrease", "neutral"):
        named.append(options["direction"])  # a column of directions
    data = read_table(input_file, [c for c in named if c])
    try:
        charted = spc(data, by=keys, **options)
        kept = point_columns(chosen or "all", charted.points.columns[len(keys) + 1 :])
    except SPCInputError as error:
        raise InputProblem(f"{input_file}: {error}") from None
    write_table(charted.points.select(*keys, charted.period, *kept), output)
    if summary:
        write_table(charted.summary(), summary)


def _names_a_folder(path: Path) -> bool:
    return path.is_dir() or path.suffix == ""


def _chart_in_batches(
    source: Path,
    output: Path,
    summary: Path | None,
    keys: list[str],
    columns: str | list[str],
    memory: int,
    batch_series: int | None,
    options: dict,
) -> None:
    summary = summary or datasets.default_summary(output)
    run = datasets.Run(
        source=source,
        out=output,
        summary=summary,
        arguments={"by": keys, **options},
        columns=columns,
        memory=memory,
        series_per_batch=batch_series,
    )
    try:
        datasets.check_out(output, "points")
        datasets.check_out(summary, "summary")
        done = datasets.chart_dataset(run)
    except datasets.DatasetProblem as error:
        raise InputProblem(str(error)) from None
    except SPCInputError as error:
        raise InputProblem(f"{source}: {error}") from None
    click.echo(
        f"qi: {done.series:,} series, {done.points:,} points in {done.batches:,} batch(es); "
        f"points in {done.out}, series in {done.summary}",
        err=True,
    )


def _chart_on(
    engine: str,
    source: Path,
    output: Path,
    summary: Path | None,
    keys: list[str],
    columns: str | list[str],
    options: dict,
    address: str | None,
) -> None:
    summary = summary or engines.default_summary(output)
    try:
        done = engines.chart_on(
            engine, source, output, summary, {"by": keys, **options}, columns, address
        )
    except datasets.DatasetProblem as error:
        raise InputProblem(str(error)) from None
    except SPCInputError as error:
        raise InputProblem(f"{source}: {error}") from None
    click.echo(
        f"qi: {done.series:,} series, {done.points:,} points on {engine}; points in "
        f"{done.out}, series in {done.summary}",
        err=True,
    )


def _as_periods(values: list[str], schema: pl.Schema, period: str) -> list:
    if period not in schema:
        return values  # spc() reports the missing column
    dtype = schema[period]
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
