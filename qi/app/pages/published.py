"""Published figures: a measure's values at the places you may see, as they would be published,
with small numbers controlled (``qi.access.outputs``; NHS Digital's secondary-care method by
default). What the viewer role sees of qi; for others, a check of a table before it goes out.
The control is the library's (``qi.services.outputs.for_output``; for the board pack,
``qi.services.published.pack_review``); the page only shows it."""

import polars as pl
import streamlit as st

from qi.access import Refused
from qi.access.outputs import safe_csv
from qi.app.context import engine, measure_names, measures, place_names, series_index
from qi.app.identity import principal
from qi.render.pack import board_pack
from qi.services.compare import CompareError
from qi.services.meeting import meeting_review, review_subjects
from qi.services.outputs import for_output
from qi.services.published import comparable_in_pack, pack_comparisons, pack_review
from qi.services.review import ReviewError
from qi.store import read_series
from qi.store.access import audit_now
from qi.store.stories import read_stories
from qi.text import number, period_expr

PUBLISHED_PACK = "qi.published.pack"  # (subject, BoardPack): the last pack prepared

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
series = read_series(engine(), who, measures=measure, places=places, published=True).select(
    "measure", "place", "period", "value", "numerator", "denominator"
)
kinds = dict(measures().select("code", "kind").iter_rows())
shown, policy = for_output(series, who, kinds, published=True)
names = place_names()
definition = measures().filter(pl.col("code") == measure).row(0, named=True)
scale = definition["multiplier"] or 1.0  # values are stored as ratios: 0.918 is 91.8%
unit = None if scale == 100 else definition["unit"]
value_title = f"Value ({unit})" if unit else "Value"


def written(values: pl.Series, scale: float = 1.0, unit: str | None = None) -> pl.Series:
    """Numbers as people write them (thousands separated, a percentage as one), ``*`` and
    gaps as they are: the table is read; the CSV keeps the values."""
    return pl.Series(
        values.name,
        [
            v if v is None or v == "*" else number(float(v) * scale, unit)
            for v in values.cast(pl.String).to_list()
        ],
        pl.String,
    )


table = shown.select(
    pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
    period_expr("period", "month", "short").alias("Period"),
).with_columns(
    written(shown["value"], scale, "%" if scale == 100 else None).alias(value_title),
    *(
        written(shown[c]).alias(c.title())
        for c in ("numerator", "denominator")
        if c in shown.columns
    ),
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

st.header("Board pack for publication")
st.caption(
    "The board pack of an initiative or a place with the same control: small counts not "
    "shown (gaps in the charts, * in the tables), others rounded, limits only on charts "
    "without small counts; Compare places pages with places of small counts left out. "
    "Effect estimates are left out."
)
subjects = review_subjects(engine(), who)
choices = [("initiative", n) for n in subjects.initiatives] + [
    ("place", c) for c in subjects.places
]
subject = st.selectbox(
    "For",
    choices,
    format_func=lambda c: c[1] if c[0] == "initiative" else subjects.places[c[1]],
    key="qi.published.pack.subject",
)
if subject is not None and st.button(
    "Prepare the published board pack",
    icon=":material/picture_as_pdf:",
    key="qi.published.pack.prepare",
):
    with st.spinner("Drawing every chart and laying out the pages..."):
        try:
            review = meeting_review(
                engine(),
                who,
                published=True,
                initiative=subject[1] if subject[0] == "initiative" else None,
                place=subject[1] if subject[0] == "place" else None,
            )
            shown_review = pack_review(engine(), who, review, "published")  # audited
            compared = comparable_in_pack(engine(), who, review, "published")
            comparisons = pack_comparisons(engine(), who, review, compared, "published")
        except (Refused, ReviewError, CompareError) as error:
            st.warning(str(error))
        else:
            pack = board_pack(shown_review, comparisons=comparisons)
            st.session_state[PUBLISHED_PACK] = (subject, pack)
prepared = st.session_state.get(PUBLISHED_PACK)
if prepared is not None and prepared[0] == subject:
    st.download_button(
        f"Published board pack, PDF ({prepared[1].pages} pages)",
        prepared[1].pdf,
        f"board-pack-{subject[1]}-published.pdf".replace(" ", "-").replace(":", "").lower(),
        "application/pdf",
        on_click="ignore",  # preparing it was the export, audited by pack_review
        type="primary",
        icon=":material/download:",
        key="qi.published.pack.pdf",
    )
