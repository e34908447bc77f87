"""SPC charts in the NHS Making Data Count style, as Altair charts, and their export.

Pure: ``spc()``'s points (and optionally annotations and stories) in, an Altair chart out; no
database and no statistics beyond asking the engine for a series' icons. Each element of the
chart is a named layer (``values``, ``points``, ``centre``, ``upper_limit``, ``lower_limit``,
``upper_2sigma``, ``lower_2sigma``, ``target``, ``annotations``, ``annotation_labels``,
``stories``, ``icons``) so pages and tests can find it. Lines that belong to a phase (centre,
limits) are drawn per phase, so no line crosses a phase boundary. Colour is never the only
signal: points carry their type in words in the legend and the tooltip, and every icon has its
label beside it.
"""

import json
import textwrap
from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl
import vl_convert as vlc

from qi.charts import Chart
from qi.charts.icons import POINT_TYPES
from qi.charts.phases import period_unit
from qi.render.colours import (
    ANNOTATION_INK,
    CENTRE_BLACK,
    LINE_GREY,
    POINT_TYPE_COLOURS,
    STORY_GREEN,
    TARGET_RED,
)
from qi.render.icons import COMMON_CAUSE_GREY, icon_data_url
from qi.text import number
from qi.text.signals import with_signal_words
from qi.vocabulary.annotations import ANNOTATION_EFFECTS, ANNOTATION_KINDS
from qi.vocabulary.points import ICON_LABELS, POINT_TYPE_LABELS

LIMIT_DASH = [6, 4]
SIGMA2_DASH = [2, 3]
TARGET_DASH = [10, 4]
ICON_SIZE = 40
LABEL_GAP = 12
# Annotation labels are laid out for the narrowest a chart is drawn on a page (a 1024-pixel
# screen), so that they never overlap however wide the chart is shown.
LABEL_LAYOUT_WIDTH = 380
LABEL_CHAR_WIDTH = 7.0
# The annotations' key is wrapped to lines that fit the narrowest chart.
KEY_LINE_CHARS = 64
LABEL_ROW_HEIGHT = 12
# The name of the point selection a page reads to annotate the period clicked.
PICKED = "picked"
NO_SIGNAL = "none (common cause variation)"
NO_ANNOTATION = "none"
EXPORT_FORMATS = ("png", "svg")
# Vega-Lite version of the installed Altair, "v6.4.1" -> "6.4", for vl-convert.
VL_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def _config() -> alt.Config:
    """A fresh config per chart (a shared one would change every chart when one is changed):
    month labels that would collide are thinned, legend labels are never cut short."""
    return alt.Config(
        legend=alt.LegendConfig(orient="bottom", labelLimit=0),
        # Labels closer than LABEL_GAP pixels are thinned (greedily), at any width drawn.
        axisX=alt.AxisConfig(labelOverlap="greedy", labelFlush=True, labelSeparation=LABEL_GAP),
        view=alt.ViewConfig(stroke=None),
    )


# The columns of the points a chart needs; the rest stay out of the spec.
_PHASE_LINES = ("centre", "upper_limit", "lower_limit", "upper_2sigma", "lower_2sigma")
_POINT_COLUMNS = (
    "value",
    "numerator",
    "denominator",
    *_PHASE_LINES,
    "target",
    "phase",
    "excluded",
)


