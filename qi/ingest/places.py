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
"""

from pathlib import Path

import polars as pl

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
