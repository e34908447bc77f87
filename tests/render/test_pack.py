"""The board pack PDF and ``qi report``: every page has content, every chart has alt text,
the page count is cover + matrix + one per measure + actions, and stories stay plain text.

Pages are rendered with ``pdftoppm`` and text read with ``pdftotext`` (Debian's poppler-utils).
"""

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from qi.access import local_admin
from qi.cli import main
from qi.render.pack import board_pack
from qi.services.meeting import meeting_review
from qi.store import add_initiative, connect, upgrade
from qi.store.stories import add_story
from tests.consent import consent
from tests.partnership import INITIATIVE, build

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)
SECRET = "Named child at Rose Street, not anonymised"


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('pack') / 'qi.sqlite'}"
    engine = connect(url)
    upgrade(engine)
    build(engine)
    add_story(
        engine,
        local_admin("tester"),
        title="Named story",
        narrative=SECRET,
        told_on=date(2024, 5, 1),
        voice="professional",
        consent=consent("professional"),
        anonymised=False,
        links=["waits"],
    )
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def pack(database):
    engine = connect(database)
    review = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    engine.dispose()
    return board_pack(review, prepared_on=date(2024, 7, 8))


def pages_as_png(pdf: Path, out: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page-*.png"))


def inked(png: Path) -> float:
    """The share of the page's pixels that are not white."""
    with Image.open(png) as image:
        histogram = image.convert("L").histogram()
    return 1 - sum(histogram[250:]) / sum(histogram)


def pdf_text(pdf: Path, layout: bool = True) -> str:
    """The PDF's text; ``layout=False``: in reading order, column by column."""
    return subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_the_pack_has_a_cover_the_matrix_a_page_per_measure_and_the_actions(pack, tmp_path):
    pdf = tmp_path / "pack.pdf"
    pack.write(pdf)
    pages = pages_as_png(pdf, tmp_path)
    assert len(pages) == pack.pages == 1 + 1 + 2 + 1
    for page in pages:
        assert inked(page) > 0.01, f"{page.name} is blank"
    text = pdf_text(pdf).split("\f")
    assert "Board pack: Healthy Start" in text[0] and "Since the last meeting" in text[0]
    assert "Places: Trust RXX and Trust RYY" in text[0]
    assert "Summary: measures by place" in text[1] and "Key to the icons" in text[1]
    assert "Special cause concern (high)" in text[1]
    assert text[2].lstrip().startswith("Waits over 18 weeks")
    assert "Asthma admissions" in text[3]
    assert "Actions and decisions" in text[4] and "Ask RXX why waits rose" in text[4]


def test_every_chart_carries_alt_text_saying_what_it_shows(pack):
    assert set(pack.alt_texts) == {"waits", "asthma_admissions"}
    # PDF strings escape parentheses: unescape them to read the /Alt entries.
    raw = pack.pdf.replace(b"\\(", b"(").replace(b"\\)", b")")
    for alt in pack.alt_texts.values():
        assert f"/Alt ({alt})".encode() in raw
    waits = pack.alt_texts["waits"]
    assert waits.startswith("Small multiples of the XmR (individuals) chart, one per place, of")
    assert "at Trust RXX and Trust RYY" in waits  # places by name, not code
    assert "Trust RXX: Special cause concern (high)" in waits
    assert pack.pdf.count(b"/Alt") >= 2 + 10  # two charts and the ten icons of the key


def test_stories_come_out_as_text_and_only_anonymised_ones_are_quoted(pack, tmp_path):
    pdf = tmp_path / "pack.pdf"
    pack.write(pdf)
    text = pdf_text(pdf)
    assert "<script>alert('x')</script>" in text
    assert "<b>Thank you</b>" in text
    assert SECRET not in text
    assert "not anonymised, so not quoted" in text


def test_each_chart_is_also_a_png(pack, tmp_path):
    written = pack.write(tmp_path / "pack.pdf", png_dir=tmp_path / "charts")
    names = sorted(p.name for p in written[1:])
    assert names == ["asthma_admissions.png", "waits.png"]
    for path in written[1:]:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width > 400


def test_qi_report_writes_the_pack_and_the_pngs(database, tmp_path):
    out = tmp_path / "out" / "pack.pdf"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--db",
            database,
            "--place",
            "RXX",
            "--since",
            "2024-06-01",
            "--out",
            str(out),
            "--png-dir",
            str(tmp_path / "png"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "5 pages, 2 measures" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == [
        "asthma_admissions.png",
        "waits.png",
    ]
    assert "Since 1 June 2024" in pdf_text(out)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            [],
            "--place CODE: the initiatives are: 'Healthy Start'; 'Other'. The places with data "
            "are: RXX (Trust RXX); RYY (Trust RYY); RZZ (Trust RZZ)",
        ),
        (["--initiative", "Nope"], "unknown initiative 'Nope'; the initiatives are: Healthy"),
        (["--place", "RXX", "--since", "June"], "is not a date; write it as YYYY-MM-DD"),
    ],
)
def test_qi_report_says_what_is_wrong(database, tmp_path, arguments, message):
    engine = connect(database)
    add_initiative(
        engine, local_admin("tester"), "Other", ["RZZ"]
    )  # two initiatives: which one is for the user to say
    engine.dispose()
    result = CliRunner().invoke(
        main, ["report", "--db", database, "--out", str(tmp_path / "x.pdf"), *arguments]
    )
    assert result.exit_code in (1, 2)
    assert message in result.output


