"""The funnel a board pack shows for a meeting (``meeting_comparison()``) and ``qi report
--compare``: the meeting's places, or the places within one place, at the latest period."""

import subprocess

import pytest
from click.testing import CliRunner

from qi.access import local_admin
from qi.cli import main
from qi.services.compare import CompareError, meeting_comparison
from qi.store import connect, upgrade
from tests.store.test_places import FEB, JAN, _setup, _store


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'qi.sqlite'}"
    engine = connect(url)
    upgrade(engine)
    _setup(engine)
    # LSOAs in January and February; authority A1's own total too (so it has a meeting).
    _store(
        engine,
        [
            ("L1", JAN, "all", 4, 50),
            ("L2", JAN, "all", 6, 50),
            ("L3", JAN, "all", 40, 100),
            ("L4", JAN, "all", 9, 90),
            ("L1", FEB, "all", 5, 50),
            ("L2", FEB, "all", 5, 50),
            ("L3", FEB, "all", 30, 100),
            ("L4", FEB, "all", 8, 90),
            ("A1", JAN, "all", 50, 200),
            ("A1", FEB, "all", 40, 200),
        ],
    )
    engine.dispose()
    return url


def test_a_meetings_places_are_compared_at_their_level_at_the_latest_period(url):
    engine = connect(url)
    found, inequality = meeting_comparison(
        engine, local_admin("tester"), "seen_in_time", ["W1", "W3", "A1"]
    )
    assert found.level == "ward" and found.start == found.end == FEB
    assert found.places.select("place", "numerator", "denominator").sort("place").rows() == [
        ("W1", 10.0, 100.0),
        ("W3", 8.0, 90.0),
    ]
    assert inequality is None
    engine.dispose()


def test_one_place_is_compared_by_the_places_within_it_else_among_its_peers(url):
    engine = connect(url)
    within, _ = meeting_comparison(engine, local_admin("tester"), "seen_in_time", ["A1"])
    assert within.level == "ward" and sorted(within.places["place"]) == ["W1", "W2"]
    peers, _ = meeting_comparison(engine, local_admin("tester"), "seen_in_time", ["W3"])
    assert sorted(peers.places["place"]) == ["W1", "W2", "W3"]
    with pytest.raises(CompareError, match="none of its places is one of the"):
        meeting_comparison(engine, local_admin("tester"), "seen_in_time", ["NOT_A_PLACE"])
    engine.dispose()


def test_qi_report_adds_a_compare_places_page_per_measure_asked(url, tmp_path):
    out = tmp_path / "pack.pdf"
    plain = CliRunner().invoke(main, ["report", "--db", url, "--place", "A1", "--out", str(out)])
    assert plain.exit_code == 0, plain.output
    result = CliRunner().invoke(
        main,
        ["report", "--db", url, "--place", "A1", "--compare", "seen_in_time", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "1 compared across places" in result.output
    pages = [int(line.split("(")[1].split()[0]) for line in (plain.output, result.output)]
    assert pages[1] == pages[0] + 1
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Compare places: Seen in time, wards, February 2025" in text


def test_qi_report_says_why_a_measure_cannot_be_compared(url, tmp_path):
    result = CliRunner().invoke(
        main,
        ["report", "--db", url, "--place", "A1", "--compare", "nothing", "--out", "x.pdf"],
    )
    assert result.exit_code != 0
    assert "--compare: unknown measure 'nothing'" in result.output
