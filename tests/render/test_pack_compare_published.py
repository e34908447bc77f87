"""Compare places pages in a published board pack: only comparisons controlled for it
(``qi.services.published.published_comparison``), drawn without the places not shown, with
``*`` in the table and no count from 1 to 7 or unrounded count on the page; and ``qi report
--audience published --compare``. Six LSOAs with numerators 0, 3, 7, 8, 12 and 1,234 over
2,003 each (tests/services/test_compare_published.py), in a pack of RXX's review
(tests/render/test_pack_published.py)."""

import re
import shutil
from dataclasses import replace
from datetime import date

import polars as pl
import pytest
from click.testing import CliRunner

from qi.access import local_admin
from qi.cli import main
from qi.render.funnel_figures import funnel_chart
from qi.render.pack import board_pack
from qi.services.compare import InequalityView, compare_places
from qi.services.published import published_comparison, published_review
from qi.store import connect, upgrade
from tests.services.test_compare_published import DENOMINATOR, NUMERATORS, six_lsoas
from tests.store.test_places import JAN, _store

from .test_pack import pages_as_png, pdf_text
from .test_pack_published import database, review

__all__ = ["database", "review"]  # fixtures, shared with test_pack_published.py

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)
TESTER = local_admin("tester")
SMALL = [str(n) for n in NUMERATORS.values() if 0 < n <= 7]  # 3, 7
UNROUNDED = ["8", "12", "1,234", str(f"{DENOMINATOR:,}")]


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('six') / 'qi.sqlite'}"
    engine = connect(url)
    upgrade(engine)
    six_lsoas(engine)
    # Ward W1's own total (L1 and L2: 3 of 4,006), so a meeting of W1 has a measure.
    _store(engine, [("W1", JAN, "all", 3, 2 * DENOMINATOR)])
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def stored(url):
    engine = connect(url)
    found = compare_places(engine, TESTER, "seen_in_time", "lsoa", JAN, JAN)
    engine.dispose()
    return found


def compare_page(pdf) -> str:
    """The text of the pack's Compare places page."""
    pages = pdf_text(pdf).split("\f")
    return next(p for p in pages if "Compare places:" in p)


def numbers(text: str) -> set[str]:
    """The numbers on a page, but the threshold said in words and the footer's page number."""
    text = re.sub(r"from 1 to 7|page \d+", "", " ".join(text.split()))
    return set(re.findall(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?![\w,])", text))


def test_the_published_page_has_no_small_or_unrounded_count(review, stored, tmp_path):
    pdf = tmp_path / "published.pdf"
    pack = board_pack(
        published_review(review, environ={}),
        prepared_on=date(2024, 6, 30),
        comparisons=(published_comparison(stored, environ={}),),
    )
    pack.write(pdf)
    text = compare_page(pdf)
    rows = {m[0]: m[1:] for m in re.findall(r"(Place L\d)\s+(\S+)\s+(\S+)\s+(\S+)\s*$", text, re.M)}
    assert {p: r[:2] for p, r in rows.items()} == {
        "Place L1": ("0", "2,005"),
        "Place L2": ("*", "*"),
        "Place L3": ("*", "*"),
        "Place L4": ("10", "2,005"),
        "Place L5": ("10", "2,005"),
        "Place L6": ("1,235", "2,005"),
    }
    assert rows["Place L2"][2] == rows["Place L3"][2] == "*"
    assert rows["Place L6"][2] == "61.61"  # the stored counts' value: 1,234 of 2,003
    found = numbers(text)
    assert not found & {*SMALL, *UNROUNDED}, found & {*SMALL, *UNROUNDED}
    assert "Not shown: 2 places." in " ".join(text.split())
    assert "drawn at its rounded denominator" in " ".join(text.split())
    # The same comparison as stored, in an internal pack: the stored counts are there.
    internal = tmp_path / "internal.pdf"
    board_pack(review, comparisons=(stored,)).write(internal)
    assert {"3", "7", "1,234", "2,003"} <= numbers(compare_page(internal))
    pages = pages_as_png(pdf, tmp_path)
    assert len(pages) == pack.pages


def test_the_funnel_draws_no_point_for_a_place_not_shown(stored):
    published = published_comparison(stored, environ={})
    chart = funnel_chart(published, width=400, height=300).to_dict()
    drawn = next(layer for layer in chart["layer"] if layer.get("name") == "places")
    data = chart["datasets"][drawn["data"]["name"]]
    assert sorted(d["place"] for d in data) == ["L1", "L4", "L5", "L6"]
    assert {d["denominator"] for d in data} == {2005.0}  # at the rounded denominator


def test_a_published_pack_refuses_a_comparison_as_stored(review, stored):
    published = published_review(review, environ={})
    with pytest.raises(ValueError, match="Seen in time is as stored: a published board pack"):
        board_pack(published, comparisons=(stored,))
    controlled = published_comparison(stored, environ={})
    # Any inequality view (this one is empty): a published page takes none.
    nothing = pl.DataFrame()
    inequality = InequalityView("W1", "imd_quintile", nothing, None, nothing)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="without their inequality view"):
        board_pack(published, comparisons=((controlled, inequality),))
    plain = board_pack(published).pages
    assert board_pack(published, comparisons=((controlled, None),)).pages == plain + 1


def test_qi_report_adds_controlled_compare_places_pages_to_a_published_pack(url, tmp_path):
    out = tmp_path / "pack.pdf"
    args = ["report", "--db", url, "--place", "W1", "--compare", "seen_in_time"]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--audience", "published"])
    assert result.exit_code == 0, result.output
    assert "1 compared across places; published" in result.output
    text = compare_page(out)
    # W1's LSOAs: L1 (0 of 2,003) and L2 (3 of 2,003, not shown).
    assert re.search(r"Place L1\s+0\s+2,005\s+0\s*$", text, re.M), text
    assert re.search(r"Place L2\s+\*\s+\*\s+\*\s*$", text, re.M), text
    assert not numbers(text) & {"3", "2,003"}
    internal = CliRunner().invoke(main, [*args, "--out", str(out), "--audience", "internal"])
    assert internal.exit_code == 0, internal.output
    assert re.search(r"Place L2\s+3\s+2,003\s+0.15\s*$", compare_page(out), re.M)


def test_a_page_whose_places_are_all_small_draws_no_funnel(review, stored, tmp_path):
    small = replace(stored, places=stored.places.filter(pl.col("place").is_in(["L2", "L3"])))
    pdf = tmp_path / "small.pdf"
    board_pack(
        published_review(review, environ={}),
        comparisons=(published_comparison(small, environ={}),),
    ).write(pdf)
    text = " ".join(compare_page(pdf).split())
    assert "No place can be drawn: every place has too few events" in text
    assert "Not shown: 2 places." in text
    assert not numbers(text) & {*SMALL, *UNROUNDED}
