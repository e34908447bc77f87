"""PDSA cycles on a measure's chart: each cycle's dates shaded behind the points, named at the
foot of the band, with its name, dates and state in the tooltip.

``with_cycles()`` adds the layers (``pdsa_cycles``, ``pdsa_cycle_labels`` and, stepping up so
neighbours do not overwrite each other, ``pdsa_cycle_labels_2`` and ``_3``) to a chart drawn by
``qi.render.figures.spc_chart()`` on its time axis; the spans come from
``qi.services.pdsa.cycle_spans()``. Pure: frames in, an Altair chart out.
"""

import altair as alt
import polars as pl

CYCLE_SHADE = "#41B6E6"  # NHS light blue, faint behind the points
CYCLE_OPACITY = 0.12
CYCLE_INK = "#005EB8"


def _when(column: str) -> pl.Expr:
    """Dates as Vega reads them on the chart's time axis (local date-times, as the points)."""
    return pl.col(column).cast(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S")


def with_cycles(chart: alt.LayerChart, spans: pl.DataFrame) -> alt.LayerChart:
    """``chart`` with each span (``cycle_spans()``: name, start, end, state) shaded behind its
    layers; the chart as it was when there are none."""
    if spans.height == 0:
        return chart
    data = spans.select(
        _when("start").alias("start"),
        _when("end").alias("end"),
        "name",
        pl.format("{} to {}", pl.col("start"), pl.col("end")).alias("dates"),
        "state",
        pl.format("PDSA {}", pl.col("name").str.extract(r"cycle (\d+)$")).alias("label"),
        # Labels of neighbouring cycles step up in three rows, above the story markers.
        (pl.int_range(pl.len()) % 3).alias("row"),
    )
    tooltip = [
        alt.Tooltip("name:N", title="PDSA cycle"),
        alt.Tooltip("dates:N", title="Dates"),
        alt.Tooltip("state:N", title="State"),
    ]
    band = (
        alt.Chart(data)
        .mark_rect(color=CYCLE_SHADE, opacity=CYCLE_OPACITY, stroke="white", strokeWidth=1.5)
        .encode(x=alt.X("start:T", title=None), x2=alt.X2("end:T"), tooltip=tooltip)
        .properties(name="pdsa_cycles")
    )
    labels = [
        alt.Chart(data.filter(pl.col("row") == row))
        .mark_text(
            align="left", baseline="bottom", dx=2, dy=-12 - 10 * row, fontSize=9, color=CYCLE_INK
        )
        .encode(
            x=alt.X("start:T", title=None),
            # At the foot of the plot as drawn (Vega's height signal), above the story markers.
            y=alt.YValue(alt.ExprRef("height")),
            text="label:N",
            tooltip=tooltip,
        )
        .properties(name="pdsa_cycle_labels" + (f"_{row + 1}" if row else ""))
        for row in (0, 1, 2)
        if data.filter(pl.col("row") == row).height
    ]
    # The chart as it was (its selections, size and autosize kept), with the cycles behind.
    shaded = chart.copy(deep=False)
    shaded.layer = [band, *chart.layer, *labels]
    return shaded