def spc_chart(
    chart: Chart,
    annotations: pl.DataFrame | None = None,
    stories: pl.DataFrame | None = None,
    show_2sigma: bool = False,
    title: str | None = None,
    *,
    y_title: str | None = None,
    icons: bool = True,
    width: int = 640,
    height: int = 300,
    selectable: bool = False,
) -> alt.LayerChart:
    """One series as a Making Data Count chart.

    ``chart``: ``spc()``'s result for one series (one measure at one place).
    ``annotations``: frame with ``period`` and ``text`` (optionally ``place``, ``kind``,
    ``new_phase``, ``exclude``), such as ``read_annotations()``'s; drawn as labelled vertical
    rules and named in the tooltip of the point at that period.
    ``stories``: frame with ``period`` and ``title``; drawn as markers on the time axis.
    ``icons``: draw the variation and assurance icons to the right, labelled in the subtitle.
    ``y_title``: the value axis' title (the measure's unit, ``qi.text.unit_title``).
    ``selectable``: clicking a point selects its period (the selection named ``PICKED``).
    """
    points, keys, period = chart.points, list(chart.keys), chart.period
    if keys and points.select(keys).n_unique() > 1:
        raise ValueError(
            "spc_chart draws one series, but these points hold "
            f"{points.select(keys).n_unique()} ({', '.join(keys)}); filter them to one, "
            "or draw them with small_multiples()"
        )
    frame = _chart_frame(points, keys, period, annotations)
    time = _time_axis(points, period)
    layers = _series_layers(frame, time, show_2sigma, y_title)
    if selectable:
        points_layer = layers[-1]
        layers[-1] = points_layer.add_params(
            alt.selection_point(name=PICKED, fields=["period"], on="click", clear="dblclick")
        )
    subtitle: list[str] = []
    if icons and points.height:
        summary = chart.summary().row(0, named=True)
        names = [summary["variation_icon"], summary["assurance_icon"]]
        names = [n for n in names if n is not None]
        subtitle = [ICON_LABELS[n] for n in names]
        layers.append(_icon_layer(names, width))
    if annotations is not None and annotations.height:
        marked, key = _annotation_layers(annotations, points, keys, period, time)
        layers.extend(marked)
        subtitle += key
    if stories is not None and stories.height:
        layers.append(_story_layer(stories, time))
    # Built in one call: every chained Altair call deep-copies the chart, data and all.
    return alt.LayerChart(
        layer=layers,
        data=frame,
        width=width,
        height=height,
        title=alt.TitleParams(text=title or "", subtitle=subtitle, anchor="start")
        if title or subtitle
        else alt.Undefined,
        # The width fits the frame it is shown in; the height is the plot's, whatever the
        # title, key and legend take above and below it.
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        config=_config(),
    )


def small_multiples(
    chart: Chart,
    by: str = "place",
    columns: int = 3,
    *,
    show_2sigma: bool = False,
    width: int = 240,
    height: int = 150,
) -> alt.FacetChart:
    """The same chart for every ``by`` value (every place), each titled with that value and its
    variation and assurance icons in words, and drawn with the icons themselves."""
    points, keys, period = chart.points, list(chart.keys), chart.period
    if by not in keys:
        raise ValueError(f"no series column {by!r} in the points; choose one of: {keys}")
    summary = chart.summary()
    headers = summary.select(
        *keys,
        pl.concat_str(
            pl.col(by).cast(pl.String),
            pl.col("variation_icon").replace_strict(ICON_LABELS, default=None),
            pl.col("assurance_icon").replace_strict(ICON_LABELS, default=None),
            separator="\n",
            ignore_nulls=True,
        ).alias("_header"),
        _icon_urls("variation_icon").alias("_variation_icon"),
        _icon_urls("assurance_icon").alias("_assurance_icon"),
    )
    frame = _chart_frame(points, keys, period, None).join(
        headers, on=keys, how="left", maintain_order="left"
    )
    # Only each series' last row carries its icons, so the spec holds each icon once.
    is_last = pl.int_range(pl.len()).over(keys) == pl.len().over(keys) - 1
    frame = frame.with_columns(
        pl.when(is_last).then(pl.col(c)).alias(c) for c in ("_variation_icon", "_assurance_icon")
    )
    time = _time_axis(points, period)
    layers = _series_layers(frame, time, show_2sigma, None)
    for row, column in enumerate(("_variation_icon", "_assurance_icon")):
        layers.append(
            alt.Chart()
            .mark_image(width=ICON_SIZE * 0.7, height=ICON_SIZE * 0.7)
            .encode(
                url=alt.Url(f"{column}:N"),
                x=alt.XValue(width + 18),
                y=alt.YValue(14 + row * 32),
            )
            .transform_filter(f"isValid(datum.{column})")
            .properties(name=column.removeprefix("_"))
        )
    return alt.FacetChart(
        spec=alt.LayerChart(layer=layers, width=width, height=height),
        facet=alt.Facet(
            "_header:N",
            title=None,
            sort=headers.get_column("_header").to_list(),
            header=alt.Header(
                labelExpr="split(datum.value, '\\n')",
                labelAnchor="start",
                labelFontWeight="bold",
            ),
        ),
        columns=columns,
        data=frame,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        config=_config(),
    )


