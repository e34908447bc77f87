"""The same kernel on one machine, on Spark and on Dask: every column equal, to the bit, to one
``spc()`` call.

Spark runs in local mode (Java 17 or later; CI installs Debian's openjdk-17-jre-headless) and
Dask on a local cluster of two worker processes, each started once for the module. A missing
Java, pyspark or dask fails these tests: they are never skipped.
"""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import dask
import dask.dataframe as dd
import polars as pl
import pyarrow as pa
import pytest
from click.testing import CliRunner

from qi.charts import SPCInputError, spc
from qi.charts.batches import NARROW_COLUMNS, spc_in_batches
from qi.cli import main
from qi.scale.on_dask import local_client, spc_on_dask
from qi.scale.on_spark import session, spc_on_spark
from qi.scale.wire import restore
from tests.charts.test_batches import CASES, KEYS, assert_identical, panel

ROOT = Path(__file__).resolve().parents[2]
# Chart types, rule sets, phases, exclusions, targets, baselines, rates and subgroups.
CHOSEN = [
    "xmr_mdc_phases_exclusions",
    "xmr_mdc2023_baseline",
    "run_anhoej",
    "p_anhoej",
    "u_western_electric_per_1000",
    "g_anhoej",
    "xbar_western_electric",
    "xmr_of_means_mdc",
]
ENGINES = ["polars", "spark", "dask"]


@pytest.fixture(scope="module")
def spark():
    started = session(cores=2)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def dask_client():
    client = local_client(workers=2)
    yield client
    cluster = client.cluster
    client.close()
    cluster.close()


def in_series_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Partitions come back in any order; each series' rows keep the kernel's order."""
    return frame.sort(KEYS, nulls_last=True, maintain_order=True)


def charted_on(engine: str, data: pl.DataFrame, request, **arguments):
    """Points and series of ``data`` charted on ``engine`` in three partitions (or batches),
    read back with the kernel's types."""
    if engine == "polars":
        batches = list(spc_in_batches(data, series_per_batch=9, columns="all", **arguments))
        return pl.concat([b.points for b in batches]), pl.concat([b.series for b in batches])
    arrow = data.to_arrow(compat_level=pl.CompatLevel.oldest())
    if engine == "spark":
        frame = request.getfixturevalue("spark").createDataFrame(arrow)  # in order
        charts = spc_on_spark(frame, columns="all", partitions=3, **arguments)
        points, series = charts.points.toArrow(), charts.series.toArrow()
        charts.unpersist()
    else:
        request.getfixturevalue("dask_client")
        frame = dd.from_pandas(data.to_pandas(use_pyarrow_extension_array=True), npartitions=3)
        charts = spc_on_dask(frame, columns="all", partitions=3, **arguments)
        points_pd, series_pd = dask.compute(charts.points, charts.series)
        points = pa.Table.from_pandas(points_pd, preserve_index=False)
        series = pa.Table.from_pandas(series_pd, preserve_index=False)
    return (
        in_series_order(restore(points, charts.settings.points_schema)),
        in_series_order(restore(series, charts.settings.series_schema)),
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CHOSEN)
def test_every_engine_gives_one_spc_call_bit_for_bit(case, engine, request):
    make, arguments = CASES[case]
    data = make()
    whole = spc(data, by=KEYS, period="month", **arguments)
    points, series = charted_on(engine, data, request, by=KEYS, period="month", **arguments)
    assert_identical(points, whole.points)
    assert_identical(series, whole.summary())


