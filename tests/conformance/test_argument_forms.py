"""Every argument form the conformance README documents is read, not only those the public
cases happen to use: R expressions of columns, positional arguments, NHSRplotthedots'
trajectory column and its assurance rule for a facet without a target.

Each test derives a case from a public one, rewrites how its call is written (or changes what
it asks in a way whose answer is known from the README) and expects it to pass; a control
shows the derived case fails when the change is not understood.
"""

import json
from pathlib import Path

import polars as pl
import pytest

from qi.conformance import run_case
from qi.conformance.case import named_arguments
from qi.conformance.expressions import ExpressionError, r_expression

CASES = Path(__file__).parent / "cases"


def derived(tmp_path: Path, case: str, arguments: dict | None = None, **files) -> Path:
    """A copy of a public case with its call's arguments replaced and files rewritten."""
    folder = tmp_path / case
    folder.mkdir()
    for file in (CASES / case).iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    if arguments is not None:
        call = json.loads((folder / "call.json").read_text())
        call["arguments"] = arguments
        (folder / "call.json").write_text(json.dumps(call))
    for name, frame in files.items():
        frame.write_csv(folder / f"{name}.csv", null_value="NA")
    return folder


def read(case: str, name: str) -> pl.DataFrame:
    return pl.read_csv(CASES / case / f"{name}.csv", null_values=["NA"], infer_schema_length=None)


# --- R expressions of columns --------------------------------------------------------------


def test_y_and_n_given_as_expressions_of_columns(tmp_path):
    case = "qic_p_ae_rdu_breach_rate"
    folder = derived(
        tmp_path,
        case,
        {
            "x": {"column": "period"},
            "y": {
                "expression": "attendances - (attendances - breaches)",
                "columns": ["attendances", "breaches"],
            },
            "n": {"expression": "attendances * 1", "columns": ["attendances"]},
            "data": "<input table>",
            "chart": "p",
            "return.data": True,
        },
    )
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def test_an_expression_that_changes_the_values_changes_the_answer(tmp_path):
    folder = derived(
        tmp_path,
        "qic_p_ae_rdu_breach_rate",
        {
            "x": {"column": "period"},
            "y": {"expression": "breaches + 1", "columns": ["breaches"]},
            "n": {"column": "attendances"},
            "data": "<input table>",
            "chart": "p",
            "return.data": True,
        },
    )
    outcome = run_case(folder)
    assert not outcome.passed
    assert "'y.sum', row 1" in outcome.detail


def test_an_unknown_r_function_fails_the_case_with_its_name(tmp_path):
    folder = derived(
        tmp_path,
        "qic_i_ae_rf4_attendances",
        {
            "x": {"column": "period"},
            "y": {"expression": "zoo::rollmean(attendances)", "columns": ["attendances"]},
            "data": "<input table>",
            "chart": "i",
        },
    )
    outcome = run_case(folder)
    assert not outcome.passed
    assert "cannot read" in outcome.detail or "not supported" in outcome.detail


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a / b * 100", [50.0, 50.0, 60.0]),
        ("-2^2 + a", [-3.0, -2.0, -1.0]),  # R: ^ binds tighter than unary minus
        ("2^-1 * a", [0.5, 1.0, 1.5]),
        ("a %% 2", [1.0, 0.0, 1.0]),
        ("-a %% 2", [1.0, 0.0, 1.0]),  # R's %% takes the sign of the divisor
        ("b %/% 2", [1.0, 2.0, 2.0]),
        ("ifelse(a > 1 & b < 5, a, NA)", [None, 2.0, None]),
        ("log(b, base = 2)", [1.0, 2.0, 2.321928094887362]),
        ("`A&E` + a", [2.0, 3.0, 4.0]),
        ("round(a / b, 2)", [0.5, 0.5, 0.6]),
        ("(a + b)^2 / 2", [4.5, 18.0, 32.0]),
        ("sqrt(b * b)", [2.0, 4.0, 5.0]),
    ],
)
def test_r_arithmetic_keeps_r_precedence(source, expected):
    data = pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 5.0], "A&E": [1.0, 1.0, 1.0]})
    got = data.select(r_expression(source, data.columns)).to_series().to_list()
    assert got == pytest.approx(expected, nan_ok=True) if None not in expected else got == expected


