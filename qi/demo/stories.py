"""Illustrative stories of change and the Best Start stewardship group's past meeting.

Written for the demo and labelled so in every title and narrative (``qi.demo.labels``): the
stories sit beside the changes they speak to, and the meeting's decisions and actions, some
still open, give the meeting view actions to carry forward.
"""

from dataclasses import dataclass
from datetime import date

from qi.demo.labels import ILLUSTRATIVE, STORY_LABEL
from qi.demo.partnership import (
    ADULT_WARD,
    AE_UNDER5,
    ASTHMA,
    BEST_START,
    BRADFORD,
    BREASTFEEDING,
    CALDERDALE,
    EARLY_SUPPORT,
    EHCP,
    ICB,
    KIRKLEES,
    LEEDS,
    MH_REFERRALS,
    MH_WAIT,
    TIMELY_SEND,
    WAKEFIELD,
)
from qi.vocabulary.consent import Consent, a_year_on
from qi.vocabulary.stories import Link

# --- stories of change ----------------------------------------------------------------------
# Written for the demo, not collected: short, specific and in the teller's voice, as a
# stewardship group would hear them, with nothing that could identify anyone. Every one is
# anonymised, and each has a consent record (``consent_of``, below; the store insists on one). Each is dated in the months after the change it speaks to
# and linked to the measure and months it speaks to, so its marker sits beside the change.


@dataclass(frozen=True)
class StorySpec:
    title: str  # "Illustrative: ..." (the label shows wherever only the title does)
    told_on: date
    place: str
    initiative: str | None
    voice: str
    domains: tuple[str, ...]
    participation: str
    links: tuple[Link, ...]
    narrative: str  # without the label, which load_demo adds at the end

    @property
    def labelled_narrative(self) -> str:
        return f"{self.narrative}\n\n{STORY_LABEL}"


LEEDS_STORY = f"{ILLUSTRATIVE}: four hours in A&E with a chesty baby"


