"""Places as a hierarchy: rollups summed by the database (never averaged rates), breakdowns,
deprivation, and the migration that gave observations their breakdown (both backends)."""

from datetime import date, datetime

import polars as pl
import pytest
from sqlalchemy import text

from qi.access import local_admin
from qi.store import (
    UploadRecord,
    read_breakdowns,
    read_revisions,
    read_series,
    store_observations,
    upsert_measures,
    upsert_places,
)
from qi.store.engine import connect, upgrade
from qi.store.places import (
    read_deprivation,
    read_places_within,
    read_rollup,
    upsert_deprivation,
)

TESTER = local_admin("tester")
JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)
# icb I; authorities A1 (wards W1: LSOAs L1 L2; W2: L3) and A2 (ward W3: L4).
PLACES = [
    ("I", "icb", None),
    ("A1", "local_authority", "I"),
    ("A2", "local_authority", "I"),
    ("W1", "ward", "A1"),
    ("W2", "ward", "A1"),
    ("W3", "ward", "A2"),
    ("L1", "lsoa", "W1"),
    ("L2", "lsoa", "W1"),
    ("L3", "lsoa", "W2"),
    ("L4", "lsoa", "W3"),
]


def _setup(engine) -> None:
    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": ["seen_in_time"],
                "name": ["Seen in time"],
                "definition": None,
                "unit": None,
                "kind": "proportion",
                "multiplier": 100.0,
                "improvement": "up",
                "target": None,
                "chart": "p",
                "rule_set": None,
                "frequency": "month",
            }
        ),
    )
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": [p[0] for p in PLACES],
                "name": [f"Place {p[0]}" for p in PLACES],
                "type": [p[1] for p in PLACES],
                "parent": [p[2] for p in PLACES],
                "gss_code": None,
            },
            schema_overrides={"gss_code": pl.String},
        ),
    )


def _store(engine, rows: list[tuple]) -> None:
    """rows: (place code, period, breakdown, numerator, denominator)."""
    from qi.store import read_measures, read_places

    measure_id = read_measures(engine)["id"][0]
    ids = dict(read_places(engine).select("code", "id").iter_rows())
    frame = pl.DataFrame(
        {
            "measure_id": [measure_id] * len(rows),
            "place_id": [ids[r[0]] for r in rows],
            "period": [r[1] for r in rows],
            "value": [None] * len(rows),
            "numerator": [float(r[3]) for r in rows],
            "denominator": [float(r[4]) for r in rows],
            "missing_reason": [None] * len(rows),
            "status": ["final"] * len(rows),
            "breakdown": [r[2] for r in rows],
        },
        schema_overrides={"value": pl.Float64, "missing_reason": pl.String},
    )
    store_observations(
        engine,
        local_admin("tester"),
        frame,
        UploadRecord(file_name="x.csv", content_hash="h", rows_read=0, report={}),
    )


LSOA_ROWS = [
    ("L1", JAN, "all", 1, 10),
    ("L2", JAN, "all", 9, 90),
    ("L3", JAN, "all", 5, 10),
    ("L4", JAN, "all", 3, 30),
    ("L1", FEB, "all", 2, 10),
    ("L1", JAN, "imd_quintile:1", 1, 4),
    ("L2", JAN, "imd_quintile:1", 2, 6),
    ("L2", JAN, "imd_quintile:5", 7, 84),
    ("L1", JAN, "sex:female", 1, 5),
]


