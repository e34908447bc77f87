"""Importing measure and place definitions from CSV or YAML, with the same all-or-nothing rules.

A YAML file is a list of mappings (or a mapping with a ``measures:`` / ``places:`` list); a CSV
file has one definition per row. Problems are reported per row (CSV) or per entry (YAML, counted
from 1); nothing is written unless every definition is valid.
"""

import io
from pathlib import Path

import polars as pl
import yaml
from sqlalchemy import Engine

from qi.access import Principal, Refused
from qi.ingest.purposes import validate_experience, validate_purposes
from qi.ingest.readers import decode
from qi.ingest.report import Problems, Report, problems_where
from qi.store import read_measures, read_places, upsert_measures, upsert_places
from qi.store.definitions import MEASURE_FIELDS, MEASURE_LIMITS, PLACE_FIELDS, PLACE_LIMITS
from qi.store.errors import DefinitionChangeRefused
from qi.store.outcomes import PURPOSE_FIELDS
from qi.store.surveys import define_experience_measure, read_questions
from qi.vocabulary.codes import CODE_FIX, CODE_PATTERN
from qi.vocabulary.measures import FREQUENCIES, IMPROVEMENT, IMPROVEMENT_ALIASES, MEASURE_KINDS
from qi.vocabulary.places import PLACE_TYPES

GSS_CODE = r"^[EWSNK]\d{8}$"


class DefinitionError(Exception):
    pass


