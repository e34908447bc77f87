"""Charting a panel larger than memory: Parquet datasets in, a Parquet dataset out.

``qi chart`` hands a run here when its input is a folder of Parquet files (a dataset, hive
partitioned or not), when its input holds more rows than one batch, or when ``--out`` is a
folder. The engine does no I/O; this module reads and writes, and calls the batch kernel
(``qi.charts.batches.chart_batch``) for the charts. Steps:

1. scan the input lazily (polars), only the columns the chart needs;
2. plan: one row per series (its keys and rows; a streaming pass over the key columns), cut
   into batches of whole series, sorted ranges of the keys, sized by the memory budget;
3. settings: read and chart the panel's leading series, which checks every argument before
   any long work;
4. shuffle: one streaming pass writes each batch's rows to a file of its own, in a hidden
   folder beside the output (removed at the end);
5. chart each batch and write its points as one file of the output dataset, in series order
   (``part-00000.parquet``, ...), and its series summaries to the summary file.

Peak memory is set by the batch (about ``BYTES_PER_ROW`` a row) plus the plan (about
``BYTES_PER_SERIES`` a series), not by the input. Nothing appears at the output paths unless
the whole run succeeds: files are written under temporary names and moved into place at the end.
"""

import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from qi.charts import SPCInputError
from qi.charts.batches import (
    BATCH,
    BatchSettings,
    ChartedBatch,
    batch_settings,
    chart_batch,
    panel_columns,
    plan_batches,
    series_sizes,
)

# A run's peak memory is at most about BASE_BYTES + BYTES_PER_SERIES x series + BYTES_PER_ROW x
# rows in a batch, which sizes the batches for --memory. Set so that measured peaks stay under
# the budget (benchmarks/national.py, XmR chart, every Making Data Count rule, keys of two text
# columns: 1.3 to 1.65 GB with 2GB; docs/scale.md). A batch's rows cost most: spc()'s working
# columns and its points, all 38 columns of them, before the narrow ones are chosen.
BYTES_PER_ROW = 300
# A run in one go (no plan, no shuffle) peaks at about 200 bytes a row: 1.1 to 1.25 GB for
# 100,000 series x 60 months (benchmarks/engine.py). Inputs that fit the budget this way are
# charted in one go, which is quicker than batches.
ONE_GO_BYTES_PER_ROW = 200
# The plan and the shuffle's join hold each series' keys, rows, batch and number.
BYTES_PER_SERIES = 220
# The interpreter, polars, and what the streaming passes and the allocator keep.
BASE_BYTES = 350 * 10**6
DEFAULT_MEMORY = "2GB"
PART = "part-{:05d}.parquet"
SERIES = "_qi_series"  # a row's series, numbered in series order (the shuffle)
ROW = "_qi_row"  # a row's number in the input (the shuffle, for subgroups)


