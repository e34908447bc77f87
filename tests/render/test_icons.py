"""qi's own variation and assurance icons: one for every icon the engine names, each in its
Making Data Count colour and each carrying its meaning in words."""

import base64
import xml.etree.ElementTree as ET

import pytest

from qi.charts.icons import ASSURANCE_ICONS, VARIATION_ICONS
from qi.render.icons import ICON_COLOURS, icon_data_url, icon_svg
from qi.vocabulary.points import ICON_LABELS

SVG = "{http://www.w3.org/2000/svg}"


def test_every_icon_the_engine_names_has_a_label_and_a_drawing():
    assert set(ICON_LABELS) == set(VARIATION_ICONS) | set(ASSURANCE_ICONS)
    assert ICON_LABELS["improvement_high"] == "Special cause improvement (high)"
    assert ICON_LABELS["common_cause"] == "Common cause variation"
    assert ICON_LABELS["consistent_pass"] == "Consistently passes the target"
    assert ICON_LABELS["inconsistent"] == "Hit and miss against the target"


@pytest.mark.parametrize("name", list(ICON_LABELS))
def test_each_icon_is_a_titled_svg_circle_in_its_colour(name):
    root = ET.fromstring(icon_svg(name))
    assert root.tag == f"{SVG}svg"
    assert root.get("aria-label") == root.find(f"{SVG}title").text == ICON_LABELS[name]
    circle = root.find(f"{SVG}circle")
    assert circle.get("stroke") == ICON_COLOURS[name]


@pytest.mark.parametrize(
    ("name", "colour", "letter"),
    [
        ("improvement_high", "#00B0F0", "H"),
        ("improvement_low", "#00B0F0", "L"),
        ("concern_high", "#E46C0A", "H"),
        ("concern_low", "#E46C0A", "L"),
        ("neutral_high", "#7030A0", "H"),
        ("consistent_pass", "#00B0F0", "P"),
        ("consistent_fail", "#E46C0A", "F"),
    ],
)
def test_special_cause_and_assurance_icons_carry_a_letter(name, colour, letter):
    root = ET.fromstring(icon_svg(name))
    assert ICON_COLOURS[name] == colour
    assert root.find(f"{SVG}text").text == letter


def test_high_and_low_icons_point_their_arrows_up_and_down():
    def arrow(name: str) -> str:
        return ET.fromstring(icon_svg(name)).find(f"{SVG}path").get("d")

    assert arrow("improvement_high") != arrow("improvement_low")
    assert arrow("improvement_high") == arrow("concern_high")


def test_the_data_url_holds_the_same_svg():
    url = icon_data_url("concern_low")
    assert url.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(url.split(",", 1)[1]).decode() == icon_svg("concern_low")


def test_an_unknown_icon_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="unknown icon 'sparkly'.*common_cause"):
        icon_svg("sparkly")
