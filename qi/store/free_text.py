"""Free-text answers to survey questions, and the stories made of them.

A free-text question is answered in words, on no scale: the questions and their answers are
kept here, apart from the question bank's questions on a scale and their answers, and are never
counted in an experience measure. The survey upload (``qi.ingest.surveys``) takes both kinds;
it reads a free-text question as one whose scale is ``FREE_TEXT``. A coach can make one
answer into a story (``story_draft`` prefills it: the answer's words as the narrative, its
place, day and voice); the story is stored like any other, with a consent record, by
``qi.store.stories.add_story(..., from_answer=id)``, and the answer keeps a link to it.

Answers in words are personal data like stories: reading them needs ``story.read`` at their
place; storing them ``data.upload`` (they come with the survey upload,
``qi.ingest.surveys``); adding a free-text question ``definitions.write``. Text is stored
exactly as given and shown as text, never as HTML or Markdown.
"""

from datetime import date

import polars as pl
from sqlalchemy import Connection, Engine, insert, select

from qi.access import EVERYTHING, Principal, readable_places
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import writing
from qi.store.frames import read_frame
from qi.store.keys import ids_by_code
from qi.store.limits import check_lengths
from qi.store.models import FreeTextAnswer, FreeTextQuestion, Place, Question
from qi.vocabulary.stories import TITLE_LENGTH, VOICES, code_problem

FREE_TEXT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "question": pl.String(),
    "wording": pl.String(),
    "place": pl.String(),
    "answered_on": pl.Date(),
    "text": pl.String(),
    "voice": pl.String(),
    "story_id": pl.Int64(),
}
# The scale a free-text question is read with beside the bank's (``free_text_questions``).
FREE_TEXT = "free_text"
# What a stored answer is given as: question and place as codes.
ANSWER_COLUMNS = ("question", "place", "answered_on", "text", "voice")
# A suggested title: the answer's first words, up to this many characters.
TITLE_WORDS = 60


class FreeTextError(ValueError):
    """A free-text question or answer cannot be kept as given; the message says what is wrong
    and how to fix it."""


def add_free_text_question(
    engine: Engine, principal: Principal, code: str, wording: str, source: str | None = None
) -> None:
    """Add a free-text question (answers in words, never counted). Refuses an empty code or
    wording and a code in use by any question; needs ``definitions.write``."""
    if not code or not code.strip():
        raise FreeTextError("a question needs a code (a short name such as what_helped)")
    if not wording or not wording.strip():
        raise FreeTextError("a question needs its wording, as the people answering read it")
    values = dict(
        code=code.strip(),
        wording=wording.strip(),
        source=source,
        created_by=principal.name,
        created_at=clock.now(),
    )
    check_lengths(FreeTextQuestion, values)
    guard(engine, principal, "definitions.write", scope=EVERYTHING, subject="a question")
    with writing(engine) as connection:
        taken = (
            connection.execute(select(Question.id).where(Question.code == values["code"])).first()
            or connection.execute(
                select(FreeTextQuestion.id).where(FreeTextQuestion.code == values["code"])
            ).first()
        )
        if taken:
            raise FreeTextError(
                f"a question with the code {values['code']!r} exists already; give yours its "
                "own code"
            )
        connection.execute(insert(FreeTextQuestion).values(**values))
        audit(connection, principal, "question.add", subject=f"question {values['code']}")


def read_free_text_questions(engine: Engine) -> pl.DataFrame:
    """The free-text questions as the bank's are read (``code``, ``wording``, ``scale``
    ``FREE_TEXT``, ``positive`` empty, ``source``), oldest first."""
    frame = read_frame(
        engine,
        select(FreeTextQuestion.code, FreeTextQuestion.wording, FreeTextQuestion.source).order_by(
            FreeTextQuestion.id
        ),
        {"code": pl.String(), "wording": pl.String(), "source": pl.String()},
    )
    return frame.select(
        "code",
        "wording",
        pl.lit(FREE_TEXT).alias("scale"),
        pl.lit([], pl.List(pl.Int64)).alias("positive"),
        "source",
    )


def store_free_text_answers(engine: Engine, principal: Principal, answers: pl.DataFrame) -> int:
    """Keep answers in words (``ANSWER_COLUMNS``; question and place as codes) in one
    transaction; returns how many were stored. Each question must be a free-text question and
    each place known, each text not empty, no day in the future, each voice a voice code or
    null; ``principal`` must hold ``data.upload`` at every place of the answers."""
    if answers.height == 0:
        return 0
    problems = check_free_text_answers(engine, principal, answers)
    with writing(engine) as connection:
        return write_free_text_answers(connection, principal, answers, problems)