def export(chart: alt.TopLevelMixin, fmt: str) -> bytes:
    """The chart as a PNG (at twice the screen resolution, for board papers) or an SVG."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"cannot export a chart as {fmt!r}; choose one of: {EXPORT_FORMATS}")
    spec = chart.to_dict()
    if fmt == "png":
        return vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=2)
    return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION).encode()


# --- the chart's data --------------------------------------------------------------------------


def _period_text(points: pl.DataFrame, period: str, values: pl.Series) -> pl.Series:
    """Periods as Vega reads them: local date-times for dates, otherwise as they are."""
    if points.schema[period].is_temporal():
        return values.cast(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return values


def _chart_frame(
    points: pl.DataFrame, keys: list[str], period: str, annotations: pl.DataFrame | None
) -> pl.DataFrame:
    frame = points.select(
        *keys,
        _period_text(points, period, points.get_column(period)).alias("period"),
        *_POINT_COLUMNS,
        pl.col("point_type").cast(pl.String).replace_strict(POINT_TYPE_LABELS).alias("point_type"),
        _signal_words(points).alias("signal"),
        pl.when(pl.col("excluded")).then(0).otherwise(1).alias("fill"),
    )
    if annotations is None or annotations.height == 0 or points.height == 0:
        return frame.with_columns(pl.lit(NO_ANNOTATION).alias("annotation"))
    on = [k for k in keys if k == "place"] + ["period"]
    notes = (
        _annotation_notes(annotations, points, keys, period)
        .group_by(on)
        .agg(pl.col("note").str.join("; ").alias("annotation"))
    )
    return frame.join(notes, on=on, how="left", maintain_order="left").with_columns(
        pl.col("annotation").fill_null(NO_ANNOTATION)
    )


def _signal_words(points: pl.DataFrame) -> pl.Series:
    """Each point's signal as its rule set words it ("Seven or more points in a row above the
    centre line"), or that there is none."""
    if not {"rules", "signal", "signal_side"} <= set(points.columns):
        return points.get_column("signal_label").cast(pl.String).fill_null(NO_SIGNAL)
    worded = with_signal_words(points.select("rules", "signal", "signal_side"), "_words")
    return worded.get_column("_words").fill_null(NO_SIGNAL)


def _annotation_notes(
    annotations: pl.DataFrame, points: pl.DataFrame, keys: list[str], period: str
) -> pl.DataFrame:
    """One row per annotation on these points: place (if any), period text and note in words."""
    shown = annotations
    if "place" in keys:
        if "place" not in shown.columns:  # annotations without places apply everywhere
            shown = shown.with_columns(pl.lit(None, pl.String).alias("place"))
        places = points.get_column("place").unique()
        at_these_places = pl.col("place").is_null() | pl.col("place").is_in(places.implode())
        shown = shown.filter(at_these_places)
        expanded = [
            shown.filter(pl.col("place").is_not_null()),
            shown.filter(pl.col("place").is_null())
            .drop("place")
            .join(pl.DataFrame({"place": places}), how="cross")
            .select(shown.columns),
        ]
        shown = pl.concat(expanded)
    first, last = points.get_column(period).min(), points.get_column(period).max()
    shown = shown.filter(pl.col("period").is_between(first, last))
    kind = (
        pl.col("kind").replace_strict(ANNOTATION_KINDS, default=pl.col("kind")) + pl.lit(": ")
        if "kind" in shown.columns
        else pl.lit("")
    )
    flags = [
        pl.when(pl.col(flag)).then(pl.lit(f" ({words})")).otherwise(pl.lit(""))
        for flag, words in ANNOTATION_EFFECTS.items()
        if flag in shown.columns
    ]
    return shown.select(
        *([pl.col("place")] if "place" in keys else []),
        _period_text(shown, "period", shown.get_column("period")).alias("period"),
        pl.concat_str(kind, pl.col("text"), *flags).alias("note"),
        pl.col("text"),
        *([pl.col("new_phase")] if "new_phase" in shown.columns else []),
    )


