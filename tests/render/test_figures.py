"""Making Data Count charts: what the spec holds and what Vega actually draws.

Points come from the engine on a zig-zag of 13 and 7 (mean 10, MDC limits 10 +/- 15.96), with
spikes set into it where a test needs a special cause. What is drawn is checked on Vega's
scenegraph (vl-convert, no browser): the marks, their number and their colours.
"""

import json
import re
from dataclasses import replace
from datetime import date

import polars as pl
import pytest
import vl_convert as vlc

from qi.charts import Chart, spc
from qi.render.figures import VL_VERSION, export, small_multiples, spc_chart

ZIGZAG = [13.0, 7.0] * 6
MONTHS = [date(2023 + i // 12, i % 12 + 1, 1) for i in range(36)]


def charted(values, place="A", **options) -> Chart:
    data = pl.DataFrame(
        {"measure": "m", "place": place, "period": MONTHS[: len(values)], "value": values},
        schema_overrides={"value": pl.Float64},
    )
    return spc(data, value="value", period="period", by=["measure", "place"], **options)


def proportion_chart() -> Chart:
    data = pl.DataFrame(
        {
            "place": "A",
            "period": MONTHS[:24],
            "seen": [40.0 + (i % 3) for i in range(23)] + [50.0],
            "eligible": [50.0] * 24,
        }
    )
    return spc(
        data,
        value="seen",
        denominator="eligible",
        period="period",
        by="place",
        chart="p",
        multiplier=100,
        direction="increase",
    )


def together(*charts: Chart) -> Chart:
    """Several places' charts as one result, as ``spc()`` gives them for several places."""
    return replace(charts[0], points=pl.concat([c.points for c in charts]))


def layers(chart) -> dict[str, dict]:
    return {layer["name"]: layer for layer in chart.to_dict()["layer"]}


def rows(spec: dict, data: dict) -> list[dict]:
    return spec["datasets"][data["name"]]


def drawn(chart) -> dict[str, list[dict]]:
    """Vega's scenegraph: for each named mark, its groups (one per path for a line)."""
    found: dict[str, list[dict]] = {}

    def walk(node):
        if isinstance(node, dict):
            name = node.get("name") or ""
            if node.get("marktype") and name.endswith("_marks"):
                found.setdefault(name.removesuffix("_marks"), []).append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(vlc.vegalite_to_scenegraph(chart.to_dict(), vl_version=VL_VERSION))
    return found


ANNOTATIONS = pl.DataFrame(
    {
        "measure": ["m", "m"],
        "place": ["A", "B"],
        "period": [MONTHS[12], MONTHS[3]],
        "kind": ["intervention", "context"],
        "text": ["Hub opened", "Elsewhere"],
        "new_phase": [True, False],
        "exclude": [False, False],
    }
)
STORIES = pl.DataFrame({"period": [MONTHS[18]], "title": ["How the hub cut waits"]})


def test_every_element_of_the_chart_is_its_own_layer():
    points = charted([*ZIGZAG, *ZIGZAG], target=12.0, direction="increase")
    chart = spc_chart(points, ANNOTATIONS, STORIES, show_2sigma=True, title="Waits")
    assert list(layers(chart)) == [
        "values",
        "centre",
        "upper_limit",
        "lower_limit",
        "upper_2sigma",
        "lower_2sigma",
        "target",
        "target_label",
        "points",
        "icons",
        "annotations",
        "annotation_labels",
        "stories",
    ]
    marks = {name: layer["mark"]["type"] for name, layer in layers(chart).items()}
    assert marks["centre"] == marks["upper_limit"] == marks["values"] == "line"
    assert (marks["annotations"], marks["annotation_labels"]) == ("rule", "text")
    assert (marks["icons"], marks["stories"]) == ("image", "point")


def test_what_is_absent_is_not_drawn():
    points = charted(ZIGZAG)
    assert list(layers(spc_chart(points, icons=False))) == [
        "values",
        "centre",
        "upper_limit",
        "lower_limit",
        "points",
    ]
    run = charted(ZIGZAG, chart="run")
    assert list(layers(spc_chart(run, icons=False))) == ["values", "centre", "points"]


def test_points_are_coloured_by_point_type():
    points = charted([*ZIGZAG, 40.0, *ZIGZAG, -20.0], direction="increase")
    chart = spc_chart(points)
    scale = layers(chart)["points"]["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colours == {
        "Common cause": "#A6A6A6",
        "Special cause improvement": "#00B0F0",
        "Special cause concern": "#E46C0A",
        "Special cause (high, neither better nor worse)": "#7030A0",
        "Special cause (low, neither better nor worse)": "#7030A0",
    }
    symbols = drawn(chart)["points"][0]["items"]
    by_height = sorted(symbols, key=lambda item: item["y"])
    assert by_height[0]["fill"] == "#00B0F0"  # the spike up: higher is better
    assert by_height[-1]["fill"] == "#E46C0A"  # the fall below the lower limit
    assert {item["fill"] for item in by_height[1:-1]} == {"#A6A6A6"}


def test_neutral_special_causes_are_purple():
    chart = spc_chart(charted([*ZIGZAG, 40.0]))
    symbols = drawn(chart)["points"][0]["items"]
    assert min(symbols, key=lambda item: item["y"])["fill"] == "#7030A0"


def test_a_phase_boundary_breaks_the_centre_and_limit_lines():
    points = charted([*ZIGZAG, *[v + 20 for v in ZIGZAG]], phases=[MONTHS[12]])
    marks = drawn(spc_chart(points, show_2sigma=True))
    for line in ("centre", "upper_limit", "lower_limit", "upper_2sigma", "lower_2sigma"):
        paths = marks[line]
        assert [len(path["items"]) for path in paths] == [12, 12], line
    centre_heights = [{round(item["y"], 3) for item in path["items"]} for path in marks["centre"]]
    assert all(len(heights) == 1 for heights in centre_heights)  # flat within a phase
    assert centre_heights[0] != centre_heights[1]  # and recalculated in the next
    assert [len(path["items"]) for path in marks["values"]] == [24]  # the values run on


def test_excluded_points_are_drawn_hollow():
    points = charted([*ZIGZAG[:6], 40.0, *ZIGZAG[6:]], exclude=[MONTHS[6]])
    symbols = drawn(spc_chart(points))["points"][0]["items"]
    spike = min(symbols, key=lambda item: item["y"])
    assert spike["fillOpacity"] == 0
    assert {item["fillOpacity"] for item in symbols if item is not spike} == {1}


def test_the_tooltip_gives_period_value_counts_rule_and_annotation():
    points = proportion_chart()
    annotations = ANNOTATIONS.with_columns(pl.lit(MONTHS[23]).alias("period")).drop("measure")
    chart = spc_chart(points, annotations)
    spec = chart.to_dict()
    tooltip = {t["field"]: t["title"] for t in layers(chart)["points"]["encoding"]["tooltip"]}
    assert tooltip == {
        "period": "Period",
        "value": "Value",
        "numerator": "Numerator",
        "denominator": "Denominator",
        "point_type": "Point type",
        "signal": "Rule",
        "annotation": "Annotation",
    }
    last = rows(spec, spec["data"])[-1]
    assert (last["value"], last["numerator"], last["denominator"]) == (100.0, 50.0, 50.0)
    assert last["signal"] == "Above the upper process limit"
    assert last["point_type"] == "Special cause improvement"
    # Place A's annotation, in words; place B's is not on this chart.
    assert last["annotation"] == (
        "Change idea or intervention: Hub opened (limits recalculated from here)"
    )
    assert rows(spec, spec["data"])[0]["annotation"] == "none"
    assert rows(spec, spec["data"])[0]["signal"] == "none (common cause variation)"


def test_counts_without_denominators_have_no_numerator_in_the_tooltip():
    chart = spc_chart(charted(ZIGZAG))
    fields = [t["field"] for t in layers(chart)["points"]["encoding"]["tooltip"]]
    assert "denominator" not in fields and "value" in fields


def test_the_target_is_a_red_dashed_line_at_the_target():
    chart = spc_chart(charted(ZIGZAG, target=12.0, direction="increase"))
    target = layers(chart)["target"]
    assert target["mark"]["color"] == "#DE1B1B" and target["mark"]["strokeDash"]
    assert target["encoding"]["y"]["field"] == "target"
    path = drawn(chart)["target"][0]["items"]
    assert len(path) == 12 and len({item["y"] for item in path}) == 1


def test_annotations_are_labelled_rules_at_their_period_for_this_place_only():
    chart = spc_chart(charted([*ZIGZAG, *ZIGZAG]), ANNOTATIONS)
    spec = chart.to_dict()
    rule = layers(chart)["annotations"]
    assert rows(spec, rule["data"]) == [
        {
            "period": "2024-01-01T00:00:00",
            "note": "Change idea or intervention: Hub opened (limits recalculated from here)",
            "text": "Hub opened",
            "label": "1",
            "row": 0,
        }
    ]
    assert layers(chart)["annotation_labels"]["encoding"]["text"]["field"] == "label"
    marks = drawn(chart)
    assert len(marks["annotations"][0]["items"]) == 1
    assert marks["annotation_labels"][0]["items"][0]["text"] == "1"
    # The key, in the subtitle, says each number's annotation in full.
    key = " ".join(line.strip() for line in spec["title"]["subtitle"][-2:])
    assert key == "1. Change idea or intervention: Hub opened (limits recalculated from here)"


def test_an_annotation_for_every_place_is_drawn_at_each_place():
    everywhere = ANNOTATIONS.with_columns(pl.lit(None, pl.String).alias("place")).head(1)
    chart = spc_chart(charted([*ZIGZAG, *ZIGZAG], place="C"), everywhere)
    assert len(drawn(chart)["annotations"][0]["items"]) == 1


def test_stories_are_markers_on_the_time_axis():
    chart = spc_chart(charted([*ZIGZAG, *ZIGZAG]), stories=STORIES)
    spec = chart.to_dict()
    story = layers(chart)["stories"]
    assert rows(spec, story["data"]) == [
        {"period": "2024-07-01T00:00:00", "title": "How the hub cut waits"}
    ]
    assert story["encoding"]["tooltip"]["field"] == "title"
    assert len(drawn(chart)["stories"][0]["items"]) == 1


def test_the_icons_are_drawn_and_named_in_words():
    points = charted([*ZIGZAG, 40.0], direction="increase", target=-10.0)
    chart = spc_chart(points, title="Waits", y_title="Days")
    assert layers(chart)["values"]["encoding"]["y"]["title"] == "Days"
    title = chart.to_dict()["title"]
    assert title["text"] == "Waits"
    assert title["subtitle"] == [
        "Special cause improvement (high)",
        "Consistently passes the target",
    ]
    images = drawn(chart)["icons"][0]["items"]
    assert len(images) == 2 and all(i["url"].startswith("data:image/svg+xml") for i in images)


def test_one_chart_draws_one_series():
    both = together(charted(ZIGZAG, "A"), charted(ZIGZAG, "B"))
    with pytest.raises(ValueError, match="one series.*small_multiples"):
        spc_chart(both)


def test_small_multiples_draw_each_place_titled_with_its_icons():
    points = together(
        charted([*ZIGZAG, 40.0], "A", direction="increase", target=12.0),
        charted([*ZIGZAG, 10.0], "B", direction="increase", target=12.0),
    )
    chart = small_multiples(points, columns=2)
    spec = chart.to_dict()
    assert spec["columns"] == 2
    assert spec["resolve"]["scale"]["y"] == "independent"
    assert spec["facet"]["sort"] == [
        "A\nSpecial cause improvement (high)\nHit and miss against the target",
        "B\nCommon cause variation\nHit and miss against the target",
    ]
    names = [layer["name"] for layer in spec["spec"]["layer"]]
    assert names[:5] == ["values", "centre", "upper_limit", "lower_limit", "target"]
    assert names[-2:] == ["variation_icon", "assurance_icon"]
    marks = drawn(chart)
    assert [len(group["items"]) for group in marks["points"]] == [13, 13]
    assert sum(len(group["items"]) for group in marks["variation_icon"]) == 2


def test_small_multiples_need_the_column_they_split_by():
    with pytest.raises(ValueError, match="no series column 'team'"):
        small_multiples(charted(ZIGZAG), by="team")


def test_charts_export_as_png_and_svg_without_a_browser():
    chart = spc_chart(charted(ZIGZAG, target=12.0, direction="increase"), title="Waits")
    png = export(chart, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = export(chart, "svg")
    assert svg.lstrip().startswith(b"<svg") and b"Waits" in svg
    assert export(small_multiples(charted(ZIGZAG)), "png").startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="choose one of"):
        export(chart, "pdf")


def _boxes(items: list[dict]) -> list[tuple[float, float]]:
    return sorted((item["bounds"]["x1"], item["bounds"]["x2"]) for item in items)


@pytest.mark.parametrize("width", [240, 380, 640, 1000])
def test_time_axis_labels_never_run_together_at_any_width(width):
    chart = spc_chart(charted([*ZIGZAG, *ZIGZAG, *ZIGZAG]), width=width, icons=False)
    scene = vlc.vegalite_to_scenegraph(chart.to_dict(), vl_version=VL_VERSION)
    labels = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("role") == "axis-label":
                labels.extend(i for i in node.get("items", []) if i.get("opacity", 1))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(scene)
    x_labels = [i for i in labels if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", str(i.get("text")))]
    assert len(x_labels) >= 2
    positions = sorted(i["x"] for i in x_labels)
    # A label ("Apr 2023" at 10 px) is 36 to 40 pixels wide, centred on its tick; Vega keeps
    # 12 pixels between neighbours as it measures them, so centres are 48 or more apart.
    assert all(b - a >= 48 for a, b in zip(positions, positions[1:], strict=False)), positions


def test_the_value_axis_says_the_unit_and_the_target_is_labelled_and_in_the_legend():
    chart = spc_chart(charted(ZIGZAG, target=12.0, direction="increase"), y_title="Per cent (%)")
    spec = chart.to_dict()
    assert layers(chart)["values"]["encoding"]["y"]["title"] == "Per cent (%)"
    stroke = layers(chart)["target"]["encoding"]["stroke"]
    assert stroke["scale"]["domain"] == ["Target 12"] and "legend" in stroke
    assert drawn(chart)["target_label"][0]["items"][0]["text"] == "Target 12"
    legends = json.dumps(vlc.vegalite_to_vega(spec, vl_version=VL_VERSION)["legends"])
    assert "Target 12" in json.dumps(spec) and '"stroke"' in legends


def test_tooltips_are_in_words_on_every_layer_that_has_one():
    chart = spc_chart(
        charted([*ZIGZAG, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0], direction="increase"),
        ANNOTATIONS,
        STORIES,
        title="Waits",
    )
    spec = chart.to_dict()
    for layer in spec["layer"]:
        tips = layer.get("encoding", {}).get("tooltip")
        tips = tips if isinstance(tips, list) else [tips] if tips else []
        for tip in tips:
            assert tip["title"][0].isupper(), tip  # a word, never the field's name
    words = {row["signal"] for row in rows(spec, spec["data"])}
    assert "Above the upper process limit" in words
    assert None not in words and not any("label" in str(w) for w in words)
    assert all(row["annotation"] is not None for row in rows(spec, spec["data"]))
    labels = layers(chart)["annotation_labels"]["encoding"]["tooltip"]
    assert labels == {"field": "note", "title": "Annotation", "type": "nominal"}


def test_a_selectable_chart_selects_the_period_of_the_point_clicked():
    chart = spc_chart(charted(ZIGZAG), selectable=True)
    [param] = chart.to_dict()["params"]
    assert param["name"] == "picked" and param["views"] == ["points"]
    assert param["select"]["fields"] == ["period"] and param["select"]["on"] == "click"
    assert "params" not in spc_chart(charted(ZIGZAG)).to_dict()
