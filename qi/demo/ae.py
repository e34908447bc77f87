"""The real programme's data: NHS England A&E attendances and four-hour performance for the
five West Yorkshire acute trusts, April 2016 to March 2019 (Open Government Licence v3.0).

The file ships inside the package (``qi/demo/data``, with its ``PROVENANCE.md``) and is read
through ``importlib.resources``, so an installed qi loads the demo as a clone does.
"""

from importlib.resources import files

import polars as pl

from qi.demo.partnership import AE_ATTENDANCES, AE_FOUR_HOURS, OBSERVATION_COLUMNS

DEMO_DATA = files("qi.demo") / "data"
AE_FILE = DEMO_DATA / "nhsr_ae_attendances_west_yorkshire.csv"


def ae_observations() -> pl.DataFrame:
    """The real A&E data: type 1 attendances (count) and four-hour performance (proportion)."""
    if not AE_FILE.is_file():
        raise FileNotFoundError(
            f"{AE_FILE} is missing: the demo's real A&E data ships inside the qi package "
            "(qi/demo/data); reinstall qi, or restore the file from a clone of its repository"
        )
    raw = pl.read_csv(
        AE_FILE.read_bytes(), schema_overrides={"type": pl.String}, try_parse_dates=True
    )
    raw = raw.filter(pl.col("type") == "1").with_columns(pl.col("period").cast(pl.Date))
    within = (pl.col("attendances") - pl.col("breaches")).cast(pl.Float64)
    attendances = pl.col("attendances").cast(pl.Float64)
    common: list[pl.Expr | str] = [pl.col("org_code").alias("place"), "period"]
    counts = raw.select(
        pl.lit(AE_ATTENDANCES).alias("measure"),
        *common,
        attendances.alias("value"),
        pl.lit(None, pl.Float64).alias("numerator"),
        pl.lit(None, pl.Float64).alias("denominator"),
    )
    four_hours = raw.select(
        pl.lit(AE_FOUR_HOURS).alias("measure"),
        *common,
        (within / attendances).alias("value"),
        within.alias("numerator"),
        attendances.alias("denominator"),
    )
    return (
        pl.concat([counts, four_hours])
        .with_columns(
            pl.lit(None, pl.String).alias("missing_reason"), pl.lit("final").alias("status")
        )
        .select(list(OBSERVATION_COLUMNS))
    )
