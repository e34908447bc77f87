"""The partnership's neighbourhoods: West Yorkshire's real LSOAs and wards under the five
districts, with their real IMD 2025 deciles, and one synthetic measure counted by LSOA and by
deprivation quintile, so that Compare places and the inequality view work out of the box.

Places and deprivation are read from the ONS and MHCLG extracts in ``qi/demo/data`` (see its
PROVENANCE.md). The measure, "good level of development at age 5", is **synthetic**: each
LSOA's children and how many reach a good level of development are drawn from a fixed seed,
more likely the less deprived the LSOA (and with some neighbourhoods doing better or worse than
their deprivation alone would say), rising a little each year and fastest in Bradford's most
deprived quintiles, where the gap narrows. The districts' quintile breakdowns are the sums of
their LSOAs'.
"""

from datetime import date
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl

from qi.demo.labels import SYNTHETIC
from qi.demo.partnership import BRADFORD
from qi.ingest.places import read_imd_deprivation, read_ons_places
from qi.vocabulary.breakdowns import ALL, breakdown_code

DATA = Path(str(files("qi.demo") / "data"))
GLD = "good_level_of_development"
YEARS = (2022, 2023, 2024, 2025)
SEED = 2025_13

GLD_MEASURE = {
    "code": GLD,
    "name": "Good level of development at age 5",
    "definition": f"{SYNTHETIC} Children at the end of the reception year (age 5) reaching a "
    "good level of development, out of every child assessed, by the LSOA they live in; "
    "counted each school year and broken down by the LSOA's IMD 2025 deprivation quintile.",
    "unit": "children",
    "kind": "proportion",
    "multiplier": 100.0,
    "improvement": "up",
    "target": None,
    "chart": None,
    "rule_set": None,
    "frequency": "year",
    "maximum": None,
}


def neighbourhood_places() -> pl.DataFrame:
    """The wards and LSOAs of the five districts (the ICB and districts are the demo's own)."""
    places = read_ons_places(
        DATA / "lookup_lsoa21_ward24_ltla24_west_yorkshire.csv",
        DATA / "lookup_lsoa21_icb24_west_yorkshire.csv",
    )
    return places.filter(pl.col("type").is_in(["ward", "lsoa"]))


def neighbourhood_deprivation() -> pl.DataFrame:
    """IMD 2025 for the LSOAs and the five districts."""
    return read_imd_deprivation(
        DATA / "imd2025_lsoa21_west_yorkshire.csv", DATA / "imd2025_ltla24_west_yorkshire.csv"
    )


def _lsoas() -> pl.DataFrame:
    places = read_ons_places(
        DATA / "lookup_lsoa21_ward24_ltla24_west_yorkshire.csv",
        DATA / "lookup_lsoa21_icb24_west_yorkshire.csv",
    )
    parent = dict(places.select("code", "parent").iter_rows())
    deprivation = neighbourhood_deprivation().filter(pl.col("imd_decile").is_not_null())
    return (
        places.filter(pl.col("type") == "lsoa")
        .select("code")
        .join(deprivation.select("code", "imd_decile", "imd_quintile"), on="code")
        .with_columns(
            pl.col("code").replace_strict(parent).replace_strict(parent).alias("district")
        )
        .sort("code")
    )


def neighbourhood_observations() -> pl.DataFrame:
    """The synthetic measure: each LSOA's totals (breakdown "all"), and each district's by
    deprivation quintile, per year (the same every time)."""
    lsoas = _lsoas()
    rng = np.random.default_rng(SEED)
    n = lsoas.height
    children = rng.integers(12, 46, size=n)
    decile = lsoas["imd_decile"].to_numpy()
    quintile = lsoas["imd_quintile"].to_numpy()
    own = rng.normal(0, 0.35, size=n)  # each neighbourhood's own, beyond its deprivation
    bradford = (lsoas["district"] == BRADFORD).to_numpy()
    frames = []
    for step, year in enumerate(YEARS):
        catching_up = np.where(bradford & (quintile <= 2), 0.12 * step, 0.0)
        logit = -0.1 + 0.13 * (decile - 1) + own + 0.04 * step + catching_up
        assessed = np.maximum(children + rng.integers(-3, 4, size=n), 5)
        reached = rng.binomial(assessed, 1 / (1 + np.exp(-logit)))
        frames.append(
            lsoas.select(pl.col("code").alias("place"), "district", "imd_quintile").with_columns(
                pl.lit(date(year, 1, 1)).alias("period"),
                pl.Series("numerator", reached, dtype=pl.Float64),
                pl.Series("denominator", assessed, dtype=pl.Float64),
            )
        )
    counted = pl.concat(frames)
    by_quintile = (
        counted.group_by("district", "imd_quintile", "period")
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
        .select(
            pl.col("district").alias("place"),
            "period",
            "numerator",
            "denominator",
            (
                pl.lit(breakdown_code("imd_quintile", "")) + pl.col("imd_quintile").cast(pl.String)
            ).alias("breakdown"),
        )
    )
    totals = counted.select(
        "place", "period", "numerator", "denominator", pl.lit(ALL).alias("breakdown")
    )
    return (
        pl.concat([totals, by_quintile])
        .with_columns(
            pl.lit(GLD).alias("measure"),
            (pl.col("numerator") / pl.col("denominator")).alias("value"),
            pl.lit(None, pl.String).alias("missing_reason"),
            pl.lit("final").alias("status"),
        )
        .select(
            "measure",
            "place",
            "period",
            "value",
            "numerator",
            "denominator",
            "missing_reason",
            "status",
            "breakdown",
        )
        .sort("place", "breakdown", "period")
    )
