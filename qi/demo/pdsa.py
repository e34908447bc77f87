"""The demo's change ideas and their PDSA cycles, tied to the coach's annotations.

Two ideas: Bradford's same-day children's advice (Best Start), three cycles from a pilot with
four GP practices to the district-wide hub whose opening is the confirmed change point of
under-5s' A&E attendances (so "Estimate the effect" there shows the step the data hold); and
Kirklees's multi-agency EHC panel (Timely support for SEND), two cycles. Each cycle is linked to
the annotation that marks it on the chart. Loading twice changes nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.demo.labels import SYNTHETIC
from qi.demo.partnership import AE_UNDER5, BEST_START, BRADFORD, EHCP, KIRKLEES, TIMELY_SEND
from qi.store.annotations import read_annotations
from qi.store.pdsa import add_cycle, link_annotation, read_change_ideas


@dataclass(frozen=True)
class CycleSpec:
    plan: str
    prediction: str
    starts_on: date
    ends_on: date
    do: str
    study: str
    act: str
    outcome: str
    annotation: str  # the start of the annotation's text that marks the cycle on the chart


@dataclass(frozen=True)
class ChangeIdeaSpec:
    initiative: str
    name: str
    description: str
    measure: str
    place: str
    cycles: tuple[CycleSpec, ...]


CHANGE_IDEAS = (
    ChangeIdeaSpec(
        BEST_START,
        "Same-day children's advice",
        f"{SYNTHETIC} Parents of under-fives reach a children's nurse the same day, by phone or "
        "in a hub, instead of going to A&E for advice.",
        AE_UNDER5,
        BRADFORD,
        (
            CycleSpec(
                "Children's nurse gives same-day telephone advice to families of four GP "
                "practices in Bradford East, weekdays 9 to 5, for two months.",
                "At least 30 calls a week; a third of callers would otherwise have gone to A&E.",
                date(2022, 6, 1),
                date(2022, 7, 31),
                "41 calls a week on average; most calls came after 5pm and at weekends, when "
                "the line was closed.",
                "More calls than predicted; 38% of callers said they would have gone to A&E. "
                "Evenings and weekends were missed.",
                "Adapt: extend the line to evenings and weekends and tell parents about it at "
                "the new-birth visit.",
                "adapt",
                "PDSA 1:",
            ),
            CycleSpec(
                "Advice line open 8am to 10pm, seven days, for the same four practices; health "
                "visitors tell parents about it at the new-birth visit.",
                "Calls double; under-5s' A&E attendances from the four practices fall.",
                date(2022, 8, 1),
                date(2022, 9, 30),
                "Calls rose to 95 a week; two nurses needed at weekends.",
                "Attendances from the four practices fell by about a fifth against the rest of "
                "the district; the line could not be staffed district-wide by phone alone.",
                "Adapt: open a same-day advice hub for the whole district from October.",
                "adapt",
                "PDSA 2:",
            ),
            CycleSpec(
                "Same-day children's advice hub for the whole of Bradford, with the phone line "
                "as its front door.",
                "Under-5s' A&E attendances across Bradford fall by about a fifth and stay down.",
                date(2022, 10, 1),
                date(2022, 12, 31),
                "Hub opened on 3 October; Strep A and early flu in December brought a surge.",
                "A step down of about a fifth from October, held through the winter surge.",
                "Adopt: the hub becomes business as usual; limits recalculated from October 2022.",
                "adopt",
                "Same-day children's advice hub opened",
            ),
        ),
    ),
    ChangeIdeaSpec(
        TIMELY_SEND,
        "Multi-agency EHC panel",
        f"{SYNTHETIC} Every EHC needs assessment is reviewed by health, care and education "
        "together, so that advice is not waited for one service at a time.",
        EHCP,
        KIRKLEES,
        (
            CycleSpec(
                "A weekly multi-agency panel reviews every plan at week 12 in Kirklees.",
                "Plans issued within 20 weeks rise from about half to two thirds.",
                date(2023, 9, 1),
                date(2023, 11, 30),
                "Panel met every week; educational psychology advice was the usual hold-up.",
                "Timeliness rose, less than predicted: EP advice still came late.",
                "Adapt: request EP advice on the day the assessment is agreed.",
                "adapt",
                "PDSA 1:",
            ),
            CycleSpec(
                "Educational psychology advice requested on the day the assessment is agreed, "
                "alongside the weekly panel.",
                "Plans issued within 20 weeks reach three quarters.",
                date(2023, 12, 1),
                date(2024, 2, 29),
                "Requests went out on day one for all but two assessments.",
                "Timeliness kept rising towards three quarters.",
                "Adopt in Kirklees; offer the panel to the other four districts.",
                "adopt",
                "PDSA 2:",
            ),
        ),
    ),
)


def _recorded(day: date) -> datetime:
    """Recorded a week after the cycle ended, as a coach would write it up."""
    return datetime.combine(day, time(9)) + timedelta(days=7)


def write_change_ideas(engine: Engine, principal: Principal) -> int:
    """Record the demo's change ideas and cycles that are not yet recorded, each linked to its
    annotation, as ``principal``; returns how many cycles were added."""
    recorded = set(read_change_ideas(engine, principal).select("initiative", "name").iter_rows())
    notes = read_annotations(engine, principal)
    added = 0
    for idea in CHANGE_IDEAS:
        if (idea.initiative, idea.name) in recorded:
            continue
        for spec in idea.cycles:
            cycle = add_cycle(
                engine,
                principal,
                initiative=idea.initiative,
                idea=idea.name,
                description=idea.description,
                plan=spec.plan,
                prediction=spec.prediction,
                starts_on=spec.starts_on,
                ends_on=spec.ends_on,
                do=spec.do,
                study=spec.study,
                act=spec.act,
                status="ended",
                outcome=spec.outcome,
                measures=[idea.measure],
                places=[idea.place],
                recorded_at=_recorded(spec.ends_on),
            )
            marks = notes.filter(
                pl.col("measure") == idea.measure,
                pl.col("place") == idea.place,
                pl.col("text").str.starts_with(spec.annotation),
            )
            for note in marks["id"]:
                link_annotation(engine, principal, note, cycle)
            added += 1
    return added
