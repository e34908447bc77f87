"""Storing observations: new values, revisions, idempotence, reading series back (both backends)."""

from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select

from qi.access import local_admin
from qi.store import (
    UploadRecord,
    add_initiative,
    read_revisions,
    read_series,
    read_series_index,
    read_upload_times,
    read_uploads,
    record_rejected_upload,
    store_observations,
)
from qi.store.models import Observation, Revision, Upload
from qi.store.observations import SERIES_INDEX_SCHEMA
from tests.store.helpers import add_definitions, observations


def _upload(name="ae.csv", content_hash="h1") -> UploadRecord:
    return UploadRecord(file_name=name, content_hash=content_hash, rows_read=0, report={})


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as c:
        return tuple(
            c.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Observation, Revision, Upload)
        )


def test_new_observations_are_stored_and_read_back_as_polars(engine):
    add_definitions(engine)
    rows = observations(
        engine,
        [
            ("ae_attendances", "RXX", "2024-01-01", 10.0),
            ("ae_attendances", "RXX", "2024-02-01", None),
        ],
    )
    result = store_observations(engine, local_admin("tester"), rows, _upload())
    assert (result.added, result.revised, result.unchanged) == (2, 0, 0)
    series = read_series(engine, local_admin("tester"), "ae_attendances")
    assert series.schema["period"] == pl.Date
    assert series.select("measure", "place", "period", "value", "missing_reason").rows() == [
        ("ae_attendances", "RXX", date(2024, 1, 1), 10.0, None),
        ("ae_attendances", "RXX", date(2024, 2, 1), None, "suppressed (*)"),
    ]
    assert series["upload_id"].to_list() == [result.upload_id] * 2


def test_the_same_rows_twice_change_nothing(engine):
    add_definitions(engine)
    rows = observations(engine, [("ae_attendances", "RXX", "2024-01-01", 10.0)])
    store_observations(engine, local_admin("tester"), rows, _upload())
    before = _counts(engine)
    again = store_observations(engine, local_admin("tester"), rows, _upload(content_hash="h1"))
    assert again.upload_id is None
    assert (again.added, again.revised, again.unchanged) == (0, 0, 1)
    assert _counts(engine) == before


def test_a_changed_value_becomes_a_revision_and_the_old_value_stays_readable(engine):
    add_definitions(engine)
    first = store_observations(
        engine,
        local_admin("tester"),
        observations(engine, [("ae_attendances", "RXX", "2024-01-01", 10.0)]),
        _upload(),
    )
    second = store_observations(
        engine,
        local_admin("bob"),
        observations(
            engine,
            [
                ("ae_attendances", "RXX", "2024-01-01", 12.0),
                ("ae_attendances", "RXX", "2024-02-01", 5.0),
            ],
        ),
        _upload(content_hash="h2"),
    )
    assert (second.added, second.revised) == (1, 1)
    assert read_series(engine, local_admin("tester"), "ae_attendances")["value"].to_list() == [
        12.0,
        5.0,
    ]
    revisions = read_revisions(engine, local_admin("tester"), "ae_attendances")
    assert revisions.height == 1
    revision = revisions.row(0, named=True)
    assert (revision["old_value"], revision["new_value"]) == (10.0, 12.0)
    assert (revision["old_upload_id"], revision["upload_id"]) == (first.upload_id, second.upload_id)
    assert revision["actor"] == "bob"
    assert revision["period"] == date(2024, 1, 1)


def test_a_suppressed_value_that_arrives_later_is_a_revision(engine):
    add_definitions(engine)
    store_observations(
        engine,
        local_admin("tester"),
        observations(engine, [("ae_attendances", "RXX", "2024-01-01", None)]),
        _upload(),
    )
    store_observations(
        engine,
        local_admin("tester"),
        observations(engine, [("ae_attendances", "RXX", "2024-01-01", 3.0)]),
        _upload(content_hash="h2"),
    )
    revision = read_revisions(engine, local_admin("tester")).row(0, named=True)
    assert (revision["old_value"], revision["new_value"]) == (None, 3.0)
    assert read_series(engine, local_admin("tester")).row(0, named=True)["missing_reason"] is None


def test_every_write_records_who_made_it(engine):
    add_definitions(engine)
    store_observations(
        engine,
        local_admin("carol"),
        observations(engine, [("ae_attendances", "RXX", "2024-01-01", 1.0)]),
        _upload(),
    )
    record_rejected_upload(engine, local_admin("dave"), _upload(name="bad.csv", content_hash="h9"))
    uploads = read_uploads(engine, local_admin("tester"))
    assert uploads.select("file_name", "actor", "outcome").rows() == [
        ("ae.csv", "carol", "stored"),
        ("bad.csv", "dave", "rejected"),
    ]
    assert uploads["observations_added"].to_list() == [1, 0]


