"""Small numbers on the way out, and spreadsheet formulas neutralised."""

import polars as pl
import pytest

from qi.access import EVERYTHING, Grant, Principal, Refused, Scope
from qi.access.outputs import (
    NHS_SECONDARY_CARE,
    NONE,
    DisclosureError,
    apply_disclosure,
    excel_safe,
    published_policies,
    safe_csv,
)
from qi.services.outputs import for_output

VIEWER = Principal("local:v", "Viewer", (Grant("viewer", EVERYTHING),))
LEEDS = Principal(
    "local:l", "Leeds", (Grant("locality", Scope.place("E08000035"), frozenset({"E08000035"})),)
)


def test_the_nhs_secondary_care_method_keeps_zeros_stars_one_to_seven_and_rounds_to_five():
    frame = pl.DataFrame({"value": [0.0, 1.0, 7.0, 8.0, 12.0, 13.0, None, 1234.0]})
    out = apply_disclosure(frame, NHS_SECONDARY_CARE, counts=["value"])
    assert out["value"].to_list() == ["0", "*", "*", "10", "10", "15", None, "1235"]


def test_a_rate_from_a_small_count_is_suppressed_and_its_counts_controlled():
    frame = pl.DataFrame(
        {"value": [0.5, 0.2, 0.0], "numerator": [3.0, 20.0, 0.0], "denominator": [6.0, 100.0, 9.0]}
    )
    out = apply_disclosure(
        frame, NHS_SECONDARY_CARE, counts=["numerator", "denominator"], ratio="value"
    )
    assert out.rows() == [(None, "*", "*"), (0.2, "20", "100"), (0.0, "0", "10")]


def test_a_proportion_is_suppressed_when_the_rest_of_its_denominator_is_small():
    # 8 of 9 gives back the 1 who did not; 0 of 5 the 5 who did not; 9 of 9 and 1 of 20 fine
    # but for the 1.
    frame = pl.DataFrame(
        {
            "value": [88.9, 0.0, 100.0, 5.0, 40.0],
            "numerator": [8.0, 0.0, 9.0, 1.0, 8.0],
            "denominator": [9.0, 5.0, 9.0, 20.0, 20.0],
        }
    )
    counts = ["numerator", "denominator"]
    out = apply_disclosure(frame, NHS_SECONDARY_CARE, counts, ratio="value", proportion=True)
    assert out["value"].to_list() == [None, None, 100.0, None, 40.0]
    # As a rate (events per person-time), the rest of the denominator is no count of people.
    out = apply_disclosure(frame, NHS_SECONDARY_CARE, counts, ratio="value")
    assert out["value"].to_list() == [88.9, None, 100.0, None, 40.0]


def test_none_changes_nothing_and_a_missing_column_is_an_error():
    frame = pl.DataFrame({"value": [3.0]})
    assert apply_disclosure(frame, NONE, counts=["value"]).equals(frame)
    with pytest.raises(DisclosureError, match="no column"):
        apply_disclosure(frame, NHS_SECONDARY_CARE, counts=["numerator"])


def test_the_published_policy_is_configured_per_measure(monkeypatch):
    env = {"QI_DISCLOSURE_MEASURES": "ae_attendances=none"}
    assert published_policies(env) == (NHS_SECONDARY_CARE, {"ae_attendances": NONE})
    monkeypatch.setenv("QI_DISCLOSURE_MEASURES", "falls=none")
    frame = pl.DataFrame({"measure": ["falls"], "place": ["E08000032"], "value": [3.0]})
    assert for_output(frame, VIEWER, {"falls": "count"})[0]["value"].to_list() == [3.0]
    with pytest.raises(DisclosureError, match="write measure=preset"):
        published_policies({"QI_DISCLOSURE_MEASURES": "falls"})
    with pytest.raises(DisclosureError, match="unknown disclosure preset 'round3'"):
        published_policies({"QI_DISCLOSURE": "round3"})


def test_a_viewer_takes_away_controlled_numbers_and_a_locality_its_own_places_only():
    frame = pl.DataFrame(
        {
            "measure": ["falls", "falls"],
            "place": ["E08000035", "E08000032"],
            "value": [3.0, 41.0],
        }
    )
    seen, policy = for_output(frame, VIEWER, {"falls": "count"})
    assert policy is NHS_SECONDARY_CARE
    assert seen["value"].to_list() == ["*", "40"]
    own, policy = for_output(frame, LEEDS, {"falls": "count"})
    assert policy is NONE
    assert own.rows() == [("falls", "E08000035", 3.0)]
    published, policy = for_output(frame, LEEDS, {"falls": "count"}, published=True)
    assert published.rows() == [("falls", "E08000035", "*")]
    with pytest.raises(Refused):
        for_output(frame.filter(pl.col("place") == "E08000032"), LEEDS, {"falls": "count"})


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(cell):
    frame = pl.DataFrame({"place": [cell, "Leeds"], "value": [1.0, -2.0]})
    assert excel_safe(frame)["place"].to_list() == ["'" + cell, "Leeds"]
    assert excel_safe(frame)["value"].to_list() == [1.0, -2.0]  # numbers stay numbers
    assert "'" + cell in safe_csv(frame)
