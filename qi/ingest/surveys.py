"""Reading survey answers as they come from a form tool: one row per answer.

Columns (names in any case; the header is the first row naming ``question`` and ``answer``):
``place`` (a place code), ``date`` (the day answered), ``question`` (a question code),
``answer`` (the answer's words, such as "Strongly agree" or "Certainly true", or its number on
the question's scale), and optionally ``voice`` (child or young person, parent or carer,
professional, community member) and ``breakdown`` (a group the answer belongs to, as
observations name one: ``imd_quintile:1``, ``sex:female``; blank: the total only).

Validation is the measure importer's (``qi.ingest.report``): every problem at its row and
column with its fix (unknown question, place or voice; an answer not on the question's scale;
an unreadable or future date); nothing is stored unless every row is valid. Stored answers
then recount the experience measures made from their questions
(``qi.services.experience``). Answers to a free-text question are words, on no scale: they are
kept as free-text answers (``qi.store.free_text``), never counted, and may become stories.
"""

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.ingest.periods import parse_period
from qi.ingest.readers import ReadError, read_table
from qi.ingest.report import Problems, Report, problems_where
from qi.services.experience import update_experience_measures
from qi.store import clock, read_places
from qi.store.breakdowns import read_breakdown_kinds
from qi.store.free_text import FREE_TEXT, read_free_text_questions
from qi.store.limits import column_limits
from qi.store.models import SurveyAnswer
from qi.store.surveys import ANSWER_SCHEMA, read_questions, store_answers
from qi.vocabulary.breakdowns import ALL, BreakdownKinds
from qi.vocabulary.outcomes import SCALES, answer_number
from qi.vocabulary.stories import VOICES

REQUIRED = ("place", "date", "question", "answer")
OPTIONAL = ("voice", "breakdown")
_VOICE_CODES = {code: code for code in VOICES} | {
    words.lower(): code for code, words in VOICES.items()
}
BREAKDOWN_LENGTH = column_limits(SurveyAnswer)["breakdown"]


def _name(cell: str | None) -> str:
    return (cell or "").strip().lower().replace(" ", "_")


def _answers_header(rows) -> int | None:
    for index, cells in enumerate(rows[:20]):
        names = {_name(c) for c in cells if isinstance(c, str)}
        if {"question", "answer"} <= names:
            return index
    return 0


def validate_answers(
    table_body: pl.DataFrame,
    columns: dict[str, str],
    questions: pl.DataFrame,
    places: pl.DataFrame,
    today: date,
    problems: Problems,
    kinds: BreakdownKinds,
) -> pl.DataFrame:
    """The valid answers (``ANSWER_SCHEMA`` and ``_row``) of a table whose cells are text;
    ``columns`` maps each field to the file's own column name, for the report; ``kinds``: the
    kinds of breakdown in force (``qi.store.breakdowns.read_breakdown_kinds``)."""
    frame = table_body

    def where(condition: pl.Expr, field: str, value: pl.Expr, problem, fix) -> None:
        problems.add(
            problems_where(frame, condition, "error", pl.lit(columns[field]), value, problem, fix)
        )

    for field in REQUIRED:
        where(
            pl.col(field).is_null(),
            field,
            pl.lit(None, pl.String),
            f"{field} is missing",
            f"give the {field} on every row",
        )
    where(
        pl.col("place").is_not_null() & ~pl.col("place").is_in(places["code"].implode()),
        "place",
        pl.col("place"),
        "is not a known place code",
        "use a place code the store knows (Places), or add the place first",
    )
    known = questions.get_column("code")
    where(
        pl.col("question").is_not_null() & ~pl.col("question").is_in(known.implode()),
        "question",
        pl.col("question"),
        "is not a question in the question bank",
        "use a question code such as "
        + ", ".join(known.head(3).to_list())
        + ", or add your own question first",
    )
    frame = frame.with_columns(parse_period(pl.col("date")).alias("answered_on"))
    where(
        pl.col("date").is_not_null() & pl.col("answered_on").is_null(),
        "date",
        pl.col("date"),
        "is not a date",
        "write the day answered as 2025-03-14 or 14/03/2025",
    )
    where(
        pl.col("answered_on") > today,
        "date",
        pl.col("date"),
        f"is in the future (today is {today:%d %B %Y})",
        "give the day the answer was given",
    )
    # The answer, on its question's scale: worked out once per (scale, text) pair.
    frame = frame.join(
        questions.select(pl.col("code").alias("question"), "scale"), on="question", how="left"
    )
    pairs = (
        frame.select("scale", "answer").drop_nulls().unique().filter(pl.col("scale") != FREE_TEXT)
    )
    numbers = pl.DataFrame(
        {
            "scale": pairs["scale"],
            "answer": pairs["answer"],
            "_number": [
                answer_number(SCALES[s], a) for s, a in pairs.select("scale", "answer").rows()
            ],
        },
        schema={"scale": pl.String, "answer": pl.String, "_number": pl.Int64},
    )
    frame = frame.join(numbers, on=["scale", "answer"], how="left")
    choices = {code: "; ".join(scale.choices()) for code, scale in SCALES.items()}
    where(
        pl.col("scale").is_not_null()
        & (pl.col("scale") != FREE_TEXT)
        & pl.col("answer").is_not_null()
        & pl.col("_number").is_null(),
        "answer",
        pl.col("answer"),
        pl.format("is not an answer to {}", pl.col("question")),
        pl.format(
            "use one of: {} (or the answer's number, 1 for the first)",
            pl.col("scale").replace_strict(choices, default=""),
        ),
    )
    frame = frame.with_columns(
        pl.col("voice")
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace_all(r"[\s\-]+", " ")
        .replace_strict(_VOICE_CODES | {c.replace("_", " "): c for c in VOICES}, default=None)
        .alias("_voice")
    )
    where(
        pl.col("voice").is_not_null() & pl.col("_voice").is_null(),
        "voice",
        pl.col("voice"),
        "is not a voice",
        "use one of: " + "; ".join(VOICES.values()) + ", or leave it blank",
    )
    # Breakdown: blank or "all" is none (the answer counts in the total only); else a group
    # of a known kind, as observations name it (``imd_quintile:1``, ``sex:female``).
    text = pl.col("breakdown").str.strip_chars().str.to_lowercase()
    frame = frame.with_columns(
        pl.when(text.is_null() | text.is_in(["", ALL])).then(None).otherwise(text).alias("_group")
    )
    groups = frame.select(pl.col("_group").drop_nulls().unique())
    known_groups = groups.filter(
        pl.col("_group").map_elements(kinds.accepts, return_dtype=pl.Boolean)
    ).get_column("_group")
    where(
        pl.col("_group").is_not_null() & ~pl.col("_group").is_in(known_groups.implode()),
        "breakdown",
        pl.col("breakdown"),
        "is not a breakdown",
        "leave it blank (the answer counts in the total only) or give a kind and group such as "
        "imd_quintile:1 (1 = most deprived) or sex:female; accepted: " + kinds.accepted(),
    )
    where(
        pl.col("breakdown").str.len_chars() > BREAKDOWN_LENGTH,
        "breakdown",
        pl.col("breakdown"),
        f"is longer than {BREAKDOWN_LENGTH} characters",
        "shorten it",
    )
    return frame.select(
        "_row",
        "question",
        "place",
        "answered_on",
        pl.col("_number").alias("answer"),
        pl.col("_voice").alias("voice"),
        pl.col("_group").alias("breakdown"),
        # A free-text question's answer: its words (null for an answer on a scale).
        pl.when(pl.col("scale") == FREE_TEXT).then(pl.col("answer")).alias("text"),
    )


