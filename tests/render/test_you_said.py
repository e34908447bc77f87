"""The "You said, we did" PDF: plain words at a reading age of about 11, large type, tagged
(structure tree, language, title, outline) with alt text on its picture."""

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import textstat

from qi.access import local_admin
from qi.demo import load_demo
from qi.render.you_said import BUBBLES_ALT, you_said_we_did_pdf
from qi.services.feedback import you_said_we_did
from qi.store import open_store

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)
BEST_START = "Best Start: healthy under-fives"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('ysw') / 'qi.sqlite'}")
    load_demo(engine)
    return engine


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "you-said.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return done.stdout


def test_the_pdf_says_what_changed_what_could_not_yet_and_what_happens_next(demo, tmp_path):
    digest = you_said_we_did(demo, local_admin("tester"), date(2025, 3, 31), initiative=BEST_START)
    text = _text(you_said_we_did_pdf(digest), tmp_path)
    assert "What we changed" in text and "What we could not change yet" in text
    assert "Peer supporters now phone every new family" in text
    assert "Not yet: Leeds has no evening advice line yet" in text
    assert "We are still working on one thing you told us" in text  # the drop-in story waits


@pytest.mark.parametrize("subject", [{"place": "E08000032"}, {"initiative": BEST_START}])
def test_it_reads_at_about_age_eleven(demo, tmp_path, subject):
    digest = you_said_we_did(demo, local_admin("tester"), date(2025, 3, 31), **subject)
    text = _text(you_said_we_did_pdf(digest), tmp_path)
    # Flesch-Kincaid grade 6 is a reading age of about 11 (US grade + 5); Flesch 70+ is
    # "fairly easy" or easier.
    assert textstat.flesch_kincaid_grade(text) <= 6.0
    assert textstat.flesch_reading_ease(text) >= 70


def test_it_is_tagged_with_language_title_outline_and_alt_text(demo):
    pdf = you_said_we_did_pdf(
        you_said_we_did(demo, local_admin("tester"), date(2025, 3, 31), place="E08000036")
    )
    assert b"/StructTreeRoot" in pdf and b"/Marked true" in pdf
    assert b"/Lang (en-GB)" in pdf
    assert b"/S /Figure" in pdf
    assert f"/Alt ({BUBBLES_ALT})".encode() in pdf
    assert b"/Outlines" in pdf
    assert re.search(rb"/Title \(You said, we did: Wakefield\)", pdf)


def test_the_text_is_large(demo, tmp_path):
    path = tmp_path / "you-said.pdf"
    path.write_bytes(
        you_said_we_did_pdf(
            you_said_we_did(demo, local_admin("tester"), date(2025, 3, 31), place="E08000032")
        )
    )
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    # A DejaVu Sans word's box is 1.164 times its size in points.
    heights = [
        float(b) - float(a)
        for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)
    ]
    sizes = [round(h / 1.164, 1) for h in heights]
    assert min(sizes) >= 14 and max(sizes) >= 26


def test_a_subject_is_a_place_or_an_initiative(demo):
    with pytest.raises(ValueError, match="a place or an initiative"):
        you_said_we_did(demo, local_admin("tester"), date(2025, 3, 31))
    with pytest.raises(ValueError, match="unknown place 'X'"):
        you_said_we_did(demo, local_admin("tester"), date(2025, 3, 31), place="X")
