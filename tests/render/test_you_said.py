"""The "You said, we did" PDF: plain words at a reading age of about 11, large type, tagged
(structure tree, language, title, outline) with alt text on its picture; read back with pypdf,
the structure tree has the title as H1, each section as H2, every paragraph as P and the
picture as a Figure, in reading order, and every piece of text drawn is inside one of them."""

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import textstat
from pypdf import PdfReader

from qi.access import local_admin
from qi.demo import load_demo
from qi.render.you_said import BUBBLES_ALT, you_said_we_did_pdf
from qi.services.feedback import YouSaidWeDid, you_said_we_did
from qi.store import open_store
from qi.store.feedback import RESPONSE_SCHEMA

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
    # The drop-in story waits for a reply, but its consent is not public: not counted here.
    assert digest.waiting == 0 and "We are still working on" not in text


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


def _structure(pdf: bytes) -> list[tuple[str, int, str, str | None]]:
    """The Document's elements in order: (type, page, the text marked as it, alt text), the
    text read from each page's content between the element's BDC and EMC."""
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    [document] = [k.get_object() for k in reader.trailer["/Root"]["/StructTreeRoot"]["/K"]]
    assert document["/S"] == "/Document"
    marked: dict[tuple[int, int | None], str] = {}
    for number, page in enumerate(reader.pages):
        current: list[int | None] = [None]

        def before(operator, operands, cm, tm, current=current):
            if operator == b"BDC":
                current[0] = operands[1]["/MCID"]
            elif operator == b"EMC":
                current[0] = None

        def text(shown, cm, tm, font, size, number=number, current=current):
            key = (number, current[0])
            marked[key] = marked.get(key, "") + shown

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    elements = []
    for kid in document["/K"]:
        element = kid.get_object()
        page = reader.get_page_number(element["/Pg"])
        [mcid] = element["/K"]
        words = " ".join(marked.pop((page, mcid), "").split())
        elements.append((element["/S"][1:], page, words, element.get("/Alt")))
    # Nothing drawn outside a tagged element (spaces and line breaks aside).
    assert not "".join(marked.values()).strip(), marked
    return elements


def test_headings_paragraphs_and_the_picture_are_tagged_in_reading_order(demo):
    digest = you_said_we_did(demo, local_admin("tester"), date(2025, 3, 31), initiative=BEST_START)
    found = _structure(you_said_we_did_pdf(digest))
    kinds = [kind for kind, *_ in found]
    assert kinds[:3] == ["H1", "Figure", "P"]
    assert found[0][2] == f"You said, we did: {BEST_START}"
    assert found[1][3] == BUBBLES_ALT
    headings = [words for kind, _, words, _ in found if kind == "H2"]
    assert headings == ["What we changed", "What we could not change yet", "What happens next"]
    # Each reply is two or three paragraphs (you said, we did, and how we told you).
    paragraphs = [words for kind, _, words, _ in found if kind == "P"]
    said = [p for p in paragraphs if p.startswith("You said:")]
    assert len(said) == digest.replies.height
    assert "Not yet: Leeds has no evening advice line yet." in " ".join(paragraphs)
    assert paragraphs[-1] == "Made on 31 March 2025."
    assert set(kinds) == {"H1", "H2", "P", "Figure"}  # no lists: replies are paragraphs


def test_a_paragraph_longer_than_a_page_is_split_into_one_p_per_page():
    reply = {column: None for column in RESPONSE_SCHEMA}
    long = " ".join(["We listened to you and we changed how the team works."] * 70)
    reply |= {"id": 1, "story_id": 1, "title": "Tell us more", "kind": "changed", "text": long}
    digest = YouSaidWeDid(
        subject="Calderdale",
        replies=pl.DataFrame([reply], schema=RESPONSE_SCHEMA),
        waiting=0,
        prepared_on=date(2025, 3, 31),
    )
    found = _structure(you_said_we_did_pdf(digest))
    parts = [(page, words) for kind, page, words, _ in found if "We listened" in words]
    pages = [page for page, _ in parts]
    assert len(parts) >= 2 and pages == sorted(set(pages))  # one P per page, in order
    assert " ".join(words for _, words in parts) == f"We did: {long}"


def test_what_still_waits_for_a_reply_is_said(tmp_path):
    digest = YouSaidWeDid(
        subject="Calderdale",
        replies=pl.DataFrame(schema=RESPONSE_SCHEMA),
        waiting=1,
        prepared_on=date(2025, 3, 31),
    )
    text = _text(you_said_we_did_pdf(digest), tmp_path)
    assert "We are still working on one thing you told us" in text