def ingest_answers(
    engine: Engine,
    principal: Principal,
    content: bytes,
    file_name: str,
    today: date | None = None,
) -> Report:
    """Validate a file of survey answers and store it if it has no errors, then recount the
    experience measures made from its questions; returns the report."""
    report = Report(file_name=file_name, what="survey answers")
    problems = Problems()
    try:
        table = read_table(content, file_name, header_finder=_answers_header)
    except ReadError as error:
        for row, column, problem, fix in error.problems():
            problems.error(row, column, None, problem, fix)
        report.problems = problems.frame()
        return report
    names = [_name(c) for c in table.header]
    columns = {}
    for field in REQUIRED + OPTIONAL:
        if field in names:
            columns[field] = table.header[names.index(field)]
        elif field in REQUIRED:
            problems.error(
                table.header_row,
                None,
                None,
                f"no '{field}' column",
                "name the columns place, date, question and answer (voice and breakdown "
                "are optional)",
            )
    report.rows_read = table.body.height
    if len(columns) < len(REQUIRED) or not set(REQUIRED) <= set(columns):
        report.problems = problems.frame()
        return report
    body = table.body.select(
        "_row",
        *(
            pl.col(f"c{names.index(f)}").str.strip_chars().replace("", None).alias(f)
            if f in columns
            else pl.lit(None, pl.String).alias(f)
            for f in REQUIRED + OPTIONAL
        ),
    )
    for f in OPTIONAL:
        columns.setdefault(f, f)
    valid = validate_answers(
        body,
        columns,
        pl.concat([read_questions(engine), read_free_text_questions(engine)]),
        read_places(engine),
        today or clock.now().date(),
        problems,
        read_breakdown_kinds(engine),
    )
    report.problems = problems.frame()
    if report.errors.height:
        return report
    in_words = valid.filter(pl.col("text").is_not_null())
    answers = valid.filter(pl.col("text").is_null()).select(list(ANSWER_SCHEMA))
    report.added = store_answers(  # both kinds of answer in one transaction
        engine,
        principal,
        answers,
        in_words.select("question", "place", "answered_on", "text", "voice"),
    )
    report.outcome = "stored"
    update_experience_measures(engine, principal, answers.get_column("question").unique().to_list())
    return report


def ingest_answers_file(
    engine: Engine, principal: Principal, path: str | Path, today: date | None = None
) -> Report:
    """``ingest_answers`` for a file on disk."""
    path = Path(path)
    return ingest_answers(engine, principal, path.read_bytes(), path.name, today)