def _icon_urls(column: str) -> pl.Expr:
    urls = {name: icon_data_url(name) for name in ICON_LABELS}
    return pl.col(column).replace_strict(urls, default=None, return_dtype=pl.String)


# --- the chart's layers ------------------------------------------------------------------------


def _time_axis(points: pl.DataFrame, period: str) -> alt.X:
    dtype = points.schema[period]
    if dtype.is_temporal():
        unit = period_unit(points.get_column(period))
        fmt = {"year": "%Y", "quarter": "%b %Y", "month": "%b %Y"}.get(unit or "", "%d %b %Y")
        return alt.X("period:T", title=None, axis=alt.Axis(format=fmt, labelAngle=0))
    kind = "Q" if dtype.is_numeric() else "O"
    return alt.X(f"period:{kind}", title=None, axis=alt.Axis(labelAngle=0))


def _series_layers(
    frame: pl.DataFrame, time: alt.X, show_2sigma: bool, y_title: str | None
) -> list[alt.Chart]:
    """Values, phase lines, target and points: the layers drawn from the points themselves."""
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    # The lines are not read out by a screen reader (aria=False): their accessible names
    # would be internal ("upper_limit: 66.2701441112; phase: 1"); the points carry the words
    # and the reading beside the chart says the centre line and limits.
    layers = [
        alt.Chart()
        .mark_line(color=COMMON_CAUSE_GREY, strokeWidth=1.5, aria=False)
        .encode(time, y)
        .properties(name="values")
    ]
    lines = ["centre", "upper_limit", "lower_limit"]
    if show_2sigma:
        lines += ["upper_2sigma", "lower_2sigma"]
    styles: dict[str, dict[str, Any]] = {
        "centre": {"color": CENTRE_BLACK, "strokeWidth": 1.5},
        "upper_limit": {"color": LINE_GREY, "strokeDash": LIMIT_DASH},
        "lower_limit": {"color": LINE_GREY, "strokeDash": LIMIT_DASH},
        "upper_2sigma": {"color": COMMON_CAUSE_GREY, "strokeDash": SIGMA2_DASH},
        "lower_2sigma": {"color": COMMON_CAUSE_GREY, "strokeDash": SIGMA2_DASH},
    }
    for line in lines:
        if frame.get_column(line).is_null().all():
            continue  # run charts have no limits
        layers.append(
            alt.Chart()
            .mark_line(**styles[line], aria=False)
            .encode(time, alt.Y(f"{line}:Q"), detail=alt.Detail("phase:N"))
            .properties(name=line)
        )
    if frame.get_column("target").is_not_null().any():
        layers.extend(_target_layers(frame, time))
    layers.append(_point_layer(frame, time, y))
    return layers


