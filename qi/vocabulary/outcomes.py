"""Outcomes and experience: why a measure is measured, the answer scales of survey questions,
and the question bank qi starts with.

- ``PURPOSES``: the four kinds of measurement the partnership framework names (need, outcome,
  performance, improvement); "the reason for measurement needs to be kept clear and distinct".
  A measure's outcome domains are the stories' ``DOMAINS`` (``qi.vocabulary.stories``): one
  home for the five framework outcomes.
- ``SCALES``: answer scales. Each answer has a number (what a form tool may export instead of
  the words) and words; some answers are not counted at all ("Don't know" is not scored in the
  Experience of Service Questionnaire). Which answers count as positive is the question's.
- ``QUESTION_BANK``: the framework's three questions and the 12 items of the Experience of
  Service Questionnaire (ESQ, formerly CHI-ESQ: Commission for Health Improvement 2002,
  Attride-Stirling 2002), young people's version (12 to 18), whose wording CORC publishes
  for free use; every item checked against published copies (cited at ``_ESQ_ITEMS``). The migration that creates the questions table stores them; teams add their
  own beside them.
- ``answer_number``: an answer as a form tool writes it ("Strongly agree", "strongly agree ",
  "5") to the scale's number, or None if the scale has no such answer.
"""

import re
from dataclasses import dataclass

from qi.vocabulary.terms import Vocabulary

PURPOSES = Vocabulary(
    "purpose of measurement",
    {
        "need": "need: how many children and families need help, and with what",
        "outcome": "outcome: how children and families are doing",
        "performance": "performance: what is required of the service (often statutory)",
        "improvement": "improvement: whether a change is making a difference",
    },
)


@dataclass(frozen=True)
class Scale:
    """An answer scale: ``answers`` maps each counted answer's number to its words, lowest
    first; ``not_counted`` answers are accepted and kept but left out of every count."""

    code: str
    words: str
    answers: dict[int, str]
    not_counted: tuple[str, ...] = ()

    def choices(self) -> list[str]:
        """Every answer's words, counted ones first, for messages and forms."""
        return [*self.answers.values(), *self.not_counted]


SCALES: dict[str, Scale] = {
    scale.code: scale
    for scale in (
        Scale(
            "agree5",
            "five-point agreement",
            {
                1: "Strongly disagree",
                2: "Disagree",
                3: "Neither agree nor disagree",
                4: "Agree",
                5: "Strongly agree",
            },
            ("Don't know",),
        ),
        Scale(
            "yes3",
            "yes, to some extent, or no",
            {1: "No", 2: "Yes, to some extent", 3: "Yes, definitely"},
            ("Don't know",),
        ),
        Scale(
            "esq3",
            "certainly, partly or not true (ESQ)",
            {1: "Not true", 2: "Partly true", 3: "Certainly true"},
            ("Don't know",),
        ),
    )
}
SCALE_NAMES = Vocabulary("answer scale", {code: s.words for code, s in SCALES.items()})
# The answer a question counts as not answered at all (kept as None in the store).
NOT_COUNTED = 0


def _folded(text: str) -> str:
    """Words compared without case, curly quotes, spaces or punctuation at the ends."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").strip().lower()
    return re.sub(r"\s+", " ", text).strip(" .")


def answer_number(scale: Scale, answer: str) -> int | None:
    """The number of ``answer`` on ``scale`` (``NOT_COUNTED`` for a not-counted answer), or
    None if the scale has no such answer. A number is taken as the answer's number."""
    folded = _folded(answer)
    if re.fullmatch(r"\d+(\.0+)?", folded):
        number = int(float(folded))
        return number if number in scale.answers else None
    for number, words in scale.answers.items():
        if _folded(words) == folded:
            return number
    if folded in {_folded(words) for words in scale.not_counted}:
        return NOT_COUNTED
    return None


@dataclass(frozen=True)
class Question:
    """A question of the bank: its code, wording, scale and the answer numbers that count as
    positive; ``source`` says where its wording comes from."""

    code: str
    wording: str
    scale: str
    positive: tuple[int, ...]
    source: str


FRAMEWORK = "the partnership framework's three questions for every service"
ESQ = (
    "Experience of Service Questionnaire (ESQ), young people aged 12-18; Commission for "
    "Health Improvement 2002; published by CORC for free use"
)
# Checked (December 2026) item by item against two published copies: the young people's form
# (12-18) as reproduced with its sources (CHI 2002; Attride-Stirling 2002) at
# https://scales.arabpsychology.com/s/experience-of-service-questionnaire-esq/ (items 1-8 as
# here; the parents' form there writes "don't interfere" as item 9 does here), and the UK
# SNOMED CT terms NHS England's Mental Health Services Data Set uses for the 12-18 self-report,
# "Commission for Health Improvement Experience of Service Questionnaire self-report for 12-18
# year olds item N score - ..." (items 9-12: concepts 1035941000000104, 1035951000000101,
# 1035961000000103, 1035971000000105), which match items 9 to 12 word for word (SNOMED spells
# "do not"). CORC describes the ESQ (12 items, three free-text questions):
# https://www.corc.uk.net/outcome-experience-measures/experience-of-service-questionnaire/
_ESQ_ITEMS = (
    "I feel that the people who saw me listened to me",
    "It was easy to talk to the people who saw me",
    "I was treated well by the people who saw me",
    "My views and worries were taken seriously",
    "I feel the people here know how to help me",
    "I have been given enough explanation about the help available here",
    "I feel that the people who have seen me are working together to help me",
    "The facilities here are comfortable (e.g. waiting area)",
    "My appointments are usually at a convenient time (e.g. don't interfere with school, "
    "clubs, college, work)",
    "It is quite easy to get to the place where I have my appointments",
    "If a friend needed this sort of help, I would suggest to them to come here",
    "Overall, the help I have received here is good",
)
QUESTION_BANK: tuple[Question, ...] = (
    Question(
        "positive_difference",
        "Did support make a positive difference to you?",
        "yes3",
        (3,),
        FRAMEWORK,
    ),
    Question(
        "treated_fairly",
        "Were you treated fairly and with respect?",
        "yes3",
        (3,),
        FRAMEWORK,
    ),
    Question(
        "involved_and_listened_to",
        "Were you involved and listened to?",
        "yes3",
        (3,),
        FRAMEWORK,
    ),
    *(
        Question(f"esq_{i:02d}", wording, "esq3", (3,), ESQ)
        for i, wording in enumerate(_ESQ_ITEMS, start=1)
    ),
)

# --- closing the loop: choosing stories and telling people back ---------------------------------

# Most Significant Change: a panel shortlists stories, then selects one (or a few) per domain
# and period, recording why.
SELECTION_STATUSES = Vocabulary(
    "selection", {"shortlisted": "shortlisted", "selected": "selected as most significant"}
)
# "You said, we did": what came of what people said.
RESPONSE_KINDS = Vocabulary(
    "response",
    {
        "changed": "we did: what changed because of it",
        "not_yet": "not yet: why nothing could change yet",
    },
)
# Whose stories are inputs waiting for a reply: the people a service is for, not its staff.
INPUT_VOICES = ("child_or_young_person", "parent_or_carer", "community_member")
