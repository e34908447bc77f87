"""A funnel plot of places and the inequality charts, as Altair charts.

Pure: ``compare_places()``'s result (or ``inequality_view()``'s) in, an Altair chart out. Each
element is a named layer (``limits``, ``unadjusted_limits``, ``target``, ``places``,
``labels``) so pages and tests can find it. Places are coloured by where they lie against the
limits, in Making Data Count's colours read through the measure's improvement direction (blue
better than expected, orange worse, grey within); colour is never the only signal: the legend
and the tooltip say it in words, and every place is named on hover. Clicking a place selects it
(the selection ``place_pick``), which the app uses to open its chart.
"""

from typing import Literal

import altair as alt
import polars as pl

from qi.render.figures import CENTRE_BLACK, LINE_GREY, TARGET_DASH, _config
from qi.render.icons import COMMON_CAUSE_GREY, CONCERN_ORANGE, IMPROVEMENT_BLUE
from qi.services.compare import InequalityView, PlaceComparison
from qi.text import number, period_expr
from qi.text.person_time import rate_basis
from qi.vocabulary.comparisons import ADJUSTED_WORDS, FUNNEL_FLAGS

PICK = "place_pick"
LIMIT_WORDS = {"95": "95% limits", "998": "99.8% limits"}
LIMIT_DASHES = {"95": [6, 4], "998": [1, 0]}
UNADJUSTED_GREY = "#D0D0D0"
# Label every place when there are at most this many; beyond, the most extreme of those outside
# the 99.8% limits (every place is still named on hover).
LABEL_ALL_UP_TO = 30
MOST_LABELS = 15


# Between the 95% and 99.8% limits: a lighter tint of the same colour.
TINTS = {IMPROVEMENT_BLUE: "#8AD9F7", CONCERN_ORANGE: "#F2B285", LINE_GREY: "#BFBFBF"}


def _flag_colours(improvement: str) -> dict[str, str]:
    high, low = (
        (IMPROVEMENT_BLUE, CONCERN_ORANGE)
        if improvement == "up"
        else (CONCERN_ORANGE, IMPROVEMENT_BLUE)
        if improvement == "down"
        else (LINE_GREY, LINE_GREY)
    )
    return {
        "high_998": high,
        "high_95": TINTS[high],
        "within": COMMON_CAUSE_GREY,
        "low_95": TINTS[low],
        "low_998": low,
    }


def _curves(comparison: PlaceComparison, adjusted: bool, words: str) -> pl.DataFrame:
    return comparison.limits.filter(pl.col("adjusted") == adjusted).select(
        "denominator",
        "limit",
        "line",
        pl.col("line")
        .str.split("_")
        .list.last()
        .replace_strict(LIMIT_WORDS)
        .add(f" {words}")
        .alias("limits"),
    )


