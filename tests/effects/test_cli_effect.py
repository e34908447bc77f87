"""``qi effect``: a file in, a plain-English reading per series out, ``--json`` the numbers;
bad input ends with one line starting "qi:" and status 1."""

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from qi.cli import main

from .series import continuous, counts


def run(*args: str):
    return CliRunner().invoke(main, ["effect", *args])


def refused(result) -> str:
    """The one-line message of a refused run (status 1, "qi: ..." on stderr, no traceback)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qi: ")
    return lines[0]


@pytest.fixture
def two_places(tmp_path: Path) -> Path:
    data = pl.concat(
        [
            counts(count=48, seed=1).with_columns(place=pl.lit("North")),
            counts(count=48, seed=2, rate_ratio=1.0).with_columns(place=pl.lit("South")),
        ]
    )
    path = tmp_path / "admissions.csv"
    data.write_csv(path)
    return path


RATE = ["--value", "admissions", "--n", "population", "--period", "month", "--kind", "rate"]


def test_prints_a_reading_per_series_and_writes_the_numbers_as_json(two_places, tmp_path):
    out = tmp_path / "effects.json"
    result = run(
        str(two_places),
        *RATE,
        "--change",
        "2023-01-01",
        "--by",
        "place",
        "--multiplier",
        "1000",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("North: Before the change in January 2023 admissions were")
    assert "per 1,000 each month" in lines[0]
    assert "Straight after it they were" in lines[0]
    assert "twelve months on" in lines[0]
    assert lines[0].endswith(
        "This assumes nothing else that affects admissions changed at the same time."
    )
    assert lines[1].startswith("South: ")
    assert lines[2].startswith("(The model: segmented regression with time counted from the change")
    document = json.loads(out.read_text())
    assert document["parametrisation"].startswith("segmented regression")
    north, south = document["effects"]
    assert north["series"] == {"place": "North"}
    assert north["scale"] == "rate ratio"
    for name in ("level_change", "slope_change"):
        assert set(north[name]) == {"estimate", "ci_low", "ci_high", "p_value"}
    assert north["level_change"]["ci_low"] < 0.8 < north["level_change"]["ci_high"]
    difference = north["counterfactual_difference"]
    assert {"estimate", "ci_low", "ci_high"} <= set(difference)
    assert difference["periods_after_change"] == 12
    assert difference["at"] == "January 2024"
    assert (north["points_before"], north["points_after"]) == (24, 24)
    assert north["warnings"] == [] and north["labels"] == []
    assert north["units"] == "per 1,000"
    assert north["reading"] == lines[0].removeprefix("North: ")
    assert south["sensitivity"]["method"] == "negative binomial GLM"


def test_parquet_input_and_a_single_series(tmp_path):
    source = tmp_path / "waits.parquet"
    continuous(count=30).rename({"value": "median_wait"}).write_parquet(source)
    result = run(
        str(source),
        "--value",
        "median_wait",
        "--period",
        "month",
        "--change",
        "2022-07-01",
        "--model",
        "level",
    )
    assert result.exit_code == 0, result.output
    reading = result.stdout.splitlines()[0]
    assert reading.startswith("Before the change in July 2022 median wait")
    assert "Low confidence: 18 points before the change and 12 after" not in reading
    assert "Straight after it they were" in reading


def test_labels_and_warnings_are_in_the_reading_and_the_json(tmp_path):
    source, out = tmp_path / "waits.csv", tmp_path / "out.json"
    continuous(count=30).write_csv(source)
    result = run(
        str(source),
        "--value",
        "value",
        "--period",
        "month",
        "--change",
        "2022-07-01",
        "--decided",
        "2022-12-15",
        "--exclude",
        "2021-03-01",
        "--definition-changes",
        "2021-06-01",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "Chosen after seeing the data" in result.stdout
    (found,) = json.loads(out.read_text())["effects"]
    assert found["labels"] == ["chosen after seeing the data"]
    assert any("excluded" in w for w in found["warnings"])
    assert any("definition changed in June 2021" in w for w in found["warnings"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--change", "2023-13-01"], "--change '2023-13-01' is not a date; write YYYY-MM-DD"),
        (["--change", "2023-01-01", "--kind", "speed"], "unknown kind of measure 'speed'"),
        (["--change", "2023-01-01", "--model", "jump"], "unknown impact model 'jump'"),
        (["--change", "2024-11-01", "--by", "place"], "North has 2 points after the change"),
        (["--change", "2023-01-01", "--json", "out.txt"], "out.txt: unknown output type '.txt'"),
        (["--change", "2023-01-01", "--by", "region"], "no column 'region'"),
    ],
)
def test_bad_input_is_one_line_and_status_1(two_places, args, message):
    args = [a if a != "out.txt" else str(two_places.parent / "out.txt") for a in args]
    line = refused(run(str(two_places), *RATE, *args))
    assert message in line


def test_a_missing_file_is_one_line_and_status_1(tmp_path):
    line = refused(run(str(tmp_path / "nope.csv"), *RATE, "--change", "2023-01-01"))
    assert "no such file" in line


def test_the_command_is_listed_in_qi_help():
    result = CliRunner().invoke(main, ["--help"])
    assert "effect" in result.output


def test_periods_written_as_year_and_month_read_as_months(tmp_path):
    data = continuous(count=36, seed=4)
    dated, text = tmp_path / "dated.csv", tmp_path / "text.csv"
    data.write_csv(dated)
    data.with_columns(pl.col("month").dt.strftime("%Y-%m")).write_csv(text)
    assert text.read_text().splitlines()[1].startswith("2021-01,")
    options = ["--value", "value", "--period", "month", "--change", "2023-01-01"]
    from_dates, from_text = run(str(dated), *options), run(str(text), *options)
    assert from_text.exit_code == 0, from_text.output
    assert from_text.output == from_dates.output


def test_periods_that_are_not_periods_name_the_row_and_the_formats_expected(tmp_path):
    data = continuous(count=36, seed=4).with_columns(pl.col("month").dt.strftime("%Y-%m"))
    path = tmp_path / "text.csv"
    data.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("soon")).otherwise("month").alias("month")
    ).write_csv(path)
    message = refused(
        run(str(path), "--value", "value", "--period", "month", "--change", "2023-01-01")
    )
    assert "column 'month', row 5: 'soon' is not a period" in message
    assert "write the period as 2024-03 (year-month)" in message
