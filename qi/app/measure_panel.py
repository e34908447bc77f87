"""One measure's chart with what belongs beside it, shared by the Measures and Annotate pages.

Everything drawn here comes from ``measure_view()`` (points, summary, annotations, reading) and
``qi.render.figures`` (the chart). The phase table only picks each phase's first row of the
engine's points: the centre and limits are the engine's.
"""

import io
from dataclasses import replace
from datetime import date

import altair as alt
import polars as pl
import streamlit as st

from qi.access.outputs import safe_csv
from qi.app.context import Scope, engine, measures, place_names
from qi.app.identity import principal
from qi.app.widgets import icon_with_meaning, plain
from qi.charts import SPCInputError
from qi.render.cycles import with_cycles
from qi.render.figures import export, small_multiples, spc_chart
from qi.services.outputs import for_output
from qi.services.pdsa import cycle_spans
from qi.services.review import MeasureView, ReviewError, measure_settings, measure_view
from qi.store.access import audit_now
from qi.text import number, period, unit_title
from qi.vocabulary.charts import CHART_TYPES, RULE_SETS

DATA_COLUMNS = (
    "measure",
    "place",
    "period",
    "value",
    "numerator",
    "denominator",
    "phase",
    "excluded",
    "centre",
    "lower_limit",
    "upper_limit",
    "lower_2sigma",
    "upper_2sigma",
    "target",
    "point_type",
    "signal_label",
    "chart",
    "rules",
)
CHART_WIDTH = 620
CHART_HEIGHT = 380


def chart_settings(definition: dict, columns=None) -> tuple[str, str, bool]:
    """Chart type, rule set and 2-sigma pickers, defaulting from the measure's definition.

    Their keys carry the measure's code, so choosing another measure starts from its own
    defaults again.
    """
    chart, rules = measure_settings(definition)
    code = definition["code"]
    left, middle, right = columns or st.columns([3, 3, 2], vertical_alignment="bottom")
    chart = left.selectbox(
        "Chart type",
        list(CHART_TYPES),
        index=list(CHART_TYPES).index(chart),
        format_func=lambda c: (
            CHART_TYPES[c].title + (" (this measure's default)" if c == chart else "")
        ),
        key=f"qi.chart.{code}",
        help=f"Defaults from the measure's definition. {CHART_TYPES[chart].title}: "
        f"{CHART_TYPES[chart].description}",
    )
    rules = middle.selectbox(
        "Rule set",
        list(RULE_SETS),
        index=list(RULE_SETS).index(rules),
        format_func=lambda r: RULE_SETS[r].title,
        key=f"qi.rules.{code}",
        help="Which special-cause rules judge the points.",
    )
    sigma2 = right.toggle(
        "Show 2-sigma lines", key=f"qi.sigma2.{code}", help="Warning lines at two sigma."
    )
    return chart, rules, sigma2


def load_view(measure: str, places, chart: str, rules: str) -> MeasureView | None:
    """The measure's view, or None with the library's message shown when it cannot be drawn."""
    try:
        return measure_view(engine(), principal(), measure, places=places, chart=chart, rules=rules)
    except (ReviewError, SPCInputError) as error:
        st.error(f"This chart cannot be drawn: {error}")
        return None


def place_chart(
    view: MeasureView,
    place: str,
    show_2sigma: bool,
    icons: bool = False,
    stories: pl.DataFrame | None = None,
    selectable: bool = False,
) -> alt.LayerChart:
    """The chart of one place, with ``story_markers()`` on its time axis. On the page the icons
    stand beside the chart with their words (``beside_chart``); the exported chart carries them
    itself (``icons=True``)."""
    name = place_names().get(place, place)
    chart = spc_chart(
        view.place_chart(place),
        view.place_annotations(place),
        stories=stories,
        show_2sigma=show_2sigma,
        title=f"{view.measure['name']}: {name}",
        y_title=unit_title(view.measure["unit"]),
        icons=icons,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        selectable=selectable,
    )
    # PDSA cycles followed on this measure shade the chart over their dates (qi.render.cycles).
    return with_cycles(
        chart, cycle_spans(engine(), principal(), view.measure["code"], place, date.today())
    )


