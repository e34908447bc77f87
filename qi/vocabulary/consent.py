"""Consent for a story of change, as a record: its codes and words, the audiences each scope
allows, and the policy a consent record must meet.

A consent record says who gave consent (``GIVEN_BY``: the relationship of the person who gave
it to the story, never their name), on what basis (``BASES``), for what scope (``SCOPES``:
internal learning < partnership < public, ordered), the day it was given and the day it must
be reviewed (required; a year on by default). Who recorded it comes from the principal.

Data minimisation: a consent record keeps no child's (or anyone's) name, age or date of birth.
The relationship and the basis are what a reviewer needs to know that consent was valid (a
young person under 16 judged Gillick competent, a young person of 16 or 17, someone with
parental responsibility, an adult for themselves); the name of the person who consented is
kept, if at all, in the organisation's own consent form outside qi. Source: the Department of
Health's "Seeking consent: working with children" and the BMA's children and young people tool
kit (see ``../shared/access.md``, consent for children's stories).

Audiences: where a story may be shown (``AUDIENCES``), each the same code as the narrowest
scope that allows it:
- ``internal``: the app's pages, for people who may read stories at the story's place;
- ``partnership``: the meeting view and the board pack;
- ``public``: published outputs (the viewer's page) and the "You said, we did" PDF for
  children and families.
``shown_to`` is the one decision: a story is shown to an audience when its consent scope
reaches that audience and, outside the internal audience, its consent review date has not
passed. A story whose review date has passed is shown internally only, marked "consent review
due", until the consent is renewed.

The codes ``not_recorded`` and ``before_consent_records`` belong to stories kept before consent
records (migration 0009 gave each such story an internal-only record already due for review);
a new record may not use them.
"""

from dataclasses import dataclass
from datetime import date

from qi.vocabulary.stories import VOICES, code_problem
from qi.vocabulary.terms import Vocabulary

GIVEN_BY = Vocabulary(
    "who gave consent",
    {
        "young_person": "The young person themselves",
        "parent_or_carer": "A parent or carer",
        "adult_self": "An adult, for themselves",
        "not_recorded": "Not recorded (kept before consent records)",
    },
)
BASES = Vocabulary(
    "basis of consent",
    {
        "gillick_competent": "Under 16 and judged Gillick competent",
        "aged_16_or_17": "Aged 16 or 17 (presumed able to consent)",
        "parental_responsibility": "Has parental responsibility for the child",
        "adult_with_capacity": "An adult able to consent for themselves",
        "before_consent_records": "Recorded before consent records; due for review",
    },
)
# The bases that fit each relationship.
BASES_OF: dict[str, tuple[str, ...]] = {
    "young_person": ("gillick_competent", "aged_16_or_17"),
    "parent_or_carer": ("parental_responsibility",),
    "adult_self": ("adult_with_capacity",),
    "not_recorded": ("before_consent_records",),
}
# Who may consent for a story in each voice.
GIVERS_FOR_VOICE: dict[str, tuple[str, ...]] = {
    "child_or_young_person": ("young_person", "parent_or_carer"),
    "parent_or_carer": ("adult_self",),
    "professional": ("adult_self",),
    "community_member": ("adult_self",),
}
LEGACY = ("not_recorded", "before_consent_records")
SCOPES = Vocabulary(
    "consent scope",
    {
        "internal": "Internal learning",
        "partnership": "The partnership (meetings and board packs)",
        "public": "Public (published outputs, for children and families)",
    },
)
SCOPE_ORDER: dict[str, int] = {code: rank for rank, code in enumerate(SCOPES)}
AUDIENCES = Vocabulary(
    "audience",
    {
        "internal": "The app's pages, for people who may read stories at the place",
        "partnership": "The meeting view and the board pack",
        "public": "Published outputs and the 'You said, we did' PDF",
    },
)
# What a change of consent is, seen against the record before it.
CHANGES = Vocabulary(
    "change of consent",
    {
        "given": "Given",
        "narrowed": "Narrowed",
        "widened": "Widened",
        "renewed": "Renewed",
        "recorded_before": "Recorded before consent records",
    },
)
REVIEW_DUE = "consent review due"


