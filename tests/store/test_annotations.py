"""Annotations: recorded with who and why, undone without being lost, shaping phases."""

from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.store.annotations import (
    AnnotationError,
    add_annotation,
    phase_starts_and_exclusions,
    read_annotations,
    undo_annotation,
)
from tests.store.helpers import add_definitions


def test_an_annotation_is_kept_with_who_and_why(engine):
    add_definitions(engine)
    new = add_annotation(
        engine,
        local_admin("coach"),
        measure="ae_attendances",
        place="RXX",
        period=date(2024, 5, 1),
        kind="intervention",
        text="Same-day GP access hub opened",
        new_phase=True,
        reason="The hub changed the process",
    )
    stored = read_annotations(engine, local_admin("tester"), measures="ae_attendances").row(
        0, named=True
    )
    assert stored["id"] == new
    assert (stored["place"], stored["period"], stored["kind"]) == (
        "RXX",
        date(2024, 5, 1),
        "intervention",
    )
    assert stored["new_phase"] and not stored["exclude"]
    assert (stored["actor"], stored["reason"]) == ("coach", "The hub changed the process")
    assert stored["created_at"] is not None


@pytest.mark.parametrize("flag", ["new_phase", "exclude"])
def test_recalculation_and_exclusion_need_a_reason(engine, flag):
    add_definitions(engine)
    with pytest.raises(AnnotationError, match="needs a reason"):
        add_annotation(
            engine,
            local_admin("tester"),
            measure="ae_attendances",
            period=date(2024, 5, 1),
            kind="context",
            text="Snow",
            **{flag: True},
        )
    assert read_annotations(engine, local_admin("tester")).height == 0


def test_unknown_codes_and_kinds_are_refused(engine):
    add_definitions(engine)
    with pytest.raises(AnnotationError, match="unknown measure code 'nope'"):
        add_annotation(
            engine,
            local_admin("tester"),
            measure="nope",
            period=date(2024, 1, 1),
            kind="pdsa",
            text="x",
        )
    with pytest.raises(AnnotationError, match="unknown kind"):
        add_annotation(
            engine,
            local_admin("tester"),
            measure="ae_attendances",
            period=date(2024, 1, 1),
            kind="?",
            text="x",
        )


def test_undo_keeps_the_annotation_but_takes_it_off_the_chart(engine):
    add_definitions(engine)
    kept = add_annotation(
        engine,
        local_admin("a"),
        measure="ae_attendances",
        place="RYY",
        period=date(2024, 3, 1),
        kind="data_issue",
        text="Coding change",
        exclude=True,
        reason="Counting changed",
    )
    undo_annotation(engine, local_admin("b"), kept)
    assert read_annotations(engine, local_admin("tester")).height == 0
    everything = read_annotations(engine, local_admin("tester"), include_undone=True).row(
        0, named=True
    )
    assert everything["undone_by"] == "b" and everything["undone_at"] is not None
    with pytest.raises(AnnotationError, match="already undone"):
        undo_annotation(engine, local_admin("tester"), kept)


def test_an_annotation_without_a_place_starts_a_phase_at_every_place(engine):
    add_definitions(engine)
    add_annotation(
        engine,
        local_admin("tester"),
        measure="ae_attendances",
        period=date(2024, 4, 1),
        kind="intervention",
        text="New triage everywhere",
        new_phase=True,
        reason="System-wide change",
    )
    add_annotation(
        engine,
        local_admin("tester"),
        measure="ae_attendances",
        place="RZZ",
        period=date(2024, 6, 1),
        kind="data_issue",
        text="Outage",
        exclude=True,
        reason="Half the month missing",
    )
    phases, excluded = phase_starts_and_exclusions(
        read_annotations(engine, local_admin("tester"), places=["RXX", "RZZ"]), ["RXX", "RZZ"]
    )
    assert sorted(phases["place"].to_list()) == ["RXX", "RZZ"]
    assert phases["period"].unique().to_list() == [date(2024, 4, 1)]
    assert excluded.rows() == [("ae_attendances", "RZZ", date(2024, 6, 1))]
    assert isinstance(excluded, pl.DataFrame)


def test_an_annotation_kept_elsewhere_can_be_recorded_with_its_own_time(engine):
    from datetime import datetime

    add_definitions(engine)
    add_annotation(
        engine,
        local_admin("tester"),
        measure="ae_attendances",
        period=date(2023, 1, 1),
        kind="context",
        text="Strike days",
        recorded_at=datetime(2023, 1, 15, 9, 0),
    )
    assert read_annotations(engine, local_admin("tester"))["created_at"].to_list() == [
        datetime(2023, 1, 15, 9, 0)
    ]
