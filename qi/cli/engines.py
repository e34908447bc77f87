"""``qi chart --engine spark`` and ``--engine dask``: a Parquet input charted on a cluster.

The cluster reads the input, charts it with the batch kernel (``qi.scale``) and writes two
Parquet datasets (folders of part files, in no particular order): the points at ``--out`` and
the series summaries at ``--summary`` (by default ``OUT-summary`` beside it). Both are written
to a hidden folder beside ``--out`` and moved into place when the whole run has succeeded.

Spark: a local master on every core, bound to 127.0.0.1, unless ``--master`` names a cluster
(or ``spark-submit`` gave one). Dask: a local cluster of two worker processes unless
``--scheduler`` names an existing scheduler. pyspark and dask are imported only here, and only
when asked for.
"""

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from qi.charts import SPCInputError
from qi.cli.datasets import DatasetProblem, move_into_place

ENGINES = ("polars", "spark", "dask")
EXTRAS = {"spark": "pyspark", "dask": "dask"}


@dataclass(frozen=True)
class Written:
    """What a run on a cluster wrote."""

    series: int
    points: int
    out: Path
    summary: Path


def default_summary(out: Path) -> Path:
    """Where the series summaries go when not named: a dataset beside the points."""
    return out.with_name(f"{out.name}-summary")


def check_source(source: Path, engine: str) -> None:
    if not source.exists():
        raise DatasetProblem(f"{source}: no such file or folder; check the path")
    if source.is_file() and source.suffix.lower() != ".parquet":
        raise DatasetProblem(
            f"{source}: --engine {engine} reads Parquet (a file or a folder of files); "
            "convert the file to Parquet, or chart it on this machine without --engine"
        )


def check_dataset_out(path: Path) -> None:
    """A cluster writes a folder: new or empty, in a folder that exists."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DatasetProblem(
            f"{path}: the folder {parent} does not exist; create it or write elsewhere"
        )
    if path.is_file() or (path.is_dir() and any(path.iterdir())):
        raise DatasetProblem(
            f"{path}: already exists; a cluster writes a dataset to a new or empty folder: "
            "remove it or write elsewhere"
        )


def chart_on(
    engine: str,
    source: Path,
    out: Path,
    summary: Path,
    arguments: dict[str, Any],
    columns: str | list[str],
    address: str | None,
) -> Written:
    """Chart ``source`` on ``engine`` (``"spark"`` or ``"dask"``) and write both datasets.

    ``address``: a Spark master URL or a Dask scheduler address; none for a local one.
    """
    check_source(source, engine)
    for path in (out, summary):
        check_dataset_out(path)
    try:
        if engine == "spark":
            from qi.scale import on_spark  # noqa: F401 (imported to check it is installed)
        else:
            from qi.scale import on_dask  # noqa: F401
    except ImportError as error:
        raise DatasetProblem(
            f"--engine {engine} needs {EXTRAS[engine]} ({error.name} is not installed): "
            f"pip install 'qi[{engine}]'"
        ) from None
    work = out.parent if str(out.parent) else Path(".")
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=work))
    try:
        points, series = scratch / "points", scratch / "series"
        if engine == "spark":
            _on_spark(source, points, series, arguments, columns, address)
        else:
            _on_dask(source, points, series, arguments, columns, address)
        written = Written(_rows(series), _rows(points), out, summary)
        move_into_place(points, out)
        move_into_place(series, summary)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return written


def _rows(dataset: Path) -> int:
    """Rows in a written dataset, from its files' footers."""
    files = sorted(dataset.glob("*.parquet"))
    return int(pl.scan_parquet(files).select(pl.len()).collect().item()) if files else 0


def _on_spark(
    source: Path,
    points: Path,
    series: Path,
    arguments: dict[str, Any],
    columns: str | list[str],
    master: str | None,
) -> None:
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession

    from qi.scale.on_spark import session, spc_on_spark

    ours = SparkSession.getActiveSession() is None  # else a notebook's or a test's: left open
    spark = session(master)
    try:
        charts = spc_on_spark(spark.read.parquet(str(source)), columns=columns, **arguments)
        charts.points.write.parquet(str(points))
        charts.series.write.parquet(str(series))
        charts.unpersist()
    except PySparkException as error:
        raise DatasetProblem(_kernel_message(str(error))) from None
    finally:
        if ours:
            spark.stop()


def _on_dask(
    source: Path,
    points: Path,
    series: Path,
    arguments: dict[str, Any],
    columns: str | list[str],
    scheduler: str | None,
) -> None:
    import dask
    import dask.dataframe as dd
    from distributed import Client

    from qi.scale.on_dask import local_client, spc_on_dask

    client = Client(scheduler) if scheduler else local_client()
    try:
        frame = dd.read_parquet(str(source), dtype_backend="pyarrow")
        charts = spc_on_dask(frame, columns=columns, **arguments)
        dask.compute(
            charts.points.to_parquet(str(points), write_index=False, compute=False),
            charts.series.to_parquet(str(series), write_index=False, compute=False),
        )
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()


def _kernel_message(text: str) -> str:
    """The kernel's one-line message out of a worker's traceback, or the error's first line."""
    found = [line for line in text.splitlines() if f"{SPCInputError.__name__}:" in line]
    if found:
        return found[-1].split(f"{SPCInputError.__name__}:", 1)[1].strip()
    return text.strip().splitlines()[0] if text.strip() else "the Spark job failed"
