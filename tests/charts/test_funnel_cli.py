"""``qi funnel``: files in, files out; bad input ends with one line starting "qi:", naming the
problem, the row and unit, and the fix, with status 1."""

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from qi.cli import main

DATA = pl.DataFrame(
    {
        "measure": ["A&E"] * 4 + ["Falls"] * 4,
        "trust": ["R0A", "R1F", "R1H", "RXX"] * 2,
        "breaches": [570, 1060, 713, 90, 12, 30, 8, 20],
        "attendances": [2572, 4690, 3243, 800, 400, 500, 300, 250],
    }
)


def run(*args: str):
    return CliRunner().invoke(main, ["funnel", *args])


# The columns of DATA, as every call names them.
COLUMNS = ("--numerator", "breaches", "--denominator", "attendances", "--unit", "trust")


def refused(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qi: ")
    return lines[0]


def test_csv_in_parquet_out_with_curves_and_comparisons(tmp_path: Path):
    source = tmp_path / "in.csv"
    DATA.write_csv(source)
    out, curves, comparisons = (tmp_path / n for n in ("p.parquet", "c.csv", "s.parquet"))
    result = run(
        str(source),
        "--out",
        str(out),
        "--curves",
        str(curves),
        "--comparisons",
        str(comparisons),
        *COLUMNS,
        "--by",
        "measure",
    )
    assert result.exit_code == 0, result.output
    points = pl.read_parquet(out)
    assert points.height == 8
    assert points.columns[:5] == ["measure", "trust", "numerator", "denominator", "value"]
    assert {"z_score", "od_lower_998", "outlier"} <= set(points.columns)
    assert pl.read_parquet(comparisons)["measure"].to_list() == ["A&E", "Falls"]
    assert pl.read_csv(curves).height >= 2000


def test_phe_options_pass_through(tmp_path: Path):
    source, out = tmp_path / "in.parquet", tmp_path / "out.csv"
    DATA.write_parquet(source)
    result = run(
        str(source),
        "--out",
        str(out),
        *COLUMNS,
        "--by",
        "measure",
        "--method",
        "phe",
        "--multiplier",
        "100",
        "--confidence",
        "0.95",
    )
    assert result.exit_code == 0, result.output
    points = pl.read_csv(out)
    assert "significance" in points.columns and "ci_lower_95" in points.columns
    assert "ci_lower_998" not in points.columns
    assert points["value"][0] == pytest.approx(100 * 570 / 2572)


@pytest.mark.parametrize(
    "change, words",
    [
        (
            {"attendances": [2572, 0, 3243, 800, 400, 500, 300, 250]},
            "row 2 (unit R1F, measure=A&E)",
        ),
        ({"breaches": [570, 1060, 713, 90, 12, 30, 8, 260]}, "above the denominator"),
        ({"breaches": [570, -1, 713, 90, 12, 30, 8, 20]}, "cannot be negative"),
    ],
)
def test_bad_rows_end_with_one_line(tmp_path: Path, change, words):
    source = tmp_path / "in.csv"
    DATA.with_columns(**{k: pl.Series(v) for k, v in change.items()}).write_csv(source)
    line = refused(
        run(
            str(source),
            "--out",
            str(tmp_path / "o.csv"),
            "--numerator",
            "breaches",
            "--denominator",
            "attendances",
            "--unit",
            "trust",
            "--by",
            "measure",
        )
    )
    assert words in line


def test_an_expected_count_of_zero(tmp_path: Path):
    source = tmp_path / "in.csv"
    DATA.with_columns(pl.Series("attendances", [2572, 4690, 0, 800, 400, 500, 300, 250])).write_csv(
        source
    )
    line = refused(
        run(
            str(source),
            "--out",
            str(tmp_path / "o.csv"),
            "--numerator",
            "breaches",
            "--denominator",
            "attendances",
            "--unit",
            "trust",
            "--by",
            "measure",
            "--statistic",
            "ratio",
        )
    )
    assert "row 3 (unit R1H, measure=A&E)" in line and "expected count" in line


def test_a_missing_column(tmp_path: Path):
    source = tmp_path / "in.csv"
    DATA.write_csv(source)
    line = refused(
        run(
            str(source),
            "--out",
            str(tmp_path / "o.csv"),
            "--numerator",
            "deaths",
            "--denominator",
            "attendances",
            "--unit",
            "trust",
        )
    )
    assert "no column 'deaths' for the numerator" in line


def test_a_bad_output_type_is_refused_before_any_work(tmp_path: Path):
    source = tmp_path / "in.csv"
    DATA.write_csv(source)
    line = refused(
        run(
            str(source),
            "--out",
            str(tmp_path / "o.xlsx"),
            "--numerator",
            "breaches",
            "--denominator",
            "attendances",
            "--unit",
            "trust",
        )
    )
    assert "unknown output type" in line
