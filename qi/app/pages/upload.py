"""Upload data: a locality team's CSV, Excel or Parquet file, checked, then stored whole or not at
all, and the history of every upload with its outcome."""

import json
from datetime import date

import polars as pl
import streamlit as st

from qi.app.context import (
    engine,
    forget_catalogue,
    initiatives,
    measures,
    open_measure,
    places,
    series_index,
)
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.widgets import plain
from qi.ingest import ingest_bytes, sheet_names
from qi.ingest.preview import LAYOUTS, Preview, preview_bytes
from qi.ingest.templates import (
    recent_periods,
    template,
    template_csv,
    template_excel,
    value_columns,
)
from qi.ingest.upload import Choices
from qi.store import read_series, read_uploads
from qi.text import count, period, period_expr
from qi.vocabulary.measures import MEASURE_KINDS, RATIO_KINDS

LAST_REPORT = "qi.upload.report"
REPORT_LINES = 100
OUTCOME_WORDS = {
    "stored": "Stored",
    "unchanged": "Already stored (nothing changed)",
    "rejected": "Rejected (nothing stored)",
}
CHOICE_LABELS = {
    "measure": "Measure of the whole file",
    "place": "Place of the whole file",
}


def example_file() -> pl.DataFrame:
    """The template of the first count measure with data, filled in with its last three stored
    values at its first place: a file that imports cleanly."""
    index = series_index()
    stored = measures().filter(pl.col("code").is_in(index.get_column("measure").to_list()))
    counted = stored.filter(~pl.col("kind").is_in(RATIO_KINDS))
    measure = (counted if counted.height else stored).row(0, named=True)
    place = index.filter(pl.col("measure") == measure["code"]).get_column("place").sort()[0]
    series = read_series(engine(), principal(), measures=measure["code"], places=place).tail(3)
    named = places().filter(pl.col("code") == place)
    fields = value_columns(measure["kind"])
    return template(
        measure,
        named,
        series.get_column("period").to_list(),
        {f: [_plain_number(v) for v in series.get_column(f).to_list()] for f in fields},
    )


def _plain_number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _keep_choice(field: str) -> None:
    """The measure or place chosen for the whole file, kept for the next file too."""
    st.session_state[f"qi.upload.chosen.{field}"] = st.session_state.get(f"qi.upload.{field}")


def named_code(names: dict[str, str]):
    """A selectbox's words for a code: "Leeds (E08000035)"."""

    def words(code: str) -> str:
        return f"{names.get(code, code)} ({code})"

    return words


def show_known() -> None:
    """Every measure and place qi knows, by code and name, and each measure's template."""
    with st.expander("Templates, and the measures and places qi knows"):
        catalogue = measures()
        if catalogue.height == 0:
            st.markdown("No measures yet: whoever runs qi adds them (`qi measures import`).")
            return
        names = dict(catalogue.select("code", "name").iter_rows())
        code = st.selectbox(
            "Template for measure",
            list(names),
            format_func=named_code(names),
            help="A file in exactly the form qi reads: fill in the values and upload it.",
        )
        measure = catalogue.filter(pl.col("code") == code).row(0, named=True)
        index = series_index()
        with_data = index.filter(pl.col("measure") == code).get_column("place").to_list()
        where = places().filter(pl.col("code").is_in(with_data)) if with_data else places()
        blank = template(
            measure, where, recent_periods(measure["frequency"] or "month", date.today())
        )
        left, right = st.columns(2)
        left.download_button(
            "Template (CSV)", template_csv(blank), f"qi-{code}.csv", "text/csv", on_click="ignore"
        )
        right.download_button(
            "Template (Excel)",
            template_excel(blank),
            f"qi-{code}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
        )
        st.markdown("**Measures** (write the code or the name in the measure column)")
        st.dataframe(
            catalogue.select(
                pl.col("code").alias("Code"),
                pl.col("name").alias("Name"),
                pl.col("unit").alias("Unit"),
                pl.col("kind")
                .replace_strict(
                    {k: MEASURE_KINDS[k] for k in MEASURE_KINDS}, default=pl.col("kind")
                )
                .alias("Kind"),
            ),
            hide_index=True,
            width="stretch",
        )
        st.markdown("**Places** (write the code or the name in the place column)")
        st.dataframe(
            places().select(
                pl.col("code").alias("Code"),
                pl.col("name").alias("Name"),
                pl.col("type").alias("Type"),
            ),
            hide_index=True,
            width="stretch",
        )


def show_report(report: dict) -> None:
    outcome = report["outcome"]
    where = plain(report["file"]) + (f", sheet {plain(report['sheet'])}" if report["sheet"] else "")
    kept = report.get("kept_missing", 0)
    kept_words = (
        f" {count(kept, 'cell')} kept as missing (suppressed or not available)." if kept else ""
    )
    if outcome == "stored":
        st.success(
            f"**{where}: stored.** {report['added']} new observation(s), {report['revised']} "
            f"revised (old values kept), {report['unchanged']} unchanged; "
            f"{report['warnings']} warning(s).{kept_words}"
        )
    elif outcome == "unchanged":
        st.info(f"**{where}: nothing changed.** Every value is already stored.{kept_words}")
    else:
        st.error(
            f"**{where}: rejected.** {report['errors']} error(s) and {report['warnings']} "
            f"warning(s) in {report['rows_read']} rows. Nothing was stored: fix the errors "
            "below and upload the file again."
        )
    show_problems(report["problems"])