@pytest.mark.parametrize("engine", ENGINES)
def test_every_partition_reads_the_calendar_unit_of_the_whole_panel(engine, request):
    """Series recorded every other month would read 'quarter' alone and see no gaps; in every
    partition they are charted with the panel's leading (monthly) series."""
    months = pl.date_range(dt.date(2020, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    monthly = pl.DataFrame({"place": [f"M{i:04d}" for i in range(900)]}).join(
        pl.DataFrame({"month": months}), how="cross"
    )
    sparse = pl.DataFrame({"place": [f"S{i:04d}" for i in range(30)]}).join(
        pl.DataFrame({"month": months.gather_every(2)}), how="cross"
    )
    data = pl.concat([sparse, monthly]).with_columns(
        measure=pl.lit("visits"), value=pl.int_range(pl.len()).mod(17).cast(pl.Float64)
    )
    arguments = dict(by=KEYS, value="value", period="month", rules="mdc")
    whole = spc(data, **arguments)
    points, series = charted_on(engine, data, request, **arguments)
    assert points.filter(pl.col("place").str.starts_with("S"))["gap_before"].sum() == 30 * 29
    assert_identical(points, whole.points)
    assert_identical(series, whole.summary())


def test_a_missing_column_is_refused_by_name(spark, dask_client):
    data = panel().drop("population")
    arguments = dict(by=KEYS, period="month", value="count", denominator="population", chart="p")
    frame = spark.createDataFrame(data.to_arrow(compat_level=pl.CompatLevel.oldest()))
    with pytest.raises(SPCInputError, match=r"no column\(s\) \['population'\]"):
        spc_on_spark(frame, **arguments)
    with pytest.raises(SPCInputError, match=r"no column\(s\) \['population'\]"):
        spc_on_dask(dd.from_pandas(data.to_pandas(), npartitions=2), **arguments)


def hive_folder(data: pl.DataFrame, folder: Path) -> Path:
    for (measure,), part in data.partition_by("measure", as_dict=True).items():
        (folder / f"measure={measure}").mkdir(parents=True)
        part.drop("measure").write_parquet(folder / f"measure={measure}" / "part-0.parquet")
    return folder


@pytest.mark.parametrize("engine", ["spark", "dask"])
def test_qi_chart_on_an_engine_writes_both_datasets(engine, tmp_path, spark, dask_client):
    data = panel(seed=4)
    source = hive_folder(data, tmp_path / "panel")
    address = ["--scheduler", dask_client.scheduler.address] if engine == "dask" else []
    result = CliRunner().invoke(
        main,
        [
            "chart",
            str(source),
            "--out",
            str(tmp_path / "charts"),
            *["--value", "count", "--period", "month", "--by", "measure,place"],
            *["--rules", "mdc", "--phases", "2023-04-01", "--engine", engine, *address],
        ],
    )
    assert result.exit_code == 0, result.output
    whole = spc(data, by=KEYS, period="month", value="count", phases=[dt.date(2023, 4, 1)])
    points = pl.read_parquet(tmp_path / "charts" / "*.parquet")
    series = pl.read_parquet(tmp_path / "charts-summary" / "*.parquet")
    assert f"{whole.summary().height} series, {whole.points.height:,} points on {engine}" in (
        result.stderr
    )
    expected = whole.points.select(*KEYS, "month", *NARROW_COLUMNS)
    assert_identical(in_series_order(restore(points, expected.schema)), expected)
    assert_identical(in_series_order(restore(series, whole.summary().schema)), whole.summary())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts", "charts-summary", "panel"]


@pytest.mark.parametrize("engine", ["spark", "dask"])
def test_a_problem_in_a_later_partition_is_one_line_and_nothing_is_written(
    engine, tmp_path, spark, dask_client
):
    data = panel().with_columns(
        population=pl.when(pl.col("place") == "E00000011").then(0.0).otherwise("population")
    )
    data.write_parquet(tmp_path / "panel.parquet")
    address = ["--scheduler", dask_client.scheduler.address] if engine == "dask" else []
    result = CliRunner().invoke(
        main,
        [
            "chart",
            str(tmp_path / "panel.parquet"),
            "--out",
            str(tmp_path / "charts"),
            *["--value", "count", "--n", "population", "--chart", "p", "--period", "month"],
            *["--by", "measure,place", "--engine", engine, *address],
        ],
    )
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("qi: ") and "denominator" in lines[-1], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["panel.parquet"]


def test_an_engine_reads_parquet_and_writes_a_new_folder(tmp_path):
    panel().write_csv(tmp_path / "panel.csv")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.parquet").touch()
    common = ["--value", "count", "--period", "month", "--by", "measure,place"]
    csv = CliRunner().invoke(
        main,
        ["chart", str(tmp_path / "panel.csv"), "--out", str(tmp_path / "x"), *common]
        + ["--engine", "spark"],
    )
    assert csv.exit_code == 1 and "reads Parquet" in csv.stderr
    panel().write_parquet(tmp_path / "panel.parquet")
    full = CliRunner().invoke(
        main,
        ["chart", str(tmp_path / "panel.parquet"), "--out", str(tmp_path / "full"), *common]
        + ["--engine", "dask"],
    )
    assert full.exit_code == 1 and "already exists" in full.stderr
    batches = CliRunner().invoke(
        main,
        ["chart", str(tmp_path / "panel.parquet"), "--out", str(tmp_path / "y"), *common]
        + ["--engine", "dask", "--batch-series", "5"],
    )
    assert batches.exit_code == 1 and "--batch-series" in batches.stderr


def test_spark_and_dask_are_imported_only_when_asked_for():
    code = (
        "import sys, qi.cli, qi.charts, qi.scale, qi.scale.wire\n"
        "loaded = [m for m in ('pyspark', 'dask', 'distributed') if m in sys.modules]\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
