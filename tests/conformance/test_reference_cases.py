"""Every reference case from qicharts2 and NHSRplotthedots passes, point by point."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from qi.cli import main
from qi.conformance import case_folders, run_case

CASES = Path(__file__).parent / "cases"
FOLDERS = case_folders(CASES)


def test_all_public_cases_are_present():
    assert len(FOLDERS) == 38


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_reference_case_matches(folder):
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def _mutated(tmp_path, case, line, old, new):
    target = tmp_path / case
    target.mkdir()
    for file in (CASES / case).iterdir():
        (target / file.name).write_bytes(file.read_bytes())
    lines = (target / "expected.csv").read_text().splitlines()
    assert old in lines[line]
    lines[line] = lines[line].replace(old, new, 1)
    (target / "expected.csv").write_text("\n".join(lines) + "\n")
    return target


def test_a_limit_off_by_one_in_a_hundred_thousand_fails(tmp_path):
    folder = _mutated(tmp_path, "qic_i_syn_part12", 2, "116.46521598968408", "116.46621598968408")
    outcome = run_case(folder)
    assert not outcome.passed
    assert "'ucl', row 2" in outcome.detail


def test_a_changed_flag_fails(tmp_path):
    folder = _mutated(
        tmp_path, "ptd_syn_na_values", 4, ',NA,NA,"Common Cause"', ',FALSE,NA,"Common Cause"'
    )
    outcome = run_case(folder)
    assert not outcome.passed
    assert "rule_two_in_three" in outcome.detail


def test_cli_prints_one_line_per_case_and_the_tally():
    result = CliRunner().invoke(main, ["conformance", str(CASES)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0, result.output
    assert len(lines) == 39
    assert lines[-1] == "38 passed, 0 failed"


def test_cli_exits_1_when_a_case_fails(tmp_path):
    _mutated(tmp_path, "qic_i_syn_part12", 2, "116.46521598968408", "116.46621598968408")
    result = CliRunner().invoke(main, ["conformance", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "0 passed, 1 failed"
