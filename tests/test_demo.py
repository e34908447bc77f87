"""The demo: what ``make run`` shows a newcomer, on SQLite and PostgreSQL.

It must load through the store, hold what it says (measures, real places, initiatives, four
years of months, annotations, illustrative stories of change and a past meeting with its
actions), load twice without changing anything, and tell the story it claims: improvement after
the interventions where they happened, common cause where nothing changed. The place codes are
checked against the ONS lookup in tests/fixtures.
"""

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qi.access import local_admin
from qi.charts import spc
from qi.cli import main
from qi.demo import AE_ATTRIBUTION, DEMO_NOTICE, load_demo
from qi.demo.ae import AE_FILE, DEMO_DATA
from qi.demo.labels import STORIES_NOTICE
from qi.demo.partnership import AE_PROGRAMME, BEST_START, INITIATIVES, LOCALITIES
from qi.demo.synthetic import synthetic_observations
from qi.services.meeting import meeting_review
from qi.store import read_measures, read_places, read_revisions, read_series, read_uploads
from qi.store.annotations import phase_starts_and_exclusions, read_annotations
from qi.store.meetings import (
    add_meeting,
    carried_forward,
    open_actions,
    read_actions,
    read_meetings,
)
from qi.store.models import Base, Initiative, InitiativePlace, Place
from qi.store.stories import read_stories, story_links, story_markers
from qi.vocabulary.measures import ENGINE_DIRECTIONS
from qi.vocabulary.stories import VOICES

ADMIN = local_admin("tester")

FIXTURES = Path(__file__).parent / "fixtures"
BRADFORD, CALDERDALE, KIRKLEES, LEEDS, WAKEFIELD = (p.code for p in LOCALITIES)
ICB = "E54000054"
TRUSTS = {"RAE", "RCF", "RR8", "RWY", "RXF"}
SYNTHETIC_MEASURES = {
    "ae_under5_rate",
    "cyp_asthma_admissions",
    "cyp_mh_referrals",
    "cyp_mh_wait_days",
    "ehcp_within_20_weeks",
    "breastfeeding_6_8_weeks",
    "days_between_u18_adult_ward_admissions",
    "good_level_of_development",
}
MONTHLY_SYNTHETIC = SYNTHETIC_MEASURES - {
    "days_between_u18_adult_ward_admissions",
    "good_level_of_development",
}
REAL_MEASURES = {"ae_type1_attendances", "ae_four_hour_performance"}
# Made from synthetic survey answers (tests/test_demo_outcomes.py).
EXPERIENCE_MEASURES = {"exp_positive_difference", "exp_treated_fairly"}