class DatasetProblem(ValueError):
    """The input or output of a batched run cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Run:
    """A batched run: what to read, how to chart, where to write."""

    source: Path
    out: Path
    summary: Path
    arguments: dict[str, Any]
    columns: str | Sequence[str]
    memory: int
    series_per_batch: int | None = None


@dataclass(frozen=True)
class Done:
    """What a batched run wrote."""

    series: int
    points: int
    batches: int
    out: Path
    summary: Path


def parse_memory(text: str) -> int:
    """Bytes from a size such as ``2GB``, ``1500MB`` or ``0.5GiB``."""
    units = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
    units |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
    cleaned = text.strip().upper().replace(" ", "")
    number = cleaned.rstrip("KMGTIB")
    unit = cleaned[len(number) :]
    try:
        size = float(number) * units[unit]
    except (KeyError, ValueError):
        raise DatasetProblem(
            f"--memory {text!r} is not a size; write it like 2GB or 1500MB"
        ) from None
    return int(size)


def scan_input(path: Path) -> pl.LazyFrame:
    """The input as a lazy frame: a Parquet or CSV file, or a folder of Parquet files (every
    ``*.parquet`` under it; ``name=value`` folders become columns, as Hive writes them)."""
    if not path.exists():
        raise DatasetProblem(f"{path}: no such file or folder; check the path")
    suffix = path.suffix.lower()
    try:
        if path.is_dir():
            if not any(path.rglob("*.parquet")):
                raise DatasetProblem(
                    f"{path}: the folder holds no .parquet files; give a Parquet file, a CSV "
                    "file or a folder of Parquet files"
                )
            return pl.scan_parquet(path / "**" / "*.parquet", hive_partitioning=True)
        if suffix == ".parquet":
            return pl.scan_parquet(path)
        if suffix in (".csv", ".txt"):
            return pl.scan_csv(
                path, try_parse_dates=True, null_values=["", "NA"], infer_schema_length=None
            )
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DatasetProblem(f"{path}: cannot be read ({error})") from None
    raise DatasetProblem(f"{path}: unknown file type {suffix!r}; use .csv, .parquet or a folder")


def schema_of(scan: pl.LazyFrame, source: Path) -> pl.Schema:
    try:
        return scan.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DatasetProblem(f"{source}: cannot be read ({error})") from None


def rows_in(scan: pl.LazyFrame) -> int:
    """Rows in the input (for Parquet, from the files' footers)."""
    return int(scan.select(pl.len()).collect().item())


def rows_per_batch(memory: int, series: int) -> int:
    """Rows one batch may hold within ``memory`` bytes, after the plan's share."""
    free = memory - BASE_BYTES - series * BYTES_PER_SERIES
    rows = free // BYTES_PER_ROW
    if rows < 100_000:
        wanted = BASE_BYTES + series * BYTES_PER_SERIES + 100_000 * BYTES_PER_ROW
        raise DatasetProblem(
            f"--memory {memory / 1e9:.2f}GB is too little for {series:,} series; give at least "
            f"{wanted / 1e9:.1f}GB"
        )
    return int(rows)


def chart_dataset(
    run: Run,
    chart: Callable[[pl.DataFrame, BatchSettings], ChartedBatch] = chart_batch,
) -> Done:
    """Chart every series of ``run.source`` in batches and write the dataset and summary.

    ``chart`` is the batch kernel; the benchmark passes one that charts nothing, to time the
    reading and writing alone.
    """
    scan = scan_input(run.source)
    keys = _keys(run.arguments)
    if not keys:
        raise DatasetProblem(
            f"{run.source}: charting in batches needs the series keys: pass --by (for "
            "example --by measure,place)"
        )
    named = panel_columns(run.arguments)
    schema = schema_of(scan, run.source)
    missing = [c for c in named if c not in schema]
    if missing:
        raise DatasetProblem(
            f"{run.source}: no column(s) {missing}; the data has: {', '.join(schema)}"
        )
    scan = scan.select(named)
    sizes = _collect(series_sizes(scan, keys), run.source)
    if run.series_per_batch is not None:
        plan = plan_batches(sizes, series_per_batch=run.series_per_batch)
    else:
        plan = plan_batches(sizes, rows_per_batch=rows_per_batch(run.memory, sizes.height))
    batches = int(plan.select(pl.col(BATCH).max()).item() or 0) + 1
    settings = batch_settings(
        sizes,
        lambda wanted: _collect(_rows_of(scan, wanted, keys), run.source),
        columns=run.columns,
        **run.arguments,
    )
    work = run.out.parent if str(run.out.parent) else Path(".")
    try:
        written = _chart_batches(run, scan, plan, settings, batches, work, chart)
    except OSError as error:
        raise DatasetProblem(
            f"{work}: cannot be written ({error}); check the folder's permissions and space"
        ) from None
    return Done(sizes.height, written, batches, run.out, run.summary)


def _chart_batches(
    run: Run,
    scan: pl.LazyFrame,
    plan: pl.DataFrame,
    settings: BatchSettings,
    batches: int,
    work: Path,
    chart: Callable[[pl.DataFrame, BatchSettings], ChartedBatch],
) -> int:
    """Shuffle, chart and write every batch in a scratch folder beside the output; move the
    points and summary into place at the end. Returns the points written."""
    with tempfile.TemporaryDirectory(prefix=f".{run.out.name}.", dir=work) as scratch:
        scratch_path = Path(scratch)
        points = _sink(run.out, scratch_path, "points")
        summary = _sink(run.summary, scratch_path, "summary")
        written = 0
        batched = _batches(scan, plan, settings, batches, scratch_path, run.source)
        for number, batch in enumerate(batched):
            charted = chart(batch, settings)
            points.write(number, charted.points)
            summary.write(number, charted.series)
            written += charted.points.height
            del batch, charted
        points.finish(run.out)
        summary.finish(run.summary)
    return written


def _keys(arguments: dict[str, Any]) -> list[str]:
    by = arguments.get("by", ())
    return [by] if isinstance(by, str) else list(by)


def _collect(query: pl.LazyFrame, source: Path) -> pl.DataFrame:
    try:
        return query.collect(engine="streaming")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DatasetProblem(f"{source}: cannot be read ({error})") from None


def _rows_of(scan: pl.LazyFrame, wanted: pl.DataFrame, keys: list[str]) -> pl.LazyFrame:
    """Every row of the ``wanted`` series. They are a sorted range (the leading series), so
    a filter on the first key's range lets the scan skip partitions and row groups."""
    first, dtype = pl.col(keys[0]), wanted.schema[keys[0]]
    low, high, nulls = wanted.select(
        first.min(), first.max().alias("_high"), first.null_count().alias("_nulls")
    ).row(0)
    plain = dtype == pl.String or dtype.is_integer() or dtype.is_temporal()
    if plain and low is not None and not nulls:
        scan = scan.filter(first.is_between(pl.lit(low, dtype), pl.lit(high, dtype)))
    return scan.join(wanted.lazy(), on=keys, how="semi", nulls_equal=True)


def _batches(
    scan: pl.LazyFrame,
    plan: pl.DataFrame,
    settings: BatchSettings,
    batches: int,
    scratch: Path,
    source: Path,
) -> Iterator[pl.DataFrame]:
    """Each batch's rows, in batch order. One batch is read whole; several are first written
    to a file each by one streaming pass (the shuffle), then read one at a time.

    Each row goes through the shuffle with its series' number in series order in place of
    its keys (a third less to write and read; the keys come back from the plan), and, where a
    period may hold several rows, its row number in the input. The shuffle does not keep the
    rows' order: sorted by those numbers, a batch comes to the kernel in series order
    (``spc()`` then has nothing to sort) with every subgroup's rows in the input's order.
    """
    if batches == 1:
        yield _collect(scan, source)
        return
    keys, period = list(settings.keys), settings.arguments["period"]
    folder = scratch / "batches"
    numbered = plan.select(*keys, BATCH, pl.int_range(pl.len(), dtype=pl.UInt32).alias(SERIES))
    rows = scan.with_row_index(ROW) if settings.subgroups else scan
    rows = rows.join(numbered.lazy(), on=keys, how="inner", nulls_equal=True).drop(keys)
    try:
        rows.sink_parquet(
            pl.PartitionBy(folder, key=BATCH, include_key=False),
            compression="lz4",
            statistics=False,
            mkdir=True,
            engine="streaming",
        )
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DatasetProblem(f"the batches cannot be written to {folder} ({error})") from None
    for number in range(batches):
        files = sorted((folder / f"{BATCH}={number}").glob("*.parquet"))
        batch = pl.read_parquet(files, hive_partitioning=False)
        if settings.subgroups:
            batch = batch.sort(ROW).drop(ROW)
        batch = batch.sort(SERIES, period, nulls_last=True, maintain_order=True)
        series_keys = numbered.select(keys)[batch.get_column(SERIES)]
        yield pl.concat([series_keys, batch.drop(SERIES)], how="horizontal")
        for file in files:
            file.unlink()


class _Parts:
    """The points as a Parquet dataset: one file per batch, in series order."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder

    def write(self, number: int, frame: pl.DataFrame) -> None:
        # lz4 is quick to write; statistics let readers skip files and row groups by key.
        frame.write_parquet(self.folder / PART.format(number), compression="lz4")

    def finish(self, destination: Path) -> None:
        move_into_place(self.folder, destination)


class _ParquetFile:
    """One Parquet file written batch by batch (a row group each)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: Any = None  # pyarrow's ParquetWriter, opened with the first batch

    def write(self, number: int, frame: pl.DataFrame) -> None:
        import pyarrow.parquet as pq  # only runs in batches need it

        table = frame.to_arrow()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="lz4")
        self.writer.write_table(table)

    def finish(self, destination: Path) -> None:
        if self.writer is not None:
            self.writer.close()
        move_into_place(self.path, destination)