def test_observations_at_lsoas_roll_up_to_every_level_above_summing_numerators_and_denominators(
    engine,
):
    _setup(engine)
    _store(engine, LSOA_ROWS)
    wards = read_rollup(
        engine, local_admin("tester"), "seen_in_time", "ward", "lsoa", start=JAN, end=JAN
    )
    assert wards.select("place", "numerator", "denominator", "places").rows() == [
        ("W1", 10.0, 100.0, 2),  # 10 % (not the average of 10 % and 10 %: the sums)
        ("W2", 5.0, 10.0, 1),
        ("W3", 3.0, 30.0, 1),
    ]
    authorities = read_rollup(
        engine, local_admin("tester"), "seen_in_time", "local_authority", "lsoa", end=JAN
    )
    assert authorities.select("place", "numerator", "denominator").rows() == [
        ("A1", 15.0, 110.0),  # 13.6 %; the mean of its LSOAs' rates would be 23.3 %
        ("A2", 3.0, 30.0),
    ]
    icb = read_rollup(engine, local_admin("tester"), "seen_in_time", "icb", "lsoa")
    assert icb.select("place", "period", "numerator", "denominator").rows() == [
        ("I", JAN, 18.0, 140.0),
        ("I", FEB, 2.0, 10.0),
    ]


def test_a_rollup_to_the_level_the_data_are_stored_at_is_the_stored_observations(engine):
    _setup(engine)
    _store(engine, LSOA_ROWS)
    same = read_rollup(
        engine, local_admin("tester"), "seen_in_time", "lsoa", "lsoa", start=JAN, end=JAN
    )
    assert same.select("place", "numerator", "denominator").rows() == [
        ("L1", 1.0, 10.0),
        ("L2", 9.0, 90.0),
        ("L3", 5.0, 10.0),
        ("L4", 3.0, 30.0),
    ]


def test_breakdowns_roll_up_group_by_group_and_stay_out_of_the_totals(engine):
    _setup(engine)
    _store(engine, LSOA_ROWS)
    quintiles = read_rollup(
        engine, local_admin("tester"), "seen_in_time", "ward", "lsoa", breakdown="imd_quintile"
    )
    assert quintiles.select("place", "breakdown", "numerator", "denominator").rows() == [
        ("W1", "imd_quintile:1", 3.0, 10.0),
        ("W1", "imd_quintile:5", 7.0, 84.0),
    ]
    one = read_rollup(
        engine, local_admin("tester"), "seen_in_time", "icb", "lsoa", breakdown="sex:female"
    )
    assert one.select("place", "numerator").rows() == [("I", 1.0)]
    # The totals read as before: one row per place and period, breakdown "all" only.
    assert read_series(engine, local_admin("tester")).height == 5
    groups = read_breakdowns(engine, local_admin("tester"), "imd_quintile", places=["L2"])
    assert groups.select("place", "breakdown", "numerator").rows() == [
        ("L2", "imd_quintile:1", 2.0),
        ("L2", "imd_quintile:5", 7.0),
    ]


def test_a_rollup_with_an_unknown_level_or_breakdown_says_what_to_use(engine):
    _setup(engine)
    with pytest.raises(ValueError, match="unknown type of place 'district': use one of lsoa"):
        read_rollup(engine, local_admin("tester"), "seen_in_time", "district", "lsoa")
    with pytest.raises(ValueError, match="'income band' is not a breakdown"):
        read_rollup(
            engine, local_admin("tester"), "seen_in_time", "ward", "lsoa", breakdown="income band"
        )
    with pytest.raises(LookupError, match="unknown measure code: nope"):
        read_rollup(engine, local_admin("tester"), "nope", "ward", "lsoa")


def test_a_revised_breakdown_is_revised_on_its_own(engine):
    _setup(engine)
    _store(engine, LSOA_ROWS)
    _store(engine, [("L1", JAN, "imd_quintile:1", 2, 4)])
    revisions = read_revisions(engine, local_admin("tester"))
    assert revisions.select("place", "old_numerator", "new_numerator").rows() == [("L1", 1.0, 2.0)]
    total = read_series(engine, local_admin("tester"), places="L1", start=JAN, end=JAN)
    assert total["numerator"].to_list() == [1.0]


