"""Property tests: garbled, truncated and random files never crash the reader and never leave a
partial write; a valid file round-trips exactly."""

from datetime import date

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from qi.access import local_admin
from qi.ingest import Report, ingest_bytes
from qi.store import read_series
from qi.store.models import Observation, Revision, Upload
from tests.ingest.files import WARDS, add_definitions, csv_bytes, locality_workbook

TODAY = date(2025, 6, 1)
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VALID = csv_bytes(
    [["measure", "place", "period", "value"]]
    + [["falls_admissions", w, f"2024-{m:02d}", str(m * 3)] for w in WARDS for m in range(1, 13)]
)


def _state(engine):
    with engine.connect() as c:
        counts = tuple(
            c.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Observation, Revision)
        )
        stored = c.execute(
            select(func.count()).select_from(Upload).where(Upload.outcome == "stored")
        ).scalar_one()
    return counts, stored, read_series(engine, local_admin("tester"))


def _check_all_or_nothing(engine, content: bytes, name: str) -> None:
    before = _state(engine)
    report = ingest_bytes(engine, local_admin("tester"), content, name, today=TODAY)
    assert isinstance(report, Report)
    if report.outcome in ("rejected", "unchanged"):
        after = _state(engine)
        assert after[:2] == before[:2]
        assert after[2].equals(before[2])
    else:
        assert report.errors.height == 0
        assert report.added + report.revised > 0


@SETTINGS
@given(
    content=st.binary(max_size=2000),
    suffix=st.sampled_from([".csv", ".tsv", ".xlsx", ".parquet", ".txt"]),
)
def test_random_bytes_never_crash_and_never_write(engine, content, suffix):
    add_definitions(engine)
    _check_all_or_nothing(engine, content, "random" + suffix)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(VALID)))
def test_a_truncated_file_is_stored_whole_or_not_at_all(engine, cut):
    add_definitions(engine)
    _check_all_or_nothing(engine, VALID[:cut], "cut.csv")


@SETTINGS
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(VALID)), st.text(max_size=4)),
        min_size=1,
        max_size=5,
    )
)
def test_a_garbled_csv_is_stored_whole_or_not_at_all(engine, edits):
    add_definitions(engine)
    content = VALID
    for position, text in edits:
        content = content[:position] + text.encode() + content[position + 1 :]
    _check_all_or_nothing(engine, content, "garbled.csv")


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0, max_value=20_000), seed=st.integers(0, 255))
def test_a_damaged_workbook_never_crashes_the_reader(engine, tmp_path, cut, seed):
    add_definitions(engine)
    content = locality_workbook(tmp_path / "w.xlsx").read_bytes()
    damaged = content[:cut] + bytes([seed]) + content[cut + 1 :]
    _check_all_or_nothing(engine, damaged, "w.xlsx")


# Plausible counts: up to the default ceiling of a count (a billion).
cell = st.one_of(
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=0, max_value=10**9).map(lambda n: f'"{n:,}"'),
    st.sampled_from(["*", "c", "x", "..", "-", ""]),
)


@SETTINGS
@given(
    cells=st.dictionaries(
        st.tuples(st.sampled_from(WARDS), st.integers(min_value=1, max_value=36)),
        cell,
        min_size=1,
        max_size=40,
    )
)
def test_a_valid_file_round_trips_exactly(engine, cells):
    add_definitions(engine)
    rows = [
        ["falls_admissions", ward, f"{2022 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}", text]
        for (ward, m), text in cells.items()
    ]
    report = ingest_bytes(
        engine,
        local_admin("tester"),
        csv_bytes([["measure", "place", "period", "value"], *rows]),
        "ok.csv",
        today=TODAY,
    )
    if all(r[3] == "" for r in rows):  # a value column with no values at all is refused
        assert report.errors["problem"].to_list() == [
            "has no values at all: every cell in it is blank"
        ]
        return
    assert report.errors.height == 0, report.render()
    expected = pl.DataFrame(
        {
            "place": [r[1] for r in rows],
            "period": [date.fromisoformat(r[2] + "-01") for r in rows],
            "value": [
                None
                if t in ("*", "c", "x", "..", "-", "")
                else float(t.strip('"').replace(",", ""))
                for t in (r[3] for r in rows)
            ],
        },
        schema={"place": pl.String, "period": pl.Date, "value": pl.Float64},
    ).sort("place", "period")
    stored = (
        read_series(engine, local_admin("tester"), places=sorted({r[1] for r in rows}))
        .join(expected.select("place", "period"), on=["place", "period"], how="semi")
        .select("place", "period", "value")
    )
    assert stored.equals(expected)