def read_definitions(content: bytes, file_name: str, section: str) -> pl.DataFrame:
    """Definitions as text columns plus ``_row``; raises DefinitionError if unreadable."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(decode(content))
        except yaml.YAMLError as error:
            raise DefinitionError(f"not valid YAML: {error}") from error
        if isinstance(data, dict):
            data = data.get(section)
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise DefinitionError(f"expected a list of {section} (or '{section}:' with a list)")
        columns = sorted({str(k) for d in data for k in d})
        frame = pl.DataFrame(
            [{c: None if d.get(c) is None else str(d.get(c)) for c in columns} for d in data],
            schema=dict.fromkeys(columns, pl.String),
        )
        first = 1
    elif suffix == ".csv":
        try:
            frame = pl.read_csv(io.BytesIO(decode(content).encode()), infer_schema=False)
        except Exception as error:
            raise DefinitionError(f"cannot be read as CSV ({error})") from error
        first = 2
    else:
        raise DefinitionError("use a .csv, .yaml or .yml file")
    frame.columns = [c.strip().lower().replace(" ", "_") for c in frame.columns]
    return frame.with_row_index("_row", offset=first).with_columns(
        pl.col("_row").cast(pl.Int64), pl.col(pl.String).str.strip_chars()
    )


def _word(column: str) -> pl.Expr:
    return pl.col(column).str.to_lowercase().str.replace_all(r"[\s\-]+", "_")


def _required(frame, fields, problems: Problems) -> pl.DataFrame:
    for f in fields:
        if f not in frame.columns:
            problems.error(None, f, None, f"no '{f}' column", f"add a '{f}' to every definition")
            frame = frame.with_columns(pl.lit(None, pl.String).alias(f))
        problems.add(
            problems_where(
                frame,
                pl.col(f).is_null() | (pl.col(f) == ""),
                "error",
                pl.lit(f),
                pl.lit(None, pl.String),
                f"{f} is missing",
                f"fill in the {f}",
            )
        )
    return frame


def _one_of(frame, column, allowed, problems: Problems) -> None:
    problems.add(
        problems_where(
            frame,
            pl.col(column).is_not_null() & ~pl.col(column).is_in(allowed),
            "error",
            pl.lit(column),
            pl.col(column),
            f"is not a {column}",
            f"use one of: {', '.join(allowed)}",
        )
    )


def _duplicates(frame, problems: Problems) -> None:
    problems.add(
        problems_where(
            frame,
            pl.col("code").is_duplicated() & pl.col("code").is_not_null(),
            "error",
            pl.lit("code"),
            pl.col("code"),
            "appears more than once",
            "give each definition its own code",
        )
    )


def _safe_codes(frame, columns: tuple[str, ...], problems: Problems) -> None:
    """Codes that could run in a spreadsheet or carry markup (``qi.vocabulary.codes``)."""
    for column in columns:
        problems.add(
            problems_where(
                frame,
                pl.col(column).is_not_null() & ~pl.col(column).str.contains(CODE_PATTERN),
                "error",
                pl.lit(column),
                _shortened(pl.col(column)),
                "is not a code qi can keep",
                CODE_FIX,
            )
        )


def _shortened(text: pl.Expr, keep: int = 40) -> pl.Expr:
    return (
        pl.when(text.str.len_chars() > keep).then(text.str.slice(0, keep) + "...").otherwise(text)
    )


def _lengths(frame, limits: dict[str, int], problems: Problems) -> None:
    """Text longer than the database keeps (the schema's limits, the same on every backend)."""
    for column, limit in limits.items():
        if column in frame.columns and frame.schema[column] == pl.String:
            problems.add(
                problems_where(
                    frame,
                    pl.col(column).str.len_chars() > limit,
                    "error",
                    pl.lit(column),
                    _shortened(pl.col(column)),
                    pl.format(
                        "is {} characters long; at most {} are kept",
                        pl.col(column).str.len_chars(),
                        pl.lit(limit),
                    ),
                    f"shorten the {column} to {limit} characters or fewer",
                )
            )


def validate_measures(frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    frame = _required(frame, ("code", "name", "kind", "improvement", "frequency"), problems)
    for optional in MEASURE_FIELDS:
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(optional))
    frame = frame.with_columns(
        _word("kind"),
        _word("improvement").replace(IMPROVEMENT_ALIASES),
        _word("frequency").str.replace(r"ly$", "").replace({"week": "week", "month": "month"}),
    )
    _lengths(frame, MEASURE_LIMITS, problems)
    _safe_codes(frame, ("code",), problems)
    _one_of(frame, "kind", MEASURE_KINDS.codes, problems)
    _one_of(frame, "improvement", IMPROVEMENT.codes, problems)
    _one_of(frame, "frequency", FREQUENCIES.codes, problems)
    _duplicates(frame, problems)
    for number in ("multiplier", "target", "maximum"):
        parsed = pl.col(number).str.replace_all(",", "").cast(pl.Float64, strict=False)
        problems.add(
            problems_where(
                frame,
                pl.col(number).is_not_null() & parsed.is_null(),
                "error",
                pl.lit(number),
                pl.col(number),
                "is not a number",
                "write a number such as 1000",
            )
        )
        frame = frame.with_columns(parsed.alias(number))
    problems.add(
        problems_where(
            frame,
            pl.col("multiplier") <= 0,
            "error",
            pl.lit("multiplier"),
            pl.col("multiplier"),
            "must be above zero",
            "use 1, 100, 1000 or 100000",
        )
    )
    problems.add(
        problems_where(
            frame,
            pl.col("maximum") <= 0,
            "error",
            pl.lit("maximum"),
            pl.col("maximum"),
            "must be above zero",
            "give the largest value the measure can plausibly take, or leave it blank",
        )
    )
    frame = validate_purposes(frame, problems)
    purposes = [f for f in PURPOSE_FIELDS if f in frame.columns]
    return frame.with_columns(pl.col("multiplier").fill_null(1.0)).select(
        "_row", *MEASURE_FIELDS, *purposes
    )


def validate_places(frame: pl.DataFrame, known: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    frame = _required(frame, ("code", "name", "type"), problems)
    for optional in PLACE_FIELDS:
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(optional))
    frame = frame.with_columns(
        _word("type"),
        pl.col("parent").replace("", None),
        pl.col("gss_code").replace("", None).str.to_uppercase(),
    )
    _lengths(frame, PLACE_LIMITS | {"parent": PLACE_LIMITS["code"]}, problems)
    _safe_codes(frame, ("code", "parent"), problems)
    _one_of(frame, "type", PLACE_TYPES.codes, problems)
    _duplicates(frame, problems)
    codes = pl.concat([frame["code"], known["code"]]).drop_nulls()
    problems.add(
        problems_where(
            frame,
            pl.col("parent").is_not_null() & ~pl.col("parent").is_in(codes.implode()),
            "error",
            pl.lit("parent"),
            pl.col("parent"),
            "is not a known place code",
            "give the parent's code, and define the parent in this file or earlier",
        )
    )
    problems.add(
        problems_where(
            frame,
            pl.col("parent") == pl.col("code"),
            "error",
            pl.lit("parent"),
            pl.col("parent"),
            "is the place itself",
            "give the place that contains it",
        )
    )
    problems.add(
        problems_where(
            frame,
            pl.col("gss_code").is_not_null() & ~pl.col("gss_code").str.contains(GSS_CODE),
            "error",
            pl.lit("gss_code"),
            pl.col("gss_code"),
            "is not an ONS GSS code",
            "a GSS code is a letter and eight digits, such as E08000012, or leave it blank",
        )
    )
    return frame.select("_row", *PLACE_FIELDS)


def _changes(
    valid: pl.DataFrame, stored: pl.DataFrame, fields: tuple[str, ...], problems: Problems
) -> None:
    """A warning for each field a definition changes: re-importing never overwrites silently
    (the old definition is kept in its history)."""
    if stored.height == 0 or valid.height == 0:
        return
    compared = [f for f in fields if f != "code" and f in stored.columns and f in valid.columns]
    joined = valid.join(
        stored.select("code", *(pl.col(f).alias(f"_old_{f}") for f in compared)),
        on="code",
        how="inner",
    )
    for f in compared:
        old, new = pl.col(f"_old_{f}"), pl.col(f)
        problems.add(
            problems_where(
                joined,
                old.cast(pl.String).ne_missing(new.cast(pl.String)),
                "warning",
                pl.lit(f),
                new.cast(pl.String),
                pl.format(
                    "changes {} of {} (was {})",
                    pl.lit(f),
                    pl.col("code"),
                    old.cast(pl.String).fill_null("blank"),
                ),
                "no change needed if this is meant; the old definition is kept in its history",
            )
        )


def import_definitions(
    engine: Engine, principal: Principal, path: str | Path, section: str, force: bool = False
) -> Report:
    """Validate and store a measures or places file ("measures" or "places") as ``principal``
    (who needs ``definitions.write``: a refusal is audited, and rejects the file); returns the
    report.

    Every changed field is a warning in the report. A measure's kind, frequency or unit cannot
    change while observations are stored for it (an error stating the consequences) unless
    ``force``."""
    path = Path(path)
    report = Report(file_name=path.name, what=section)
    problems = Problems()
    try:
        frame = read_definitions(path.read_bytes(), path.name, section)
    except DefinitionError as error:
        problems.error(
            None, None, None, str(error), f"see `qi {section} import --help` for the format"
        )
        report.problems = problems.frame()
        return report
    report.rows_read = frame.height
    if section == "measures":
        valid = validate_measures(frame, problems)
        # A measure made from survey answers (its kind as validated: a word, lower case).
        experience = validate_experience(
            frame.with_columns(valid.get_column("code"), valid.get_column("kind")),
            read_questions(engine).get_column("code").to_list(),
            problems,
        )
        _changes(valid, read_measures(engine), MEASURE_FIELDS, problems)
    else:
        valid = validate_places(frame, read_places(engine), problems)
        _changes(valid, read_places(engine), PLACE_FIELDS, problems)
    report.problems = problems.frame()
    if report.errors.height:
        return report
    try:
        if section == "measures":
            report.added = upsert_measures(engine, principal, valid.drop("_row"), force=force)
            for made in experience.iter_rows(named=True):
                define_experience_measure(
                    engine,
                    principal,
                    made["code"],
                    made["question"],
                    made["voice"],
                    made["minimum_answers"],
                )
        else:
            report.added = upsert_places(engine, principal, valid.drop("_row"))
    except DefinitionChangeRefused as refused:
        rows = dict(valid.select("code", "_row").iter_rows())
        for c in refused.changes:
            problems.error(
                rows.get(c["code"]),
                c["field"],
                str(c["new"]),
                f"changes the {c['field']} of {c['code']} from {c['old']!r} while "
                f"{c['observations']:,} observations are stored ({c['first']} to {c['last']}): "
                f"{c['consequence']}",
                "keep the measure's " + c["field"] + ", or give the new definition its own code; "
                "to change it anyway, import again with --force",
            )
        report.problems = problems.frame()
        return report
    except Refused as refused:
        problems.error(
            None,
            None,
            None,
            str(refused),
            f"ask an administrator to import the {section}, or for the grant",
        )
        report.problems = problems.frame()
        return report
    report.outcome = "stored"
    return report
