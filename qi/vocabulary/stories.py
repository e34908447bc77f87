"""Stories of change: their codes and words (whose voice, outcome domains, levels of
participation), and the policy a story must meet before it is kept.

The codes and their words: ``VOICES``, ``DOMAINS`` (a story may speak to several) and
``PARTICIPATION`` map each code to the words people read; the database checks the same codes.
Participation follows Shier's "Pathways to Participation" (Harry Shier, Children & Society 15,
2001, pp. 107-117): five levels from "children are listened to" up to "children share power and
responsibility for decision-making". Shier's pathway is chosen over Hart's ladder because its
levels are all genuine participation (Hart's lowest rungs are manipulation, decoration and
tokenism, which nobody records as the level a story reflects) and because its top level is the
words partnerships use. The levels are ordered: ``PARTICIPATION_ORDER`` gives each its rank.

The policy: what is refused, and why (what people collecting stories in children's services
expect):
- any story without a consent record (``qi.vocabulary.consent``: who gave it, on what basis,
  for which scope, until when): consent matters even when a story is anonymised (small places
  make people recognisable), so every story needs one, checked by ``consent_problems``;
- unknown codes (voice, domain, level, place, initiative, measure), each listed with the choices;
- a place that is not one of the initiative's places, a story dated in the future, a linked
  period range that ends before it starts, an empty title or narrative.

Where the policy lives, and why here. The store must refuse a bad story whoever calls it, so
the policy must be importable by the store (layer 2), which may not import services (layer 3).
So the policy is here, beside the codes it is about, as pure functions: a ``StoryDraft``, the
day, and what the database knows of the codes the draft names (``Known``) in; a list of problems
out (``story_problems``), or ``StoryError`` naming every problem (``check_story``). The store
(``qi.store.stories``) looks up ``Known`` inside its write transaction and calls
``check_story`` before it writes, so no caller can bypass it; a form may call
``story_problems`` first to show every problem at once. No other module repeats the policy.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

VOICES: dict[str, str] = {
    "child_or_young_person": "Child or young person",
    "parent_or_carer": "Parent or carer",
    "professional": "Professional",
    "community_member": "Community member",
}
DOMAINS: dict[str, str] = {
    "healthy": "Healthy",
    "happy": "Happy",
    "safe": "Safe",
    "socially_connected": "Socially connected",
    "learning_and_growing": "Supported to learn, grow and develop",
}
# Shier (2001), levels 1 to 5, lowest first.
PARTICIPATION: dict[str, str] = {
    "listened_to": "Listened to",
    "supported_to_express_views": "Supported to express their views",
    "views_taken_into_account": "Views taken into account",
    "involved_in_decisions": "Involved in decision-making",
    "shares_power": "Shares power and responsibility for decisions",
}
PARTICIPATION_ORDER: dict[str, int] = {code: i + 1 for i, code in enumerate(PARTICIPATION)}
TITLE_LENGTH = 255


class StoryError(ValueError):
    """A story cannot be recorded as given; the message says what is wrong and how to fix it.
    ``problems`` lists every problem found (the message names them all)."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            numbered = "; ".join(f"({i}) {p}" for i, p in enumerate(self.problems, start=1))
            message = f"{len(self.problems)} problems: {numbered}"
        super().__init__(message)


@dataclass(frozen=True)
class Link:
    """A measure a story speaks to: at a place (default: the story's place) and over periods
    ``start`` to ``end`` inclusive (default: the story's date alone)."""

    measure: str
    start: date | None = None
    end: date | None = None
    place: str | None = None


LinkLike = Link | str | Mapping[str, Any]


def as_link(link: LinkLike) -> Link:
    """A ``Link`` from a measure code, a ``Link``, or a mapping with ``measure`` and optionally
    ``start``, ``end`` and ``place``."""
    if isinstance(link, Link):
        return link
    if isinstance(link, str):
        return Link(measure=link)
    unknown = set(link) - {"measure", "start", "end", "place"}
    if unknown or "measure" not in link:
        raise StoryError(
            f"a link is a measure code or a mapping with 'measure' and optionally 'start', "
            f"'end' and 'place'; got {dict(link)!r}"
        )
    return Link(**link)