def check_free_text_answers(
    engine: Engine, principal: Principal, answers: pl.DataFrame
) -> list[str]:
    """Before a write: refuses (audited) unless ``principal`` holds ``data.upload`` at every
    place of the answers, and returns what is wrong with the rows themselves (for
    ``write_free_text_answers``, which adds what only the database knows)."""
    missing = sorted(set(ANSWER_COLUMNS) - set(answers.columns))
    if missing:
        raise FreeTextError(f"free-text answers need the columns {', '.join(missing)}")
    guard(
        engine,
        principal,
        "data.upload",
        answers.get_column("place").unique().to_list(),
        subject="free-text answers",
    )
    today = clock.now().date()
    problems = []
    for row in answers.select(ANSWER_COLUMNS).iter_rows(named=True):
        if not row["text"] or not str(row["text"]).strip():
            problems.append(f"an answer to {row['question']} at {row['place']} has no words")
        if not isinstance(row["answered_on"], date) or row["answered_on"] > today:
            problems.append(
                f"an answer to {row['question']} is dated {row['answered_on']}; give the day "
                "it was answered (not in the future)"
            )
        if row["voice"] is not None:
            problems.append(code_problem(row["voice"], VOICES, "voice") or "")
    return problems


def write_free_text_answers(
    connection: Connection, principal: Principal, answers: pl.DataFrame, problems: list[str]
) -> int:
    """Insert answers checked by ``check_free_text_answers`` (``problems``: what it found) in
    the caller's transaction, so that answers in words and on a scale from one file are kept
    together or not at all; raises ``FreeTextError`` (rolling the transaction back) when
    anything is wrong."""
    if answers.height == 0:
        return 0
    who, when = principal.name, clock.now()
    problems = list(problems)
    questions = dict(connection.execute(select(FreeTextQuestion.code, FreeTextQuestion.id)).all())
    places = ids_by_code(connection, Place.code, answers.get_column("place"))
    for code in sorted(set(answers.get_column("question")) - set(questions)):
        problems.append(f"{code!r} is not a free-text question; add it as one first")
    for code in sorted(set(answers.get_column("place")) - set(places)):
        problems.append(f"{code!r} is not a known place code; add the place first")
    problems = [p for p in problems if p]
    if problems:
        raise FreeTextError("; ".join(dict.fromkeys(problems)))
    rows = [
        {
            "question_id": questions[row["question"]],
            "place_id": places[row["place"]],
            "answered_on": row["answered_on"],
            "text": row["text"],
            "voice": row["voice"],
            "actor": who,
            "created_at": when,
        }
        for row in answers.select(ANSWER_COLUMNS).iter_rows(named=True)
    ]
    check_lengths(FreeTextAnswer, rows[:1])
    connection.execute(insert(FreeTextAnswer), rows)
    return len(rows)


def read_free_text_answers(
    engine: Engine,
    principal: Principal,
    *,
    not_yet_stories: bool = False,
    ids: list[int] | None = None,
) -> pl.DataFrame:
    """Free-text answers (``FREE_TEXT_SCHEMA``) at the places ``principal`` may read stories
    (``story.read``), newest first; ``not_yet_stories``: only those not made into a story."""
    query = (
        select(
            FreeTextAnswer.id,
            FreeTextQuestion.code,
            FreeTextQuestion.wording,
            Place.code,
            FreeTextAnswer.answered_on,
            FreeTextAnswer.text,
            FreeTextAnswer.voice,
            FreeTextAnswer.story_id,
        )
        .join(FreeTextQuestion, FreeTextQuestion.id == FreeTextAnswer.question_id)
        .join(Place, Place.id == FreeTextAnswer.place_id)
        .order_by(FreeTextAnswer.answered_on.desc(), FreeTextAnswer.id.desc())
    )
    places = readable_places(principal, "story.read")
    if places is not None:
        query = query.where(Place.code.in_(sorted(places)))
    if not_yet_stories:
        query = query.where(FreeTextAnswer.story_id.is_(None))
    if ids is not None:
        query = query.where(FreeTextAnswer.id.in_([int(i) for i in ids]))
    return read_frame(engine, query, FREE_TEXT_SCHEMA)


def story_draft(engine: Engine, principal: Principal, answer_id: int) -> dict:
    """A story prefilled from a free-text answer, for a coach to finish (a title, the consent
    record) and store with ``add_story(..., from_answer=answer_id)``: ``title`` (the answer's
    first words), ``narrative`` (its words as given), ``place``, ``told_on`` (the day
    answered) and ``voice`` (null when the answer has none: the coach chooses)."""
    found = read_free_text_answers(engine, principal, ids=[answer_id])
    if found.height == 0:
        raise FreeTextError(
            f"no free-text answer {answer_id} that you may read; choose one from the list"
        )
    answer = found.row(0, named=True)
    if answer["story_id"] is not None:
        raise FreeTextError(
            f"free-text answer {answer_id} is story {answer['story_id']} already; edit that story"
        )
    words = " ".join(answer["text"].split())
    title = words if len(words) <= TITLE_WORDS else words[:TITLE_WORDS].rsplit(" ", 1)[0] + "…"
    return {
        "title": title[:TITLE_LENGTH],
        "narrative": answer["text"],
        "place": answer["place"],
        "told_on": answer["answered_on"],
        "voice": answer["voice"],
    }
