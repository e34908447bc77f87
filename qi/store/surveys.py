"""Survey questions, answers, and the experience measures made from them.

- questions: the question bank (stored by migration 0008) and the teams' own
  (``add_question``); ``read_questions`` as polars.
- answers: ``store_answers`` keeps validated answers (``qi.ingest.surveys`` validates), one row
  per answer, all in one transaction; ``read_answers`` as polars.
- experience measures: ``define_experience_measure`` says which question (and voice) a
  measure is made from and the fewest answers a month needs to be judged;
  ``read_experience_measures`` lists them.

Writes take the principal: answers need ``data.upload`` at their places; questions and
experience measures are definitions (``definitions.write``, over everything). Each records who
and when, and is audited (a refusal too). Reads return polars; the monthly counts are made in
``qi.services.experience``.
"""

from collections.abc import Sequence
from datetime import date

import polars as pl
from sqlalchemy import Engine, delete, insert, select

from qi.access import EVERYTHING, Principal
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import writing
from qi.store.frames import read_frame
from qi.store.free_text import check_free_text_answers, write_free_text_answers
from qi.store.keys import ids_by_code
from qi.store.limits import check_lengths
from qi.store.models import ExperienceMeasure, Measure, Place, Question, SurveyAnswer
from qi.store.readable import only_places, place_ids
from qi.vocabulary.outcomes import SCALES
from qi.vocabulary.stories import VOICES, code_problem

QUESTION_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.String(),
    "wording": pl.String(),
    "scale": pl.String(),
    "positive": pl.List(pl.Int64()),
    "source": pl.String(),
}
ANSWER_SCHEMA: dict[str, pl.DataType] = {
    "question": pl.String(),
    "place": pl.String(),
    "answered_on": pl.Date(),
    "answer": pl.Int64(),
    "voice": pl.String(),
    "breakdown": pl.String(),
}
EXPERIENCE_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "question": pl.String(),
    "voice": pl.String(),
    "minimum_answers": pl.Int64(),
}
# Fewer answers than this in a month: shown, not judged (unless a measure says otherwise).
DEFAULT_MINIMUM_ANSWERS = 10


class SurveyError(ValueError):
    """A question, answer or experience measure cannot be kept as given; the message says
    what is wrong and how to fix it."""


def read_questions(engine: Engine) -> pl.DataFrame:
    """Every question (``QUESTION_SCHEMA``): the bank first, then the teams' own."""
    frame = read_frame(
        engine,
        select(
            Question.code, Question.wording, Question.scale, Question.positive, Question.source
        ).order_by(Question.id),
        dict(QUESTION_SCHEMA, positive=pl.String()),
    )
    return frame.with_columns(pl.col("positive").str.split(",").cast(pl.List(pl.Int64)))


def add_question(
    engine: Engine,
    principal: Principal,
    code: str,
    wording: str,
    scale: str,
    positive: Sequence[int],
    source: str | None = None,
) -> None:
    """Add a team's own question. ``positive``: the numbers, on ``scale``, of the answers that
    count as positive. Refuses (``SurveyError``) an existing code, an unknown scale, an empty
    wording, or positive answers that are not on the scale. ``principal`` needs
    ``definitions.write``."""
    problem = code_problem(scale, {c: s.words for c, s in SCALES.items()}, "answer scale")
    if problem:
        raise SurveyError(problem)
    answers = SCALES[scale].answers
    if not code or not code.strip():
        raise SurveyError("a question needs a code (a short name such as felt_safe)")
    if not wording or not wording.strip():
        raise SurveyError("a question needs its wording, as the people answering read it")
    wrong = sorted(set(positive) - set(answers)) if positive else ["none given"]
    if wrong:
        choices = "; ".join(f"{n} ({words})" for n, words in answers.items())
        raise SurveyError(
            f"the positive answers {wrong} are not on the {scale} scale; choose one or more of: "
            f"{choices}"
        )
    values = dict(
        code=code.strip(),
        wording=wording.strip(),
        scale=scale,
        positive=",".join(str(n) for n in sorted(set(positive))),
        source=source,
        created_by=principal.name,
        created_at=clock.now(),
    )
    check_lengths(Question, values)
    subject = f"question {values['code']}"[:255]
    guard(engine, principal, "definitions.write", scope=EVERYTHING, subject=subject)
    with writing(engine) as connection:
        if connection.execute(select(Question.id).where(Question.code == values["code"])).first():
            raise SurveyError(
                f"a question with the code {values['code']!r} exists already; give yours its "
                "own code"
            )
        connection.execute(insert(Question).values(**values))
        audit(connection, principal, "question.add", subject=subject)


