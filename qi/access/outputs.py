"""What leaves qi: small numbers controlled, spreadsheet formulas neutralised.

Applied only at output points (downloads, exports, packs, what the viewer role sees), never to
stored data and never inside the SPC computation (limits use true values).

- ``DisclosurePolicy``: statistical disclosure control. The default preset follows NHS
  Digital's secondary-care method (HES/ECDS from September 2018): 0 stays 0, 1 to 7 become
  ``*``, other counts are rounded to the nearest 5, and rates or percentages made from a count
  below the threshold are suppressed. ``none`` is for internal roles with a need to know.
- ``published_policies``: the published outputs' policy, configured per measure
  (``QI_DISCLOSURE``, ``QI_DISCLOSURE_MEASURES``). Who gets which (none for those who may read
  a place's data, the published policy for those who may see published outputs only) is
  decided by ``qi.services.outputs.for_output``.
- ``excel_safe`` / ``safe_csv``: any text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return is prefixed with ``'`` so a spreadsheet shows it as text (CSV injection).
"""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

# Cells starting with these are formulas to Excel and other spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUPPRESSED = "*"


@dataclass(frozen=True)
class DisclosurePolicy:
    """``threshold``: counts from 1 to this become ``symbol``; ``base``: other counts are
    rounded to the nearest multiple of it (1: not rounded); zeros stay zeros."""

    name: str
    threshold: int = 0
    base: int = 1
    symbol: str = SUPPRESSED

    @property
    def controls(self) -> bool:
        return self.threshold > 0 or self.base > 1


NONE = DisclosurePolicy("none")
NHS_SECONDARY_CARE = DisclosurePolicy("nhs_secondary_care", threshold=7, base=5)
PRESETS = {p.name: p for p in (NHS_SECONDARY_CARE, NONE)}


class DisclosureError(ValueError):
    """A disclosure setting qi cannot use; the message names it and the presets."""


def preset(name: str) -> DisclosurePolicy:
    try:
        return PRESETS[name]
    except KeyError:
        raise DisclosureError(
            f"unknown disclosure preset {name!r}; choose one of: {', '.join(PRESETS)}"
        ) from None


def published_policies(
    environ: Mapping[str, str] | None = None,
) -> tuple[DisclosurePolicy, dict[str, DisclosurePolicy]]:
    """The published outputs' policy (``QI_DISCLOSURE``, default ``nhs_secondary_care``) and
    its exceptions per measure (``QI_DISCLOSURE_MEASURES="code=preset,code=preset"``)."""
    environ = os.environ if environ is None else environ
    default = preset(environ.get("QI_DISCLOSURE", NHS_SECONDARY_CARE.name))
    per_measure = {}
    for item in filter(
        None, (i.strip() for i in environ.get("QI_DISCLOSURE_MEASURES", "").split(","))
    ):
        code, _, name = item.partition("=")
        if not name:
            raise DisclosureError(
                f"QI_DISCLOSURE_MEASURES has {item!r}; write measure=preset, e.g. "
                "falls_admissions=none"
            )
        per_measure[code.strip()] = preset(name.strip())
    return default, per_measure


def controlled_number(column: str, policy: DisclosurePolicy) -> pl.Expr:
    """A count under ``policy`` as a number, for charts: 0 stays 0, 1 to the threshold become
    missing (a gap), others are rounded to the nearest ``base``."""
    value = pl.col(column)
    rounded = (value / policy.base).round(0) * policy.base
    return (
        pl.when(value.is_null() | ((value != 0) & (value <= policy.threshold)))
        .then(None)
        .when(value == 0)
        .then(pl.lit(0.0))
        .otherwise(rounded)
        .alias(column)
    )


def _controlled_count(column: str, policy: DisclosurePolicy) -> pl.Expr:
    """The same control as ``controlled_number``, as text: ``*`` where it is missing."""
    value = pl.col(column)
    return (
        pl.when(value.is_null())
        .then(None)
        .when((value != 0) & (value <= policy.threshold))
        .then(pl.lit(policy.symbol))
        .otherwise(controlled_number(column, policy).cast(pl.Int64).cast(pl.String))
        .alias(column)
    )


def small_count(column: str, policy: DisclosurePolicy) -> pl.Expr:
    """Whether a count is one that may not leave qi under ``policy``: above 0 and at most its
    threshold (missing: no)."""
    value = pl.col(column)
    return ((value > 0) & (value <= policy.threshold)).fill_null(False)


def small_ratio(policy: DisclosurePolicy, proportion: bool) -> pl.Expr:
    """Whether a rate or proportion made from the columns ``numerator`` and ``denominator`` may
    not be shown under ``policy``: either count is small, or, for a proportion, the rest of the
    denominator is (8 of 9 gives back the 1 who did not; 0 of 5 the 5 who did not). The one
    rule for every published output: tables, charts and funnel plots."""
    small = small_count("numerator", policy) | small_count("denominator", policy)
    if not proportion:
        return small
    rest = pl.col("denominator") - pl.col("numerator")
    return small | ((rest > 0) & (rest <= policy.threshold)).fill_null(False)


def apply_disclosure(
    frame: pl.DataFrame,
    policy: DisclosurePolicy,
    counts: Sequence[str],
    ratio: str | None = None,
    proportion: bool = False,
    drop: Sequence[str] = (),
) -> pl.DataFrame:
    """The frame as it may leave qi under ``policy``: ``counts`` controlled (as text: ``0``,
    ``*`` or a rounded number); ``ratio``, a column holding a rate or proportion made from the
    frame's ``numerator`` and ``denominator``, left empty where ``small_ratio`` says so; and
    ``drop`` (columns that would give the true numbers away, such as control limits on a
    count) removed. With a policy that controls nothing, the frame is returned as it is."""
    if not policy.controls:
        return frame
    needed = {*counts, *((ratio, "numerator", "denominator") if ratio else ())}
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise DisclosureError(f"no column(s) {', '.join(missing)} to control in this output")
    out = frame
    if ratio:
        hidden = small_ratio(policy, proportion)
        out = out.with_columns(pl.when(hidden).then(None).otherwise(pl.col(ratio)).alias(ratio))
    out = out.with_columns(_controlled_count(c, policy) for c in counts)
    return out.drop([c for c in drop if c in out.columns])


def excel_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with ' so they stay text."""
    risky = "^[" + "".join(FORMULA_STARTS).replace("-", "\\-") + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(risky)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


def safe_csv(frame: pl.DataFrame) -> str:
    """The frame as CSV text safe to open in a spreadsheet (``excel_safe``); enum and
    categorical columns are written as text and checked too."""
    as_text = frame.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
    return excel_safe(as_text).write_csv()
