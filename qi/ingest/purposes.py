"""Reading why a measure is measured from a definitions file: ``purpose`` (need, outcome,
performance, improvement), ``domains`` (outcome domains, several separated by ";" or ",",
as codes or words: "safe; Happy") and ``statutory_source`` (free text, for performance
measures). All three are optional columns; each problem is reported at its row and column.

A measure made from survey answers names its ``question`` (a question code), and optionally the
``voice`` it counts (default: every voice) and ``minimum_answers`` (the fewest answers a month
needs to be judged): ``validate_experience``.
"""

import polars as pl

from qi.ingest.report import Problems, problems_where
from qi.store.outcomes import PURPOSE_FIELDS
from qi.store.surveys import DEFAULT_MINIMUM_ANSWERS
from qi.vocabulary.outcomes import PURPOSES
from qi.vocabulary.stories import DOMAINS, VOICES


def _code(text: pl.Expr) -> pl.Expr:
    return text.str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-,]+", "_")


# A domain may be written as its code or its words ("Supported to learn, grow and develop").
_DOMAIN_CODES = {code: code for code in DOMAINS} | {
    words.lower().replace(",", "").replace(" ", "_"): code for code, words in DOMAINS.items()
}


def validate_purposes(frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    """The frame with ``purpose`` as a code, ``domains`` as a list of codes and
    ``statutory_source`` as given, for those of the three columns the file has."""
    given = [f for f in PURPOSE_FIELDS if f in frame.columns]
    if "purpose" in given:
        frame = frame.with_columns(_code(pl.col("purpose")).replace("", None).alias("purpose"))
        problems.add(
            problems_where(
                frame,
                pl.col("purpose").is_not_null() & ~pl.col("purpose").is_in(PURPOSES.codes),
                "error",
                pl.lit("purpose"),
                pl.col("purpose"),
                "is not a purpose of measurement",
                f"use one of: {', '.join(PURPOSES.codes)}",
            )
        )
    if "domains" in given:
        split = frame.select(
            "_row",
            pl.col("domains")
            .fill_null("")
            .str.replace_all(r"(?i)learn, grow", "learn grow")
            .str.split(";")
            .list.eval(pl.element().str.split(",").explode())
            .alias("_words"),
        ).explode("_words")
        split = split.filter(pl.col("_words").str.strip_chars() != "").with_columns(
            _code(pl.col("_words")).replace_strict(_DOMAIN_CODES, default=None).alias("_domain")
        )
        problems.add(
            problems_where(
                split,
                pl.col("_domain").is_null(),
                "error",
                pl.lit("domains"),
                pl.col("_words").str.strip_chars(),
                "is not an outcome domain",
                "use one or more of: "
                + "; ".join(f"{c} ({w})" for c, w in DOMAINS.items())
                + ", separated by ';'",
            )
        )
        listed = (
            split.drop_nulls("_domain")
            .group_by("_row", maintain_order=True)
            .agg(pl.col("_domain").unique(maintain_order=True).alias("_domains"))
        )
        frame = (
            frame.join(listed, on="_row", how="left")
            .with_columns(
                pl.col("_domains").fill_null(pl.lit([], pl.List(pl.String))).alias("domains")
            )
            .drop("_domains")
        )
    if "statutory_source" in given:
        frame = frame.with_columns(pl.col("statutory_source").replace("", None))
        purpose = pl.col("purpose") if "purpose" in given else pl.lit(None, pl.String)
        problems.add(
            problems_where(
                frame,
                pl.col("statutory_source").is_not_null() & purpose.ne_missing("performance"),
                "warning",
                pl.lit("statutory_source"),
                pl.col("statutory_source"),
                "is given for a measure whose purpose is not performance",
                "a statutory source belongs to a performance measure: set its purpose to "
                "performance, or leave the source blank",
            )
        )
    return frame


# Columns that make a measure an experience measure (made from survey answers).
EXPERIENCE_FIELDS = ("question", "voice", "minimum_answers")


def validate_experience(
    frame: pl.DataFrame, questions: list[str], problems: Problems
) -> pl.DataFrame:
    """The rows of ``frame`` that name a ``question``: measure code, question, voice (a code or
    null) and minimum answers (default ``DEFAULT_MINIMUM_ANSWERS``), each problem at its cell.
    Empty when the file has no ``question`` column."""
    schema = {
        "code": pl.String,
        "question": pl.String,
        "voice": pl.String,
        "minimum_answers": pl.Int64,
    }
    if "question" not in frame.columns:
        return pl.DataFrame(schema=schema)
    for field in EXPERIENCE_FIELDS:
        if field not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(field))
    rows = frame.filter(pl.col("question").is_not_null() & (pl.col("question") != ""))
    rows = rows.with_columns(
        _code(pl.col("voice")).replace("", None).alias("voice"),
        pl.col("minimum_answers").cast(pl.Int64, strict=False).alias("_minimum"),
    )
    problems.add(
        problems_where(
            rows,
            ~pl.col("question").is_in(questions),
            "error",
            pl.lit("question"),
            pl.col("question"),
            "is not a question in the question bank",
            "use a question code such as treated_fairly, or add the question first",
        )
    )
    problems.add(
        problems_where(
            rows,
            pl.col("kind") != "proportion",
            "error",
            pl.lit("kind"),
            pl.col("kind"),
            "is not a proportion, and a measure made from answers is one",
            "set the kind to proportion (positive answers out of all answers)",
        )
    )
    problems.add(
        problems_where(
            rows,
            pl.col("voice").is_not_null() & ~pl.col("voice").is_in(list(VOICES)),
            "error",
            pl.lit("voice"),
            pl.col("voice"),
            "is not a voice",
            "use one of: " + ", ".join(VOICES) + ", or leave it blank for every voice",
        )
    )
    problems.add(
        problems_where(
            rows,
            pl.col("minimum_answers").is_not_null() & ~(pl.col("_minimum") >= 1).fill_null(False),
            "error",
            pl.lit("minimum_answers"),
            pl.col("minimum_answers"),
            "is not a whole number of 1 or more",
            f"give the fewest answers a month needs to be judged (default "
            f"{DEFAULT_MINIMUM_ANSWERS})",
        )
    )
    return rows.select(
        "code",
        "question",
        "voice",
        pl.col("_minimum").fill_null(DEFAULT_MINIMUM_ANSWERS).alias("minimum_answers"),
    )
