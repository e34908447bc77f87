"""Uploads with a breakdown column (deprivation quintile, sex...): the key becomes measure x
place x period x breakdown; blank is the total; unknown breakdowns are errors (both backends)."""

from datetime import date

from qi.access import local_admin
from qi.ingest import ingest_bytes
from qi.store import read_breakdowns, read_series
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
    assert (2, "breakdown", "imd_quintile:6", "is not a breakdown") in errors
    assert (3, "breakdown", "income:low", "is not a breakdown") in errors
    repeats = [e for e in errors if e[0] == 5]
    assert repeats and "repeats measure dna_rate" in repeats[0][3]
    fix = report.errors.filter(report.errors["value"] == "income:low")["fix"][0]
    assert "imd_quintile:1" in fix and "ethnic_group" in fix
    assert read_series(engine, local_admin("tester")).height == 0