def a_year_on(day: date) -> date:
    """The same day a year later (28 February for 29 February): the default review date."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class Consent:
    """A consent as someone records it: codes, the day given and the review day (default a
    year after it was given)."""

    given_by: str
    basis: str
    scope: str
    given_on: date
    review_on: date | None = None

    def __post_init__(self) -> None:
        if self.review_on is None and isinstance(self.given_on, date):
            # A year on by default.
            object.__setattr__(self, "review_on", a_year_on(self.given_on))

    @property
    def review(self) -> date:
        """The review day (always set once made)."""
        assert self.review_on is not None
        return self.review_on


CONSENT_FIELDS = ("given_by", "basis", "scope", "given_on", "review_on")


def consent_field_problems(consent: Consent, voice: str, today: date) -> dict[str, list[str]]:
    """Every reason ``consent`` cannot be recorded on ``today`` for a story in ``voice``, by the
    field it is about (``CONSENT_FIELDS``; only fields with problems), each saying how to fix
    it: a form shows each beside its field."""
    found: dict[str, list[str | None]] = {name: [] for name in CONSENT_FIELDS}
    for name, vocabulary, what in (
        ("given_by", GIVEN_BY, "who gave consent"),
        ("basis", BASES, "the basis of consent"),
        ("scope", SCOPES, "the consent scope"),
    ):
        code = getattr(consent, name)
        if code is None or code == "":
            offered = [words for code, words in vocabulary.items() if code not in LEGACY]
            found[name].append(f"choose {what}: " + "; ".join(offered))
        else:
            found[name].append(code_problem(code, dict(vocabulary), vocabulary.what))
    if consent.given_by in LEGACY or consent.basis in LEGACY:
        found["given_by" if consent.given_by in LEGACY else "basis"].append(
            "'not recorded' and 'recorded before consent records' are kept only for stories "
            "stored before consent records; record who gave consent and on what basis"
        )
    elif (
        consent.given_by in BASES_OF
        and consent.basis in BASES
        and consent.basis not in (BASES_OF[consent.given_by])
    ):
        fits = " or ".join(f"'{BASES[b]}'" for b in BASES_OF[consent.given_by])
        found["basis"].append(
            f"the basis '{BASES[consent.basis]}' does not fit consent given by "
            f"{GIVEN_BY[consent.given_by].lower()}; choose {fits}"
        )
    givers = GIVERS_FOR_VOICE.get(voice, ())
    fits_voice = consent.given_by in givers or consent.given_by in LEGACY
    if voice in VOICES and consent.given_by in GIVEN_BY and not fits_voice:
        listed = " or ".join(f"'{GIVEN_BY[g]}'" for g in givers)
        found["given_by"].append(
            f"consent for a story in the voice of a {VOICES[voice].lower()} is given by "
            f"{listed}, not '{GIVEN_BY[consent.given_by]}'"
        )
    if not isinstance(consent.given_on, date):
        found["given_on"].append(
            f"give the day consent was given (a date), not {consent.given_on!r}"
        )
    else:
        if consent.given_on > today:
            found["given_on"].append(
                f"consent is dated {consent.given_on:%d %B %Y}, which is in the future; give "
                "the day it was given"
            )
        if not isinstance(consent.review_on, date):
            found["review_on"].append(f"the review date must be a date, not {consent.review_on!r}")
        elif consent.review_on <= consent.given_on:
            found["review_on"].append(
                f"the review date ({consent.review_on:%d %B %Y}) must come after the day "
                f"consent was given ({consent.given_on:%d %B %Y}); a year on is usual"
            )
    return {name: [p for p in ps if p] for name, ps in found.items() if any(ps)}


def consent_problems(consent: Consent, voice: str, today: date) -> list[str]:
    """Every problem ``consent_field_problems`` finds, in the order of the fields."""
    return [p for ps in consent_field_problems(consent, voice, today).values() for p in ps]


def change_of(before: str | None, after: str) -> str:
    """What a new consent scope ``after`` is, against the scope ``before`` it (None: none)."""
    if before is None:
        return "given"
    if SCOPE_ORDER[after] < SCOPE_ORDER[before]:
        return "narrowed"
    if SCOPE_ORDER[after] > SCOPE_ORDER[before]:
        return "widened"
    return "renewed"


def review_due(review_on: date | None, today: date) -> bool:
    """Whether a consent's review date has passed (no record at all counts as due)."""
    return review_on is None or review_on < today


def shown_to(audience: str, scope: str | None, review_on: date | None, today: date) -> bool:
    """Whether a story whose consent has ``scope`` and ``review_on`` may be shown to
    ``audience`` on ``today``: the scope reaches the audience, and outside the internal audience
    the review date has not passed. The one place this is decided."""
    if audience not in AUDIENCES:
        raise ValueError(code_problem(audience, dict(AUDIENCES), "audience"))
    if scope is None:
        return audience == "internal"
    if SCOPE_ORDER[scope] < SCOPE_ORDER[audience]:
        return False
    return audience == "internal" or not review_due(review_on, today)


def audiences_of(scope: str | None, review_on: date | None, today: date) -> tuple[str, ...]:
    """The audiences a story with this consent may be shown to, narrowest first."""
    return tuple(a for a in AUDIENCES if shown_to(a, scope, review_on, today))