STORIES = (
    StorySpec(
        f"{ILLUSTRATIVE}: parents told us evenings were the problem",
        date(2022, 9, 14),
        BRADFORD,
        BEST_START,
        "professional",
        ("healthy",),
        "views_taken_into_account",
        (Link(AE_UNDER5, date(2022, 6, 1), date(2022, 9, 1)),),
        'A health visitor in Bradford East: "We tested the advice line with four practices '
        "over the summer. Parents kept saying the same thing: daytime was fine, it was seven "
        "o'clock on a Sunday when they panicked. So for the second cycle we opened evenings "
        "and weekends and started telling every family about it at the new-birth visit. "
        "Calls went up straight away, and most of them ended with advice and a GP "
        'appointment, not a trip to A&E."',
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: a night at home instead of A&E",
        date(2022, 11, 23),
        BRADFORD,
        BEST_START,
        "parent_or_carer",
        ("healthy", "safe"),
        "listened_to",
        (Link(AE_UNDER5, date(2022, 10, 1), date(2022, 12, 1)),),
        'A mum of two under-fives: "My youngest had a high temperature and a rash at teatime. '
        "Before, I'd have put them both in the car and sat in A&E half the night. The health "
        "visitor had given us the hub's number, so I rang. A children's nurse called back "
        "within the hour, talked me through the glass test and what to watch for, and got us "
        'a GP appointment for the morning. It was a virus. We all slept in our own beds."',
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: the leaflet in Urdu came from us",
        date(2023, 1, 18),
        BRADFORD,
        BEST_START,
        "community_member",
        ("healthy", "socially_connected"),
        "views_taken_into_account",
        (Link(AE_UNDER5, date(2022, 10, 1), date(2023, 1, 1)),),
        'A volunteer who runs a toddler group at a community centre: "The nurse from the hub '
        "came to explain it and some of the grandmothers couldn't follow the leaflet, so we "
        "said so. Three weeks later she came back with it in Urdu and English and a number "
        "that answers in both. Now the mums put it in each other's phones before they go "
        'home."',
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: I was doing my inhaler wrong",
        date(2023, 2, 8),
        BRADFORD,
        BEST_START,
        "child_or_young_person",
        ("healthy", "learning_and_growing"),
        "supported_to_express_views",
        (Link(ASTHMA, date(2022, 10, 1), date(2023, 1, 1)),),
        'A Year 5 pupil: "The school nurse watched me do my inhaler and said most of it was '
        "going on my tongue. Now I use the spacer and count to ten. I've got a card in my bag "
        "that says what to do if it gets bad and my teacher has one too. I haven't missed PE "
        'since Christmas."',
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: she sorted the latch on day four",
        date(2023, 3, 15),
        WAKEFIELD,
        BEST_START,
        "parent_or_carer",
        ("healthy", "socially_connected"),
        "listened_to",
        (Link(BREASTFEEDING, date(2023, 1, 1), date(2023, 3, 1)),),
        "A first-time mum: \"The peer supporter rang two days after we came home. She'd fed "
        "her own three, so she knew. On day four it was hurting and I was ready to stop; she "
        "came round and sorted the latch in ten minutes. Then she told me about the Thursday "
        "group at the family hub. I'm still going, and at ten weeks I'm still feeding.\"",
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: we moved the drop-in to Saturdays",
        date(2024, 6, 12),
        WAKEFIELD,
        BEST_START,
        "community_member",
        ("socially_connected", "healthy"),
        "shares_power",
        (Link(BREASTFEEDING, date(2023, 6, 1), date(2024, 5, 1)),),
        'A mum who trained as a peer supporter after her second baby: "A few of us now sit '
        "on the family hub's feeding group with the midwives and health visitors, and we "
        "decide together how it runs. We moved the drop-in to Saturday mornings so partners "
        "could come, and we choose who gets trained next. Nobody asks us to 'give feedback' "
        "any more; we're just part of it.\"",
    ),
    StorySpec(
        LEEDS_STORY,
        date(2024, 1, 24),
        LEEDS,
        BEST_START,
        "parent_or_carer",
        ("healthy",),
        "listened_to",
        (Link(AE_UNDER5, date(2023, 12, 1), date(2024, 1, 1)),),
        'A dad of a seven-month-old: "She was wheezy and off her feeds, and at ten at night '
        "the only place I knew to go was A&E. We waited four hours to be told it was "
        "bronchiolitis and to keep an eye on her at home. My sister in Bradford said she'd "
        "have just rung the advice line. I didn't know there wasn't one here.\"",
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: help in school the next week",
        date(2023, 9, 27),
        KIRKLEES,
        EARLY_SUPPORT,
        "child_or_young_person",
        ("happy", "learning_and_growing"),
        "supported_to_express_views",
        (
            Link(MH_WAIT, date(2023, 4, 1), date(2023, 9, 1)),
            Link(MH_REFERRALS, date(2023, 4, 1), date(2023, 9, 1)),
        ),
        'A Year 9 pupil: "Last year I was on a waiting list for ages, and by the time they '
        "rang I didn't want to talk any more. This time my form tutor said there's someone in "
        "school now. I saw her the next week, in the small room by the library. We did six "
        "sessions about worry. I still get panicky before tests, but I know what to do about "
        'it now."',
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: everyone in the room at week 12",
        date(2024, 2, 21),
        KIRKLEES,
        TIMELY_SEND,
        "professional",
        ("learning_and_growing",),
        "views_taken_into_account",
        (Link(EHCP, date(2023, 9, 1), date(2024, 1, 1)),),
        'A primary school SENCo: "At the week-12 panel everyone writing advice is in the '
        "room, so we spot what's missing while there's still time to get it. The educational "
        "psychologist is asked on day one now, not week ten. Parents get a call the same week "
        "to say where things are up to. One mum told me it was the first time she'd known "
        'what was happening without having to chase."',
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: a form that doesn't sound like a doctor",
        date(2024, 4, 17),
        CALDERDALE,
        EARLY_SUPPORT,
        "child_or_young_person",
        ("happy", "safe"),
        "involved_in_decisions",
        (Link(MH_WAIT, date(2024, 1, 1), date(2024, 4, 1)),),
        'A 16-year-old: "I filled in the self-referral on my phone at one in the morning '
        "because I wasn't ready to tell my mum. Someone rang two days later and asked what I "
        "wanted help with and where I wanted to meet, and I picked the youth centre. The "
        "young people's panel helped write the form. You can tell, because it doesn't sound "
        'like a doctor."',
    ),
    StorySpec(
        f"{ILLUSTRATIVE}: one night on our ward in three months",
        date(2023, 7, 19),
        ICB[0],
        None,
        "professional",
        ("safe",),
        "listened_to",
        (Link(ADULT_WARD, date(2023, 4, 1), date(2023, 7, 1)),),
        "A charge nurse on an adult mental health ward: \"Before April we'd have a teenager "
        "on the ward two or three times a month, usually overnight because there was nowhere "
        "else. That's frightening for them and for us. Since the crisis team started going "
        "out to families, and the two crisis beds opened, we've had one young person in three "
        'months, for one night, and the crisis team came for her in the morning."',
    ),
)

# --- a past meeting ---------------------------------------------------------------------------
# The Best Start stewardship group's February 2025 meeting (illustrative): two decisions and
# five actions, two since done and three still open, so the next meeting starts with them.


