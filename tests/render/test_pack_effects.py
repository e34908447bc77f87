"""The board pack's "Did the change work?" pages and the PDSA cycles ended since the last
meeting, on the demo: the estimate at Bradford's advice hub (a confirmed change point)."""

import shutil
from datetime import date

import pytest

from qi.access import local_admin
from qi.demo import load_demo
from qi.demo.partnership import BEST_START
from qi.render.pack import board_pack
from qi.render.pack_effects import effect_alt_text
from qi.services.meeting import meeting_review
from qi.store import open_store

from .test_pack import pages_as_png, pdf_text

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('effects') / 'qi.sqlite'}")
    load_demo(engine)
    found = meeting_review(
        engine, local_admin("tester"), initiative=BEST_START, since_day=date(2022, 9, 1)
    )
    engine.dispose()
    return found


def test_the_review_carries_the_estimate_at_each_confirmed_change_point(review):
    [hub] = review.effects
    assert (hub.change, hub.place) == (date(2022, 10, 1), "E08000032")
    assert hub.effect.level_change is not None and hub.effect.level_change.estimate < 1
    assert review.cycles["name"].to_list() == [
        "Same-day children's advice, cycle 3",
        "Same-day children's advice, cycle 2",
    ]


def test_the_pack_has_a_page_per_estimate_and_one_for_the_cycles(review, tmp_path):
    pack = board_pack(review, prepared_on=date(2025, 3, 1))
    path = tmp_path / "pack.pdf"
    pack.write(path)
    pages = pdf_text(path).split("\f")
    [effect] = [p for p in pages if "Did the change work?" in p]
    assert "A&E attendances of under-5s per 1,000, Bradford" in effect
    assert "lower than the earlier trend predicted" in " ".join(effect.split())
    assert "Method: quasi-Poisson GLM" in effect
    # Right after the measure's own page, before the next measure's.
    before = pages[pages.index(effect) - 1]
    assert "A&E attendances of under-5s per 1,000" in before and "Did the change" not in before
    [cycles] = [p for p in pages if "PDSA cycles ended since 1 September 2022" in p]
    assert "Same-day children's advice, cycle 3" in cycles and "Predicted:" in cycles
    raw = pack.pdf.replace(b"\\(", b"(").replace(b"\\)", b")")
    assert f"/Alt ({effect_alt_text(review.effects[0])})".encode() in raw
    assert len(pages_as_png(path, tmp_path)) == pack.pages
