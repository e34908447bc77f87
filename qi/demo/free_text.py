"""Illustrative answers in words to a free-text question, for the Stories page's "Answers in
words": written for the demo (labelled so in every answer), not collected, with nothing that
could identify anyone. None is a story yet: making one into a story, with its consent, is what
the demo lets people try."""

from datetime import date

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.demo.labels import ILLUSTRATIVE
from qi.demo.partnership import BRADFORD, CALDERDALE, KIRKLEES, LEEDS, WAKEFIELD
from qi.store.free_text import (
    add_free_text_question,
    read_free_text_answers,
    read_free_text_questions,
    store_free_text_answers,
)

QUESTION = "what_helped"
WORDING = "What helped you most, and what would you change?"
LABEL = f"({ILLUSTRATIVE.lower()}, written for the qi demo)"
# place, day answered, voice, words (the label is added at the end)
ANSWERS = (
    (BRADFORD, date(2025, 1, 14), "parent_or_carer", "The evening phone line. I didn't panic."),
    (
        KIRKLEES,
        date(2025, 1, 22),
        "child_or_young_person",
        "Seeing someone at school so I didn't miss lessons. Change: less forms.",
    ),
    (
        LEEDS,
        date(2025, 2, 5),
        "parent_or_carer",
        "Nothing yet. We waited four hours with a poorly baby. An evening line would help.",
    ),
    (
        CALDERDALE,
        date(2025, 2, 19),
        "child_or_young_person",
        "The worker texted me back the same day. I'd change the waiting room, it's for babies.",
    ),
    (WAKEFIELD, date(2025, 3, 3), "parent_or_carer", "The phone call two days after we got home."),
)


def load_free_text(engine: Engine, principal: Principal) -> int:
    """The free-text question and its illustrative answers, once (loading again adds none);
    returns how many answers were added."""
    if QUESTION not in read_free_text_questions(engine)["code"].to_list():
        add_free_text_question(engine, principal, QUESTION, WORDING, source=LABEL)
    if read_free_text_answers(engine, principal).height:
        return 0
    answers = pl.DataFrame(
        [(QUESTION, place, day, f"{words} {LABEL}", voice) for place, day, voice, words in ANSWERS],
        schema={
            "question": pl.String,
            "place": pl.String,
            "answered_on": pl.Date,
            "text": pl.String,
            "voice": pl.String,
        },
        orient="row",
    )
    return store_free_text_answers(engine, principal, answers)
