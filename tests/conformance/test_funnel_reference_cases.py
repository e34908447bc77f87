"""Every funnel-plot reference case from FunnelPlotR 0.6.0 and PHEindicatormethods 2.1.0 passes:
per-unit output, scalars and limit curves, to 1e-9 (PHE's bisection curves to 1e-6); and a
changed expected value fails, naming the file, column and row."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from qi.cli import main
from qi.conformance import case_folders, run_case

CASES = Path(__file__).parent / "funnel" / "cases"
FOLDERS = case_folders(CASES)


def test_all_public_funnel_cases_are_present():
    assert len(FOLDERS) == 12
    assert sum(f.name.startswith("fpr_") for f in FOLDERS) == 7


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_funnel_reference_case_matches(folder):
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def _mutated(tmp_path: Path, case: str, file: str, line: int, old: str, new: str) -> Path:
    target = tmp_path / case
    target.mkdir()
    for source in (CASES / case).iterdir():
        (target / source.name).write_bytes(source.read_bytes())
    lines = (target / file).read_text().splitlines()
    assert old in lines[line], lines[line]
    lines[line] = lines[line].replace(old, new, 1)
    (target / file).write_text("\n".join(lines) + "\n")
    return target


def test_a_z_score_off_by_two_in_a_hundred_million_fails(tmp_path):
    folder = _mutated(
        tmp_path,
        "fpr_pr_ae_2018_type1_default",
        "expected.csv",
        2,
        "22.827210340299263",
        "22.827210840299263",
    )
    outcome = run_case(folder)
    assert not outcome.passed
    assert "expected.csv column 'Uzscore', row 2" in outcome.detail


def test_a_changed_outlier_flag_fails(tmp_path):
    folder = _mutated(
        tmp_path,
        "fpr_pr_ae_2018_type1_default",
        "expected.csv",
        2,
        "0.1901821571573902,0",
        "0.1901821571573902,1",
    )
    outcome = run_case(folder)
    assert not outcome.passed
    assert "'outlier', row 2" in outcome.detail


def test_a_changed_tau2_fails(tmp_path):
    folder = _mutated(
        tmp_path,
        "fpr_sr_hospinf_shmi",
        "summary.csv",
        1,
        "0.0165461132825416",
        "0.0165461133825416",
    )
    outcome = run_case(folder)
    assert not outcome.passed
    assert "summary.csv column 'tau2'" in outcome.detail


def test_a_changed_significance_label_fails(tmp_path):
    folder = _mutated(
        tmp_path,
        "phe_prop_syn_tiny_denoms",
        "expected.csv",
        1,
        '"Not significant"',
        '"Low (0.025)"',
    )
    outcome = run_case(folder)
    assert not outcome.passed
    assert "'significance', row 1" in outcome.detail


def test_a_bisection_curve_is_held_to_one_in_a_million(tmp_path):
    near = _mutated(
        tmp_path, "phe_ratio_hospinf_isr", "limits.csv", 3, "8.767273827939286", "8.767274827939286"
    )
    assert run_case(near).passed  # 1.1e-7 relative: within PHE's bisection tolerance
    (tmp_path / "far").mkdir()
    far = _mutated(
        tmp_path / "far",
        "phe_ratio_hospinf_isr",
        "limits.csv",
        3,
        "8.767273827939286",
        "8.767293827939286",
    )
    outcome = run_case(far)
    assert not outcome.passed
    assert "limits.csv column 'lower_2s_exp_events', row 3" in outcome.detail


def test_cli_prints_one_line_per_case_and_the_tally():
    result = CliRunner().invoke(main, ["conformance", str(CASES)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0, result.output
    assert len(lines) == 13
    assert lines[-1] == "12 passed, 0 failed"


def test_cli_exits_1_when_a_funnel_case_fails(tmp_path):
    _mutated(tmp_path, "fpr_rc_hospinf", "summary.csv", 1, "460.1507166627342", "460.1517166627342")
    result = CliRunner().invoke(main, ["conformance", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "0 passed, 1 failed"
