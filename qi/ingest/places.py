"""Places from the ONS lookups: LSOAs (2021) under wards (2024), under local authorities
(2024), under ICBs (2024), with the English Indices of Deprivation 2025.

The files are the ONS Open Geography Portal's lookups and MHCLG's IMD 2025 as published
(Open Government Licence v3.0; attribution in ``ONS_ATTRIBUTION``):

- ``lookup_lsoa21_ward24_ltla24.csv``: lsoa21_code, lsoa21_name, ward24_code, ward24_name,
  ltla24_code, ltla24_name. It covers Wales too; only LSOAs in the ICB lookup (England) are
  kept. A place has one parent, so an LSOA listed in two wards would be placed in the first.
- ``lookup_lsoa21_icb24.csv``: lsoa21_code, icb24_code, icb24_name. A local authority's ICB is
  the one most of its LSOAs are in (North Yorkshire's Craven LSOAs are in West Yorkshire ICB).
- ``imd2025_england_lsoa21.csv``: lsoa21_code, IMD_decile (1 = most deprived), IMD_rank,
  IMD_score; the quintile is the decile's pair ((decile + 1) // 2).
- ``imd2025_england_ltla24.csv``: ltla24_code, imd_average_score, imd_rank_of_average_score.

And places' populations from a file of code, population, population_year, population_source
(``qi places populations``, or the same columns in a ``qi places import`` file): every problem
at its row and column, nothing stored unless all is right.
"""

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.ingest.definitions import DefinitionError, read_definitions
from qi.ingest.report import Problems, Report, problems_where
from qi.store import read_places
from qi.store.limits import column_limits
from qi.store.models import PlacePopulation
from qi.store.places import POPULATION_SCHEMA, store_populations

IMD_SOURCE = "IMD 2025"
ONS_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains National Statistics data © Crown copyright and database right (ONS, MHCLG)."
)
WARD_LOOKUP_COLUMNS = (
    "lsoa21_code",
    "lsoa21_name",
    "ward24_code",
    "ward24_name",
    "ltla24_code",
    "ltla24_name",
)
ICB_LOOKUP_COLUMNS = ("lsoa21_code", "icb24_code", "icb24_name")
LSOA_IMD_COLUMNS = ("lsoa21_code", "IMD_decile", "IMD_rank", "IMD_score")
AREA_IMD_COLUMNS = ("ltla24_code", "imd_average_score", "imd_rank_of_average_score")
SOURCE_LENGTH = column_limits(PlacePopulation)["source"]


class LookupFileError(ValueError):
    """A lookup file without the columns it should have."""


def _read(path: str | Path, columns: tuple[str, ...]) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LookupFileError(
            f"{Path(path).name}: no column {', '.join(missing)}; expected the ONS/MHCLG file "
            f"with columns {', '.join(columns)} (see `qi places ons --help`)"
        )
    return frame.select(columns)


def ons_places(ward_lookup: pl.DataFrame, icb_lookup: pl.DataFrame) -> pl.DataFrame:
    """The places (code, name, type, parent, gss_code) of the two lookups, parents first:
    ICBs, local authorities, wards, LSOAs of England. Every code is the ONS GSS code."""
    lsoas = ward_lookup.unique("lsoa21_code", keep="first", maintain_order=True).filter(
        pl.col("lsoa21_code").is_in(icb_lookup["lsoa21_code"].implode())
    )
    wards = lsoas.unique("ward24_code", keep="first", maintain_order=True)
    authority_icb = (
        lsoas.join(icb_lookup.select("lsoa21_code", "icb24_code"), on="lsoa21_code")
        .group_by("ltla24_code", "icb24_code")
        .agg(pl.len().alias("_n"))
        .sort("ltla24_code", "_n", "icb24_code", descending=[False, True, False])
        .unique("ltla24_code", keep="first")
    )
    icbs = icb_lookup.unique("icb24_code", keep="first").filter(
        pl.col("icb24_code").is_in(authority_icb["icb24_code"].implode())
    )
    authorities = lsoas.unique("ltla24_code", keep="first").join(
        authority_icb.select("ltla24_code", "icb24_code"), on="ltla24_code", how="left"
    )

    def places(frame: pl.DataFrame, code: str, name: str, kind: str, parent: str | None):
        return frame.select(
            pl.col(code).alias("code"),
            pl.col(name).alias("name"),
            pl.lit(kind).alias("type"),
            (pl.col(parent) if parent else pl.lit(None, pl.String)).alias("parent"),
            pl.col(code).alias("gss_code"),
        ).sort("code")

    return pl.concat(
        [
            places(icbs, "icb24_code", "icb24_name", "icb", None),
            places(authorities, "ltla24_code", "ltla24_name", "local_authority", "icb24_code"),
            places(wards, "ward24_code", "ward24_name", "ward", "ltla24_code"),
            places(lsoas, "lsoa21_code", "lsoa21_name", "lsoa", "ward24_code"),
        ]
    )


