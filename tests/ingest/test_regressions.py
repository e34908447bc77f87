"""One regression test per failure found in the issue "Uploads that never crash, hang or quietly
blank data": each used to end in a traceback, a hang or silently wrong data."""

from datetime import date, timedelta

import polars as pl
import pytest
from click.testing import CliRunner

from qi.cli import main
from qi.ingest import ingest_bytes
from qi.ingest.definitions import import_definitions
from qi.store import connect, read_places, read_series
from qi.store.errors import FieldTooLong
from tests.ingest.files import WARDS, add_definitions, csv_bytes, parquet_bytes

TODAY = date(2025, 6, 1)
HEADER = ["measure", "place", "period", "value"]


def _run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)


def _one_row(period="2024-01", value="3", measure="falls_admissions", place=WARDS[0]) -> bytes:
    return csv_bytes([HEADER, [measure, place, period, value]])


def _errors(report) -> list[str]:
    return report.errors["problem"].to_list()


# --- crashes with a traceback ------------------------------------------------------------------


@pytest.mark.parametrize("period", ["0000-01", "1677-09", "1899-12"])
def test_a_period_before_1900_is_an_error_not_a_crash(engine, period):
    add_definitions(engine)
    report = ingest_bytes(engine, _one_row(period), "p.csv", today=TODAY)
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert (error["row"], error["column"], error["value"]) == (2, "period", period)
    assert error["problem"] == "is before 1900"
    assert read_series(engine).height == 0


def test_a_cell_over_128_kib_in_the_first_lines_is_reported_not_a_crash(engine):
    add_definitions(engine)
    report = ingest_bytes(engine, _one_row(value="9" * 140_000), "big.csv", today=TODAY)
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert error["row"] == 2 and "longer than" in error["problem"]


@pytest.mark.parametrize(
    "column",
    [
        pl.Series("extra", [[1, 2]]),
        pl.Series("extra", [[1, 2]], dtype=pl.Array(pl.Int64, 2)),
        pl.Series("extra", [timedelta(days=1)]),
        pl.Series("extra", [{"a": 1}]),
    ],
    ids=["list", "array", "duration", "struct"],
)
def test_a_parquet_column_of_lists_arrays_or_durations_is_reported_not_a_crash(engine, column):
    add_definitions(engine)
    frame = pl.DataFrame(
        {"measure": ["falls_admissions"], "place": [WARDS[0]], "period": ["2024-01"], "value": [3]}
    ).with_columns(column)
    report = ingest_bytes(engine, parquet_bytes(frame), "f.parquet", today=TODAY)
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert error["column"] == "extra" and "not one value per cell" in error["problem"]


def test_an_actor_longer_than_the_database_keeps_is_refused_on_every_backend(
    database_url, tmp_path
):
    engine = connect(database_url)
    add_definitions(engine)
    with pytest.raises(FieldTooLong, match="actor is 129 characters long"):
        ingest_bytes(engine, _one_row(), "a.csv", actor="a" * 129, today=TODAY)
    path = tmp_path / "a.csv"
    path.write_bytes(_one_row())
    result = _run("ingest", path, "--db", database_url, "--actor", "a" * 129)
    assert result.exit_code == 2
    assert "at most 128" in result.output and "Traceback" not in result.output
    assert read_series(engine).height == 0


def test_place_codes_and_names_longer_than_the_database_keeps_are_rejected_on_every_backend(
    engine, tmp_path
):
    path = tmp_path / "places.csv"
    path.write_text(f"code,name,type\n{'C' * 65},Fine,ward\nOK1,{'n' * 256},ward\n")
    report = import_definitions(engine, path, "places")
    assert report.outcome == "rejected"
    found = {(e["row"], e["column"]) for e in report.errors.iter_rows(named=True)}
    assert found == {(2, "code"), (3, "name")}
    assert "65 characters long; at most 64" in report.render()
    assert read_places(engine).height == 0


# --- exit statuses -----------------------------------------------------------------------------


def test_an_internal_error_exits_3_with_a_short_message_and_the_log(
    sqlite_url, tmp_path, monkeypatch
):
    import qi.ingest

    def broken(*args, **kwargs):
        raise RuntimeError("something qi did not expect")

    monkeypatch.setattr(qi.ingest, "ingest_file", broken)
    path = tmp_path / "a.csv"
    path.write_bytes(_one_row())
    log = tmp_path / "logs" / "qi.log"
    result = _run("ingest", path, "--db", sqlite_url, env={"QI_LOG": str(log)})
    assert result.exit_code == 3
    assert "internal error (RuntimeError)" in result.output
    assert str(log) in result.output
    assert "Traceback" not in result.output
    assert "something qi did not expect" in log.read_text()


def test_ingest_help_documents_the_exit_statuses():
    result = _run("ingest", "--help")
    assert result.exit_code == 0
    for words in ("0 stored", "1 rejected", "2 usage error", "3 internal error"):
        assert words in " ".join(result.output.split())
