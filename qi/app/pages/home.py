"""Home: what qi is, what is stored (and whether it is the demo), and the programmes."""

import polars as pl
import streamlit as st

from qi.app.context import (
    engine,  # noqa: I001  (kept last: opens the store)
    initiatives,
    measure_names,
    place_names,
    series_index,
)
from qi.app.identity import offered, principal
from qi.app.navigation import page_path
from qi.app.widgets import plain
from qi.demo import AE_ATTRIBUTION, DEMO_NOTICE, SYNTHETIC
from qi.store import read_uploads
from qi.text import count, period, period_range

st.title("qi")
st.markdown(
    "#### Quality improvement for place-based partnerships\n"
    "Charts of your measures over time that say what changed and when: statistical process "
    "control in the NHS Making Data Count style, with the changes you made marked on the "
    "chart, limits recalculated only when you say why, and every decision kept."
)

CARDS = (
    (
        "upload.py",
        "Upload data",
        ":material/upload_file:",
        "Locality teams: drop this month's CSV or Excel file. qi checks every cell and "
        "stores it whole, or tells you exactly what to fix.",
    ),
    (
        "measures.py",
        "Measures",
        ":material/monitoring:",
        "See a measure's chart with its icons and a reading in plain English, at one place "
        "or every place of an initiative side by side. Download charts for board papers.",
    ),
    (
        "annotate.py",
        "Annotate",
        ":material/edit_note:",
        "Improvement coaches: mark change ideas and PDSA cycles on the chart, confirm where "
        "the process changed, and recalculate the limits with a reason.",
    ),
)
PUBLISHED_CARD = (
    "published.py",
    "Published figures",
    ":material/public:",
    "The partnership's charts and readings as they are published, with small numbers "
    "controlled, and the board pack to download.",
)
# Only the pages this person is offered: a card they may not use would be an empty box. Someone
# who reads published figures only (a viewer) gets the card for those instead.
cards = [card for card in CARDS if offered(card[0])] or [
    card for card in (PUBLISHED_CARD,) if offered(card[0])
]
if cards:
    for column, (script, title, icon, words) in zip(
        st.columns(len(cards), border=True), cards, strict=True
    ):
        with column:
            st.page_link(page_path(script), label=f"**{title}**", icon=icon)
            st.markdown(words)

uploads = read_uploads(engine(), principal())
is_demo = uploads.get_column("file_name").str.starts_with("demo:").any()
if is_demo:
    st.info(DEMO_NOTICE, icon=":material/science:")

index = series_index()
names = place_names()
found = initiatives()
st.header("Programmes")
if found.height == 0 and index.height == 0:
    st.markdown("Nothing is stored yet: start by uploading a file of measures.")
for programme in found.iter_rows(named=True):
    in_programme = index.filter(
        pl.col("place").is_in(programme["places"]) & pl.col("measure").is_in(programme["measures"])
    )
    with st.container(border=True):
        st.markdown(f"##### {plain(programme['name'])}")
        facts = [count(len(programme["places"]), "place")]
        if programme["start_date"] is not None:
            facts.insert(0, f"started {period(programme['start_date'])}")
        if in_programme.height:
            first, last = in_programme["first_period"].min(), in_programme["last_period"].max()
            facts.append(f"data {period_range(first, last, style='short')}")
        if programme["outcome_domains"]:
            facts.append(f"outcomes: {programme['outcome_domains']}")
        st.caption(" · ".join(plain(f) for f in facts))
        description = (programme["description"] or "").removeprefix(SYNTHETIC).strip()
        description = description.replace(AE_ATTRIBUTION, "").strip()
        if description:
            st.markdown(plain(description))
        st.markdown("**Places:** " + plain(", ".join(names.get(p, p) for p in programme["places"])))
        titles = measure_names()
        st.markdown(
            "**Measures:** "
            + plain(
                ", ".join(sorted(titles.get(m, m) for m in programme["measures"]))
                or "none yet (link measures to it when you import them)"
            )
        )

if is_demo:
    st.caption(AE_ATTRIBUTION)
