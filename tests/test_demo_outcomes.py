"""The demo's outcomes and experience: measures with purposes and domains, two experience
measures from a few hundred synthetic answers, a selected story per domain, replies with one
input still waiting, and the participation level over six quarters."""

from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.demo import load_demo
from qi.demo.outcomes import EXPERIENCE_DIFFERENCE, EXPERIENCE_FAIRLY, MINIMUM_ANSWERS
from qi.services.review import measure_view
from qi.store import read_measures, read_series
from qi.store.feedback import read_participation, read_responses, read_selections, waiting_inputs
from qi.store.outcomes import read_purposes
from qi.store.surveys import read_answers
from qi.vocabulary.stories import DOMAINS


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from qi.store import open_store

    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'qi.sqlite'}")
    load_demo(engine)
    return engine


def test_every_demo_measure_has_a_purpose_and_domains(demo):
    purposes = read_purposes(demo)
    assert purposes.filter(pl.col("purpose").is_null()).height == 1  # A&E attendances: context
    assert set(purposes["purpose"].drop_nulls()) == {
        "need",
        "outcome",
        "performance",
        "improvement",
    }
    ehcp = purposes.filter(pl.col("measure") == "ehcp_within_20_weeks").row(0, named=True)
    assert ehcp["purpose"] == "performance" and "regulation 13" in ehcp["statutory_source"]
    assert set(purposes["domains"].explode().drop_nulls()) == set(DOMAINS)


def test_two_experience_measures_come_from_a_few_hundred_synthetic_answers(demo):
    answers = read_answers(demo, local_admin("tester"))
    assert 300 <= answers.height <= 1500
    assert answers["place"].n_unique() == 5 and answers["question"].n_unique() == 3
    definitions = read_measures(demo).filter(
        pl.col("code").is_in([EXPERIENCE_DIFFERENCE, EXPERIENCE_FAIRLY])
    )
    assert all("Synthetic" in d for d in definitions["definition"])
    series = read_series(demo, local_admin("tester"), measures=EXPERIENCE_DIFFERENCE)
    assert series.height == 5 * 12
    view = measure_view(demo, local_admin("tester"), EXPERIENCE_FAIRLY)
    small = view.points.filter(pl.col("denominator") < MINIMUM_ANSWERS)
    assert small.height > 0 and small["excluded"].all() and small["signal"].is_null().all()


def test_a_story_per_domain_is_selected_and_one_input_still_waits(demo):
    assert sorted(
        read_selections(demo, local_admin("tester"), status="selected", audience="internal")[
            "domain"
        ]
    ) == sorted(DOMAINS)
    assert read_responses(demo, local_admin("tester"), audience="internal").height >= 5
    assert set(read_responses(demo, local_admin("tester"), audience="internal")["kind"]) == {
        "changed",
        "not_yet",
    }
    waiting = waiting_inputs(demo, local_admin("tester"), date(2025, 3, 31), audience="internal")
    assert waiting.height == 1


def test_the_participation_level_over_six_quarters_reaches_level_three(demo):
    levels = read_participation(demo, local_admin("tester"))
    assert levels.height == 6
    assert levels["rank"].to_list() == sorted(levels["rank"].to_list())
    assert levels["rank"][-1] == 3
