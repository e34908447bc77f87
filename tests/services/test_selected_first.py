"""The panel's selected stories (Most Significant Change) come first beside a measure, in the
meeting review and so in the board pack."""

import pytest

from qi.access import local_admin
from qi.demo import load_demo
from qi.services.meeting import meeting_review
from qi.store import open_store

BRADFORD, AE_UNDER5 = "E08000032", "ae_under5_rate"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('msc') / 'qi.sqlite'}")
    load_demo(engine)
    return engine


def test_selected_stories_come_before_the_others_beside_a_measure(demo):
    review = meeting_review(demo, local_admin("tester"), place=BRADFORD, measures=[AE_UNDER5])
    titles = review.measure_stories(AE_UNDER5, BRADFORD).get_column("title").to_list()
    # By date the professional's story (June to September 2022) would come first.
    assert titles == [
        "Illustrative: a night at home instead of A&E",
        "Illustrative: the leaflet in Urdu came from us",
        "Illustrative: parents told us evenings were the problem",
    ]