def chart(engine, measure: str, place: str, annotations: bool = True) -> pl.DataFrame:
    """The measure at one place as the engine charts it from its definition (rules mdc),
    with the stored annotations as phases and exclusions unless ``annotations`` is False."""
    definition = read_measures(engine).filter(pl.col("code") == measure).row(0, named=True)
    series = read_series(engine, local_admin("tester"), measures=measure, places=place)
    phases, exclusions = phase_starts_and_exclusions(
        read_annotations(engine, local_admin("tester"), measures=measure, places=place), [place]
    )
    ratio = definition["kind"] in ("rate", "proportion")
    return spc(
        series,
        value="numerator" if ratio else "value",
        denominator="denominator" if ratio else None,
        period="period",
        by=["measure", "place"],
        kind=definition["kind"],
        chart=definition["chart"],
        rules="mdc",
        direction=ENGINE_DIRECTIONS[definition["improvement"]],
        multiplier=definition["multiplier"],
        target=definition["target"],
        phases=phases if annotations else None,
        exclude=exclusions if annotations else None,
    ).points


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: the whole database, to compare two states."""
    tables = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            tables[table.name] = [tuple(row) for row in rows]
    return tables


# --- what the demo holds -----------------------------------------------------------------------


def test_the_demo_has_the_measures_a_childrens_partnership_tracks(engine):
    load_demo(engine)
    measures = {m["code"]: m for m in read_measures(engine).iter_rows(named=True)}
    assert set(measures) == SYNTHETIC_MEASURES | REAL_MEASURES | EXPERIENCE_MEASURES
    kinds = {code: (m["kind"], m["improvement"]) for code, m in measures.items()}
    assert kinds["ae_under5_rate"] == ("rate", "down")
    assert kinds["cyp_asthma_admissions"] == ("count", "down")
    assert kinds["cyp_mh_referrals"] == ("count", "neither")
    assert kinds["cyp_mh_wait_days"] == ("continuous", "down")
    assert kinds["ehcp_within_20_weeks"] == ("proportion", "up")
    assert kinds["breastfeeding_6_8_weeks"] == ("proportion", "up")
    assert kinds["days_between_u18_adult_ward_admissions"] == ("time_between", "up")
    assert kinds["ae_four_hour_performance"] == ("proportion", "up")
    assert measures["ae_under5_rate"]["multiplier"] == 1000
    assert measures["ehcp_within_20_weeks"]["multiplier"] == 100
    assert measures["ae_four_hour_performance"]["target"] == 95
    assert measures["cyp_mh_wait_days"]["target"] == 28
    frequencies = {code: m["frequency"] for code, m in measures.items()}
    assert frequencies.pop("good_level_of_development") == "year"  # counted each school year
    assert set(frequencies.values()) == {"month"}
    for code in SYNTHETIC_MEASURES:
        assert "Synthetic demo data" in measures[code]["definition"]
        assert measures[code]["unit"]
    for code in REAL_MEASURES:
        assert "Real NHS England data" in measures[code]["definition"]
        assert "Open Government Licence v3.0" in measures[code]["definition"]


def test_the_places_are_real_districts_with_their_ons_codes_under_their_icb(engine):
    load_demo(engine)
    places = read_places(engine)
    districts = places.filter(pl.col("type") == "local_authority")
    ons = pl.read_csv(FIXTURES / "lookup_ltla24_region24.csv")
    # Same code, same name as the ONS lookup: the GSS codes are real, not made up.
    matched = districts.join(
        ons, left_on=["gss_code", "name"], right_on=["ltla24_code", "ltla24_name"]
    )
    assert matched.height == districts.height == 5
    assert set(matched["region24_name"]) == {"Yorkshire and The Humber"}
    assert (districts["code"] == districts["gss_code"]).all()
    assert set(districts["parent"]) == {ICB}
    icb = places.filter(pl.col("code") == ICB).row(0, named=True)
    assert (icb["type"], icb["gss_code"], icb["parent"]) == ("icb", ICB, None)
    trusts = places.filter(pl.col("type") == "trust")
    assert set(trusts["code"]) == TRUSTS
    # and the neighbourhoods: 124 wards and 1,404 LSOAs (tests/test_demo_neighbourhoods.py)
    assert places.filter(~pl.col("type").is_in(["ward", "lsoa"])).height == 11


def test_the_initiatives_have_start_dates_places_and_outcome_domains(engine):
    load_demo(engine)
    with engine.connect() as connection:
        rows = connection.execute(select(Initiative.__table__)).mappings().all()
        initiatives = {row["name"]: row for row in rows}
        members = connection.execute(
            select(Initiative.name, Place.code)
            .join(InitiativePlace, InitiativePlace.initiative_id == Initiative.id)
            .join(Place, Place.id == InitiativePlace.place_id)
        ).all()
    places_of = {name: set() for name in initiatives}
    for name, code in members:
        places_of[name].add(code)
    assert len(initiatives) == 4
    for spec in INITIATIVES:
        stored = initiatives[spec.name]
        assert stored["start_date"] == spec.start_date is not None
        assert stored["description"].startswith("Synthetic demo data")
        assert stored["outcome_domains"]
        assert places_of[spec.name] == set(spec.places)
    assert places_of[AE_PROGRAMME] == TRUSTS
    assert "Real published data" in initiatives[AE_PROGRAMME]["description"]


def test_four_years_of_monthly_data_with_a_missing_month_and_suppressed_numbers(engine):
    load_demo(engine)
    series = read_series(engine, local_admin("tester"), measures=sorted(MONTHLY_SYNTHETIC))
    months = series.group_by("measure", "place").agg(
        pl.len().alias("n"), pl.col("period").min().alias("first"), pl.col("period").max()
    )
    assert months.height == len(MONTHLY_SYNTHETIC) * 5
    assert set(months["first"]) == {date(2021, 4, 1)}
    assert set(months["period"]) == {date(2025, 3, 1)}
    assert (series["period"].dt.day() == 1).all()
    short = months.filter(pl.col("n") != 48)
    # One month never arrived: Leeds's referrals for August 2023.
    assert short.select("measure", "place", "n").rows() == [("cyp_mh_referrals", LEEDS, 47)]
    leeds = series.filter(pl.col("measure") == "cyp_mh_referrals", pl.col("place") == LEEDS)
    assert date(2023, 8, 1) not in leeds["period"].to_list()
    # Small numbers suppressed here and there, kept as missing with the reason.
    suppressed = series.filter(pl.col("missing_reason") == "suppressed (*)")
    assert 1 <= suppressed.height <= 10
    assert set(suppressed["measure"]) == {"cyp_asthma_admissions"}
    assert suppressed["value"].is_null().all()
    counts = series.filter(pl.col("measure") == "cyp_asthma_admissions")["value"].drop_nulls()
    assert not counts.is_between(1, 4).any()
    # Rates and proportions: numerator over denominator, the value is their ratio.
    ratios = series.filter(pl.col("denominator").is_not_null())
    assert set(ratios["measure"]) == {
        "ae_under5_rate",
        "ehcp_within_20_weeks",
        "breastfeeding_6_8_weeks",
    }
    assert (ratios["numerator"] <= ratios["denominator"]).all()
    assert ((ratios["value"] - ratios["numerator"] / ratios["denominator"]).abs() < 1e-12).all()


def test_the_ae_programme_is_the_real_nhs_data_unchanged(engine):
    load_demo(engine)
    stored = read_series(engine, local_admin("tester"), measures=sorted(REAL_MEASURES))
    assert stored.height == 2 * 5 * 36
    raw = pl.read_csv(AE_FILE.read_bytes(), try_parse_dates=True).filter(
        pl.col("period") == date(2016, 4, 1), pl.col("org_code") == "RR8"
    )
    attendances, breaches = raw["attendances"][0], raw["breaches"][0]
    rr8 = stored.filter(pl.col("place") == "RR8", pl.col("period") == date(2016, 4, 1))
    four_hours = rr8.filter(pl.col("measure") == "ae_four_hour_performance").row(0, named=True)
    assert (four_hours["numerator"], four_hours["denominator"]) == (
        attendances - breaches,
        attendances,
    )
    count = rr8.filter(pl.col("measure") == "ae_type1_attendances").row(0, named=True)
    assert count["value"] == attendances
    provenance = (DEMO_DATA / "PROVENANCE.md").read_text()
    assert "Open Government Licence v3.0" in provenance
    assert AE_FILE.name in provenance
    assert "Open Government Licence v3.0" in AE_ATTRIBUTION
    assert "synthetic" in DEMO_NOTICE


def test_the_annotations_mark_what_changed_with_two_recalculations_and_one_exclusion(engine):
    load_demo(engine, local_admin("coach"))
    annotations = read_annotations(engine, local_admin("tester"))
    assert set(annotations["kind"]) == {"intervention", "pdsa", "context", "data_issue"}
    assert set(annotations["actor"]) == {"coach"}
    phases = annotations.filter("new_phase")
    assert phases.select("measure", "place", "period").rows() == [
        ("ae_under5_rate", BRADFORD, date(2022, 10, 1)),
        ("cyp_mh_wait_days", KIRKLEES, date(2023, 4, 1)),
    ]
    excluded = annotations.filter("exclude")
    assert excluded.select("measure", "place", "period", "kind").rows() == [
        ("breastfeeding_6_8_weeks", WAKEFIELD, date(2024, 1, 1), "data_issue")
    ]
    for reason in pl.concat([phases, excluded])["reason"]:
        assert len(reason) > 40
    # A context event for every place (no place), and a data issue for the missing month.
    assert annotations.filter(pl.col("place").is_null())["kind"].to_list() == ["context"]
    assert (
        annotations.filter(
            pl.col("kind") == "data_issue", pl.col("period") == date(2023, 8, 1)
        ).height
        == 1
    )


# --- stories of change and the past meeting ------------------------------------------------


def test_the_stories_are_labelled_illustrative_and_speak_in_all_four_voices(engine):
    load_demo(engine)
    stories = read_stories(engine, ADMIN, audience="internal")
    assert 8 <= stories.height <= 12
    for story in stories.iter_rows(named=True):
        assert story["title"].startswith("Illustrative: ")
        assert "Illustrative story written for the qi demo" in story["narrative"]
    assert set(stories["voice"]) == set(VOICES)
    assert set(stories["place"]) >= {BRADFORD, CALDERDALE, KIRKLEES, LEEDS, WAKEFIELD}
    assert set(stories["domains"].explode()) == {
        "healthy",
        "happy",
        "safe",
        "socially_connected",
        "learning_and_growing",
    }
    assert stories["participation"].n_unique() == 5
    assert stories["told_on"].max() <= date(2025, 3, 31)
    assert "illustrative" in STORIES_NOTICE and STORIES_NOTICE in DEMO_NOTICE


def test_the_stories_are_anonymised_each_with_a_consent_record_of_every_scope(engine):
    load_demo(engine)
    stories = read_stories(engine, ADMIN, audience="internal")
    assert stories["anonymised"].all()
    assert stories["consent_scope"].is_not_null().all()
    assert set(stories["consent_scope"]) == {"internal", "partnership", "public"}
    # One story's review is left due, to show how qi marks it.
    assert stories["consent_review_due"].sum() == 1
    seen = [
        read_stories(engine, ADMIN, audience=audience).height
        for audience in ("internal", "partnership", "public")
    ]
    assert seen[0] > seen[1] > seen[2] > 0


def test_every_story_is_linked_to_measures_over_the_months_it_speaks_to(engine):
    load_demo(engine)
    stories = read_stories(engine, ADMIN, audience="internal")
    links = story_links(engine)
    assert set(links["story_id"]) == set(stories["id"])
    assert links["period_start"].is_not_null().all()
    assert (links["period_end"] >= links["period_start"]).all()
    told = links.join(stories.select(pl.col("id").alias("story_id"), "told_on"), on="story_id")
    # A story speaks of what happened before it was told.
    assert (told["period_start"] <= told["told_on"]).all()
    assert set(links["measure"]) <= SYNTHETIC_MEASURES
    kirklees = read_stories(
        engine, ADMIN, audience="internal", places=KIRKLEES, voices="child_or_young_person"
    )
    assert "cyp_mh_wait_days" in kirklees["measures"].explode().to_list()


def test_a_parents_story_of_the_advice_hub_is_a_marker_on_bradfords_under_fives_chart(engine):
    load_demo(engine)
    markers = story_markers(engine, ADMIN, "ae_under5_rate", audience="internal", places=BRADFORD)
    parents = markers.filter(pl.col("voice") == "parent_or_carer", pl.col("place") == BRADFORD)
    assert parents.height == 1
    # The marker sits at the hub's opening, where the chart's second phase begins.
    assert parents["period"][0] == date(2022, 10, 1)
    # Leeds, the comparison, has its own story and it is not on Bradford's chart.
    assert set(markers["place"]) == {BRADFORD}
    leeds = story_markers(engine, ADMIN, "ae_under5_rate", audience="internal", places=LEEDS)
    assert set(leeds["place"]) == {LEEDS} and leeds.height == 1


def test_the_best_start_meeting_recorded_decisions_and_actions_against_measures_and_a_story(
    engine,
):
    load_demo(engine)
    meetings = read_meetings(engine, local_admin("tester"))
    assert meetings.height == 1
    meeting = meetings.row(0, named=True)
    assert meeting["initiative"] == BEST_START
    assert date(2025, 1, 1) <= meeting["held_on"] <= date(2025, 3, 31)
    assert "Illustrative" in meeting["notes"]
    actions = read_actions(engine, local_admin("tester"), meetings=meeting["id"])
    assert set(actions["kind"]) == {"decision", "action"}
    done_or_open = actions.filter(pl.col("kind") == "action")
    assert done_or_open["owner"].is_not_null().all()
    assert done_or_open["due_on"].is_not_null().all()
    assert sorted(done_or_open["status"]) == ["done", "done", "open", "open", "open"]
    assert actions["measure"].drop_nulls().len() >= 4
    on_a_story = actions.filter(pl.col("story_id").is_not_null())
    assert on_a_story.height == 1
    assert on_a_story["story"][0].startswith("Illustrative: ")


def test_the_next_meeting_starts_with_the_open_actions_carried_forward(engine):
    load_demo(engine)
    still_open = open_actions(engine, local_admin("tester"), initiative=BEST_START)
    assert still_open.height == 3
    next_meeting = add_meeting(
        engine,
        local_admin("tester"),
        title="Best Start stewardship group, March 2025",
        held_on=date(2025, 3, 12),
        initiative=BEST_START,
    )
    carried = carried_forward(engine, local_admin("tester"), next_meeting)
    assert carried["id"].to_list() == still_open["id"].to_list()
    review = meeting_review(
        engine, local_admin("tester"), initiative=BEST_START, since_day=date(2025, 3, 12)
    )
    assert set(still_open["id"]) <= set(review.actions["id"])
    assert review.stories.filter(pl.col("measure") == "ae_under5_rate").height == 4


# --- loading twice -----------------------------------------------------------------------------


def test_loading_twice_leaves_the_same_database(engine):
    first = load_demo(engine)
    before = snapshot(engine)
    second = load_demo(engine)
    assert snapshot(engine) == before
    assert first.observations_added == first.observations > 1800
    assert first.annotations_added == first.annotations
    assert (first.stories_added, first.meetings_added) == (first.stories, first.meetings)
    assert first.actions_added == first.actions
    assert (second.definitions_written, second.observations_added) == (0, 0)
    assert (second.observations_revised, second.annotations_added) == (0, 0)
    assert (second.stories_added, second.meetings_added, second.actions_added) == (0, 0, 0)
    counts = (
        read_stories(engine, ADMIN, audience="internal").height,
        read_meetings(engine, ADMIN).height,
    )
    assert counts == (first.stories, 1)
    assert read_actions(engine, local_admin("tester")).height == first.actions
    assert read_revisions(engine, local_admin("tester")).height == 0
    assert (
        read_uploads(engine, local_admin("tester")).height == 4
    )  # synthetic, A&E, experience, neighbourhoods
    assert "nothing changed" in second.render()


def test_the_demo_is_the_same_every_time():
    assert synthetic_observations().equals(synthetic_observations())


# --- the story it tells --------------------------------------------------------------------


def test_bradfords_advice_hub_shows_as_special_cause_improvement_then_a_lower_phase(engine):
    load_demo(engine)
    hub = date(2022, 10, 1)
    points = chart(engine, "ae_under5_rate", BRADFORD, annotations=False)
    before, after = points.filter(pl.col("period") < hub), points.filter(pl.col("period") >= hub)
    assert (before["point_type"] != "special_cause_improvement").all()
    assert (after["point_type"] == "special_cause_improvement").mean() > 0.8
    # With the coach's recalculation, two phases; the second centre is well below the first.
    phased = chart(engine, "ae_under5_rate", BRADFORD)
    centres = phased.group_by("phase").agg(pl.col("centre").first()).sort("phase")["centre"]
    assert len(centres) == 2
    assert centres[1] < 0.88 * centres[0]


@pytest.mark.parametrize(
    ("measure", "place", "start"),
    [
        ("cyp_asthma_admissions", BRADFORD, date(2022, 10, 1)),
        ("cyp_mh_wait_days", KIRKLEES, date(2023, 4, 1)),
        ("cyp_mh_wait_days", CALDERDALE, date(2024, 1, 1)),
        ("ehcp_within_20_weeks", KIRKLEES, date(2023, 9, 1)),
        ("breastfeeding_6_8_weeks", WAKEFIELD, date(2023, 1, 1)),
        ("days_between_u18_adult_ward_admissions", ICB, date(2023, 4, 1)),
    ],
)
def test_each_intervention_is_followed_by_special_cause_improvement(engine, measure, place, start):
    load_demo(engine)
    points = chart(engine, measure, place, annotations=False)
    improvement = points.filter(pl.col("point_type") == "special_cause_improvement")
    # A run or trend may take in the month before the change (its first point), no earlier.
    month_before = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    assert improvement["period"].min() >= month_before
    assert improvement.filter(pl.col("period") >= start).height >= 5


def test_kirklees_referrals_rise_which_is_neither_better_nor_worse(engine):
    load_demo(engine)
    points = chart(engine, "cyp_mh_referrals", KIRKLEES)
    after = points.filter(pl.col("period") >= date(2023, 4, 1))
    assert (after["point_type"] == "special_cause_neutral_high").sum() >= 10
    assert (
        not points["point_type"].is_in(["special_cause_improvement", "special_cause_concern"]).any()
    )


def test_wakefields_faulty_month_is_excluded_from_the_limits(engine):
    load_demo(engine)
    points = chart(engine, "breastfeeding_6_8_weeks", WAKEFIELD)
    excluded = points.filter("excluded")
    assert excluded["period"].to_list() == [date(2024, 1, 1)]
    assert excluded["value"][0] < points.filter(~pl.col("excluded"))["value"].min()


@pytest.mark.parametrize("measure", sorted(MONTHLY_SYNTHETIC))
def test_leeds_made_no_change_and_shows_only_common_cause_variation(engine, measure):
    load_demo(engine)
    points = chart(engine, measure, LEEDS)
    assert points.height >= 47
    assert (points["point_type"] == "common_cause").all()


# --- the command line and speed ---------------------------------------------------------------


def test_qi_demo_loads_the_demo_and_if_empty_skips_a_loaded_database(database_url):
    runner = CliRunner()
    loaded = runner.invoke(main, ["demo", "--db", database_url])
    assert loaded.exit_code == 0, loaded.output
    assert "12 measures, 1539 places, 4 initiatives" in loaded.output
    assert "synthetic" in loaded.output
    skipped = runner.invoke(main, ["demo", "--db", database_url, "--if-empty"])
    assert skipped.exit_code == 0, skipped.output
    assert "already has 12 measures; the demo was not loaded (--if-empty)" in skipped.output
    again = runner.invoke(main, ["demo", "--db", database_url])
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_qi_demo_if_empty_loads_an_empty_database_and_creates_its_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'qi.sqlite'}"
    result = CliRunner().invoke(main, ["demo", "--db", url, "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "12 measures" in result.output


def test_the_console_command_leaves_the_database_whole(tmp_path: Path):
    """Database commands end normally: SQLite folds its write-ahead log back into the file,
    so copying qi.sqlite alone copies everything."""
    import os
    import subprocess
    import sys

    qi = Path(sys.executable).with_name("qi")
    database = tmp_path / "qi.sqlite"
    env = {**os.environ, "QI_DATABASE_URL": f"sqlite:///{database}"}
    done = subprocess.run([str(qi), "demo"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wal = tmp_path / "qi.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert database.stat().st_size > 100_000


def test_two_change_ideas_with_three_and_two_cycles_each_marked_by_its_annotation(engine):
    from qi.demo.pdsa import CHANGE_IDEAS
    from qi.services.effects import change_points, effect_at
    from qi.store.pdsa import read_change_ideas, read_cycles

    load_demo(engine)
    ideas = read_change_ideas(engine, local_admin("tester")).sort("cycles", descending=True)
    assert ideas.select("name", "cycles").rows() == [
        ("Same-day children's advice", 3),
        ("Multi-agency EHC panel", 2),
    ]
    cycles = read_cycles(engine, local_admin("tester"))
    notes = dict(read_annotations(engine, local_admin("tester")).select("id", "text").iter_rows())
    for idea in CHANGE_IDEAS:
        ramp = cycles.filter(pl.col("change_idea") == idea.name)
        assert ramp["outcome"].to_list()[-1] == "adopt"
        for spec, linked in zip(idea.cycles, ramp["annotations"], strict=True):
            assert [notes[i][: len(spec.annotation)] for i in linked] == [spec.annotation]
    # The last advice cycle is the hub: a confirmed change point whose effect is a real step.
    hub = cycles.filter(pl.col("change_idea") == "Same-day children's advice")["annotations"][-1]
    assert (
        hub[0]
        in change_points(engine, local_admin("tester"), "ae_under5_rate", "E08000032")[
            "id"
        ].to_list()
    )
    found = effect_at(engine, local_admin("tester"), "ae_under5_rate", "E08000032", hub[0])
    level = found.effect.level_change
    assert level is not None and level.ci_high < 1 and level.p_value < 0.05  # a fall
