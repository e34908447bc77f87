"""What a reviewer sees of one measure: the one place that turns stored data into charted points.

``measure_view()`` reads a measure's definition, its observations at some places, and the
annotations on them; maps the definition onto ``spc()`` (chart, rule set, improvement direction,
target, multiplier, numerator over denominator for rates and proportions); turns annotations
into phases and exclusions; and returns the points, one summary row per place, and the candidate
change points a coach has not yet confirmed. The app's pages, the report and the command line
all start here, so a chart looks the same wherever it is drawn.

No statistics here beyond calling the engine, and no drawing (see ``qi.render``).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.charts import Chart, default_chart, spc
from qi.charts.changepoints import candidate_change_points
from qi.charts.phases import period_unit
from qi.services.experience import unjudged_months
from qi.store.annotations import phase_starts_and_exclusions, read_annotations
from qi.store.definitions import read_measures
from qi.store.observations import read_series
from qi.text.reading import phase_steps, reading
from qi.vocabulary.measures import ENGINE_DIRECTIONS, RATIO_KINDS

SERIES = ["measure", "place"]
# Charts of counts and times: a rate or proportion drawn on one charts its numerator alone.
CHARTS_WITHOUT_DENOMINATOR = ("c", "g", "t", "mr", "xbar", "s")
DEFAULT_RULES = "mdc"
# Working columns handing each measure's improvement direction and target to ``spc()``.
DIRECTION, TARGET = "measure_improvement", "measure_target"


class ReviewError(LookupError):
    """The measure, place or initiative asked for is not in the store; the message says which."""


@dataclass(frozen=True)
class MeasureView:
    """One measure at one or more places, ready to draw and read.

    ``charted``: ``spc()``'s result, keyed by ``measure`` and ``place``, one series per place;
    ``points`` are its points.
    ``summary``: its row per place (icons, latest limits, signal counts).
    ``annotations``: the active annotations on those places within the periods shown.
    ``suggestions``: candidate change points (place, period, rule, side, points) not already
    annotated as the start of a new phase.
    """

    measure: dict
    charted: Chart
    annotations: pl.DataFrame
    suggestions: pl.DataFrame

    @property
    def summary(self) -> pl.DataFrame:
        """One row per place: icons, latest limits, signal counts (the engine's summary)."""
        return self.charted.summary()

    @property
    def chart(self) -> str:
        """The chart type's code."""
        return self.charted.chart_type.code

    @property
    def rules(self) -> str:
        """The rule set's name."""
        return self.charted.rule_set.name

    @property
    def points(self) -> pl.DataFrame:
        """Every place's points."""
        return self.charted.points

    def phases(self) -> pl.DataFrame:
        """One row per place and phase: its span, points, centre and limits."""
        return self.charted.phases()

    def place_chart(self, place: str) -> Chart:
        """The chart of one place."""
        return self.charted.filter(pl.col("place") == place)

    @property
    def places(self) -> list[str]:
        """The places charted, in order."""
        return self.summary.get_column("place").to_list()

    def place_points(self, place: str) -> pl.DataFrame:
        """The points of one place."""
        return self.points.filter(pl.col("place") == place)

    def place_annotations(self, place: str) -> pl.DataFrame:
        """The annotations that apply at one place (its own and those for every place)."""
        return self.annotations.filter(pl.col("place").is_null() | (pl.col("place") == place))

    def reading(self, place: str) -> str:
        """The plain-English reading of one place's series."""
        rows = self.summary.filter(pl.col("place") == place)
        if rows.height == 0:
            raise ReviewError(f"{place!r} is not charted here; choose one of: {self.places}")
        unit = self.measure.get("unit")
        text = reading(rows.row(0, named=True), self.place_points(place), "period", unit)
        steps = phase_steps(self.phase_steps(place), unit)
        return f"{text} {steps}" if steps else text

    def phase_steps(self, place: str) -> list[dict]:
        """Each recalculation of one place's limits: the new phase's first period, the centre
        lines before and after, and who started it and why (the annotation at or before that
        period since the phase before began)."""
        phases = self.phases().filter(pl.col("place") == place).sort("phase").to_dicts()
        starts = self.place_annotations(place).filter(pl.col("new_phase")).sort("period")
        steps = []
        for before, after in zip(phases, phases[1:], strict=False):
            started = starts.filter(
                (pl.col("period") > before["first_period"])
                & (pl.col("period") <= after["first_period"])
            ).tail(1)
            by = started.row(0, named=True) if started.height else {}
            steps.append(
                {
                    "period": after["first_period"],
                    "before": before["centre"],
                    "after": after["centre"],
                    "actor": by.get("actor"),
                    "reason": by.get("reason"),
                }
            )
        return steps


def measure_view(
    engine: Engine,
    principal: Principal,
    measure: str,
    places: Sequence[str] | str | None = None,
    initiative: str | None = None,
    chart: str | None = None,
    rules: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> MeasureView:
    """Chart one measure at the given places (default: every place with data, or the places of
    ``initiative``), between ``start`` and ``end`` inclusive.

    ``chart`` and ``rules`` override the measure's own; without them the measure's chart (else
    the default for its kind) and its rule set (else Making Data Count) are used. Raises
    ``ReviewError`` for an unknown measure, place or initiative, and the engine's
    ``SPCInputError`` when the chart chosen cannot chart this measure.
    """
    definition = _definition(engine, measure)
    own_chart, own_rules = measure_settings(definition)
    chart, rules = chart or own_chart, rules or own_rules
    codes = [places] if isinstance(places, str) else (list(places) if places is not None else None)
    try:
        series = read_series(
            engine,
            principal,
            measures=measure,
            places=codes,
            initiative=initiative,
            start=start,
            end=end,
        )
    except LookupError as error:
        raise ReviewError(str(error)) from None
    shown = (
        codes
        if codes is not None
        else series.get_column("place").unique(maintain_order=True).to_list()
    )
    return series_view(engine, principal, definition, series, shown, chart, rules, start, end)


def measure_views(
    engine: Engine, principal: Principal, series: pl.DataFrame, places: list[str]
) -> dict[str, MeasureView]:
    """``measure_view(engine, code, places=places)`` for every measure of ``series`` (already
    read: ``read_series``' columns, for these measures at these places), by code in code order:
    the definitions and annotations read once for them all, not once a measure, and the
    measures charted alike (``_alike``) charted together by one ``spc()`` call."""
    codes = sorted(series.get_column("measure").unique().to_list())
    if not codes or not places:
        return {}
    definitions = {row["code"]: row for row in read_measures(engine).iter_rows(named=True)}
    annotations = read_annotations(engine, principal, measures=codes, places=places)
    settings = {code: (definitions[code], *measure_settings(definitions[code])) for code in codes}
    return _views(engine, settings, series, places, annotations)


def series_view(
    engine: Engine,
    principal: Principal,
    definition: dict,
    series: pl.DataFrame,
    shown: list[str],
    chart: str,
    rules: str,
    start: date | None = None,
    end: date | None = None,
    annotations: pl.DataFrame | None = None,
) -> MeasureView:
    """A measure's view of series already read (``read_series``' columns): stored ones, or
    ones summed up the places' hierarchy (``qi.store.places.read_rollup``). ``shown``: the
    places whose annotations apply; ``annotations``: theirs, when already read (else read
    here)."""
    measure = definition["code"]
    if annotations is None:
        annotations = _annotations(engine, principal, measure, shown, start, end)
    return _views(engine, {measure: (definition, chart, rules)}, series, shown, annotations)[
        measure
    ]


def _views(
    engine: Engine,
    settings: dict[str, tuple[dict, str, str]],
    series: pl.DataFrame,
    shown: list[str],
    annotations: pl.DataFrame,
) -> dict[str, MeasureView]:
    """The views of the measures of ``settings`` (code to definition, chart and rule set), in
    its order, from their series and annotations: phases and exclusions worked out for them
    all, then one ``spc()`` call for each set of measures charted alike."""
    phases, exclusions = phase_starts_and_exclusions(annotations, shown)
    # An experience measure's months with too few answers: shown, not judged.
    exclusions = pl.concat([exclusions, unjudged_months(engine, series)]).unique()
    phases = _on_charted_periods(phases, series)
    parts = series.partition_by("measure", as_dict=True) if len(settings) > 1 else {}
    own = {code: parts.get((code,), series.clear()) if parts else series for code in settings}
    alike: dict[tuple, list[str]] = {}
    for code, (definition, chart_type, rule_set) in settings.items():
        key = _alike(definition, chart_type, rule_set, own[code].get_column("period"))
        alike.setdefault(key, []).append(code)
    charted: dict[str, Chart] = {}
    suggested: dict[str, pl.DataFrame] = {}
    for members in alike.values():
        together = own[members[0]] if len(members) == 1 else pl.concat(own[c] for c in members)
        together_charted = _chart(
            together,
            [settings[c][0] for c in members],
            *settings[members[0]][1:],
            phases,
            exclusions,
        )
        points = together_charted.points
        suggestions = candidate_change_points(points, by=SERIES, period="period").join(
            phases, on=[*SERIES, "period"], how="anti"
        )
        if len(members) == 1:
            charted[members[0]], suggested[members[0]] = together_charted, suggestions
            continue
        each = points.partition_by("measure", as_dict=True)
        found = suggestions.partition_by("measure", as_dict=True)
        for code in members:
            charted[code] = replace(together_charted, points=each.get((code,), points.clear()))
            suggested[code] = found.get((code,), suggestions.clear())
    return {
        code: MeasureView(
            measure=settings[code][0],
            charted=charted[code],
            annotations=annotations.filter(pl.col("measure") == code),
            suggestions=suggested[code],
        )
        for code in settings
    }


def _alike(definition: dict, chart: str, rules: str, periods: pl.Series) -> tuple:
    """What one ``spc()`` call must share: the chart, rules, columns charted and multiplier,
    and the calendar unit of the periods (which decides gaps between points)."""
    ratio = definition["kind"] in RATIO_KINDS
    return (chart, rules, ratio, _multiplier(definition, chart), period_unit(periods))


def measure_settings(definition: dict) -> tuple[str, str]:
    """The chart type and rule set a measure's definition asks for: its own, else the default
    chart for its kind and Making Data Count's rules."""
    chart = definition["chart"] or default_chart(definition["kind"])
    return chart, definition["rule_set"] or DEFAULT_RULES


def _definition(engine: Engine, measure: str) -> dict:
    measures = read_measures(engine)
    found = measures.filter(pl.col("code") == measure)
    if found.height == 0:
        known = ", ".join(measures.get_column("code").head(10).to_list()) or "none yet"
        raise ReviewError(f"unknown measure {measure!r}; measures stored: {known}")
    return found.row(0, named=True)


def _annotations(
    engine: Engine,
    principal: Principal,
    measure: str,
    places: list[str],
    start: date | None,
    end: date | None,
) -> pl.DataFrame:
    """Active annotations on these places (or on every place) within the periods shown."""
    annotations = read_annotations(engine, principal, measures=measure, places=places)
    if start is not None:
        annotations = annotations.filter(pl.col("period") >= start)
    if end is not None:
        annotations = annotations.filter(pl.col("period") <= end)
    return annotations


def _on_charted_periods(phases: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """Move each phase start to the first charted period on or after it: a change marked on
    the 15th, or in a month with no value, starts the phase at the next point, not nowhere."""
    charted = series.filter(pl.col("value").is_not_null() | pl.col("numerator").is_not_null())
    charted = charted.select(*SERIES, pl.col("period").alias("charted")).sort("charted")
    return (
        phases.sort("period")
        .join_asof(
            charted,
            left_on="period",
            right_on="charted",
            by=SERIES,
            strategy="forward",
            check_sortedness=False,  # both sides are sorted by period above
        )
        .filter(pl.col("charted").is_not_null())
        .select(*SERIES, pl.col("charted").alias("period"))
        .unique()
    )


def _chart(
    series: pl.DataFrame,
    definitions: list[dict],
    chart: str,
    rules: str,
    phases: pl.DataFrame,
    exclusions: pl.DataFrame,
) -> Chart:
    """Map the definitions of measures charted alike (``_alike``) onto one ``spc()`` call: each
    measure's improvement direction and target go in as columns."""
    ratio = definitions[0]["kind"] in RATIO_KINDS
    over_denominator = ratio and chart not in CHARTS_WITHOUT_DENOMINATOR
    directions = {d["code"]: ENGINE_DIRECTIONS[d["improvement"]] for d in definitions}
    targets = {d["code"]: d["target"] for d in definitions}
    if len(definitions) == 1:
        [(code, way)] = directions.items()
        direction, target = pl.lit(way), pl.lit(targets[code], pl.Float64)
    else:
        direction = pl.col("measure").replace_strict(directions, return_dtype=pl.String)
        target = pl.col("measure").replace_strict(targets, return_dtype=pl.Float64)
    return spc(
        series.with_columns(direction.alias(DIRECTION), target.alias(TARGET)),
        value="numerator" if ratio else "value",
        denominator="denominator" if over_denominator else None,
        period="period",
        by=SERIES,
        chart=chart,
        rules=rules,
        direction=DIRECTION,
        target=TARGET,
        phases=phases,
        exclude=exclusions,
        multiplier=_multiplier(definitions[0], chart),
    )


def _multiplier(definition: dict, chart: str) -> float:
    """The measure's multiplier on this chart. A rate's numerator charted alone is a count of
    events: not scaled per 100 or per 1,000."""
    ratio = definition["kind"] in RATIO_KINDS
    over_denominator = ratio and chart not in CHARTS_WITHOUT_DENOMINATOR
    return 1.0 if ratio and not over_denominator else definition["multiplier"] or 1.0
