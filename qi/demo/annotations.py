"""The annotations a coach would have made on the partnership's charts: PDSA cycles,
interventions, context, a data issue, two recalculations of the limits and one exclusion, each
with its reason.
"""

from dataclasses import dataclass
from datetime import date

from qi.demo.partnership import (
    ADULT_WARD,
    AE_UNDER5,
    ASTHMA,
    BRADFORD,
    BREASTFEEDING,
    CALDERDALE,
    EHCP,
    ICB,
    KIRKLEES,
    LEEDS,
    MH_REFERRALS,
    MH_WAIT,
    WAKEFIELD,
)
from qi.demo.synthetic import FAULTY_MONTH, MISSING_MONTH


@dataclass(frozen=True)
class AnnotationSpec:
    measure: str
    place: str | None  # None: every place of the measure
    period: date
    kind: str
    text: str
    new_phase: bool = False
    exclude: bool = False
    reason: str | None = None


ANNOTATIONS = (
    AnnotationSpec(
        AE_UNDER5,
        BRADFORD,
        date(2022, 6, 1),
        "pdsa",
        "PDSA 1: same-day telephone advice from a children's nurse, tested with four GP "
        "practices in Bradford East.",
    ),
    AnnotationSpec(
        AE_UNDER5,
        BRADFORD,
        date(2022, 8, 1),
        "pdsa",
        "PDSA 2: advice line extended to evenings and weekends; parents told about it at the "
        "health visitor's new-birth visit.",
    ),
    AnnotationSpec(
        AE_UNDER5,
        BRADFORD,
        date(2022, 10, 1),
        "intervention",
        "Same-day children's advice hub opened for the whole district (Best Start).",
        new_phase=True,
        reason="The hub changed how families get urgent advice for young children; limits "
        "from before it describe a process that no longer exists.",
    ),
    AnnotationSpec(
        AE_UNDER5,
        None,
        date(2022, 12, 1),
        "context",
        "Strep A and an early flu season: a national surge in children's urgent care.",
    ),
    AnnotationSpec(
        ASTHMA,
        BRADFORD,
        date(2022, 10, 1),
        "intervention",
        "Asthma-friendly schools: inhaler technique checks and personalised asthma action "
        "plans in 60 primary schools.",
    ),
    AnnotationSpec(
        MH_REFERRALS,
        KIRKLEES,
        date(2023, 4, 1),
        "intervention",
        "Mental health support teams began work in 30 Kirklees schools.",
    ),
    AnnotationSpec(
        MH_REFERRALS,
        LEEDS,
        MISSING_MONTH[2],
        "data_issue",
        "Referrals for August 2023 were not submitted (patient record system outage); the "
        "month is missing, not zero.",
    ),
    AnnotationSpec(
        MH_WAIT,
        KIRKLEES,
        date(2023, 4, 1),
        "intervention",
        "Mental health support teams in schools: lower-level needs met in school, freeing "
        "specialist appointments.",
        new_phase=True,
        reason="Support teams changed the pathway: children with lower-level needs no longer "
        "queue for the specialist service, so waits come from a different process.",
    ),
    AnnotationSpec(
        MH_WAIT,
        CALDERDALE,
        date(2024, 1, 1),
        "intervention",
        "Single point of access and digital self-referral launched.",
    ),
    AnnotationSpec(
        ADULT_WARD,
        ICB[0],
        date(2023, 4, 1),
        "intervention",
        "Crisis home treatment team for under-18s and two crisis beds opened across the ICB.",
    ),
    AnnotationSpec(
        EHCP,
        KIRKLEES,
        date(2023, 9, 1),
        "pdsa",
        "PDSA 1: weekly multi-agency panel reviews every plan at week 12.",
    ),
    AnnotationSpec(
        EHCP,
        KIRKLEES,
        date(2023, 12, 1),
        "pdsa",
        "PDSA 2: educational psychology advice requested on the day the assessment is agreed.",
    ),
    AnnotationSpec(
        BREASTFEEDING,
        WAKEFIELD,
        date(2023, 1, 1),
        "intervention",
        "Infant feeding peer supporters in every family hub; first contact within 48 hours of "
        "discharge.",
    ),
    AnnotationSpec(
        BREASTFEEDING,
        WAKEFIELD,
        FAULTY_MONTH[2],
        "data_issue",
        "Health visiting record system migration: feeding status not carried over for many "
        "6-8 week reviews.",
        exclude=True,
        reason="The low value comes from the migration, not from feeding: about a third of "
        "reviews lost their feeding status, so the month says nothing about the process.",
    ),
)