def test_places_under_a_place_are_found_at_any_depth(engine):
    _setup(engine)
    assert read_places_within(engine, "I", "lsoa")["code"].to_list() == ["L1", "L2", "L3", "L4"]
    assert read_places_within(engine, "A1", "ward")["code"].to_list() == ["W1", "W2"]


def test_deprivation_is_stored_and_replaced_by_place(engine):
    _setup(engine)
    upsert_deprivation(
        engine,
        TESTER,
        pl.DataFrame(
            {"code": ["L1", "L2"], "source": "IMD 2025", "imd_decile": [1, 10]}
        ).with_columns(imd_quintile=(pl.col("imd_decile") + 1) // 2),
    )
    upsert_deprivation(
        engine,
        TESTER,
        pl.DataFrame(
            {"code": ["L2"], "source": "IMD 2025", "imd_decile": [9], "imd_quintile": [5]}
        ),
    )
    stored = read_deprivation(engine, "lsoa")
    assert stored.select("code", "imd_decile", "imd_quintile").rows() == [
        ("L1", 1, 1),
        ("L2", 9, 5),
    ]
    with pytest.raises(LookupError, match="unknown place code\\(s\\): L9; add the places first"):
        upsert_deprivation(engine, TESTER, pl.DataFrame({"code": ["L9"], "source": "IMD 2025"}))


def test_observations_stored_before_breakdowns_become_the_totals(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(engine, "0003")
    now = datetime(2025, 3, 1)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO uploads (id, file_name, content_hash, actor, uploaded_at, rows_read, "
                "outcome, observations_added, observations_revised, report) "
                "VALUES (1, 'a.csv', 'h', 'x', :now, 1, 'stored', 1, 0, '{}')"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO observations (measure_id, place_id, period, value, status, upload_id) "
                "VALUES (1, 2, '2025-01-01', 4.0, 'final', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO revisions (measure_id, place_id, period, old_value, old_status, "
                "old_upload_id, new_value, new_status, upload_id, actor, revised_at) "
                "VALUES (1, 2, '2025-01-01', 3.0, 'final', 1, 4.0, 'final', 1, 'x', :now)"
            ),
            {"now": now},
        )
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT breakdown, value FROM observations")).all() == [
            ("all", 4.0)
        ]
        assert connection.execute(text("SELECT breakdown, old_value FROM revisions")).all() == [
            ("all", 3.0)
        ]
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()


def test_downgrading_keeps_the_totals_and_refuses_while_breakdowns_are_stored(database_url):
    from alembic import command
    from alembic.config import Config

    from qi.store.engine import MIGRATIONS

    engine = connect(database_url)
    _setup(engine)
    _store(engine, [("L1", JAN, "all", 1, 10), ("L1", JAN, "sex:female", 1, 5)])
    _store(engine, [("L1", JAN, "all", 2, 10)])  # a revision of the total

    def downgrade() -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")  # the revision before breakdowns

    with pytest.raises(RuntimeError, match="1 observations are breakdowns"):
        downgrade()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM observations WHERE breakdown <> 'all'"))
    downgrade()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT numerator FROM observations")).all() == [(2.0,)]
        assert connection.execute(text("SELECT old_numerator FROM revisions")).all() == [(1.0,)]
    upgrade(engine)  # and up again
    assert read_series(engine, local_admin("tester"))["numerator"].to_list() == [2.0]
    engine.dispose()


def test_only_someone_who_defines_places_may_store_deprivation(engine):
    from qi.access import EVERYTHING, Grant, Principal
    from qi.store.access import StoreRefused

    _setup(engine)
    coach = Principal("local:coach", "Coach", (Grant("coach", EVERYTHING),))
    frame = pl.DataFrame({"code": ["L1"], "source": "IMD 2025", "imd_decile": [1]})
    with pytest.raises(StoreRefused):
        upsert_deprivation(engine, coach, frame)
    assert read_deprivation(engine).height == 0
    assert upsert_deprivation(engine, TESTER, frame) == 1
