"""The chart of an effect estimate: the observed points, the model's fitted line on each side
of the change, and the counterfactual (the earlier trend continued) dashed after it, with the
change marked. Pure: ``qi.services.effects.EffectAt.lines`` in, an Altair chart out. Layers are
named (``observed``, ``fitted``, ``counterfactual``, ``change``) so pages and tests find them.
"""

from datetime import date

import altair as alt
import polars as pl

from qi.render.figures import CENTRE_BLACK, LINE_GREY
from qi.render.icons import COMMON_CAUSE_GREY, IMPROVEMENT_BLUE
from qi.text.effects import COUNTERFACTUAL, FITTED, OBSERVED
from qi.text.periods import period


def effect_chart(
    lines: pl.DataFrame,
    change: date,
    *,
    title: str = "",
    y_title: str | None = None,
    width: int = 620,
    height: int = 320,
) -> alt.LayerChart:
    """``lines`` (period, observed, fitted, counterfactual, segment) as a chart; the
    counterfactual is drawn from the change on, dashed."""
    data = lines.with_columns(
        pl.col("period").cast(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S").alias("when")
    )
    after = data.filter(pl.col("period") >= change)
    x = alt.X("when:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    legend = alt.Color(
        "line:N",
        title=None,
        scale=alt.Scale(
            domain=[OBSERVED, FITTED, COUNTERFACTUAL],
            range=[COMMON_CAUSE_GREY, IMPROVEMENT_BLUE, CENTRE_BLACK],
        ),
        legend=alt.Legend(orient="bottom", labelLimit=0),
    )
    tooltip = [
        alt.Tooltip("when:T", title="Period", format="%b %Y"),
        alt.Tooltip("value:Q", title="Value", format=",.2~f"),
        alt.Tooltip("line:N", title="Line"),
    ]

    def long(frame: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
        return frame.select(
            "when", "segment", pl.col(column).alias("value"), pl.lit(name).alias("line")
        )

    observed = (
        alt.Chart(long(data, "observed", OBSERVED))
        .mark_point(filled=True, size=40)
        .encode(x, y, color=legend, tooltip=tooltip)
        .properties(name="observed")
    )
    fitted = (
        alt.Chart(long(data, "fitted", FITTED))
        .mark_line(strokeWidth=2)
        .encode(x, y, color=legend, detail="segment:N", tooltip=tooltip)
        .properties(name="fitted")
    )
    counterfactual = (
        alt.Chart(long(after, "counterfactual", COUNTERFACTUAL))
        .mark_line(strokeWidth=2, strokeDash=[6, 4])
        .encode(x, y, color=legend, tooltip=tooltip)
        .properties(name="counterfactual")
    )
    mark = pl.DataFrame(
        {"when": [f"{change:%Y-%m-%d}T00:00:00"], "label": [f"Change: {period(change)}"]}
    )
    rule = (
        alt.Chart(mark)
        .mark_rule(color=LINE_GREY, strokeDash=[3, 3])
        .encode(x=alt.X("when:T", title=None), tooltip=alt.Tooltip("label:N", title="Change"))
        .properties(name="change")
    )
    label = (
        alt.Chart(mark)
        .mark_text(align="left", dx=4, dy=8, fontSize=10, color=LINE_GREY)
        .encode(x=alt.X("when:T", title=None), y=alt.YValue(0), text="label:N")
    )
    return alt.LayerChart(
        layer=[rule, label, observed, fitted, counterfactual],
        width=width,
        height=height,
        title=alt.TitleParams(text=title, anchor="start") if title else alt.Undefined,
    )