def _target_layers(frame: pl.DataFrame, time: alt.X) -> list[alt.Chart]:
    """The target: a red dashed line named in the legend, labelled at its right-hand end."""
    last = frame.filter(pl.col("target").is_not_null()).row(-1, named=True)
    label = f"Target {number(last['target'])}"
    line = (
        alt.Chart()
        .mark_line(color=TARGET_RED, strokeDash=TARGET_DASH, strokeWidth=1.5)
        .encode(
            time,
            alt.Y("target:Q"),
            stroke=alt.Stroke(
                "target_label:N",
                title=None,
                scale=alt.Scale(domain=[label], range=[TARGET_RED]),
                legend=alt.Legend(symbolType="stroke", symbolDash=TARGET_DASH),
            ),
            tooltip=[alt.Tooltip("target_label:N", title="Line")],
        )
        .transform_calculate(target_label=json.dumps(label))
        .properties(name="target")
    )
    end = pl.DataFrame({"period": [last["period"]], "target": [last["target"]], "label": [label]})
    text = (
        alt.Chart(end)
        .mark_text(align="right", baseline="bottom", dy=-3, fontSize=10, color=TARGET_RED)
        .encode(time, alt.Y("target:Q"), text=alt.Text("label:N"))
        .properties(name="target_label")
    )
    return [line, text]


def _point_layer(frame: pl.DataFrame, time: alt.X, y: alt.Y) -> alt.Chart:
    present = [
        POINT_TYPE_LABELS[t]
        for t in POINT_TYPES
        if POINT_TYPE_LABELS[t] in set(frame.get_column("point_type").to_list())
    ]
    colour = alt.Color(
        "point_type:N",
        title="Point type",
        scale=alt.Scale(
            domain=[POINT_TYPE_LABELS[t] for t in POINT_TYPES],
            range=[POINT_TYPE_COLOURS[t] for t in POINT_TYPES],
        ),
        legend=alt.Legend(values=present),
    )
    encoding: dict[str, Any] = time.to_dict()  # type: ignore[assignment]  # an encoding is a dict
    period_format = encoding.get("axis", {}).get("format")
    tooltip = [
        alt.Tooltip("period:T", title="Period", format=period_format)
        if encoding["type"] == "temporal"
        else alt.Tooltip("period", title="Period"),
        # As qi.text.number writes it (the reading beside the chart): 43.25, not 43.2485.
        alt.Tooltip("value:Q", title="Value", format=",.2~f"),
    ]
    if frame.get_column("denominator").is_not_null().any():
        tooltip += [
            alt.Tooltip("numerator:Q", title="Numerator", format=",~f"),
            alt.Tooltip("denominator:Q", title="Denominator", format=",~f"),
        ]
    tooltip += [
        alt.Tooltip("point_type:N", title="Point type"),
        alt.Tooltip("signal:N", title="Rule"),
        alt.Tooltip("annotation:N", title="Annotation"),
    ]
    # Excluded points are drawn hollow. A condition, not a field: an encoded field would be
    # read out by screen readers in every point's accessible name ("fill: 1").
    hollow_if_excluded = alt.condition("datum.fill == 0", alt.value(0), alt.value(1))
    return (
        alt.Chart()
        .mark_point(filled=True, size=45, strokeWidth=1.5)
        .encode(time, y, color=colour, fillOpacity=hollow_if_excluded, tooltip=tooltip)
        .properties(name="points")
    )


