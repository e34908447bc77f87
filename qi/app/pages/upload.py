"""Upload data: a locality team's CSV, Excel or Parquet file, checked, then stored whole or not at
all, and the history of every upload with its outcome."""

import json

import polars as pl
import streamlit as st

from qi.app.context import engine, forget_catalogue, measures, place_names
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.navigation import page_path
from qi.app.widgets import plain
from qi.ingest import ingest_bytes, sheet_names
from qi.store import read_uploads
from qi.text import period_expr

LAST_REPORT = "qi.upload.report"
REPORT_LINES = 100
OUTCOME_WORDS = {
    "stored": "Stored",
    "unchanged": "Already stored (nothing changed)",
    "rejected": "Rejected (nothing stored)",
}


def example_file() -> pl.DataFrame:
    stored = measures().head(2)
    places = list(place_names())[:1] or ["E08000035"]
    codes = stored.get_column("code").to_list() or ["your_measure"]
    return pl.DataFrame(
        {
            "measure": [codes[0]] * 3,
            "place": places * 3,
            "period": ["2025-04", "2025-05", "2025-06"],
            "value": [312, 298, 305],
        }
    )


def show_report(report: dict) -> None:
    outcome = report["outcome"]
    where = plain(report["file"]) + (f", sheet {plain(report['sheet'])}" if report["sheet"] else "")
    if outcome == "stored":
        st.success(
            f"**{where}: stored.** {report['added']} new observation(s), {report['revised']} "
            f"revised (old values kept), {report['unchanged']} unchanged; "
            f"{report['warnings']} warning(s)."
        )
    elif outcome == "unchanged":
        st.info(f"**{where}: nothing changed.** Every value is already stored.")
    else:
        st.error(
            f"**{where}: rejected.** {report['errors']} error(s) and {report['warnings']} "
            f"warning(s) in {report['rows_read']} rows. Nothing was stored: fix the errors "
            "below and upload the file again."
        )
    problems = report["problems"]
    if problems.height:
        st.markdown("**Validation report**: every problem, where it is, and how to fix it.")
        # A static table wraps long fixes instead of cutting them off; the same problem on many
        # rows is one line listing the rows.
        st.table(problems.head(REPORT_LINES).fill_null(""), hide_index=True)
        if problems.height > REPORT_LINES:
            st.caption(f"... and {problems.height - REPORT_LINES} more problems like these.")


def problem_rows(report) -> pl.DataFrame:
    """The report's problems, identical ones merged, with their rows listed."""
    grouped = report.grouped()
    return grouped.select(
        pl.col("severity").str.to_titlecase().alias("Severity"),
        pl.col("rows").list.eval(pl.element().cast(pl.String)).list.join(", ").alias("Row"),
        pl.col("column").alias("Column"),
        pl.col("value").alias("Value"),
        pl.col("problem").alias("Problem"),
        pl.col("fix").alias("Fix"),
    )


st.title("Upload data")
st.markdown(
    "Drop the file your team keeps: **CSV**, **Excel** (choose the sheet) or **Parquet**, in "
    "long layout (measure, place, period, value; numerator and denominator for rates and "
    "percentages) or wide layout (one column per month). qi checks every cell and stores the "
    "file only when it has no errors: all of it or nothing."
)
with st.expander("What a file looks like"):
    example = example_file()
    st.dataframe(example, hide_index=True)
    st.download_button(
        "Example CSV", example.write_csv(), "qi-example.csv", "text/csv", on_click="ignore"
    )

dropped = st.file_uploader("File", type=["csv", "txt", "xlsx", "xlsm", "parquet"])
if dropped is not None:
    content = dropped.getvalue()
    sheet = None
    if dropped.name.lower().endswith((".xlsx", ".xlsm")):
        try:
            sheets = sheet_names(content)
        except Exception:  # a broken workbook: the ingest report says what is wrong
            sheets = []
        if len(sheets) > 1:
            sheet = st.selectbox("Sheet", sheets, help="The sheet holding the measures.")
    status = st.radio(
        "These values are",
        ["final", "provisional"],
        horizontal=True,
        help="Provisional values can be revised by a later upload; the old value is kept.",
    )
    if st.button("Check and store", type="primary"):
        try:
            with st.spinner("Checking every cell..."):
                report = ingest_bytes(
                    engine(), principal(), content, dropped.name, sheet=sheet, status=status
                )
        except StoreError as error:
            st.warning(f"**{plain(dropped.name)}: not stored.** {plain(said(error))}.")
        else:
            forget_catalogue()
            st.session_state[LAST_REPORT] = report.to_dict() | {"problems": problem_rows(report)}

if LAST_REPORT in st.session_state:
    show_report(st.session_state[LAST_REPORT])
    if st.session_state[LAST_REPORT]["outcome"] == "stored":
        st.page_link(page_path("measures.py"), label="See the charts", icon=":material/monitoring:")

st.subheader("Uploads so far")
uploads = read_uploads(engine())
if uploads.height == 0:
    st.markdown("None yet.")
else:
    errors = [json.loads(r or "{}").get("errors") for r in uploads.get_column("report")]
    st.dataframe(
        uploads.with_columns(pl.Series("errors", errors, dtype=pl.Int64))
        .sort("id", descending=True)
        .select(
            period_expr("uploaded_at", "minute", "short").alias("When"),
            pl.col("file_name").alias("File"),
            pl.col("sheet").fill_null("").alias("Sheet"),
            pl.col("actor").alias("Who"),
            pl.col("outcome")
            .replace_strict(OUTCOME_WORDS, default=pl.col("outcome"))
            .alias("Outcome"),
            pl.col("rows_read").alias("Rows read"),
            pl.col("observations_added").alias("Added"),
            pl.col("observations_revised").alias("Revised"),
            pl.col("errors").alias("Errors"),
        ),
        hide_index=True,
        width="stretch",
        column_config={"File": st.column_config.TextColumn(width="medium")},
    )
