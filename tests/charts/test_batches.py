"""Charting in batches of whole series gives, bit for bit, what one ``spc()`` call gives.

The batch kernel (``qi.charts.batches.chart_batch``) charts each batch with the panel's
leading series, so that the one thing ``spc()`` reads across series (the calendar unit of the
periods, from the first points in series order) is the same in every batch. These tests cut
seeded panels (gaps, missing values, phases, exclusions, baselines, targets, subgroups) into
batches of one series, a few, and more than the panel holds, for every chart type and rule
set, and compare every column of the points and series summaries bit for bit.
"""

import datetime as dt
import random

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from qi.charts import SPCInputError, spc
from qi.charts.batches import (
    NARROW_COLUMNS,
    batch_settings,
    chart_batch,
    plan_batches,
    series_sizes,
    spc_in_batches,
)
from qi.charts.phases import PERIOD_UNIT_SAMPLE

KEYS = ["measure", "place"]
MONTHS = pl.date_range(dt.date(2022, 1, 1), dt.date(2024, 6, 1), "1mo", eager=True)


def panel(seed: int = 11, places: int = 12) -> pl.DataFrame:
    """Two measures at ``places`` places, monthly, rows shuffled: counts around a level of
    their own, a shift in some series, months missing (no row) and values missing (null), one
    series every other month, one series of a single point."""
    rng = np.random.default_rng(seed)
    frames = []
    for measure in ("admissions", "attendances"):
        for number in range(places):
            place = f"E0{number:07d}"
            level = rng.uniform(5, 60)
            values = rng.poisson(level, len(MONTHS)).astype(float)
            values[rng.integers(10, 25) :] += 3 * np.sqrt(level) * (number % 3 == 0)
            months = MONTHS
            if number == 5:
                months = MONTHS.gather_every(2)  # every other month
                values = values[: len(months)]
            if number == 7 and measure == "attendances":
                months, values = MONTHS.head(1), values[:1]
            frame = pl.DataFrame(
                {
                    "measure": measure,
                    "place": place,
                    "month": months,
                    "count": values,
                    "population": np.round(level * rng.uniform(8, 12, len(months))) + 100,
                    "improvement": "increase" if number % 2 else "decrease",
                }
            )
            keep = rng.random(frame.height) > 0.1  # gaps: months with no row
            frame = frame.filter(pl.Series(keep) | (pl.int_range(pl.len()) == 0))
            missing = pl.Series(rng.random(frame.height) < 0.05)
            frames.append(
                frame.with_columns(pl.when(~missing).then(pl.col("count")).alias("count"))
            )
    data = pl.concat(frames)
    return data.sample(fraction=1.0, shuffle=True, seed=seed)


def subgroups(seed: int = 5) -> pl.DataFrame:
    """Several measurements a month (one to five), in input order, for Xbar and S charts."""
    rng = np.random.default_rng(seed)
    rows = []
    for place in range(10):
        for month in MONTHS.head(24):
            for _ in range(int(rng.integers(1, 6))):
                rows.append(("waits", f"P{place:02d}", month, float(rng.normal(40 + place, 6))))
    return pl.DataFrame(rows, schema=["measure", "place", "month", "minutes"], orient="row")


PHASES = pl.DataFrame(
    {"measure": ["admissions"] * 2, "place": ["E00000000", "E00000003"]}
).with_columns(month=pl.lit(dt.date(2023, 4, 1)))
TARGETS = pl.DataFrame(
    {"measure": ["admissions", "attendances"], "place": ["E00000001", "E00000002"]}
).with_columns(target=pl.Series([30.0, 12.0]))

# (name, data, spc() arguments): every chart type, every rule set.
CASES = {
    "xmr_mdc_phases_exclusions": (
        panel,
        dict(
            value="count",
            chart="i",
            rules="mdc",
            phases=PHASES,
            exclude=[dt.date(2022, 6, 1)],
            direction="improvement",
            target=TARGETS,
        ),
    ),
    "xmr_mdc2023_baseline": (panel, dict(value="count", chart="i", rules="mdc2023", baseline=12)),
    "run_anhoej": (panel, dict(value="count", chart="run", rules="anhoej")),
    "mr_ihi": (panel, dict(value="count", chart="mr", rules="ihi")),
    "p_anhoej": (panel, dict(value="count", denominator="population", chart="p", rules="anhoej")),
    "pp_nelson": (
        panel,
        dict(value="count", denominator="population", chart="pp", rules="nelson"),
    ),
    "u_western_electric_per_1000": (
        panel,
        dict(
            value="count",
            denominator="population",
            chart="u",
            rules="western_electric",
            multiplier=1000,
        ),
    ),
    "up_mdc_phases": (
        panel,
        dict(value="count", denominator="population", chart="up", rules="mdc", phases=PHASES),
    ),
    "c_ihi": (panel, dict(value="count", chart="c", rules="ihi", direction="decrease")),
    "g_anhoej": (panel, dict(value="count", chart="g", rules="anhoej")),
    "t_mdc": (panel, dict(value="population", chart="t", rules="mdc")),
    "ip_nelson": (
        panel,
        dict(value="count", denominator="population", chart="ip", rules="nelson"),
    ),
    "xbar_western_electric": (
        subgroups,
        dict(value="minutes", chart="xbar", rules="western_electric"),
    ),
    "s_nelson": (subgroups, dict(value="minutes", chart="s", rules="nelson")),
    "xmr_of_means_mdc": (subgroups, dict(value="minutes", chart="i", aggregate="mean")),
}


