"""Experience measures: survey answers become monthly positive / all answers per place, stored
as numerators and denominators and charted as a Laney P' chart; a month with too few answers
is shown but not judged."""

import math
from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.ingest.surveys import ingest_answers
from qi.services.compare import inequality_view
from qi.services.experience import update_experience_measures
from qi.services.groups import group_kinds, group_views
from qi.services.review import ReviewError, measure_view
from qi.store import read_breakdowns, read_series, upsert_measures, upsert_places
from qi.store.surveys import (
    SurveyError,
    define_experience_measure,
    read_answers,
    read_experience_measures,
)

PLACE = "E06000015"
MEASURE = "positive_difference_pct"
# (positive answers, all counted answers) for each month of 2025 from January; May has 3.
MONTHS = [(12, 20), (15, 22), (11, 19), (14, 21), (0, 3), (13, 20), (16, 24), (12, 18), (15, 23)]
MINIMUM = 5


def _setup(engine) -> None:
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": [PLACE],
                "name": ["Derby"],
                "type": ["local_authority"],
                "parent": [None],
                "gss_code": [PLACE],
            },
            schema_overrides={"parent": pl.String},
        ),
    )
    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": [MEASURE],
                "name": ["Support made a positive difference"],
                "kind": ["proportion"],
                "improvement": ["up"],
                "frequency": ["month"],
                "multiplier": [100.0],
                "chart": ["pp"],
                "unit": ["%"],
            }
        ),
    )
    define_experience_measure(
        engine, local_admin("tester"), MEASURE, "positive_difference", minimum_answers=MINIMUM
    )


def _answers_csv() -> bytes:
    """One row per answer: positives as words, others as "No" or the number 2, and a "Don't
    know" each month that must not be counted."""
    lines = ["Place,Date,Question,Answer,Voice"]
    for month, (positive, counted) in enumerate(MONTHS, start=1):
        day = f"2025-{month:02d}-1{month % 9}"
        for i in range(counted):
            answer = '"Yes, definitely"' if i < positive else ("No" if i % 2 else "2")
            lines.append(f"{PLACE},{day},positive_difference,{answer},Child or young person")
        lines.append(f"{PLACE},{day},positive_difference,Don't know,parent or carer")
    return ("\n".join(lines) + "\n").encode()


def test_answers_become_monthly_numerators_and_denominators(engine):
    _setup(engine)
    report = ingest_answers(
        engine, local_admin("tester"), _answers_csv(), "answers.csv", today=date(2025, 12, 1)
    )
    assert report.outcome == "stored", report.render()
    assert report.added == sum(n for _, n in MONTHS) + len(MONTHS)
    series = read_series(engine, local_admin("tester"), measures=MEASURE)
    assert series.select("numerator", "denominator").rows() == [
        (float(p), float(n)) for p, n in MONTHS
    ]
    assert series["period"].to_list() == [date(2025, m, 1) for m in range(1, len(MONTHS) + 1)]


def test_the_p_prime_chart_matches_a_hand_calculation_and_a_small_month_is_not_judged(engine):
    _setup(engine)
    ingest_answers(
        engine, local_admin("tester"), _answers_csv(), "answers.csv", today=date(2025, 12, 1)
    )
    points = measure_view(engine, local_admin("tester"), MEASURE).points.sort("period")
    assert points["chart"].unique().to_list() == ["pp"]
    # By hand: Laney (2002). Centre from the judged months; z-scores; moving ranges of z
    # bridging the small month; screened once at 3.267 x their mean; sigma_z = AMR / 1.128.
    judged = [(p, n) for p, n in MONTHS if n >= MINIMUM]
    p_bar = sum(p for p, _ in judged) / sum(n for _, n in judged)
    z = [(p / n - p_bar) / math.sqrt(p_bar * (1 - p_bar) / n) for p, n in judged]
    ranges = [abs(b - a) for a, b in zip(z, z[1:], strict=False)]
    amr = sum(ranges) / len(ranges)
    kept = [r for r in ranges if r < 3.267 * amr]
    sigma_z = (sum(kept) / len(kept)) / 1.128
    for row, (p, n) in zip(points.iter_rows(named=True), MONTHS, strict=True):
        sigma = math.sqrt(p_bar * (1 - p_bar) / n) * sigma_z
        assert row["value"] == pytest.approx(100 * p / n)
        assert row["centre"] == pytest.approx(100 * p_bar)
        assert row["upper_limit"] == pytest.approx(100 * min(1.0, p_bar + 3 * sigma))
        assert row["lower_limit"] == pytest.approx(100 * max(0.0, p_bar - 3 * sigma))
    may = points.row(4, named=True)
    assert may["excluded"] and may["value"] == 0.0  # shown ...
    assert may["value"] < may["lower_limit"] and may["signal"] is None  # ... but not judged


def test_a_measure_per_voice_counts_only_that_voice(engine):
    _setup(engine)
    define_experience_measure(
        engine,
        local_admin("tester"),
        MEASURE,
        "positive_difference",
        voice="parent_or_carer",
        minimum_answers=1,
    )
    ingest_answers(
        engine, local_admin("tester"), _answers_csv(), "answers.csv", today=date(2025, 12, 1)
    )
    # Parents and carers only answered "Don't know", which is not counted: no months.
    assert read_series(engine, local_admin("tester"), measures=MEASURE).height == 0
    assert read_experience_measures(engine).row(0) == (
        MEASURE,
        "positive_difference",
        "parent_or_carer",
        1,
    )
    assert update_experience_measures(engine, local_admin("tester"), ["treated_fairly"]) is None


