"""Published figures: a measure's values at the places you may see, as they would be published,
with small numbers controlled (``qi.access.outputs``; NHS Digital's secondary-care method by
default). What the viewer role sees of qi; for others, a check of a table before it goes out.
The control is the library's (``qi.services.outputs.for_output``); the page only shows it."""

import polars as pl
import streamlit as st

from qi.access.outputs import safe_csv
from qi.app.context import engine, measure_names, measures, place_names, series_index
from qi.app.identity import principal
from qi.services.outputs import for_output
from qi.store import read_series
from qi.store.access import audit_now
from qi.store.stories import read_stories
from qi.text import period_expr

st.title("Published figures")
st.caption(
    "Counts from 1 to 7 are shown as *, other counts rounded to the nearest 5, and rates "
    "made from small counts left out, so that no one can be singled out. The charts' "
    "calculations use the true values."
)
who = principal()
index = series_index()
if index.height == 0:
    st.info("There are no published figures you may see yet.")
    st.stop()
titles = measure_names()
codes = sorted(set(index["measure"]), key=lambda c: titles.get(c, c))
measure = st.selectbox("Measure", codes, format_func=lambda c: titles.get(c, c))
places = sorted(set(index.filter(pl.col("measure") == measure)["place"]))
series = read_series(engine(), measures=measure, places=places).select(
    "measure", "place", "period", "value", "numerator", "denominator"
)
kinds = dict(measures().select("code", "kind").iter_rows())
shown, policy = for_output(series, who, kinds, published=True)
names = place_names()
table = shown.select(
    pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
    period_expr("period", "month", "short").alias("Period"),
    pl.col("value").alias("Value"),
    *(pl.col(c).alias(c.title()) for c in ("numerator", "denominator") if c in shown.columns),
)
st.dataframe(table, hide_index=True, width="stretch")
st.caption(f"Disclosure control: {policy.name.replace('_', ' ')}.")


def downloaded() -> None:
    audit_now(
        engine(),
        who,
        "data.download",
        subject=f"published {measure}.csv"[:255],
        detail=f"{shown.height:,} rows; disclosure control: {policy.name}",
    )


st.download_button(
    "Download as CSV",
    safe_csv(shown),
    f"{measure}-published.csv",
    "text/csv",
    on_click=downloaded,
    icon=":material/table:",
)

# Stories of change about this measure whose consent allows the public to read them (the
# library decides: ``read_stories(..., audience="public")``), shown as text.
public = read_stories(engine(), who, audience="public", measures=measure)
if public.height:
    st.subheader("What people told us", anchor=False)
    st.dataframe(
        public.select(
            period_expr("told_on", "day", "short").alias("Told on"),
            pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
            pl.col("title").alias("Story"),
            pl.col("narrative").alias("In their words"),
        ),
        hide_index=True,
        width="stretch",
    )
