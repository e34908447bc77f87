"""Compare places: a measure's places on a funnel plot at a chosen level and window, the table
of places with where each lies in words, a click through to a place's chart, and beside it the
inequality view (the measure by deprivation quintile, the gap over time, the SII and RII)."""

import polars as pl
import streamlit as st

from qi.app.context import (
    engine,
    measure_definition,
    measure_names,
    open_measure,
    place_names,
    series_index,
)
from qi.app.identity import principal
from qi.app.inequality_panel import find_inequality, inequality_section
from qi.render.figures import spc_chart
from qi.render.funnel_figures import PICK, funnel_chart
from qi.services.compare import (
    CompareError,
    compare_places,
    comparison_levels,
    comparison_measures,
    comparison_periods,
    place_view,
)
from qi.text import period
from qi.text.person_time import person_time_note
from qi.vocabulary.comparisons import COMPARISON_LEVELS

PLACE = "qi.compare.place"


st.title("Compare places")
st.caption(
    "A funnel plot puts every place against what chance alone would give a place of its size: "
    "the funnel narrows as places grow. Places outside the 99.8% limits differ from the rest; "
    "the rest do not, however a league table would rank them."
)
measures = comparison_measures(engine(), principal())
if not measures:
    st.info(
        "No measure can be compared yet: a funnel plot needs a proportion or a rate (a "
        "numerator over a denominator) stored at two or more places of a level (LSOAs, wards, "
        "local authorities)."
    )
    st.stop()
titles = measure_names()
left, middle, right = st.columns([3, 2, 3])
measure = left.selectbox(
    "Measure", measures, format_func=lambda c: titles.get(c, c), key="qi.compare.measure"
)
levels = comparison_levels(engine(), principal(), measure)
level = middle.selectbox(
    "Compare",
    levels,
    index=levels.index("ward") if "ward" in levels else 0,
    format_func=lambda lv: COMPARISON_LEVELS[lv],
    key="qi.compare.level",
    help="Places are summed up from the level the data are stored at: numerators and "
    "denominators added, never rates averaged.",
)
periods = comparison_periods(engine(), principal(), measure)
definition = measure_definition(measure)
unit = definition["frequency"]
if len(periods) > 1:
    start, end = right.select_slider(
        "Periods (summed)",
        options=periods,
        value=(periods[-1], periods[-1]),
        format_func=lambda p: period(p, unit),
        key=f"qi.compare.window.{measure}",  # each measure its own periods
    )
else:
    start = end = periods[0]
    right.markdown(f"Period: {period(start, unit)}")

try:
    comparison = compare_places(engine(), principal(), measure, level, start, end)
except CompareError as error:
    st.warning(str(error))
    st.stop()

names = place_names()
window = period(start, unit) + (f" to {period(end, unit)}" if end != start else "")
chart_column, side = st.columns([3, 2], gap="medium")
with chart_column:
    event = st.altair_chart(
        funnel_chart(
            comparison, title=f"{definition['name']}: {COMPARISON_LEVELS[level]}, {window}"
        ),
        theme=None,
        width="stretch",
        on_select="rerun",
        selection_mode=PICK,
        key=f"qi.compare.funnel.{measure}.{level}",
    )
    picked = (event.selection.get(PICK) or [{}])[0].get("place") if event else None
    if picked:
        st.session_state[PLACE] = picked
    outside = comparison.places.filter(pl.col("flag") != "within").height
    st.caption(
        f"{comparison.places.height} {COMPARISON_LEVELS[level]}; {outside} outside the 95% "
        "limits. Hover on a point for its name and reading; click it to open its chart below. "
        + (
            "A rate: the limits are exact Poisson limits around the overall rate (PHE's "
            "method), with no allowance for over-dispersion. "
            + person_time_note(definition["multiplier"] or 1.0, unit)
            if comparison.phi is None
            else "The places vary more than chance would make them (over-dispersion), so the "
            "limits allow for it; the light grey lines are the limits without it."
            if comparison.adjusted
            else "No over-dispersion: the limits are chance alone's."
        )
    )

place_codes = comparison.places.sort("name")["place"].to_list()
if st.session_state.get(PLACE) not in place_codes:
    st.session_state[PLACE] = comparison.places["place"][0]

with side:
    st.subheader("Inequality")
    area = st.session_state[PLACE]
    view = find_inequality(measure, area)
    if view is None:
        st.markdown(
            f"No deprivation breakdown of this measure is stored for "
            f"{names.get(area, area)} or the places it is in. Upload one with a breakdown "
            "column (imd_quintile:1 ... imd_quintile:5) to see it here."
        )
    else:
        inequality_section(view, definition, area)

st.subheader("Places and where they lie")
rate = comparison.method == "phe"
denominator = f"Person-time ({comparison.denominator_words})" if rate else "Denominator"
st.dataframe(
    comparison.places.select(
        pl.col("name").alias("Place"),
        pl.col("place").alias("Code"),
        pl.col("value").round(1).alias("Value"),
        pl.col("numerator").alias("Numerator"),
        pl.col("denominator").alias(denominator),
        pl.col("population").alias("Population"),
        pl.col("population_year").cast(pl.String).alias("Population year"),
        pl.col("reading").alias("Where it lies"),
    ),
    hide_index=True,
    width="stretch",
    column_config={
        c: st.column_config.NumberColumn(format="localized") for c in (denominator, "Population")
    },
)
sources = comparison.places["population_source"].drop_nulls().unique().sort().to_list()
st.caption(
    (
        f"Population: everyone living in the place. Source: {'; '.join(sources)}. A "
        "measure's denominator may count fewer people (children under 5, say)."
        if sources
        else "No populations are stored for these places (an admin adds them with "
        "`qi places populations`)."
    )
    + (
        f" The rate's denominator is person-time: {comparison.denominator_words}, each "
        "period's population added up over the periods chosen."
        if rate
        else ""
    )
)

st.subheader("A place's chart")
chosen = st.selectbox(
    "Place",
    place_codes,
    format_func=lambda c: names.get(c, c),
    key=PLACE,
    help="Or click a place on the funnel plot.",
)
try:
    view_over_time = place_view(engine(), principal(), measure, chosen)
except CompareError as error:
    st.warning(str(error))
    st.stop()
st.altair_chart(
    spc_chart(view_over_time.place_chart(chosen), title=names.get(chosen, chosen)),
    theme=None,
    width="stretch",
)
stored_here = (
    series_index().filter((pl.col("measure") == measure) & (pl.col("place") == chosen)).height
)
if stored_here and st.button("Open in Measures (annotate, phases, downloads)"):
    open_measure(measure, chosen)