@dataclass(frozen=True)
class StoryDraft:
    """A story as someone entered it, before it is kept: codes, not database ids.

    ``initiative`` is the initiative's name; ``domains`` keep their first mention only;
    ``links`` may be given as anything ``as_link`` takes and are held as ``Link``s."""

    title: str
    narrative: str
    told_on: date
    voice: str
    anonymised: bool
    place: str | None = None
    initiative: str | None = None
    domains: Sequence[str] = ()
    participation: str | None = None
    links: Sequence[LinkLike] = ()

    def __post_init__(self) -> None:
        # Strict: "no", "false" or 0 must never read as anonymised.
        if not isinstance(self.anonymised, bool):
            raise StoryError(
                f"anonymised must be True or False, not {self.anonymised!r}: say plainly "
                "whether it is so"
            )
        object.__setattr__(self, "domains", tuple(dict.fromkeys(self.domains)))
        object.__setattr__(self, "links", tuple(as_link(link) for link in self.links))

    @property
    def linked(self) -> tuple[Link, ...]:
        """The links, each a ``Link`` (``__post_init__`` made them so)."""
        return cast(tuple[Link, ...], self.links)

    @property
    def places(self) -> set[str]:
        """Every place code the draft names: its own and its links'."""
        return {p for p in (self.place, *(link.place for link in self.linked)) if p is not None}

    @property
    def measures(self) -> set[str]:
        """Every measure code the draft's links name."""
        return {link.measure for link in self.linked}


@dataclass(frozen=True)
class Known:
    """What the database holds of the codes a draft names: the place and measure codes that
    exist, and the named initiative (if it exists) with its places' codes."""

    places: frozenset[str] = frozenset()
    measures: frozenset[str] = frozenset()
    initiatives: Mapping[str, frozenset[str]] = field(default_factory=dict)


def code_problem(code: str, choices: Mapping[str, str], what: str) -> str | None:
    """The problem with a code that is not one of ``choices`` (listed with their words), or None."""
    if code in choices:
        return None
    listed = "; ".join(f"{c} ({words})" for c, words in choices.items())
    return f"unknown {what} {code!r}; choose one of: {listed}"


def _unknown(
    codes: set[str], known: frozenset[str] | Mapping[str, frozenset[str]], what: str, key: str
) -> list[str]:
    missing = sorted(codes - set(known))
    if not missing:
        return []
    listed = ", ".join(repr(m) for m in missing)
    return [f"unknown {what} {listed}; check the {what}'s {key}"]


def story_problems(draft: StoryDraft, today: date, known: Known) -> list[str]:
    """Every reason the draft cannot be kept on ``today``, given ``known`` (what the database
    holds of the codes it names), each saying how to fix it; empty when it can be kept."""
    problems: list[str | None] = []
    if not draft.title or not draft.title.strip():
        problems.append("a story needs a title (a few words people will recognise it by)")
    elif len(draft.title) > TITLE_LENGTH:
        problems.append(
            f"the title is {len(draft.title)} characters long; keep it to {TITLE_LENGTH} "
            "and put the rest in the narrative"
        )
    if not draft.narrative or not draft.narrative.strip():
        problems.append("a story needs a narrative: what happened, in the teller's words")
    if not isinstance(draft.told_on, date):
        problems.append(f"the story's date must be a date, not {draft.told_on!r}")
    elif draft.told_on > today:
        problems.append(
            f"the story is dated {draft.told_on:%d %B %Y}, which is in the future; "
            "give the date it was told"
        )
    problems.append(code_problem(draft.voice, VOICES, "voice"))
    if draft.participation is not None:
        problems.append(code_problem(draft.participation, PARTICIPATION, "level of participation"))
    problems.extend(code_problem(domain, DOMAINS, "outcome domain") for domain in draft.domains)
    for link in draft.linked:
        if link.start and link.end and link.end < link.start:
            problems.append(
                f"the link to {link.measure!r} ends ({link.end}) before it starts "
                f"({link.start}); swap the dates"
            )
    problems.extend(_unknown(draft.places, known.places, "place", "code"))
    initiatives = {draft.initiative} if draft.initiative is not None else set()
    problems.extend(_unknown(initiatives, known.initiatives, "initiative", "name"))
    if (
        draft.place in known.places
        and draft.initiative is not None
        and draft.initiative in known.initiatives
        and draft.place not in known.initiatives[draft.initiative]
    ):
        problems.append(
            f"place {draft.place!r} is not one of the places of initiative "
            f"{draft.initiative!r}; choose one of its places or add the place to it"
        )
    problems.extend(_unknown(draft.measures, known.measures, "measure", "code"))
    return [p for p in problems if p is not None]


def check_story(draft: StoryDraft, today: date, known: Known) -> None:
    """Raise ``StoryError`` naming every problem ``story_problems`` finds; return if none."""
    problems = story_problems(draft, today, known)
    if problems:
        raise StoryError(problems)