def phase_table(view: MeasureView, place: str, unit: str | None) -> pl.DataFrame:
    """One row per phase of a place's chart: its span, points, centre and limits, from the
    engine's phase summary."""
    phases = view.phases().filter(pl.col("place") == place)
    rows = []
    for phase in phases.iter_rows(named=True):
        if phase["limits_vary"]:
            limits = "vary with the denominator"
        elif phase["lower_limit"] is None and phase["upper_limit"] is None:
            limits = "none (run chart)"
        else:
            limits = f"{number(phase['lower_limit'])} to {number(phase['upper_limit'])}"
        rows.append(
            {
                "Phase": f"Phase {phase['phase']}",
                "From": period(phase["first_period"], style="short"),
                "To": period(phase["last_period"], style="short"),
                "Points": phase["points"],
                "Excluded": phase["excluded"],
                f"Centre ({unit})" if unit else "Centre": number(phase["centre"]),
                "Process limits": limits,
            }
        )
    return pl.DataFrame(rows)


def beside_chart(view: MeasureView, place: str) -> None:
    """The icons with their meanings, the plain-English reading and the latest value."""
    summary = view.summary.filter(pl.col("place") == place).row(0, named=True)
    st.markdown("**What the chart says**")
    icon_with_meaning(summary["variation_icon"])
    icon_with_meaning(summary["assurance_icon"])
    with st.container(border=True):
        st.markdown(plain(view.reading(place)))
    unit = view.measure["unit"]
    facts = []
    if summary["latest_value"] is not None:
        facts.append(
            f"**Latest** ({period(summary['last_period'], style='short')}): "
            f"{plain(number(summary['latest_value'], unit))}"
        )
    if summary["latest_centre"] is not None:
        facts.append(f"**Centre line**: {plain(number(summary['latest_centre'], unit))}")
    if summary["target"] is not None:
        facts.append(f"**Target**: {plain(number(summary['target'], unit))}")
    st.markdown("  \n".join(facts))


def downloads(make_chart, points: pl.DataFrame, stem: str) -> None:
    """PNG and SVG of the chart (drawn by ``make_chart()`` only when clicked), CSV and Parquet
    of its points: the rows and the disclosure control the signed-in person's role allows,
    safe to open in a spreadsheet; each download is audited."""
    data = points.select([c for c in DATA_COLUMNS if c in points.columns]).with_columns(
        pl.col(pl.Enum, pl.Categorical).cast(pl.String)
    )
    who = principal()
    kinds = dict(measures().select("code", "kind").iter_rows())
    data, policy = for_output(data, who, kinds)

    def downloaded(kind: str) -> None:
        audit_now(
            engine(),
            who,
            "data.download",
            place=data["place"][0] if data["place"].n_unique() == 1 else None,
            subject=f"{stem}.{kind}"[:255],
            detail=f"{data.height:,} rows; disclosure control: {policy.name}",
        )

    parquet = io.BytesIO()
    data.write_parquet(parquet)
    png, svg, csv, pq = st.columns(4)
    png.download_button(
        "Chart as PNG",
        lambda: export(make_chart(), "png"),
        f"{stem}.png",
        "image/png",
        on_click=downloaded,
        args=("png",),
        icon=":material/image:",
        key=f"png.{stem}",
    )
    svg.download_button(
        "Chart as SVG",
        lambda: export(make_chart(), "svg"),
        f"{stem}.svg",
        "image/svg+xml",
        on_click=downloaded,
        args=("svg",),
        icon=":material/image:",
        key=f"svg.{stem}",
    )
    csv.download_button(
        "Data as CSV",
        safe_csv(data),
        f"{stem}.csv",
        "text/csv",
        on_click=downloaded,
        args=("csv",),
        icon=":material/table:",
        key=f"csv.{stem}",
    )
    pq.download_button(
        "Data as Parquet",
        parquet.getvalue(),
        f"{stem}.parquet",
        "application/octet-stream",
        on_click=downloaded,
        args=("parquet",),
        icon=":material/table:",
        key=f"parquet.{stem}",
    )


def every_place(scope: Scope, chart: str, rules: str, show_2sigma: bool) -> None:
    """Small multiples: the measure at every place in scope, each with its own icons."""
    view = load_view(scope.measure, scope.places, chart, rules)
    if view is None:
        return
    names = place_names()
    named = replace(
        view.charted,
        points=view.points.with_columns(
            pl.col("place").replace_strict(names, default=pl.col("place")).alias("place")
        ),
    )
    figure = small_multiples(named, by="place", columns=3, show_2sigma=show_2sigma)
    st.altair_chart(figure, theme=None, width="content")
    st.caption(
        "Each place has its own limits and its own icons; the y axes differ. Hover on a point "
        "for its value, numerator and denominator, and the rule that flagged it."
    )
    downloads(lambda: figure, view.points, f"{scope.measure}-every-place")