def test_an_experience_measure_must_be_a_proportion_of_a_known_question(engine):
    _setup(engine)
    with pytest.raises(SurveyError, match="unknown question 'felt_safe'"):
        define_experience_measure(engine, local_admin("tester"), MEASURE, "felt_safe")
    with pytest.raises(SurveyError, match="minimum number of answers is 0"):
        define_experience_measure(
            engine, local_admin("tester"), MEASURE, "positive_difference", minimum_answers=0
        )
    assert read_answers(engine, local_admin("tester")).height == 0


# (positive, counted) per month from January 2025 for the most and least deprived fifths, and
# for answers that name no breakdown (in the total only). Quintile 1 has 3 answers in March.
BY_GROUP = {
    "imd_quintile:1": [(4, 8), (5, 9), (2, 3), (6, 10), (5, 8), (7, 11)],
    "imd_quintile:5": [(7, 9), (8, 10), (6, 9), (9, 11), (8, 10), (7, 9)],
    "": [(3, 5), (2, 5), (4, 5), (3, 5), (2, 5), (3, 5)],
}


def _answers_by_group_csv() -> bytes:
    lines = ["Place,Date,Question,Answer,Breakdown"]
    for group, months in BY_GROUP.items():
        for month, (positive, counted) in enumerate(months, start=1):
            for i in range(counted):
                answer = "Yes, definitely" if i < positive else "No"
                lines.append(
                    f"{PLACE},2025-{month:02d}-0{1 + i % 9},positive_difference,"
                    f'"{answer}",{group.upper() if i % 2 else group}'
                )
    return ("\n".join(lines) + "\n").encode()


def test_answers_with_a_breakdown_are_counted_per_group_and_in_the_total(engine):
    _setup(engine)
    report = ingest_answers(
        engine,
        local_admin("tester"),
        _answers_by_group_csv(),
        "answers.csv",
        today=date(2025, 12, 1),
    )
    assert report.outcome == "stored", report.render()
    total = read_series(engine, local_admin("tester"), measures=MEASURE)
    # By hand: the total counts every answer, with or without a breakdown.
    assert total.select("numerator", "denominator").rows() == [
        (
            float(sum(BY_GROUP[g][m][0] for g in BY_GROUP)),
            float(sum(BY_GROUP[g][m][1] for g in BY_GROUP)),
        )
        for m in range(6)
    ]
    groups = read_breakdowns(engine, local_admin("tester"), "imd_quintile", measures=MEASURE)
    for group in ("imd_quintile:1", "imd_quintile:5"):
        assert groups.filter(pl.col("breakdown") == group).select(
            "numerator", "denominator"
        ).rows() == [(float(p), float(n)) for p, n in BY_GROUP[group]]
    assert set(groups["breakdown"]) == {"imd_quintile:1", "imd_quintile:5"}
    assert group_kinds(engine, local_admin("tester"), MEASURE, PLACE) == ["imd_quintile"]
    # The inequality view reads the same groups (proportions, so value = numerator/denominator).
    view = inequality_view(engine, local_admin("tester"), MEASURE, PLACE)
    assert view is not None
    assert view.groups.filter(pl.col("group") == 1).select("numerator", "denominator").rows() == [
        (float(p), float(n)) for p, n in BY_GROUP["imd_quintile:1"]
    ]


def test_each_group_is_a_p_prime_chart_and_a_small_group_month_is_not_judged(engine):
    _setup(engine)
    ingest_answers(
        engine,
        local_admin("tester"),
        _answers_by_group_csv(),
        "answers.csv",
        today=date(2025, 12, 1),
    )
    views = group_views(engine, local_admin("tester"), MEASURE, PLACE, "imd_quintile")
    assert list(views) == ["imd_quintile:1", "imd_quintile:5"]
    for group, view in views.items():
        points = view.points.sort("period")
        assert points["chart"].unique().to_list() == ["pp"]
        judged = [(p, n) for p, n in BY_GROUP[group] if n >= MINIMUM]
        p_bar = sum(p for p, _ in judged) / sum(n for _, n in judged)
        assert points["centre"].to_list() == pytest.approx([100 * p_bar] * 6)
        assert points["value"].to_list() == pytest.approx([100 * p / n for p, n in BY_GROUP[group]])
        small = [n < MINIMUM for _, n in BY_GROUP[group]]
        assert points["excluded"].to_list() == small
    assert views["imd_quintile:1"].points.sort("period").row(2, named=True)["signal"] is None
    assert group_views(engine, local_admin("tester"), MEASURE, PLACE, "sex") == {}
    with pytest.raises(ReviewError, match="unknown kind of breakdown 'wealth'"):
        group_views(engine, local_admin("tester"), MEASURE, PLACE, "wealth")


def test_an_unknown_breakdown_is_reported_at_its_cell_and_nothing_is_stored(engine):
    _setup(engine)
    content = (
        "Place,Date,Question,Answer,Breakdown\n"
        f'{PLACE},2025-01-02,positive_difference,"Yes, definitely",imd_quintile:1\n'
        f'{PLACE},2025-01-03,positive_difference,"Yes, definitely",imd_quintile:9\n'
        f'{PLACE},2025-01-04,positive_difference,"Yes, definitely",all\n'
    ).encode()
    report = ingest_answers(
        engine, local_admin("tester"), content, "answers.csv", today=date(2025, 12, 1)
    )
    assert report.outcome == "rejected"
    # Only row 3's cell; "all" (the total) is accepted as no breakdown.
    assert report.errors.select("row", "column", "value").rows() == [
        (3, "Breakdown", "imd_quintile:9")
    ]
    assert "is not a breakdown" in report.render()
    assert read_answers(engine, local_admin("tester")).height == 0
