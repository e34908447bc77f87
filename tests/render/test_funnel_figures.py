"""The funnel plot and the pack's Compare places page, on a small hierarchy stored for real."""

import json
import subprocess
from datetime import date

import pytest

from qi.access import local_admin
from qi.render.funnel_figures import funnel_chart
from qi.render.pack import board_pack
from qi.render.pack_compare import funnel_alt_text
from qi.services.compare import compare_places
from qi.services.meeting import meeting_review
from qi.store import connect, upgrade
from tests.partnership import INITIATIVE, build
from tests.store.test_places import JAN, _setup, _store


@pytest.fixture
def comparison(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'qi.sqlite'}")
    upgrade(engine)
    _setup(engine)
    # Three wards: W1 10 of 100 (10%), W2 40 of 100 (40%), W3 9 of 90 (10%).
    _store(
        engine,
        [
            ("L1", JAN, "all", 4, 50),
            ("L2", JAN, "all", 6, 50),
            ("L3", JAN, "all", 40, 100),
            ("L4", JAN, "all", 9, 90),
        ],
    )
    yield compare_places(engine, "seen_in_time", "ward", JAN, JAN), engine
    engine.dispose()


def test_the_funnel_names_its_layers_and_colours_places_by_improvement(comparison):
    found, _ = comparison
    # Three wards this different are over-dispersed: allowing for it, none stands out.
    assert found.adjusted and found.phi > 1
    assert found.places.select("name", "numerator", "denominator", "flag").rows() == [
        ("Place W1", 10.0, 100.0, "within"),
        ("Place W2", 40.0, 100.0, "within"),
        ("Place W3", 9.0, 90.0, "within"),
    ]
    spec = funnel_chart(found, width=500).to_dict()
    names = [layer.get("name") for layer in spec["layer"]]
    assert names[-3:] == ["target", "places", "labels"]
    assert spec["params"][0]["name"] == "place_pick"
    points = next(layer for layer in spec["layer"] if layer.get("name") == "places")
    scale = points["encoding"]["color"]["scale"]
    colour = dict(zip(scale["domain"], scale["range"], strict=True))
    # Higher is better for this measure: above the funnel is blue, below orange.
    assert colour["higher than expected, beyond the 99.8% limits"] == "#00B0F0"
    assert colour["lower than expected, beyond the 99.8% limits"] == "#E46C0A"
    assert json.dumps(spec).count("Place ") >= 3  # every place named (hover and label)


def test_the_pack_gains_a_compare_places_page_when_asked(comparison, tmp_path):
    found, engine = comparison
    build(engine)
    review = meeting_review(engine, local_admin("tester"), initiative=INITIATIVE)
    plain = board_pack(review, prepared_on=date(2024, 7, 8))
    asked = board_pack(review, prepared_on=date(2024, 7, 8), comparisons=(found,))
    assert asked.pages == plain.pages + 1
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(asked.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Compare places: Seen in time, wards, January 2025" in text
    assert "phi 8.19), so the limits allow for that" in text
    assert "Outside the limits: 0 places" in text
    assert funnel_alt_text(found).startswith("Funnel plot of Seen in time across 3 places")