def test_comparisons_bind_tighter_than_negation_and_and_tighter_than_or():
    data = pl.DataFrame({"a": [1.0, 2.0, 3.0]})
    got = data.select(r_expression("!a > 1 | a == 3 & a > 2", ["a"])).to_series().to_list()
    assert got == [True, False, True]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("system('ls')", "system() is not supported"),
        ("a + missing", "'missing' is not a column"),
        ("a +", "expected a value, found the end"),
        ("a $ b", "cannot read"),
    ],
)
def test_what_cannot_be_read_is_refused_with_what_and_where(source, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pl.DataFrame({"a": [1.0]}).select(r_expression(source, ["a"]))


# --- positional arguments ------------------------------------------------------------------


def test_qic_arguments_given_by_position_are_named_from_its_formals(tmp_path):
    folder = derived(
        tmp_path,
        "qic_p_ae_rdu_breach_rate",
        {
            "_positional": {
                "1": {"column": "period"},
                "2": {"column": "breaches"},
                "3": {"column": "attendances"},
            },
            "data": "<input table>",
            "chart": "p",
            "return.data": True,
        },
    )
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def test_ptd_spc_arguments_given_by_position_are_named_from_its_formals(tmp_path):
    folder = derived(
        tmp_path,
        "ptd_ae_r1h_performance_target95",
        {
            "_positional": {
                "1": "<input table>",
                "2": {"column": "performance"},
                "3": {"column": "period"},
            },
            "improvement_direction": "increase",
            "target": 0.95,
        },
    )
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def test_named_arguments_fill_formals_before_positions():
    call = {
        "function": "qic",
        "arguments": {"y": {"column": "v"}, "_positional": {"1": {"column": "t"}, "2": 7}},
    }
    assert named_arguments(call) == {"y": {"column": "v"}, "x": {"column": "t"}, "n": 7}


# --- NHSRplotthedots: trajectory and the assurance of a facet without a target -------------


def test_a_trajectory_column_is_passed_through(tmp_path):
    case = "ptd_ae_r1h_performance_target95"
    data = read(case, "input").with_columns((pl.col("performance") * 0 + 0.9).alias("path"))
    expected = read(case, "expected").with_columns(pl.lit(0.9).alias("trajectory"))
    call = json.loads((CASES / case / "call.json").read_text())
    arguments = {**call["arguments"], "trajectory": {"column": "path"}}
    folder = derived(tmp_path, case, arguments, input=data, expected=expected)
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def test_a_facet_without_a_target_is_inconsistent_when_others_have_one(tmp_path):
    case = "ptd_ae_4trusts_facet_targets"
    call = json.loads((CASES / case / "call.json").read_text())
    targets = {k: v for k, v in call["arguments"]["target"].items() if k != "RW6"}
    arguments = {**call["arguments"], "target": targets}
    rw6 = pl.col("f") == "RW6"
    expected = read(case, "expected").with_columns(
        pl.when(rw6).then(None).otherwise(pl.col("target")).alias("target"),
        pl.when(rw6)
        .then(pl.lit("inconsistent"))
        .otherwise("assurance_type")
        .alias("assurance_type"),
    )
    folder = derived(tmp_path, case, arguments, expected=expected)
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def test_no_target_at_all_has_no_assurance(tmp_path):
    case = "ptd_ae_4trusts_facet_targets"
    call = json.loads((CASES / case / "call.json").read_text())
    arguments = {k: v for k, v in call["arguments"].items() if k != "target"}
    expected = read(case, "expected").with_columns(
        pl.lit(None, pl.Float64).alias("target"), pl.lit(None, pl.String).alias("assurance_type")
    )
    folder = derived(tmp_path, case, arguments, expected=expected)
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()


def test_a_neutral_direction_has_no_assurance_even_with_targets(tmp_path):
    case = "ptd_ae_4trusts_facet_targets"
    call = json.loads((CASES / case / "call.json").read_text())
    arguments = {**call["arguments"], "improvement_direction": "neutral"}
    expected = read(case, "expected").with_columns(pl.lit(None, pl.String).alias("assurance_type"))
    # Neutral points are neutral high or low by their side; their icons follow.
    side = (
        pl.when(pl.col("special_cause_type").str.contains("Above|Increasing"))
        .then(pl.lit("high"))
        .otherwise(pl.lit("low"))
    )
    special = pl.col("special_cause_flag")
    expected = expected.with_columns(
        pl.when(special)
        .then(pl.lit("special_cause_neutral_") + side)
        .otherwise(pl.lit("common_cause"))
        .alias("point_type"),
    )
    last = expected.group_by("f").agg(pl.col("point_type").sort_by("x").last().alias("_last"))
    expected = (
        expected.join(last, on="f", how="left")
        .with_columns(pl.col("_last").str.replace("special_cause_", "").alias("variation_icon"))
        .drop("_last")
    )
    folder = derived(tmp_path, case, arguments, expected=expected)
    outcome = run_case(folder)
    assert outcome.passed, outcome.line()
