"""``qi chart``: files in, files out; bad input ends with one line starting "qi:" and status 1."""

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from qi.cli import main

ZIGZAG = [9.0, 11.0] * 6


def two_places() -> pl.DataFrame:
    months = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 12, 1), "1mo", eager=True)
    return pl.DataFrame(
        {
            "place": ["North"] * 12 + ["South"] * 12,
            "month": pl.concat([months, months]),
            "admissions": ZIGZAG + [*ZIGZAG[:11], 40.0],
            "population": [100.0] * 24,
        }
    )


def run(*args: str):
    return CliRunner().invoke(main, ["chart", *args])


def refused(result) -> str:
    """The one-line message of a refused run (status 1, "qi: ..." on stderr, no traceback)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qi: ")
    return lines[0]


def test_csv_in_parquet_out(tmp_path: Path):
    source, out = tmp_path / "in.csv", tmp_path / "points.parquet"
    two_places().write_csv(source)
    result = run(
        str(source),
        "--out",
        str(out),
        "--value",
        "admissions",
        "--period",
        "month",
        "--by",
        "place",
    )
    assert result.exit_code == 0, result.output
    points = pl.read_parquet(out)
    assert points.height == 24
    assert points.columns[:3] == ["place", "month", "value"]
    for column in ("centre", "lower_limit", "upper_limit", "signal", "point_type", "chart"):
        assert column in points.columns
    assert points.schema["month"] == pl.Date
    south = points.filter(pl.col("place") == "South")
    assert south["signal"][11] == "outside"
    assert points.filter(pl.col("place") == "North")["centre"][0] == pytest.approx(10.0)


def test_parquet_in_csv_out(tmp_path: Path):
    source, out = tmp_path / "in.parquet", tmp_path / "points.csv"
    two_places().write_parquet(source)
    result = run(
        str(source),
        "--out",
        str(out),
        "--value",
        "admissions",
        "--n",
        "population",
        "--period",
        "month",
        "--by",
        "place",
        "--chart",
        "p",
        "--multiplier",
        "100",
    )
    assert result.exit_code == 0, result.output
    points = pl.read_csv(out)
    assert points.height == 24
    assert {"place", "month", "value", "denominator", "centre", "upper_limit"} <= set(
        points.columns
    )
    assert points["chart"].unique().to_list() == ["p"]
    assert points["value"][0] == pytest.approx(9.0)  # 9 of 100, in percent


def test_summary_writes_one_row_per_series(tmp_path: Path):
    source = tmp_path / "in.csv"
    two_places().write_csv(source)
    out, summary = tmp_path / "points.csv", tmp_path / "summary.csv"
    result = run(
        str(source),
        "--out",
        str(out),
        "--summary",
        str(summary),
        "--value",
        "admissions",
        "--period",
        "month",
        "--by",
        "place",
        "--direction",
        "increase",
        "--target",
        "20",
    )
    assert result.exit_code == 0, result.output
    rows = pl.read_csv(summary)
    assert rows["place"].to_list() == ["North", "South"]
    assert rows["points"].to_list() == [12, 12]
    assert rows["variation_icon"].to_list() == ["common_cause", "improvement_high"]
    assert rows["assurance_icon"][0] == "consistent_fail"


def test_a_missing_column_is_one_line_naming_it(tmp_path: Path):
    source = tmp_path / "in.csv"
    two_places().write_csv(source)
    result = run(
        str(source),
        "--out",
        str(tmp_path / "o.csv"),
        "--value",
        "attendances",
        "--period",
        "month",
        "--by",
        "place",
    )
    line = refused(result)
    assert "no column 'attendances'" in line
    assert str(source) in line
    assert not (tmp_path / "o.csv").exists()


def test_non_numeric_values_are_one_line_naming_the_row(tmp_path: Path):
    source = tmp_path / "in.csv"
    source.write_text("month,y\n2024-01-01,12\n2024-02-01,1 2O4\n2024-03-01,9\n")
    result = run(str(source), "--out", str(tmp_path / "o.csv"), "--value", "y", "--period", "month")
    line = refused(result)
    assert "row 2" in line and "'1 2O4'" in line


def test_a_zero_denominator_is_one_line_naming_the_row(tmp_path: Path):
    source = tmp_path / "in.csv"
    source.write_text("month,y,n\n1,3,10\n2,4,0\n3,2,10\n")
    result = run(
        str(source),
        "--out",
        str(tmp_path / "o.csv"),
        "--value",
        "y",
        "--n",
        "n",
        "--period",
        "month",
        "--chart",
        "p",
    )
    line = refused(result)
    assert "row 2" in line and "denominator" in line


def test_an_unknown_chart_type_is_one_line_listing_the_charts(tmp_path: Path):
    source = tmp_path / "in.csv"
    two_places().write_csv(source)
    result = run(
        str(source),
        "--out",
        str(tmp_path / "o.csv"),
        "--value",
        "admissions",
        "--period",
        "month",
        "--by",
        "place",
        "--chart",
        "xmr",
    )
    line = refused(result)
    assert "unknown chart type 'xmr'" in line and "xbar" in line


def test_a_missing_input_file_is_one_line(tmp_path: Path):
    result = run(
        str(tmp_path / "nowhere.csv"),
        "--out",
        str(tmp_path / "o.csv"),
        "--value",
        "y",
        "--period",
        "month",
    )
    assert "no such file" in refused(result)


def test_an_unknown_kind_is_one_line(tmp_path: Path):
    source = tmp_path / "in.csv"
    two_places().write_csv(source)
    result = run(
        str(source),
        "--out",
        str(tmp_path / "o.csv"),
        "--value",
        "admissions",
        "--period",
        "month",
        "--by",
        "place",
        "--kind",
        "percentage",
    )
    assert "unknown kind of measure 'percentage'" in refused(result)


def console(*args: str) -> "subprocess.CompletedProcess[str]":
    """The installed ``qi`` command in a process of its own (it ends with os._exit)."""
    qi = Path(sys.executable).with_name("qi")
    return subprocess.run([str(qi), *args], capture_output=True, text=True, timeout=120)


def test_the_console_command_writes_its_file_and_exits_0(tmp_path: Path):
    source, out = tmp_path / "in.csv", tmp_path / "out.parquet"
    two_places().write_csv(source)
    done = console(
        "chart",
        str(source),
        "--out",
        str(out),
        "--value",
        "admissions",
        "--period",
        "month",
        "--by",
        "place",
    )
    assert done.returncode == 0, done.stderr
    assert pl.read_parquet(out).height == 24


def test_the_console_command_keeps_its_exit_status_and_message(tmp_path: Path):
    refused = console(
        "chart",
        str(tmp_path / "missing.csv"),
        "--out",
        "x.parquet",
        "--value",
        "v",
        "--period",
        "p",
    )
    assert refused.returncode == 1
    assert (
        refused.stderr.strip()
        == f"qi: {tmp_path / 'missing.csv'}: no such file or folder; check the path"
    )
    usage = console("chart", "--no-such-option")
    assert usage.returncode == 2
    assert "No such option" in usage.stderr


def test_an_output_folder_that_does_not_exist_is_refused_before_any_work(tmp_path: Path):
    source = tmp_path / "in.csv"
    two_places().write_csv(source)
    out = tmp_path / "no-such-folder" / "out.parquet"
    message = refused(
        run(str(source), "--out", str(out), "--value", "admissions", "--period", "month")
    )
    assert "no-such-folder does not exist" in message
    assert not out.parent.exists()


def test_an_unknown_summary_type_is_refused(tmp_path: Path):
    source = tmp_path / "in.csv"
    two_places().write_csv(source)
    message = refused(
        run(
            str(source),
            "--out",
            str(tmp_path / "o.parquet"),
            "--summary",
            str(tmp_path / "s.xlsx"),
            "--value",
            "admissions",
            "--period",
            "month",
        )
    )
    assert "unknown output type '.xlsx'" in message
    assert not (tmp_path / "o.parquet").exists()


def test_a_parquet_file_is_read_for_its_charted_columns_and_a_missing_one_is_named(tmp_path):
    source, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    two_places().with_columns(pl.lit("x").alias("notes")).write_parquet(source)
    done = run(
        str(source),
        "--out",
        str(out),
        "--value",
        "admissions",
        "--period",
        "month",
        "--by",
        "place",
        "--n",
        "population",
        "--chart",
        "p",
    )
    assert done.exit_code == 0, done.output
    assert pl.read_parquet(out).height == 24
    message = refused(
        run(str(source), "--out", str(out), "--value", "admitted", "--period", "month")
    )
    assert "no column 'admitted'" in message and "notes" in message