def funnel_chart(
    comparison: PlaceComparison,
    *,
    title: str | None = None,
    width: int | Literal["container"] = "container",
    height: int = 560,
    selectable: bool = True,
) -> alt.LayerChart:
    """The funnel plot: each place's value against its denominator, the 95% and 99.8% limits
    (adjusted for over-dispersion when the data show it, the unadjusted ones in light grey
    beside them), the overall value, and each place named on hover (and labelled).
    ``width``: pixels, or "container" (the page's width; give pixels for an image).
    ``height``: of the whole chart, its legends included."""
    measure = comparison.measure
    colours = _flag_colours(measure["improvement"])
    words = (
        ADJUSTED_WORDS
        if comparison.adjusted
        else "(exact Poisson)"
        if comparison.phi is None
        else "(no over-dispersion found)"
    )
    limits = _curves(comparison, comparison.adjusted, words)
    x = alt.X(
        "denominator:Q",
        title=f"Person-time ({comparison.denominator_words}: the population added up over the "
        "periods)"
        if comparison.method == "phe"
        else f"Denominator ({comparison.denominator_words}), summed over the periods",
        scale=alt.Scale(zero=True),
    )
    y_title = f"{measure['name']} (%)" if measure["multiplier"] == 100 else measure["name"]
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    limit_layer = (
        alt.Chart(limits, name="limits")
        .mark_line(color=CENTRE_BLACK, strokeWidth=1.2, clip=True)
        .encode(
            x=x,
            y=alt.Y("limit:Q", title=y_title, scale=alt.Scale(zero=False)),
            detail="line:N",
            strokeDash=alt.StrokeDash(
                "limits:N",
                title="Limits",
                legend=alt.Legend(columns=1, orient="top"),
                scale=alt.Scale(
                    domain=[f"{LIMIT_WORDS[lv]} {words}" for lv in ("95", "998")],
                    range=[LIMIT_DASHES["95"], LIMIT_DASHES["998"]],
                ),
            ),
            tooltip=[alt.Tooltip("limits:N", title="Line")],
        )
    )
    layers: list[alt.Chart] = []
    if comparison.adjusted:
        plain = _curves(comparison, False, "without allowing for over-dispersion")
        layers.append(
            alt.Chart(plain, name="unadjusted_limits")
            .mark_line(color=UNADJUSTED_GREY, strokeWidth=1, clip=True)
            .encode(
                x=x,
                y=alt.Y("limit:Q"),
                detail="line:N",
                tooltip=[alt.Tooltip("limits:N", title="Line")],
            )
        )
    layers.append(limit_layer)
    layers.append(
        alt.Chart(pl.DataFrame({"target": [comparison.target]}), name="target")
        .mark_rule(color=LINE_GREY, strokeDash=TARGET_DASH)
        .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Overall", format=".1f")])
    )
    # A place not shown in a published comparison (small numbers) has no point.
    places = comparison.places.filter(
        pl.col("value").is_not_null() & pl.col("denominator").is_not_null()
    ).with_columns(
        pl.col("value").map_batches(lambda v: pl.Series([number(x) for x in v])).alias("shown"),
        pl.col("flag").replace_strict(dict(FUNNEL_FLAGS)).alias("position"),
    )
    pick = alt.selection_point(name=PICK, fields=["place"], on="click", toggle=False)
    point = (
        alt.Chart(places, name="places")
        .mark_circle(size=70, opacity=0.9, stroke="white", strokeWidth=0.6)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "position:N",
                title="Where the place lies",
                legend=alt.Legend(columns=1, orient="bottom"),
                scale=alt.Scale(
                    domain=[FUNNEL_FLAGS[f] for f in FUNNEL_FLAGS],
                    range=[colours[f] for f in FUNNEL_FLAGS],
                ),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Place"),
                alt.Tooltip("place:N", title="Code"),
                alt.Tooltip("shown:N", title="Value"),
                alt.Tooltip("numerator:Q", title="Numerator", format=","),
                alt.Tooltip(
                    "denominator:Q",
                    title=comparison.denominator_words.capitalize()
                    if comparison.method == "phe"
                    else "Denominator",
                    format=",",
                ),
                alt.Tooltip("reading:N", title="Reading"),
            ],
            size=alt.condition(pick, alt.value(160), alt.value(70))
            if selectable
            else alt.value(70),
        )
    )
    if selectable:
        point = point.add_params(pick)
    layers.append(point)
    labelled = (
        places if places.height <= LABEL_ALL_UP_TO else places.filter(pl.col("flag") != "within")
    )
    layers.append(
        alt.Chart(labelled, name="labels")
        .mark_text(align="left", dx=6, dy=-6, fontSize=10, color=CENTRE_BLACK)
        .encode(x=x, y=y, text="name:N")
    )
    if comparison.phi is None:
        subtitle = (
            "Rates "
            + rate_basis(measure["multiplier"] or 1.0, measure["frequency"])
            + ": PHE's exact Poisson limits around the overall rate"
        )
    elif comparison.adjusted:
        subtitle = (
            f"Over-dispersion allowed for (phi {comparison.phi:.2f}); light grey lines: the "
            "limits without it"
        )
    else:
        subtitle = f"No over-dispersion found (phi {comparison.phi:.2f}): binomial limits"
    return alt.LayerChart(
        layer=layers,
        width=width,
        height=height,
        title=alt.TitleParams(text=title or "", subtitle=[subtitle], anchor="start"),
        config=_config(),
    )


def inequality_chart(
    view: InequalityView, measure: dict, *, width: int = 420, height: int = 260
) -> alt.Chart:
    """The measure by deprivation group over time: one line per group, 1 the most deprived."""
    frame = view.groups.with_columns(
        period_expr("period", measure["frequency"], style="short").alias("shown_period"),
        (
            pl.lit("Quintile " if view.kind == "imd_quintile" else "Decile ")
            + pl.col("group").cast(pl.String)
        ).alias("Group"),
    )
    return (
        alt.Chart(frame, name="groups", width=width, height=height, config=_config())
        .mark_line(point=True)
        .encode(
            x=alt.X("shown_period:O", title="Period", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "value:Q",
                title="%" if measure["multiplier"] == 100 else measure["unit"] or "value",
                scale=alt.Scale(zero=False),
            ),
            color=alt.Color(
                "Group:N",
                title="Deprivation (1 = most deprived)",
                scale=alt.Scale(scheme="blues", reverse=True),
                legend=alt.Legend(orient="bottom", columns=3),
            ),
            tooltip=[
                "Group:N",
                alt.Tooltip("shown_period:N", title="Period"),
                alt.Tooltip("value:Q", format=".1f"),
            ],
        )
    )