def show_problems(problems: pl.DataFrame) -> None:
    if problems.height:
        st.markdown(
            "**Validation report**: every problem, where it is, and how to fix it; notes say "
            "which cells are kept as missing."
        )
        # A static table wraps long fixes instead of cutting them off; the same problem on many
        # rows is one line listing the rows.
        # Cells of a static table are Markdown: what came from the file is shown as typed (a
        # suppressed "*" is not a bullet, a link is not followed); qi's own fixes keep their
        # `code`.
        shown = problems.head(REPORT_LINES).fill_null("")
        from_file = pl.col(pl.String).exclude("Fix")
        st.table(
            shown.with_columns(from_file.map_elements(plain, return_dtype=pl.String)),
            hide_index=True,
        )
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
        pl.format("{} (in {} cells)", pl.col("problem"), pl.col("count"))
        .alias("Problem")
        .pipe(lambda e: pl.when(pl.col("count") > 1).then(e).otherwise(pl.col("problem"))),
        pl.col("fix").alias("Fix"),
    )


def show_preview(preview: Preview) -> None:
    """What the file holds and what storing it would do."""
    st.markdown("**Preview** (nothing is stored until you press the button below)")
    facts = []
    if preview.layout:
        facts.append(f"Layout: {LAYOUTS[preview.layout]}.")
    if preview.first_period is not None:
        facts.append(f"Periods: {period(preview.first_period)} to {period(preview.last_period)}.")
    if preview.can_store:
        facts.append(
            f"Storing it would add {count(preview.added, 'new observation')}, revise "
            f"{preview.revised} (old values kept) and leave {preview.unchanged} unchanged."
        )
    kept = preview.report.cells_kept_missing
    if kept:
        facts.append(f"{count(kept, 'cell')} kept as missing (suppressed or not available).")
    errors = preview.report.errors.height
    if errors:
        facts.append(f"{count(errors, 'error')} to fix first (listed below).")
    st.markdown(" ".join(facts) or "The file could not be read (see below).")
    if preview.first_rows.height:
        st.caption("The first rows as read (row numbers as in the file):")
        # An empty cell is shown empty (not "None").
        st.dataframe(preview.first_rows.fill_null(""), hide_index=True, width="stretch")
    if not preview.can_store or preview.report.problems.height:
        show_problems(problem_rows(preview.report))


st.title("Upload data")
st.markdown(
    "Drop the file your team keeps: **CSV**, **Excel** (choose the sheet) or **Parquet**, in "
    "long layout (measure, place, period, value; numerator and denominator for rates and "
    "percentages) or wide layout (one column per month). Measures and places may be written "
    "by code or by name; a file for one measure or one place needs no column for it. qi checks "
    "every cell and stores the file only when it has no errors: all of it or nothing."
)
if series_index().height:
    with st.expander("What a file looks like"):
        example = example_file()
        st.dataframe(example, hide_index=True)
        st.download_button(
            "Example CSV", template_csv(example), "qi-example.csv", "text/csv", on_click="ignore"
        )
show_known()

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
    first = preview_bytes(
        engine(), principal(), content, dropped.name, Choices(sheet=sheet, status=status)
    )
    chosen: dict[str, str | None] = {"measure": None, "place": None}
    if first.to_choose:
        st.markdown(
            "This file has no "
            + " and no ".join(f"{f} column" for f in first.to_choose)
            + ": choose "
            + ("them" if len(first.to_choose) > 1 else "it")
            + " for the whole file."
        )
        columns = st.columns(len(first.to_choose))
        options = {
            "measure": dict(measures().select("code", "name").iter_rows()),
            "place": dict(places().select("code", "name").iter_rows()),
        }
        for column, field in zip(columns, first.to_choose, strict=True):
            named = options[field]
            # The choice is kept apart from the widget: replacing the file runs the page once
            # with no file, which drops the state of the widgets it did not draw (the measure
            # chosen for the draft was lost for the corrected file).
            kept = st.session_state.get(f"qi.upload.chosen.{field}")
            chosen[field] = column.selectbox(
                f"{CHOICE_LABELS[field]} (required)",
                list(named),
                index=list(named).index(kept) if kept in named else None,
                format_func=named_code(named),
                placeholder=f"Choose the {field}",
                key=f"qi.upload.{field}",
                on_change=_keep_choice,
                args=(field,),
            )
    choices = Choices(sheet, chosen["measure"], chosen["place"], status)
    preview = (
        preview_bytes(engine(), principal(), content, dropped.name, choices)
        if chosen["measure"] or chosen["place"]
        else first
    )
    show_preview(preview)
    if st.button("Check and store", type="primary"):
        try:
            with st.spinner("Checking every cell..."):
                report = ingest_bytes(
                    engine(),
                    principal(),
                    content,
                    dropped.name,
                    sheet=sheet,
                    status=status,
                    measure=choices.measure,
                    place=choices.place,
                )
        except StoreError as error:
            st.warning(f"**{plain(dropped.name)}: not stored.** {plain(said(error))}.")
        else:
            forget_catalogue()
            st.session_state[LAST_REPORT] = report.to_dict() | {
                "problems": problem_rows(report),
                "series": preview.series[:1],
            }

if LAST_REPORT in st.session_state:
    last = st.session_state[LAST_REPORT]
    show_report(last)
    if last["outcome"] in ("stored", "unchanged") and last.get("series"):
        measure_code, place_code = last["series"][0]
        if st.button("See the chart", icon=":material/monitoring:"):
            # Within the first initiative that has both the place and the measure (else
            # every place).
            holding = [
                name
                for name, members, own in initiatives()
                .select("name", "places", "measures")
                .iter_rows()
                if place_code in members and measure_code in own
            ]
            open_measure(measure_code, place_code, holding[0] if holding else None)

st.subheader("Uploads so far")
uploads = read_uploads(engine(), principal())
if uploads.height == 0:
    st.markdown("None yet.")
else:
    # A report without an error count (survey answers) had none: stored whole or not at all.
    errors = [json.loads(r or "{}").get("errors", 0) for r in uploads.get_column("report")]
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