@dataclass(frozen=True)
class ActionSpec:
    kind: str  # "decision" or "action"
    text: str
    owner: str | None = None  # a role, never a person
    due_on: date | None = None
    status: str | None = None  # for actions: "open" or "done" (as it stands at the demo's end)
    measure: str | None = None
    place: str | None = None
    story: str | None = None  # a story's title from STORIES


@dataclass(frozen=True)
class MeetingSpec:
    title: str
    held_on: date
    initiative: str
    notes: str
    actions: tuple[ActionSpec, ...]


MEETING = MeetingSpec(
    f"Best Start stewardship group, February 2025 ({ILLUSTRATIVE.lower()})",
    date(2025, 2, 12),
    BEST_START,
    "Illustrative meeting written for the qi demo. Reviewed the three Best Start measures in "
    "Bradford, Wakefield and Leeds up to December 2024, and three stories of change.",
    (
        ActionSpec(
            "decision",
            "Bradford's advice hub has held the lower level of under-5s' A&E attendances for "
            "over two years: keep the limits recalculated from October 2022 and treat the hub "
            "as business as usual.",
            measure=AE_UNDER5,
            place=BRADFORD,
        ),
        ActionSpec(
            "decision",
            "Keep January 2024 out of Wakefield's breastfeeding limits (record migration) and "
            "ask for corrected figures rather than estimating them.",
            owner="Best Start programme lead",
            measure=BREASTFEEDING,
            place=WAKEFIELD,
        ),
        ActionSpec(
            "action",
            "Share the hub's call scripts and the new-birth visit prompt with Leeds, and ask "
            "whether Leeds will test an advice line of its own.",
            owner="Best Start programme lead",
            due_on=date(2025, 3, 31),
            status="open",
            measure=AE_UNDER5,
            place=LEEDS,
        ),
        ActionSpec(
            "action",
            "Through the health visitor who collected it, invite the Leeds dad whose story we "
            "heard to the parent forum that would shape a Leeds advice line.",
            owner="Leeds parent forum coordinator",
            due_on=date(2025, 4, 30),
            status="open",
            story=LEEDS_STORY,
        ),
        ActionSpec(
            "action",
            "Invite two peer supporters from the family hub feeding groups to join this group.",
            owner="Family hubs manager, Wakefield",
            due_on=date(2025, 5, 31),
            status="open",
        ),
        ActionSpec(
            "action",
            "Ask the health visiting service for corrected January 2024 feeding data from the "
            "new record system.",
            owner="Health visiting data lead, Wakefield",
            due_on=date(2025, 3, 14),
            status="done",
            measure=BREASTFEEDING,
            place=WAKEFIELD,
        ),
        ActionSpec(
            "action",
            "Bring asthma admissions after the September 2024 return to school, to see "
            "whether Bradford's fall has held through a second winter.",
            owner="Public health analyst",
            due_on=date(2025, 3, 12),
            status="done",
            measure=ASTHMA,
            place=BRADFORD,
        ),
    ),
)


# --- consent (illustrative) -----------------------------------------------------------------
# Each demo story's consent record: given by the teller on the day the story was told (a child's
# by the young person, judged Gillick competent), for the partnership unless listed here, and
# reviewed within the year before the demo is loaded (so its review falls a year after loading),
# except the one whose review is left due, to show how qi marks it.
PUBLIC = frozenset(
    f"{ILLUSTRATIVE}: {title}"
    for title in (
        "a night at home instead of A&E",
        "the leaflet in Urdu came from us",
        "I was doing my inhaler wrong",
        "she sorted the latch on day four",
        "help in school the next week",
        "four hours in A&E with a chesty baby",
        "a form that doesn't sound like a doctor",
    )
)
INTERNAL_ONLY = frozenset({f"{ILLUSTRATIVE}: everyone in the room at week 12"})
REVIEW_LEFT_DUE = frozenset({f"{ILLUSTRATIVE}: one night on our ward in three months"})
GIVEN_BY_VOICE = {
    "child_or_young_person": ("young_person", "gillick_competent"),
    "parent_or_carer": ("adult_self", "adult_with_capacity"),
    "professional": ("adult_self", "adult_with_capacity"),
    "community_member": ("adult_self", "adult_with_capacity"),
}


def consent_of(spec: StorySpec, loaded_on: date) -> Consent:
    """The consent record the demo keeps for a story loaded on ``loaded_on``."""
    given_by, basis = GIVEN_BY_VOICE[spec.voice]
    scope = (
        "public"
        if spec.title in PUBLIC
        else "internal"
        if spec.title in INTERNAL_ONLY
        else "partnership"
    )
    review_on = a_year_on(spec.told_on if spec.title in REVIEW_LEFT_DUE else loaded_on)
    return Consent(given_by, basis, scope, spec.told_on, review_on)
