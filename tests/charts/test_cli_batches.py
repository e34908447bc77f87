"""``qi chart`` on inputs larger than one batch: Parquet datasets in, a Parquet dataset out.

A folder of Parquet files (hive-partitioned or not, a series' rows in several files) is
charted in batches of whole series; the dataset written, read back in file order, is one
``spc()`` call's points bit for bit, with the series summary beside it. Peak memory is set by
the batch, not by the input.
"""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from qi.charts import spc
from qi.charts.batches import NARROW_COLUMNS
from qi.cli import main
from tests.charts.test_batches import KEYS, assert_identical, panel, subgroups

ROOT = Path(__file__).resolve().parents[2]
XMR = ["--value", "count", "--period", "month", "--by", "measure,place", "--chart", "i"]


def run(*args: str):
    return CliRunner().invoke(main, ["chart", *args])


def refused(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qi: "), result.stderr
    return lines[0]


def hive_folder(data: pl.DataFrame, folder: Path) -> Path:
    """One folder per measure (``measure=admissions/``), as Hive writes them."""
    for (measure,), part in data.partition_by("measure", as_dict=True).items():
        (folder / f"measure={measure}").mkdir(parents=True)
        part.drop("measure").write_parquet(folder / f"measure={measure}" / "part-0.parquet")
    return folder


def yearly_files(data: pl.DataFrame, folder: Path) -> Path:
    """One file per year: every series has rows in several files."""
    folder.mkdir()
    years = data.with_columns(year=pl.col("month").dt.year())
    for (year,), part in years.partition_by("year", as_dict=True).items():
        part.drop("year").write_parquet(folder / f"{year}.parquet")
    return folder


def read_in_file_order(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted(folder.glob("*.parquet")))


def test_a_hive_partitioned_folder_in_a_dataset_out_is_one_spc_call(tmp_path: Path):
    data = panel()
    source = hive_folder(data, tmp_path / "in")
    out = tmp_path / "points"
    result = run(str(source), "--out", str(out), *XMR, "--rules", "mdc", "--batch-series", "5")
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.parquet"))
    assert [f.name for f in files][:2] == ["part-00000.parquet", "part-00001.parquet"]
    assert len(files) == 5  # 24 series, 5 a batch
    read = pl.read_parquet(sorted(source.rglob("*.parquet")), hive_partitioning=True)
    whole = spc(read, by=KEYS, period="month", value="count", chart="i", rules="mdc")
    assert_identical(read_in_file_order(out), whole.points.select(*KEYS, "month", *NARROW_COLUMNS))
    assert_identical(pl.read_parquet(tmp_path / "points-summary.parquet"), whole.summary())
    assert "24 series" in result.stderr and "5 batch(es)" in result.stderr


def test_series_spread_over_several_files_are_charted_whole(tmp_path: Path):
    data = panel(seed=4)
    source = yearly_files(data, tmp_path / "in")
    out, summary = tmp_path / "points", tmp_path / "series.csv"
    result = run(
        str(source),
        *("--out", str(out), "--summary", str(summary), *XMR, "--n", "population"),
        *("--chart", "pp", "--rules", "nelson", "--columns", "all", "--batch-series", "7"),
    )
    assert result.exit_code == 0, result.output
    read = pl.read_parquet(sorted(source.glob("*.parquet")))
    whole = spc(
        read,
        by=KEYS,
        period="month",
        value="count",
        denominator="population",
        chart="pp",
        rules="nelson",
    )
    assert_identical(read_in_file_order(out), whole.points)
    series = pl.read_csv(summary, try_parse_dates=True)
    assert series.height == whole.summary().height
    assert series["signals"].to_list() == whole.summary()["signals"].to_list()


def test_subgroups_spread_over_files_keep_the_input_order(tmp_path: Path):
    """Xbar limits sum a period's measurements: their order is the input's, batch or not."""
    data = subgroups().with_columns(file=pl.int_range(pl.len()) % 3)
    source = tmp_path / "in"
    source.mkdir()
    for (number,), part in data.partition_by("file", as_dict=True).items():
        part.drop("file").write_parquet(source / f"{number}.parquet")
    out = tmp_path / "points"
    result = run(
        str(source),
        *("--out", str(out), "--value", "minutes", "--period", "month", "--by", "measure,place"),
        *("--chart", "xbar", "--columns", "all", "--batch-series", "3"),
    )
    assert result.exit_code == 0, result.output
    read = pl.read_parquet(sorted(source.glob("*.parquet")))
    whole = spc(read, by=KEYS, period="month", value="minutes", chart="xbar")
    assert_identical(read_in_file_order(out), whole.points)


def test_all_columns_or_the_narrow_default(tmp_path: Path):
    source = tmp_path / "in.parquet"
    panel().write_parquet(source)
    narrow, every = tmp_path / "narrow", tmp_path / "all"
    assert run(str(source), "--out", str(narrow), *XMR, "--batch-series", "10").exit_code == 0
    assert run(str(source), "--out", str(every), *XMR, "--columns", "all").exit_code == 0
    chosen = tmp_path / "chosen"
    result = run(str(source), "--out", str(chosen), *XMR, "--columns", "phase,signal_label")
    assert result.exit_code == 0, result.output
    assert read_in_file_order(narrow).columns == [*KEYS, "month", *NARROW_COLUMNS]
    whole = spc(panel(), by=KEYS, period="month", value="count", chart="i").points
    assert_identical(read_in_file_order(every), whole)
    assert read_in_file_order(chosen).columns == [*KEYS, "month", "phase", "signal_label"]


def test_a_run_in_batches_to_a_parquet_name_writes_one_file_there(tmp_path: Path):
    source, out = tmp_path / "in.parquet", tmp_path / "points.parquet"
    panel().write_parquet(source)
    out.write_bytes(b"an older run")  # replaced, as a run in one go replaces it
    result = run(str(source), "--out", str(out), *XMR, "--batch-series", "10")
    assert result.exit_code == 0, result.output
    assert out.is_file()
    whole = spc(panel(), by=KEYS, period="month", value="count", chart="i").points
    narrow = whole.select(pl.read_parquet(out).columns)
    assert_identical(pl.read_parquet(out), narrow)
    assert (tmp_path / "points-summary.parquet").is_file()


def test_a_run_in_batches_to_csv_writes_one_file(tmp_path: Path):
    source, out = tmp_path / "in.parquet", tmp_path / "points.csv"
    panel().write_parquet(source)
    result = run(str(source), "--out", str(out), *XMR, "--batch-series", "10")
    assert result.exit_code == 0, result.output
    written = pl.read_csv(out, try_parse_dates=True)
    whole = spc(panel(), by=KEYS, period="month", value="count", chart="i").points
    assert written.height == whole.height
    assert written["centre"].to_list() == pytest.approx(whole["centre"].to_list())
    assert (tmp_path / "points-summary.csv").is_file()


def test_a_small_file_to_a_file_is_still_one_call_with_every_column(tmp_path: Path):
    source, out = tmp_path / "in.parquet", tmp_path / "points.parquet"
    panel().write_parquet(source)
    result = run(str(source), "--out", str(out), *XMR)
    assert result.exit_code == 0, result.output
    assert out.is_file() and not (tmp_path / "points-summary.parquet").exists()
    whole = spc(panel(), by=KEYS, period="month", value="count", chart="i").points
    assert_identical(pl.read_parquet(out), whole)


def test_a_folder_that_holds_files_is_not_written_over(tmp_path: Path):
    source, out = tmp_path / "in.parquet", tmp_path / "points"
    panel().write_parquet(source)
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    line = refused(run(str(source), "--out", str(out), *XMR))
    assert "already exists" in line and "empty folder" in line
    assert (out / "notes.txt").read_text() == "mine"


def test_a_folder_without_parquet_files_is_one_line(tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "readme.txt").write_text("no data")
    line = refused(run(str(tmp_path / "in"), "--out", str(tmp_path / "o"), *XMR))
    assert "holds no .parquet files" in line


def test_a_missing_column_in_a_dataset_is_one_line_naming_it(tmp_path: Path):
    source = hive_folder(panel(), tmp_path / "in")
    args = ["--value", "visits", "--period", "month", "--by", "measure,place"]
    line = refused(run(str(source), "--out", str(tmp_path / "o"), *args))
    assert "no column(s) ['visits']" in line and "count" in line


def test_a_memory_that_is_not_a_size_is_one_line(tmp_path: Path):
    source = tmp_path / "in.parquet"
    panel().write_parquet(source)
    line = refused(run(str(source), "--out", str(tmp_path / "o"), *XMR, "--memory", "lots"))
    assert "--memory 'lots' is not a size" in line


def test_a_bad_batch_leaves_nothing_behind(tmp_path: Path):
    data = panel().with_columns(
        population=pl.when(pl.col("place") == "E00000011").then(0.0).otherwise("population")
    )
    source, out = tmp_path / "in.parquet", tmp_path / "points"
    data.write_parquet(source)
    arguments = [*XMR, "--n", "population", "--chart", "p", "--batch-series", "5"]
    line = refused(run(str(source), "--out", str(out), *arguments))
    assert "denominator 'population' is 0" in line and str(source) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


# Started from a small launcher: on Linux a child's ru_maxrss includes the size of the process
# it was forked from, and the test process may have grown large in a full run.
LAUNCHER = (
    "import os, subprocess, sys\n"
    "process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(process.pid, 0)\n"
    "print(usage.ru_maxrss)\n"
    "sys.exit(0 if status == 0 else 1)\n"
)


def peak_of(command: list[str]) -> float:
    """Peak resident size (MB) of a command run in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, (command, done.stderr[-2000:])
    return int(done.stdout.split()[-1]) / 1024


def test_peak_memory_is_set_by_the_batch_not_the_input(tmp_path: Path):
    """200,000 series (4.8 million points) in batches of 10,000: the peak stays under 750 MB;
    the same run in one batch goes well over it."""
    series, months = 200_000, 24
    rng = np.random.default_rng(9)
    calendar = pl.date_range(dt.date(2023, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    source = tmp_path / "panel.parquet"
    pl.DataFrame(
        {
            "place": np.repeat(np.arange(series), months),
            "month": np.tile(calendar.to_numpy(), series),
            "count": rng.poisson(20, series * months).astype(float),
        }
    ).with_columns(pl.format("E{}", "place").alias("place")).write_parquet(source)
    command = [sys.executable, "-m", "qi.cli", "chart", str(source), "--value", "count"]
    command += ["--period", "month", "--by", "place"]
    batched = peak_of([*command, "--out", str(tmp_path / "a"), "--batch-series", "10000"])
    whole = peak_of([*command, "--out", str(tmp_path / "b"), "--batch-series", "1000000"])
    print(f"peak {batched:.0f} MB in batches, {whole:.0f} MB in one")
    assert batched < 750 < whole, (batched, whole)
    assert len(list((tmp_path / "a").glob("*.parquet"))) == 20


def test_a_run_in_batches_without_series_keys_is_one_line(tmp_path: Path):
    source = hive_folder(panel(), tmp_path / "in")
    arguments = ["--value", "count", "--period", "month"]
    line = refused(run(str(source), "--out", str(tmp_path / "o"), *arguments))
    assert "needs the series keys: pass --by" in line