def _icon_layer(names: Sequence[str], width: int) -> alt.Chart:
    icons = [
        {"url": icon_data_url(n), "label": ICON_LABELS[n], "y": 22 + i * (ICON_SIZE + 8)}
        for i, n in enumerate(names)
    ]
    return (
        alt.Chart(pl.DataFrame(icons))
        .mark_image(width=ICON_SIZE, height=ICON_SIZE)
        .encode(
            url=alt.Url("url:N"),
            x=alt.XValue(width + ICON_SIZE // 2 + 12),
            y=alt.Y("y:Q", scale=None),
            tooltip=alt.Tooltip("label:N", title="Icon"),
        )
        .properties(name="icons")
    )


def _annotation_layers(
    annotations: pl.DataFrame,
    points: pl.DataFrame,
    keys: list[str],
    period: str,
    time: alt.X,
) -> tuple[list[alt.Chart], list[str]]:
    """A dashed rule at each annotation's period, numbered at its top, and the key: one line
    per number with the annotation in words, for the chart's subtitle (never cut short: a long
    annotation is wrapped onto more lines)."""
    notes = _annotation_notes(annotations, points, keys, period)
    if notes.height == 0:
        return [], []
    notes = notes.unique(["period", "note"], maintain_order=True).sort(
        "period", maintain_order=True
    )
    labels = [str(i) for i in range(1, notes.height + 1)]
    shares = _shares(notes.get_column("period"), points, period)
    data = notes.select("period", "note", "text").with_columns(
        pl.Series("label", labels, dtype=pl.String),
        pl.Series("row", _label_rows(shares, labels), dtype=pl.Int64),
    )
    rule = (
        alt.Chart(data)
        .mark_rule(color=ANNOTATION_INK, strokeDash=[3, 3])
        .encode(time, tooltip=alt.Tooltip("note:N", title="Annotation"))
        .properties(name="annotations")
    )
    numbers = (
        alt.Chart(data)
        .mark_text(
            align="left", dx=3, baseline="top", fontSize=11, fontWeight="bold", color=ANNOTATION_INK
        )
        .encode(
            time,
            y=alt.YValue(alt.ExprRef(f"2 + datum.row * {LABEL_ROW_HEIGHT}")),
            text=alt.Text("label:N"),
            tooltip=alt.Tooltip("note:N", title="Annotation"),
        )
        .properties(name="annotation_labels")
    )
    key = []
    for label, note in zip(labels, notes.get_column("note").to_list(), strict=True):
        key += textwrap.wrap(
            f"{label}. {note}",
            width=KEY_LINE_CHARS,
            subsequent_indent="    ",
            break_long_words=True,
        )
    return [rule, numbers], key


def _shares(at: pl.Series, points: pl.DataFrame, period: str) -> list[float]:
    """Where each period (as drawn: ``_period_text``) is along the time axis, 0 to 1."""
    drawn = _period_text(points, period, points.get_column(period))
    if points.schema[period].is_temporal():
        axis = drawn.str.to_datetime("%Y-%m-%dT%H:%M:%S").dt.epoch("s").cast(pl.Float64)
        where = at.str.to_datetime("%Y-%m-%dT%H:%M:%S").dt.epoch("s").cast(pl.Float64)
    elif points.schema[period].is_numeric():
        axis, where = drawn.cast(pl.Float64), at.cast(pl.Float64)
    else:
        order = {v: float(i) for i, v in enumerate(drawn.unique(maintain_order=True).to_list())}
        axis = pl.Series(list(order.values()))
        where = pl.Series([order.get(v, 0.0) for v in at.to_list()])
    first, last = axis.min(), axis.max()
    span = (last - first) or 1.0  # type: ignore[operator]
    return [(w - first) / span for w in where.to_list()]


def _label_rows(shares: list[float], labels: list[str]) -> list[int]:
    """A row for each annotation's number (in period order) such that no two numbers on one
    row overlap at ``LABEL_LAYOUT_WIDTH`` pixels."""
    ends: list[float] = []  # per row, where its last number ends (as a share of the width)
    rows = []
    for start, label in zip(shares, labels, strict=True):
        size = (len(label) * LABEL_CHAR_WIDTH + 6) / LABEL_LAYOUT_WIDTH
        row = next((i for i, end in enumerate(ends) if end < start), len(ends))
        if row == len(ends):
            ends.append(start + size)
        else:
            ends[row] = start + size
        rows.append(row)
    return rows


def _story_layer(stories: pl.DataFrame, time: alt.X) -> alt.Chart:
    frame = stories.select(
        _period_text(stories, "period", stories.get_column("period")).alias("period"),
        pl.col("title"),
    )
    return (
        alt.Chart(frame)
        .mark_point(shape="diamond", filled=True, size=110, color=STORY_GREEN)
        # At the foot of the plot as drawn (Vega's height signal), whatever room the page
        # gives the chart.
        .encode(
            time,
            y=alt.YValue(alt.ExprRef("height")),
            tooltip=alt.Tooltip("title:N", title="Story"),
        )
        .properties(name="stories")
    )