def test_qi_report_makes_the_pack_of_the_only_initiative_when_none_is_named(tmp_path):
    url = f"sqlite:///{tmp_path / 'qi.sqlite'}"
    engine = connect(url)
    upgrade(engine)
    build(engine)
    engine.dispose()
    out = tmp_path / "pack.pdf"
    result = CliRunner().invoke(main, ["report", "--db", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 measures" in result.output
    assert INITIATIVE in pdf_text(out)


def test_names_not_codes_units_once_whole_words_overdue_and_only_standing_annotations(tmp_path):
    from qi.store.annotations import add_annotation, undo_annotation
    from qi.store.models import Measure

    url = f"sqlite:///{tmp_path / 'qi.sqlite'}"
    engine = connect(url)
    upgrade(engine)
    build(engine)
    with engine.begin() as connection:  # a unit already in the name, as the demo's measures
        connection.execute(
            Measure.__table__.update()
            .where(Measure.code == "waits")
            .values(name="Waits over 18 weeks (%)", unit="%")
        )
    withdrawn = add_annotation(
        engine,
        local_admin("tester"),
        measure="waits",
        place="RYY",
        period=date(2024, 2, 1),
        kind="context",
        text="Typed at the wrong month",
    )
    undo_annotation(engine, local_admin("tester"), withdrawn)
    add_story(
        engine,
        local_admin("tester"),
        title="Long story",
        narrative=" ".join(["unbelievably"] * 60),  # longer than a quote: cut after a word
        told_on=date(2024, 5, 2),
        voice="parent_or_carer",
        consent=consent("parent_or_carer"),
        anonymised=True,
        links=["waits"],
    )
    review = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    engine.dispose()
    pdf = tmp_path / "pack.pdf"
    board_pack(review, prepared_on=date(2024, 8, 15)).write(pdf)
    pages = [" ".join(page.split()) for page in pdf_text(pdf, layout=False).split("\f")]
    text = " ".join(pages)
    assert "Waits over 18 weeks (%)" in pages[2] and "(%) (%)" not in text
    assert "Trust RXX: " in pages[2] and "RXX:" not in text.replace("Trust RXX:", "")
    assert "1. January 2024, Trust RXX: Context event: New referral pathway" in pages[2]
    assert "Typed at the wrong month" not in text  # undone: it does not stand
    quote = pages[2]
    assert "unbelievably …" in quote and "unbelievabl …" not in quote
    [actions] = [page for page in pages if page.startswith("Actions and decisions")]
    assert "Ask RXX why waits rose" in actions and "Overdue" in actions  # due 31 July, open
    board_pack(review, prepared_on=date(2024, 7, 30)).write(pdf)  # the day before it is due
    assert "Overdue" not in pdf_text(pdf)
    assert "unbelievabl…" not in quote


def test_a_long_quote_is_cut_after_a_whole_word():
    from qi.render.pack import QUOTE_CHARACTERS, _quote

    words = "The peer supporter came round, sat with us and stayed. " * 12
    quoted = _quote(words)
    assert quoted.endswith(" …") and len(quoted) <= QUOTE_CHARACTERS + 2
    assert words.startswith(quoted.removesuffix(" …"))
    assert words[len(quoted.removesuffix(" …"))] == " "  # the next character starts a word
    assert _quote("Short, and whole.") == "Short, and whole."


def test_the_meeting_and_its_pack_leave_out_stories_whose_consent_does_not_reach_them(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'qi.sqlite'}")
    upgrade(engine)
    build(engine)
    overdue = date.today() - timedelta(days=800)  # consent given then: its review has passed
    for title, scope, given_on in (
        ("Shared with the partnership", "partnership", None),
        ("For internal learning only", "internal", None),
        ("Consent review overdue", "public", overdue),
    ):
        add_story(
            engine,
            local_admin("tester"),
            title=title,
            narrative=f"{title}: told at the clinic.",
            told_on=date(2024, 5, 1),
            voice="parent_or_carer",
            consent=consent("parent_or_carer", scope, given_on),
            anonymised=True,
            links=["waits"],
        )
    review = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    engine.dispose()
    shown = set(review.stories["title"])
    assert "Shared with the partnership" in shown
    assert not shown & {"For internal learning only", "Consent review overdue"}
    pdf = tmp_path / "pack.pdf"
    board_pack(review, prepared_on=date(2024, 8, 15)).write(pdf)
    text = " ".join(pdf_text(pdf, layout=False).split())
    assert "Shared with the partnership" in text
    assert "internal learning only" not in text and "review overdue" not in text