class _CsvFile:
    """One CSV file written batch by batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.touch()

    def write(self, number: int, frame: pl.DataFrame) -> None:
        with self.path.open("ab") as handle:
            frame.write_csv(handle, include_header=number == 0)

    def finish(self, destination: Path) -> None:
        move_into_place(self.path, destination)


def _sink_kind(path: Path, name: str) -> "type[_Parts | _ParquetFile | _CsvFile]":
    """How ``path`` is written: a name ending .csv or .parquet is one file (written batch by
    batch, a row group each); any other name, or a folder, is a Parquet dataset (one file per
    batch). A user who names a file gets a file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _CsvFile
    if suffix == ".parquet":
        return _ParquetFile
    return _Parts


def _sink(path: Path, scratch: Path, name: str) -> "_Parts | _ParquetFile | _CsvFile":
    kind = _sink_kind(path, name)
    return kind(scratch / (name + (path.suffix.lower() if kind is not _Parts else "")))


def move_into_place(written: Path, destination: Path) -> None:
    """Move a finished file or folder into place (an empty folder there gives way; a file of
    the same name is replaced, as a run in one go replaces it)."""
    if destination.is_dir() and not any(destination.iterdir()):
        destination.rmdir()
    elif destination.is_file():
        destination.unlink()
    shutil.move(written, destination)


def check_out(path: Path, name: str) -> None:
    """Refuse an output of a batched run before any work: its folder must exist, and a
    dataset (a folder) must be new or empty."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DatasetProblem(
            f"{path}: the folder {parent} does not exist; create it or write elsewhere"
        )
    folder = _sink_kind(path, name) is _Parts
    if folder and (path.is_file() or (path.is_dir() and any(path.iterdir()))):
        raise DatasetProblem(
            f"{path}: already exists; a dataset is written to a new or empty folder: remove it "
            "or write elsewhere"
        )
    if not folder and path.is_dir():
        raise DatasetProblem(f"{path}: is a folder; name a file, or a folder for a dataset")


def default_summary(out: Path) -> Path:
    """Where the series summary of a run in batches goes when not named: beside the points
    (``points-summary.parquet`` beside ``points/``; a CSV beside a CSV)."""
    suffix = ".csv" if out.suffix.lower() == ".csv" else ".parquet"
    return out.with_name(f"{out.stem}-summary{suffix}")


def spc_error(error: SPCInputError, source: Path) -> DatasetProblem:
    return DatasetProblem(f"{source}: {error}")