def imd_deprivation(lsoa_imd: pl.DataFrame, area_imd: pl.DataFrame | None = None) -> pl.DataFrame:
    """Deprivation by place code: each LSOA's IMD 2025 decile, quintile, rank and score, and
    each local authority's average score and the rank of it (no decile: not an LSOA's)."""
    decile = pl.col("IMD_decile").cast(pl.Int64)
    lsoas = lsoa_imd.select(
        pl.col("lsoa21_code").alias("code"),
        pl.lit(IMD_SOURCE).alias("source"),
        decile.alias("imd_decile"),
        ((decile + 1) // 2).alias("imd_quintile"),
        pl.col("IMD_rank").cast(pl.Float64).alias("imd_rank"),
        pl.col("IMD_score").cast(pl.Float64).alias("imd_score"),
    )
    if area_imd is None:
        return lsoas
    areas = area_imd.select(
        pl.col("ltla24_code").alias("code"),
        pl.lit(IMD_SOURCE).alias("source"),
        pl.lit(None, pl.Int64).alias("imd_decile"),
        pl.lit(None, pl.Int64).alias("imd_quintile"),
        pl.col("imd_rank_of_average_score").cast(pl.Float64).alias("imd_rank"),
        pl.col("imd_average_score").cast(pl.Float64).alias("imd_score"),
    )
    return pl.concat([lsoas, areas])


def read_ons_places(ward_lookup: str | Path, icb_lookup: str | Path) -> pl.DataFrame:
    """``ons_places`` of the two lookup files."""
    return ons_places(
        _read(ward_lookup, WARD_LOOKUP_COLUMNS), _read(icb_lookup, ICB_LOOKUP_COLUMNS)
    )


def read_imd_deprivation(lsoa_imd: str | Path, area_imd: str | Path | None = None) -> pl.DataFrame:
    """``imd_deprivation`` of the IMD files."""
    areas = _read(area_imd, AREA_IMD_COLUMNS) if area_imd is not None else None
    return imd_deprivation(_read(lsoa_imd, LSOA_IMD_COLUMNS), areas)


# --- populations ----------------------------------------------------------------------------------

POPULATION_COLUMNS = ("population", "population_year", "population_source")
POPULATION_FORMAT = (
    "columns code, population (a whole number of people), population_year (the year it is "
    "for) and population_source (where it comes from, such as 'ONS mid-2022 estimates'); "
    "--year and --source give the year and source of every row instead"
)
EARLIEST_YEAR = 1900


def has_populations(frame: pl.DataFrame) -> bool:
    """Whether a places file (as ``read_definitions`` gives it) carries populations."""
    return "population" in frame.columns


def validate_populations(
    frame: pl.DataFrame,
    known: list[str],
    problems: Problems,
    *,
    year: int | None = None,
    source: str | None = None,
    this_year: int | None = None,
) -> pl.DataFrame:
    """The populations of a file read by ``read_definitions`` (text columns and ``_row``):
    code, population, year, source, one row per place with a population. ``known``: the place
    codes that may be given. Rows whose population is blank are left out; every problem is
    added to ``problems`` at its row and column."""
    this_year = this_year or date.today().year
    if "code" not in frame.columns or "population" not in frame.columns:
        missing = [c for c in ("code", "population") if c not in frame.columns]
        problems.error(
            None, missing[0], None, f"no '{missing[0]}' column", f"give {POPULATION_FORMAT}"
        )
        return pl.DataFrame(schema=POPULATION_SCHEMA)
    for column, given in (("population_year", year), ("population_source", source)):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
        if given is not None:
            frame = frame.with_columns(
                pl.col(column).replace("", None).fill_null(pl.lit(str(given)))
            )
    frame = frame.filter(pl.col("population").is_not_null() & (pl.col("population") != ""))
    number = pl.col("population").str.replace_all(",", "").cast(pl.Float64, strict=False)
    year_number = pl.col("population_year").cast(pl.Int64, strict=False)
    checks = (
        (
            ~pl.col("code").is_in(pl.Series(known, dtype=pl.String).implode()),
            "code",
            "code",
            "is not a known place code",
            "add the place first (qi places import) or correct the code",
        ),
        (
            pl.col("code").is_duplicated(),
            "code",
            "code",
            "has more than one population",
            "give each place one population (one row each)",
        ),
        (
            number.is_null(),
            "population",
            "population",
            "is not a number",
            "write a whole number of people, such as 1650",
        ),
        (
            number < 0,
            "population",
            "population",
            "is below zero",
            "a population is a number of people, 0 or more: check the cell",
        ),
        (
            (number >= 0) & (number != number.floor()),
            "population",
            "population",
            "is not a whole number",
            "write a whole number of people, such as 1650",
        ),
        (
            (number > 2**31 - 1),
            "population",
            "population",
            "is larger than any place's population",
            "check the cell: write the number of people, such as 1650",
        ),
        (
            pl.col("population_year").is_null() | (pl.col("population_year") == ""),
            "population_year",
            "population_year",
            "is missing",
            "give the year the population is for in population_year, or --year",
        ),
        (
            pl.col("population_year").is_not_null()
            & (pl.col("population_year") != "")
            & ~year_number.is_between(EARLIEST_YEAR, this_year),
            "population_year",
            "population_year",
            "is not a year",
            f"write the year as four digits, {EARLIEST_YEAR} to {this_year}",
        ),
        (
            pl.col("population_source").is_null() | (pl.col("population_source") == ""),
            "population_source",
            "population_source",
            "is missing",
            "say where the population comes from in population_source, or --source",
        ),
        (
            pl.col("population_source").str.len_chars() > SOURCE_LENGTH,
            "population_source",
            "population_source",
            f"is longer than the {SOURCE_LENGTH} characters kept",
            "shorten it (the publisher and the release, such as 'ONS mid-2022')",
        ),
    )
    for condition, column, shown, problem, fix in checks:
        problems.add(
            problems_where(
                frame,
                condition.fill_null(False),
                "error",
                pl.lit(column),
                pl.col(shown),
                problem,
                fix,
            )
        )
    return frame.select(
        "code",
        number.cast(pl.Int64, strict=False).alias("population"),
        year_number.alias("year"),
        pl.col("population_source").alias("source"),
    )


def check_populations(
    engine: Engine,
    path: str | Path,
    *,
    with_places: bool = False,
    year: int | None = None,
    source: str | None = None,
) -> tuple[Report, pl.DataFrame]:
    """Read and check a populations file without storing anything: the report (rejected when
    anything is wrong) and the populations. ``with_places``: the file also defines places (a
    ``qi places import`` file), so its own codes count as known."""
    path = Path(path)
    report = Report(file_name=path.name, what="populations")
    problems = Problems()
    empty = pl.DataFrame(schema=POPULATION_SCHEMA)
    try:
        frame = read_definitions(path.read_bytes(), path.name, "populations")
    except DefinitionError as error:
        problems.error(None, None, None, str(error), f"give {POPULATION_FORMAT}")
        report.problems = problems.frame()
        return report, empty
    report.rows_read = frame.height
    known = read_places(engine)["code"].to_list()
    if with_places and "code" in frame.columns:
        known += frame["code"].drop_nulls().to_list()
    populations = validate_populations(frame, known, problems, year=year, source=source)
    report.problems = problems.frame()
    if report.errors.height:
        return report, empty
    report.outcome = "checked"
    return report, populations


def import_populations(
    engine: Engine,
    principal: Principal,
    path: str | Path,
    *,
    year: int | None = None,
    source: str | None = None,
) -> Report:
    """Check and store a file of places' populations, all or nothing (``POPULATION_FORMAT``);
    needs ``definitions.write``."""
    report, populations = check_populations(engine, path, year=year, source=source)
    if report.errors.height:
        return report
    report.added = store_populations(engine, principal, populations)
    report.outcome = "stored"
    return report
