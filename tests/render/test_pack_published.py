"""The board pack for a published audience: small numbers controlled on the way out.

A count measure with months of 1 to 7 and unrounded counts above, at RXX beside the
partnership's measures (tests/partnership.py): the published pack's text has no count from
1 to 7 and no unrounded count in its tables, the charts draw the controlled values (gaps where
a count is small, said so under the chart), the limits and icons come from the stored values,
a viewer can only have the published pack (refused in the library, audited), and every pack
made is audited. Pages are rendered with pdftoppm and their text read with pdftotext.
"""

import re
import shutil
from datetime import date

import pytest
from click.testing import CliRunner

from qi.access import Grant, Principal, Refused, Scope, local_admin
from qi.cli import main
from qi.render.pack import board_pack
from qi.services.meeting import meeting_review
from qi.services.published import AudienceError, pack_review, published_review
from qi.store import connect, read_series, upgrade
from qi.store.access import read_audit
from tests.partnership import build, define, store_values

from .test_pack import inked, pages_as_png, pdf_text

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)
ADMIN = local_admin("Ada Admin")
VIEWER = Principal(
    "local:vera", "Vera Viewer", (Grant("viewer", Scope.place("RXX"), frozenset({"RXX"})),)
)
# Two years of a small count at RXX: small months (1 to 7), zeros, and unrounded counts.
SMALL = [3, 12, 0, 5, 23, 7, 48, 2, 13, 9, 6, 17, 1, 22, 4, 33, 8, 14, 0, 2, 26, 5, 11, 3]
UNROUNDED = sorted({v for v in SMALL if v > 7 and v % 5})


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('published') / 'qi.sqlite'}"
    engine = connect(url)
    upgrade(engine)
    build(engine)
    define(engine, "home_visits_missed", name="Home visits missed")
    store_values(engine, "home_visits_missed", "RXX", [float(v) for v in SMALL])
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def review(database):
    engine = connect(database)
    found = meeting_review(engine, local_admin("tester"), place="RXX", since_day=date(2024, 6, 1))
    engine.dispose()
    return found


def latest_cells(text: str) -> list[str]:
    return re.findall(r"Latest: (\S+)", text)


def test_the_published_pack_has_no_small_or_unrounded_count(database, review, tmp_path):
    engine = connect(database)
    published = pack_review(engine, ADMIN, review, "published")
    pdf = tmp_path / "published.pdf"
    board_pack(published, prepared_on=date(2024, 7, 8)).write(pdf)
    text = pdf_text(pdf)
    latest = latest_cells(text)
    assert "*" in latest  # home visits missed: 3 in the last month
    for cell in latest:
        assert cell == "*" or (float(cell.replace(",", "")) % 5 == 0), latest
    assert "Latest: 30" in text and "Latest: 10" in text  # waits 31, asthma 11: rounded
    assert "Published figures: counts from 1 to 7 are not shown" in text
    assert "not shown (gaps in the line)" in text
    # The same review, internal: the stored values, small and unrounded.
    internal = tmp_path / "internal.pdf"
    board_pack(pack_review(engine, ADMIN, review, "internal")).write(internal)
    inside = pdf_text(internal)
    assert {"3", "31", "11"} <= set(latest_cells(inside))
    assert "Published figures" not in inside
    # Every page of the published pack has content (looked at: artifacts of the session).
    for page in pages_as_png(pdf, tmp_path):
        assert inked(page) > 0.005, page.name
    engine.dispose()


def test_charts_draw_controlled_values_and_keep_the_stored_limits_and_icons(database, review):
    published = published_review(review, environ={})
    view = published.views["home_visits_missed"]
    drawn = view.points.sort("period")
    stored = review.views["home_visits_missed"].points.sort("period")
    expected = [None if 0 < v <= 7 else float(round(v / 5) * 5) for v in SMALL]
    assert drawn["value"].to_list() == expected
    assert drawn["suppressed"].to_list() == [0 < v <= 7 for v in SMALL]
    # Small counts: no centre or limits drawn (a mean of small counts gives them back) ...
    assert drawn["centre"].is_null().all() and drawn["upper_limit"].is_null().all()
    # ... while the icons and signals are those of the stored values, computed before.
    assert view.summary.equals(review.views["home_visits_missed"].summary)
    assert drawn["point_type"].to_list() == stored["point_type"].to_list()
    # A series without small counts keeps its limits (from the stored values).
    waits = published.views["waits"].points
    assert waits["upper_limit"].to_list() == review.views["waits"].points["upper_limit"].to_list()


def test_stored_data_is_not_touched(database, review):
    published_review(review, environ={})
    engine = connect(database)
    values = read_series(
        engine, local_admin("tester"), measures="home_visits_missed", places="RXX"
    ).sort("period")
    assert values["value"].to_list() == [float(v) for v in SMALL]
    engine.dispose()


def test_a_viewer_gets_only_the_published_pack_and_every_pack_is_audited(database, review):
    engine = connect(database)
    with pytest.raises(Refused, match="Vera Viewer may not see measures and their data"):
        pack_review(engine, VIEWER, review, "internal")
    published = pack_review(engine, VIEWER, review, "published")
    assert published.disclosure
    events = read_audit(engine, ADMIN, person="local:vera").reverse()
    assert events.select("action", "outcome").rows() == [
        ("data.read", "refused"),
        ("data.export", "done"),
    ]
    assert events["subject"][1] == "board pack (published): Trust RXX"
    with pytest.raises(AudienceError, match="choose one of: internal, published"):
        pack_review(engine, ADMIN, review, "public")
    engine.dispose()


def test_a_policy_of_none_for_a_measure_publishes_it_as_stored(review):
    published = published_review(
        review, environ={"QI_DISCLOSURE_MEASURES": "home_visits_missed=none"}
    )
    drawn = published.views["home_visits_missed"].points.sort("period")
    assert drawn["value"].to_list() == [float(v) for v in SMALL]
    assert not drawn["suppressed"].any()


def test_qi_report_for_a_published_audience(database, tmp_path):
    out = tmp_path / "pack.pdf"
    args = ["report", "--db", database, "--place", "RXX", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--audience", "published"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("published)")
    text = pdf_text(out)
    assert all(c == "*" or float(c.replace(",", "")) % 5 == 0 for c in latest_cells(text))
    for value in UNROUNDED:
        assert f"Latest: {value}" not in text
    events = read_audit(connect(database), ADMIN, action="data.export")
    assert events["subject"].str.starts_with("board pack (published)").any()


def test_qi_report_by_a_viewer_is_the_published_pack_of_what_they_may_see(database, tmp_path):
    from qi.store.access import add_grant, add_person

    engine = connect(database)
    person = add_person(engine, ADMIN, username="val", name="Val Viewer")
    add_grant(engine, ADMIN, person, "viewer", place="RXX")
    engine.dispose()
    out = tmp_path / "pack.pdf"
    args = ["report", "--db", database, "--place", "RXX", "--user", "val", "--out", str(out)]
    result = CliRunner().invoke(main, args)  # no --audience: a viewer's is published
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("published)")
    cells = latest_cells(pdf_text(out))
    assert cells and all(c == "*" or float(c.replace(",", "")) % 5 == 0 for c in cells)
    refused = CliRunner().invoke(main, [*args, "--audience", "internal"])
    assert refused.exit_code != 0
    assert "Val Viewer may not see measures and their data" in refused.output
