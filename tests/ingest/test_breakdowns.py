"""Uploads with a breakdown column (deprivation quintile, sex...): the key becomes measure x
place x period x breakdown; blank is the total; unknown breakdowns are errors (both backends)."""

from datetime import date

import pytest

from qi.access import local_admin
from qi.ingest import ingest_bytes
from qi.store import read_breakdowns, read_series
from qi.store.breakdowns import (
    BreakdownError,
    add_breakdown_groups,
    add_breakdown_kind,
    read_breakdown_kinds,
)
from tests.ingest.files import WARDS, add_definitions, csv_bytes

TODAY = date(2025, 6, 1)
HEADER = ["measure", "place", "period", "breakdown", "numerator", "denominator"]


def _ingest(engine, rows):
    return ingest_bytes(
        engine, local_admin("tester"), csv_bytes([HEADER, *rows]), "dna.csv", today=TODAY
    )


def test_a_breakdown_column_stores_each_group_beside_the_total(engine):
    add_definitions(engine)
    report = _ingest(
        engine,
        [
            ["dna_rate", WARDS[0], "2025-01", "", 30, 300],
            ["dna_rate", WARDS[0], "2025-01", "IMD_quintile:1", 20, 120],
            ["dna_rate", WARDS[0], "2025-01", "imd_quintile:5", 10, 180],
            ["dna_rate", WARDS[0], "2025-02", "all", 25, 290],
        ],
    )
    assert report.outcome == "stored", report.render()
    assert report.added == 4
    totals = read_series(engine, local_admin("tester"), "dna_rate")
    assert totals.select("period", "numerator").rows() == [
        (date(2025, 1, 1), 30.0),
        (date(2025, 2, 1), 25.0),
    ]
    groups = read_breakdowns(engine, local_admin("tester"), "imd_quintile", "dna_rate")
    assert groups.select("breakdown", "numerator", "denominator").rows() == [
        ("imd_quintile:1", 20.0, 120.0),
        ("imd_quintile:5", 10.0, 180.0),
    ]


def test_an_unknown_breakdown_or_a_repeated_group_is_an_error_with_its_cell(engine):
    add_definitions(engine)
    report = _ingest(
        engine,
        [
            ["dna_rate", WARDS[0], "2025-01", "imd_quintile:6", 1, 10],
            ["dna_rate", WARDS[0], "2025-01", "income:low", 1, 10],
            ["dna_rate", WARDS[0], "2025-01", "sex:female", 1, 10],
            ["dna_rate", WARDS[0], "2025-01", "sex:female", 2, 10],
        ],
    )
    assert report.outcome == "rejected"
    errors = report.errors.select("row", "column", "value", "problem").rows()
    assert (2, "breakdown", "imd_quintile:6", "is not a group imd_quintile accepts") in errors
    assert (
        3,
        "breakdown",
        "income:low",
        "has a kind of breakdown qi does not know (income)",
    ) in errors
    repeats = [e for e in errors if e[0] == 5]
    assert repeats and "repeats measure dna_rate" in repeats[0][3]
    fix = report.errors.filter(report.errors["value"] == "income:low")["fix"][0]
    assert "imd_quintile (1, 2, 3, 4, 5)" in fix and "ethnic_group (any group)" in fix
    assert "qi breakdowns add" in fix
    assert read_series(engine, local_admin("tester")).height == 0


def test_stored_kinds_drive_the_check_an_added_kind_and_its_groups_are_accepted(engine):
    add_definitions(engine)
    admin = local_admin("tester")
    add_breakdown_kind(engine, admin, "care_status", "care status", ("looked_after", "not"))
    report = _ingest(
        engine,
        [
            ["dna_rate", WARDS[0], "2025-01", "care_status:looked_after", 3, 30],
            ["dna_rate", WARDS[0], "2025-01", "care_status:not", 27, 270],
        ],
    )
    assert report.outcome == "stored", report.render()
    assert read_breakdowns(engine, local_admin("tester"), "care_status", "dna_rate")[
        "breakdown"
    ].to_list() == [
        "care_status:looked_after",
        "care_status:not",
    ]
    refused = _ingest(engine, [["dna_rate", WARDS[0], "2025-02", "care_status:leaving", 1, 9]])
    assert refused.outcome == "rejected"
    error = refused.errors.row(0, named=True)
    assert (error["row"], error["column"], error["value"]) == (
        2,
        "breakdown",
        "care_status:leaving",
    )
    assert error["problem"] == "is not a group care_status accepts"
    assert "care_status (looked_after, not)" in error["fix"]
    assert (
        read_series(engine, local_admin("tester"), "dna_rate", start=date(2025, 2, 1)).height == 0
    )


def test_groups_added_to_an_open_kind_close_it(engine):
    add_definitions(engine)
    admin = local_admin("tester")
    assert _ingest(engine, [["dna_rate", WARDS[0], "2025-01", "sex:female", 1, 9]]).outcome == (
        "stored"
    )
    with pytest.raises(BreakdownError, match="stored observations use female: list those too"):
        add_breakdown_groups(engine, admin, "sex", ("male",))
    assert read_breakdown_kinds(engine).kinds["sex"].groups == ()
    add_breakdown_groups(engine, admin, "sex", ("female", "male", "other"))
    assert read_breakdown_kinds(engine).kinds["sex"].groups == ("female", "male", "other")
    refused = _ingest(engine, [["dna_rate", WARDS[0], "2025-02", "sex:unknown", 1, 9]])
    assert refused.errors["problem"].to_list() == ["is not a group sex accepts"]