def assert_identical(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Same columns, types, rows and order, and every number the same to the bit."""
    assert got.schema == expected.schema
    assert got.height == expected.height
    for name in expected.columns:
        a, b = got.get_column(name), expected.get_column(name)
        assert a.is_null().equals(b.is_null()), name
        if a.dtype.is_float():
            bits_a = a.drop_nulls().to_numpy().view(np.uint64)
            bits_b = b.drop_nulls().to_numpy().view(np.uint64)
            assert np.array_equal(bits_a, bits_b), name
        else:
            assert a.equals(b, null_equal=True), name


def batched(data: pl.DataFrame, size: int, **arguments) -> tuple[pl.DataFrame, pl.DataFrame]:
    charted = list(
        spc_in_batches(data, series_per_batch=size, by=KEYS, period="month", **arguments)
    )
    return pl.concat([c.points for c in charted]), pl.concat([c.series for c in charted])


@pytest.mark.parametrize("size", [3, 1000])
@pytest.mark.parametrize("case", list(CASES))
def test_a_batched_run_is_one_spc_call_bit_for_bit(case, size):
    make, arguments = CASES[case]
    data = make()
    whole = spc(data, by=KEYS, period="month", **arguments)
    points, series = batched(data, size, **arguments)
    assert_identical(points, whole.points)
    assert_identical(series, whole.summary())


@pytest.mark.parametrize(
    "case", ["xmr_mdc_phases_exclusions", "pp_nelson", "xbar_western_electric"]
)
def test_batches_of_one_series_are_one_spc_call_bit_for_bit(case):
    make, arguments = CASES[case]
    data = make()
    whole = spc(data, by=KEYS, period="month", **arguments)
    points, series = batched(data, 1, **arguments)
    assert_identical(points, whole.points)
    assert_identical(series, whole.summary())


def test_the_calendar_unit_comes_from_the_leading_series_in_every_batch():
    """A batch of series recorded every other month would read its periods as quarters on its
    own (and see no gaps); charted with the leading series it reads months, as the whole
    panel does."""
    months = pl.date_range(dt.date(2020, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    monthly = pl.DataFrame({"place": [f"M{i:04d}" for i in range(900)]}).join(
        pl.DataFrame({"month": months}), how="cross"
    )
    sparse = pl.DataFrame({"place": [f"S{i:04d}" for i in range(20)]}).join(
        pl.DataFrame({"month": months.gather_every(2)}), how="cross"
    )
    data = pl.concat([monthly, sparse]).with_columns(
        measure=pl.lit("visits"), value=pl.int_range(pl.len()).mod(17).cast(pl.Float64)
    )
    assert monthly.height > PERIOD_UNIT_SAMPLE
    arguments = dict(by=KEYS, value="value", period="month")
    whole = spc(data, **arguments)
    alone = spc(sparse.with_columns(measure=pl.lit("visits"), value=pl.lit(1.0)), **arguments)
    assert not alone.points["gap_before"].any()  # quarters: no gaps
    in_batches = list(spc_in_batches(data, series_per_batch=100, **arguments))
    points = pl.concat([c.points for c in in_batches])
    assert points.filter(pl.col("place").str.starts_with("S"))["gap_before"].sum() == 20 * 29
    assert_identical(points, whole.points)


def test_batches_cut_by_a_hash_in_any_row_order_give_the_same_series():
    """The contract for other runners (Spark, Dask): any batches of whole series, as Arrow
    tables in pieces, give each series' points as one call does."""
    data = panel(seed=3)
    arguments = dict(by=KEYS, period="month", value="count", chart="i", rules="mdc")
    whole = spc(data, **arguments)
    sizes = series_sizes(data, KEYS).collect()
    settings = batch_settings(sizes, lambda keys: data.join(keys, on=KEYS, how="semi"), **arguments)
    hashed = data.with_columns((pl.struct(KEYS).hash(seed=1) % 4).alias("bucket"))
    points, series = [], []
    for (_,), part in hashed.partition_by("bucket", as_dict=True).items():
        table = pa.Table.from_batches(part.drop("bucket").to_arrow().to_batches(max_chunksize=7))
        charted = chart_batch(table, settings)
        points.append(charted.points)
        series.append(charted.series)
    assert_identical(pl.concat(points).sort([*KEYS, "month"]), whole.points)
    assert_identical(pl.concat(series).sort(KEYS), whole.summary())


def test_every_batch_has_the_schema_fixed_before_the_first():
    data = panel()
    arguments = dict(by=KEYS, period="month", value="count", chart="p", denominator="population")
    sizes = series_sizes(data, KEYS).collect()
    settings = batch_settings(
        sizes, lambda keys: data.join(keys, on=KEYS, how="semi"), columns="narrow", **arguments
    )
    empty = chart_batch(data.head(0), settings)
    no_values = chart_batch(
        data.filter(pl.col("place") == "E00000004").with_columns(pl.lit(None).alias("count")),
        settings,
    )
    for charted in (empty, no_values):
        assert charted.points.schema == settings.points_schema
        assert charted.series.schema == settings.series_schema
    assert empty.points.height == 0 and empty.series.height == 0
    assert settings.points_schema.names() == [*KEYS, "month", *NARROW_COLUMNS]


def test_the_plan_cuts_sorted_ranges_of_whole_series():
    sizes = pl.DataFrame({"place": ["a", "b", "c", "d", "e"], "rows": [5, 60, 2, 2, 30]})
    plan = plan_batches(sizes, rows_per_batch=10)
    # a and b start before row 10; c, d and e start at rows 65, 67 and 69, past 60
    assert plan["batch"].to_list() == [0, 0, 1, 1, 1]
    assert plan_batches(sizes, series_per_batch=2)["batch"].to_list() == [0, 0, 1, 1, 2]
    assert plan_batches(sizes, series_per_batch=1)["batch"].to_list() == [0, 1, 2, 3, 4]


def test_a_batch_holds_its_bound_of_rows_plus_at_most_one_series():
    rng = np.random.default_rng(4)
    sizes = pl.DataFrame({"place": range(2000), "rows": rng.integers(1, 200, 2000)})
    plan = plan_batches(sizes, rows_per_batch=1000)
    batches = plan.group_by("batch").agg(pl.col("rows").sum(), pl.col("rows").max().alias("most"))
    assert (batches["rows"] <= 1000 + batches["most"]).all()
    assert plan["batch"].is_sorted() and plan["batch"].diff().drop_nulls().is_in([0, 1]).all()
    assert plan.height == sizes.height  # every series in exactly one batch


def test_a_plan_needs_one_bound():
    sizes = pl.DataFrame({"place": ["a"], "rows": [5]})
    with pytest.raises(SPCInputError, match="one of rows_per_batch and series_per_batch"):
        plan_batches(sizes)
    with pytest.raises(SPCInputError, match="at least one"):
        plan_batches(sizes, series_per_batch=0)


def test_batches_need_series_keys():
    with pytest.raises(SPCInputError, match="name the series keys"):
        list(spc_in_batches(panel(), series_per_batch=5, value="count", period="month"))


def test_narrow_columns_and_a_list_of_columns():
    data = panel()
    arguments = dict(by=KEYS, period="month", value="count")
    whole = spc(data, **arguments).points
    narrow = pl.concat(
        c.points for c in spc_in_batches(data, series_per_batch=4, columns="narrow", **arguments)
    )
    assert_identical(narrow, whole.select(*KEYS, "month", *NARROW_COLUMNS))
    chosen = next(
        spc_in_batches(data, series_per_batch=4, columns=["phase", "rule_shift"], **arguments)
    )
    assert chosen.points.columns == [*KEYS, "month", "phase", "rule_shift"]
    with pytest.raises(SPCInputError, match=r"unknown point column\(s\) \['colour'\]"):
        next(spc_in_batches(data, series_per_batch=4, columns=["colour"], **arguments))


def test_a_batch_without_a_panel_column_is_refused_by_name():
    data = panel()
    arguments = dict(by=KEYS, period="month", value="count", denominator="population", chart="p")
    sizes = series_sizes(data, KEYS).collect()
    settings = batch_settings(sizes, lambda keys: data.join(keys, on=KEYS, how="semi"), **arguments)
    with pytest.raises(SPCInputError, match=r"no column\(s\) \['population'\]"):
        chart_batch(data.drop("population"), settings)


def test_a_problem_in_a_batch_says_so():
    data = panel()
    arguments = dict(by=KEYS, period="month", value="count", denominator="population", chart="p")
    sizes = series_sizes(data, KEYS).collect()
    settings = batch_settings(sizes, lambda keys: data.join(keys, on=KEYS, how="semi"), **arguments)
    broken = data.filter(pl.col("place") == "E00000009").with_columns(population=pl.lit(0.0))
    with pytest.raises(SPCInputError, match=r"denominator .* \(in a batch of"):
        chart_batch(broken, settings)


def test_series_in_any_order_of_rows_give_the_same_batches():
    data = panel(seed=8)
    rows = list(range(data.height))
    random.Random(2).shuffle(rows)
    arguments = dict(value="count", chart="i", rules="mdc")
    first, _ = batched(data, 5, **arguments)
    again, _ = batched(data[rows], 5, **arguments)
    assert_identical(again, first)