def test_series_are_filtered_by_measure_place_initiative_and_period(engine):
    add_definitions(engine, measures=("ae_attendances", "ae_breaches"))
    rows = [
        (m, p, f"2024-{month:02d}-01", float(month))
        for m in ("ae_attendances", "ae_breaches")
        for p in ("RXX", "RYY", "RZZ")
        for month in range(1, 7)
    ]
    store_observations(engine, local_admin("tester"), observations(engine, rows), _upload())
    add_initiative(
        engine,
        local_admin("tester"),
        "Frailty at home",
        ["RXX", "RZZ"],
        start_date=date(2024, 3, 1),
    )
    assert read_series(engine, local_admin("tester")).height == 36
    assert read_series(engine, local_admin("tester"), "ae_breaches").height == 18
    assert set(read_series(engine, local_admin("tester"), places=["RYY"])["place"]) == {"RYY"}
    assert set(
        read_series(engine, local_admin("tester"), initiative="Frailty at home")["place"]
    ) == {"RXX", "RZZ"}
    window = read_series(
        engine,
        local_admin("tester"),
        "ae_attendances",
        places="RXX",
        start=date(2024, 2, 1),
        end=date(2024, 4, 1),
    )
    assert window["period"].to_list() == [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]


def test_unknown_codes_in_a_read_are_named(engine):
    add_definitions(engine)
    with pytest.raises(LookupError, match="ae_atendances"):
        read_series(engine, local_admin("tester"), "ae_atendances")


def test_an_empty_store_reads_as_an_empty_frame_with_the_series_schema(engine):
    series = read_series(engine, local_admin("tester"))
    assert series.height == 0
    assert series.schema["period"] == pl.Date
    assert series.schema["value"] == pl.Float64


def test_a_rejected_upload_is_logged_once_per_content(engine):
    first = record_rejected_upload(
        engine, local_admin("tester"), _upload(name="bad.csv", content_hash="h9")
    )
    again = record_rejected_upload(
        engine, local_admin("tester"), _upload(name="bad again.csv", content_hash="h9")
    )
    other = record_rejected_upload(
        engine, local_admin("tester"), _upload(name="worse.csv", content_hash="h8")
    )
    assert isinstance(first, int) and again is None and other not in (None, first)
    assert read_uploads(engine, local_admin("tester"))["file_name"].to_list() == [
        "bad.csv",
        "worse.csv",
    ]


def test_the_series_index_counts_each_series_periods_and_span_in_the_database(engine):
    add_definitions(engine, measures=("ae_attendances", "ae_breaches"))
    assert read_series_index(engine, local_admin("tester")).height == 0
    rows = [
        ("ae_attendances", "RXX", "2024-01-01", 1.0),
        ("ae_attendances", "RXX", "2024-03-01", None),  # a missing value is a stored period
        ("ae_attendances", "RXX", "2024-02-01", 2.0),
        ("ae_breaches", "RXX", "2023-12-01", 5.0),
        ("ae_attendances", "RYY", "2024-06-01", 3.0),
    ]
    store_observations(engine, local_admin("tester"), observations(engine, rows), _upload())
    index = read_series_index(engine, local_admin("tester"))
    assert index.schema == SERIES_INDEX_SCHEMA
    assert index.rows() == [
        ("ae_attendances", "RXX", 3, date(2024, 1, 1), date(2024, 3, 1)),
        ("ae_attendances", "RYY", 1, date(2024, 6, 1), date(2024, 6, 1)),
        ("ae_breaches", "RXX", 1, date(2023, 12, 1), date(2023, 12, 1)),
    ]


def test_upload_times_give_when_each_upload_was_stored(engine):
    add_definitions(engine)
    stored = store_observations(
        engine,
        local_admin("tester"),
        observations(engine, [("ae_attendances", "RXX", "2024-01-01", 1.0)]),
        _upload(),
    )
    rejected = record_rejected_upload(
        engine, local_admin("tester"), _upload(name="bad.csv", content_hash="h9")
    )
    log = read_uploads(engine, local_admin("tester")).select(
        pl.col("id").alias("upload_id"), "uploaded_at"
    )
    times = read_upload_times(engine)
    assert times.schema == {"upload_id": pl.Int64, "uploaded_at": pl.Datetime("us")}
    assert times.rows() == log.rows() and times["upload_id"].to_list() == [
        stored.upload_id,
        rejected,
    ]
    assert (
        read_upload_times(engine, [rejected]).rows()
        == log.filter(pl.col("upload_id") == rejected).rows()
    )


def test_the_index_of_series_lists_only_the_places_a_principal_may_see(engine):
    from qi.access import Grant, Principal, Scope

    add_definitions(engine)
    rows = [("ae_attendances", p, "2024-01-01", 1.0) for p in ("RXX", "RYY")]
    store_observations(engine, local_admin("tester"), observations(engine, rows), _upload())
    locality = Principal(
        "local:l", "L", (Grant("locality", Scope.place("RYY"), frozenset({"RYY"})),)
    )
    assert read_series_index(engine, locality)["place"].to_list() == ["RYY"]
    assert read_series_index(engine, Principal("local:n", "Nobody")).height == 0
    assert read_series_index(engine, local_admin("tester"))["place"].to_list() == ["RXX", "RYY"]