def store_answers(
    engine: Engine,
    principal: Principal,
    answers: pl.DataFrame,
    in_words: pl.DataFrame | None = None,
) -> int:
    """Keep validated answers (``ANSWER_SCHEMA``'s columns; question and place as codes that
    exist), and with them ``in_words``, answers in words to free-text questions
    (``qi.store.free_text.ANSWER_COLUMNS``), all in one transaction: kept together or not at
    all; returns how many were stored. ``principal`` must hold ``data.upload`` at every place
    of the answers (refused and audited otherwise)."""
    words = in_words if in_words is not None else pl.DataFrame()
    if answers.height == 0 and words.height == 0:
        return 0
    problems = check_free_text_answers(engine, principal, words) if words.height else []
    if answers.height == 0:
        with writing(engine) as connection:
            return write_free_text_answers(connection, principal, words, problems)
    places_answered = answers.get_column("place").unique().to_list()
    guard(engine, principal, "data.upload", places_answered, subject="survey answers")
    who, when = principal.name, clock.now()
    with writing(engine) as connection:
        questions = dict(connection.execute(select(Question.code, Question.id)).all())
        places = ids_by_code(connection, Place.code, answers.get_column("place"))
        rows = answers.select(
            pl.col("question")
            .replace_strict(questions, return_dtype=pl.Int64)
            .alias("question_id"),
            pl.col("place").replace_strict(places, return_dtype=pl.Int64).alias("place_id"),
            "answered_on",
            "answer",
            "voice",
            "breakdown",
            pl.lit(who).alias("actor"),
            pl.lit(when).alias("created_at"),
        ).to_dicts()
        check_lengths(SurveyAnswer, rows[:1] + [r for r in rows if r["breakdown"]])
        connection.execute(insert(SurveyAnswer), rows)
        return len(rows) + write_free_text_answers(connection, principal, words, problems)


def read_answers(
    engine: Engine,
    principal: Principal,
    questions: Sequence[str] | None = None,
    start: date | None = None,
) -> pl.DataFrame:
    """Stored answers (``ANSWER_SCHEMA``), of the given question codes (default: all) from
    ``start`` on, oldest first; at the places ``principal`` may read."""
    query = (
        select(
            Question.code,
            Place.code,
            SurveyAnswer.answered_on,
            SurveyAnswer.answer,
            SurveyAnswer.voice,
            SurveyAnswer.breakdown,
        )
        .join(Question, Question.id == SurveyAnswer.question_id)
        .join(Place, Place.id == SurveyAnswer.place_id)
        .where(only_places(SurveyAnswer.place_id, place_ids(engine, principal)))
        .order_by(SurveyAnswer.answered_on, SurveyAnswer.id)
    )
    if questions is not None:
        ids = select(Question.id).where(Question.code.in_(list(questions)))
        with engine.connect() as connection:
            wanted = connection.execute(ids).scalars().all()
        query = query.where(SurveyAnswer.question_id.in_(wanted))
    if start is not None:
        query = query.where(SurveyAnswer.answered_on >= start)
    return read_frame(engine, query, ANSWER_SCHEMA)


def define_experience_measure(
    engine: Engine,
    principal: Principal,
    measure: str,
    question: str,
    voice: str | None = None,
    minimum_answers: int = DEFAULT_MINIMUM_ANSWERS,
) -> None:
    """Say that ``measure`` (a proportion) is made from the answers to ``question`` (of one
    ``voice``, or every voice), and how many answers a month needs to be judged. Replaces an
    earlier definition of the same measure (the same definition again writes nothing).
    ``principal`` needs ``definitions.write``."""
    if voice is not None and (problem := code_problem(voice, VOICES, "voice")):
        raise SurveyError(problem)
    if minimum_answers < 1:
        raise SurveyError(f"the minimum number of answers is {minimum_answers}; give 1 or more")
    subject = f"experience measure {measure} from {question}"[:255]
    guard(engine, principal, "definitions.write", scope=EVERYTHING, subject=subject)
    with writing(engine) as connection:
        found = connection.execute(
            select(Measure.id, Measure.kind).where(Measure.code == measure)
        ).first()
        if found is None:
            raise SurveyError(f"unknown measure {measure!r}; define the measure first")
        if found.kind != "proportion":
            raise SurveyError(
                f"measure {measure!r} is a {found.kind}; an experience measure is a proportion "
                "(positive answers out of all answers): set its kind to proportion"
            )
        question_id = connection.execute(
            select(Question.id).where(Question.code == question)
        ).scalar()
        if question_id is None:
            raise SurveyError(f"unknown question {question!r}; add the question first")
        stored = connection.execute(
            select(
                ExperienceMeasure.question_id,
                ExperienceMeasure.voice,
                ExperienceMeasure.minimum_answers,
            ).where(ExperienceMeasure.measure_id == found.id)
        ).first()
        if stored is not None and tuple(stored) == (question_id, voice, minimum_answers):
            return  # defined so already: nothing to write
        connection.execute(
            delete(ExperienceMeasure).where(ExperienceMeasure.measure_id == found.id)
        )
        connection.execute(
            insert(ExperienceMeasure).values(
                measure_id=found.id,
                question_id=question_id,
                voice=voice,
                minimum_answers=minimum_answers,
            )
        )
        audit(
            connection,
            principal,
            "experience_measure.define",
            subject=subject,
            detail=f"voice {voice or 'any'}; at least {minimum_answers} answers a month",
        )


def read_experience_measures(engine: Engine) -> pl.DataFrame:
    """Every experience measure (``EXPERIENCE_SCHEMA``), by measure code."""
    query = (
        select(
            Measure.code, Question.code, ExperienceMeasure.voice, ExperienceMeasure.minimum_answers
        )
        .join(Measure, Measure.id == ExperienceMeasure.measure_id)
        .join(Question, Question.id == ExperienceMeasure.question_id)
        .order_by(Measure.code)
    )
    return read_frame(engine, query, EXPERIENCE_SCHEMA)
