"""Comparing places fairly and seeing inequalities within them.

- ``compare_places()``: a measure's places at one level (LSOAs, wards, local authorities,
  ICBs) over a window of periods, on a funnel plot (Spiegelhalter's method as FunnelPlotR
  computes it, 95% and 99.8% limits, over-dispersion allowed for when the data show it): each
  place's numerator and denominator are summed by the store up the places' hierarchy from the
  level the data are stored at, and each place gets its position against the limits in words,
  beside its population where one is stored. A rate's denominators summed over the periods are
  person-time (each month's population added up: person-months; person-years for a yearly
  measure), so its funnel compares events per person-time (``PlaceComparison.denominator_words``).
- ``meeting_comparison()``: the funnel a board pack shows for one of a meeting's measures: the
  meeting's places (or, for one place, the places within it) at the latest period.
- ``place_view()``: one place's chart over time at any level, from the same sums.
- ``inequality_view()``: at one place, the measure by deprivation quintile (or decile): the
  gap between the most and least deprived as its own SPC chart, and the slope and relative
  indices of inequality per period with their confidence limits (PHE's method).

No statistics here beyond calling the engine, and no SQL (``qi.store.places``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.charts import Chart, Funnel, funnel, slope_index, spc
from qi.charts.funnel_phe import HIGH_95, HIGH_998, LOW_95, LOW_998
from qi.services.review import MeasureView, measure_settings, series_view
from qi.store.definitions import read_measures, read_places
from qi.store.observations import SERIES_SCHEMA
from qi.store.places import read_levels, read_places_within, read_populations, read_rollup
from qi.text.person_time import person_time
from qi.vocabulary.breakdowns import SEPARATOR
from qi.vocabulary.comparisons import (
    ADJUSTED_WORDS,
    COMPARISON_LEVELS,
    FUNNEL_FLAGS,
)
from qi.vocabulary.measures import ENGINE_DIRECTIONS, MEASURE_KINDS

# The kinds a funnel compares, and how: proportions by Spiegelhalter's method as FunnelPlotR
# computes it (over-dispersion allowed for), rates per population by PHE's (Fingertips) exact
# Poisson limits around the weighted average rate (no over-dispersion adjustment in that method).
FUNNEL_KINDS = ("proportion", "rate")
FUNNEL_METHODS = {"proportion": "spiegelhalter", "rate": "phe"}
# PHE's significance labels as the flags' codes.
PHE_FLAGS = {HIGH_998: "high_998", HIGH_95: "high_95", LOW_998: "low_998", LOW_95: "low_95"}
# Rates' limit curves are drawn from a quarter of the smallest place's denominator.
CURVE_FROM = 4
LIMIT_NAMES = ("lower_95", "upper_95", "lower_998", "upper_998")
INEQUALITY_KINDS = ("imd_quintile", "imd_decile")


class CompareError(ValueError):
    """A comparison that cannot be made: the message says why and what to do."""


@dataclass(frozen=True)
class PlaceComparison:
    """A measure's places on a funnel plot.

    ``places``: one row per place: place, name, numerator, denominator, value (× the
    measure's multiplier), the limits at its denominator (``lower_95`` ... ``upper_998``, those
    drawn), ``flag`` (a ``FUNNEL_FLAGS`` code) and ``reading`` (its words), ordered by flag
    then name (the limits at each place's denominator for proportions; null for rates, whose
    flag is PHE's test of the place's own exact interval), and the place's ``population``,
    ``population_year`` and ``population_source`` (null when none is stored). A rate's
    denominator is person-time (``denominator_words``). ``funnel``: the engine's result
    (unit ``place``). ``source``: the level the data are stored at. ``adjusted``: whether the
    limits allow for over-dispersion (phi above 1). ``phi``: None when the method does not
    estimate it (rates). ``limits``: the curves to draw, long: denominator, limit (× the
    multiplier), line (``lower_95`` ... ``upper_998``) and ``adjusted`` (True: allowing for
    over-dispersion). ``method``: spiegelhalter (proportions) or phe (rates).
    ``disclosure``: empty as stored; for a published pack, what was controlled and how
    (``qi.services.published.published_comparison``, which adds ``places["suppressed"]``).
    """

    measure: dict
    level: str
    source: str
    start: date | None
    end: date | None
    funnel: Funnel
    places: pl.DataFrame
    adjusted: bool
    phi: float | None
    target: float
    limits: pl.DataFrame
    method: str
    disclosure: str = ""

    @property
    def denominator_words(self) -> str:
        """What the denominators summed over the periods are: for a rate, person-time
        (``person-months`` for a monthly measure); for a proportion, the measure's unit when
        it names what is counted (not "%", the unit of the value), else cases."""
        if self.method == "phe":
            return person_time(self.measure["frequency"])
        unit = self.measure["unit"]
        return unit if unit and unit.strip() not in ("%", "percent", "per cent") else "cases"


def comparison_levels(
    engine: Engine, principal: Principal, measure: str, *, published: bool = False
) -> list[str]:
    """The levels this measure can be compared at: the level its totals are stored at and
    every level above it with at least two places; empty when it is stored at none.
    ``published``: of the places ``principal`` may see published outputs of (for a published
    pack, controlled by ``qi.services.published``), not those whose data it may read."""
    source = _source(engine, principal, measure, "all", published=published)
    if source is None:
        return []
    places = dict(read_places(engine).group_by("type").len().iter_rows())
    levels = list(COMPARISON_LEVELS)
    return [lv for lv in levels[levels.index(source) :] if places.get(lv, 0) >= 2]


def compare_places(
    engine: Engine,
    principal: Principal,
    measure: str,
    level: str,
    start: date | None = None,
    end: date | None = None,
    places: Sequence[str] | None = None,
    *,
    published: bool = False,
) -> PlaceComparison:
    """The measure's places at ``level`` on a funnel plot, numerators and denominators summed
    over the periods ``start`` to ``end`` (inclusive); only the codes in ``places`` when given
    (a meeting's places), else every place at the level. Raises ``CompareError`` when the
    measure is neither a proportion nor a rate, is not stored at or below ``level``, or has no data."""
    definition = _funnel_definition(engine, measure)
    source = _source(engine, principal, measure, "all", published=published)
    levels = list(COMPARISON_LEVELS)
    if source is None or level not in levels[levels.index(source) :]:
        raise CompareError(
            f"{definition['name']} cannot be compared at the level of "
            f"{COMPARISON_LEVELS.get(level, level)}: its data are stored at "
            + (COMPARISON_LEVELS[source] if source else "no level of places")
            + "; compare it there or above"
        )
    rolled = read_rollup(
        engine, principal, measure, level, source, start, end, published=published
    ).filter((pl.col("denominator") > 0) & pl.col("numerator").is_not_null())
    if places is not None:
        rolled = rolled.filter(pl.col("place").is_in(list(places)))
    if rolled["place"].n_unique() < 2:
        raise CompareError(
            f"fewer than two {COMPARISON_LEVELS[level]} have data for {definition['name']} in "
            "these periods: choose a wider window or another level"
        )
    multiplier = definition["multiplier"] or 1.0
    method = FUNNEL_METHODS[definition["kind"]]
    units = rolled.select("place", "numerator", "denominator")
    if method == "phe":
        result = funnel(
            units,
            numerator="numerator",
            denominator="denominator",
            unit="place",
            statistic="rate",
            method="phe",
            multiplier=multiplier,
        )
        adjusted, phi = False, None
        points = result.points.with_columns(
            pl.col("significance").replace_strict(PHE_FLAGS, default="within").alias("flag"),
            *(pl.lit(None, pl.Float64).alias(c) for c in LIMIT_NAMES),
        )
        smallest = float(units.select(pl.col("denominator").min()).item())
        limits = _phe_limits(result.curves, smallest / CURVE_FROM)
    else:
        result = funnel(
            units,
            numerator="numerator",
            denominator="denominator",
            unit="place",
            multiplier=multiplier,
            unadjusted=True,
        )
        scalars = result.comparisons.row(0, named=True)
        adjusted = bool(scalars["adjusted"]) and scalars["phi"] > 1
        phi = float(scalars["phi"])
        prefix = "od_" if adjusted else ""
        points = result.points.with_columns(
            *(pl.col(f"{prefix}{c}").alias(c) for c in LIMIT_NAMES)
        ).with_columns(_flag().alias("flag"))
        limits = _spiegelhalter_limits(result.curves, adjusted)
    names = read_places(engine).select(pl.col("code").alias("place"), "name")
    order = {code: i for i, code in enumerate(FUNNEL_FLAGS)}
    table = (
        points.select("place", "numerator", "denominator", "value", *LIMIT_NAMES, "flag")
        .with_columns(
            pl.col("flag").replace_strict(dict(FUNNEL_FLAGS)).alias("reading"),
        )
        .with_columns(
            pl.when((pl.col("flag") != "within") & pl.lit(adjusted))
            .then(pl.format("{}, {}", pl.col("reading"), pl.lit(ADJUSTED_WORDS)))
            .otherwise(pl.col("reading"))
            .alias("reading")
        )
        .join(names, on="place", how="left")
        .with_columns(pl.col("name").fill_null(pl.col("place")))
        .join(
            read_populations(engine, level).select(
                pl.col("code").alias("place"),
                "population",
                pl.col("year").alias("population_year"),
                pl.col("source").alias("population_source"),
            ),
            on="place",
            how="left",
        )
        .sort(pl.col("flag").replace_strict(order, return_dtype=pl.Int64), "name")
    )
    target = float(result.comparisons["target"][0]) * multiplier
    return PlaceComparison(
        measure=definition,
        level=level,
        source=source,
        start=start,
        end=end,
        funnel=result,
        places=table,
        adjusted=adjusted,
        phi=phi,
        target=target,
        limits=limits,
        method=method,
    )


def _flag() -> pl.Expr:
    """Where a value lies against the limits at its denominator (a ``FUNNEL_FLAGS`` code)."""
    value = pl.col("value")
    return (
        pl.when(value > pl.col("upper_998"))
        .then(pl.lit("high_998"))
        .when(value > pl.col("upper_95"))
        .then(pl.lit("high_95"))
        .when(value < pl.col("lower_998"))
        .then(pl.lit("low_998"))
        .when(value < pl.col("lower_95"))
        .then(pl.lit("low_95"))
        .otherwise(pl.lit("within"))
    )


def _spiegelhalter_limits(curves: pl.DataFrame, adjusted: bool) -> pl.DataFrame:
    """FunnelPlotR's curves, long: the adjusted limits (when drawn) and the unadjusted ones."""
    prefixes = [("od_", True), ("", False)] if adjusted else [("", False)]
    return pl.concat(
        [
            curves.select(
                pl.col("denominator").cast(pl.Float64),
                pl.col(f"{prefix}{line}").cast(pl.Float64).alias("limit"),
                pl.lit(line).alias("line"),
                pl.lit(od).alias("adjusted"),
            )
            for prefix, od in prefixes
            for line in LIMIT_NAMES
        ]
    ).filter(pl.col("limit").is_not_null())


def _phe_limits(curves: pl.DataFrame, smallest: float) -> pl.DataFrame:
    """PHE's rate curves, long: each limit at the person-time where it lies (PHE's curves are
    "per population, one year of data"; here the denominator is the population summed over the
    window, person-time), from ``smallest`` on (PHE's curves start at one event, where a rate's
    limits run to thousands)."""
    return pl.concat(
        [
            curves.select(
                pl.col(f"{line}_population").cast(pl.Float64).alias("denominator"),
                pl.col(line).cast(pl.Float64).alias("limit"),
                pl.lit(line).alias("line"),
                pl.lit(False).alias("adjusted"),
            )
            for line in LIMIT_NAMES
        ]
    ).filter(
        pl.col("limit").is_not_null()
        & pl.col("limit").is_finite()
        & (pl.col("denominator") >= smallest)
    )


def meeting_comparison(
    engine: Engine,
    principal: Principal,
    measure: str,
    places: Sequence[str],
    *,
    published: bool = False,
) -> tuple[PlaceComparison, "InequalityView | None"]:
    """What a board pack's Compare places page shows for ``measure`` at a meeting of
    ``places`` (an initiative's, or one place), at the latest period stored: the meeting's
    places at the lowest level the measure is compared at where two or more of them lie;
    failing that, for one place, the places within it at the next level down (a local
    authority's wards) with that place's inequality view; failing that, one place among every
    place at its level (its peers). Raises ``CompareError`` when none can be made.
    ``published``: the funnel's places are those ``principal`` may see published outputs of
    (controlled by ``qi.services.published``; the inequality view is of the data it may read,
    and a published pack leaves it out)."""
    name = _funnel_definition(engine, measure)["name"]
    levels = comparison_levels(engine, principal, measure, published=published)
    periods = comparison_periods(engine, principal, measure, published=published)
    compare = partial(compare_places, engine, principal, measure, published=published)
    inequality = partial(inequality_view, engine, principal, measure)

    if not levels or not periods:
        raise CompareError(
            f"{name} cannot be compared: it is not stored at two or more places of a level"
        )
    latest = periods[-1]
    kinds = dict(read_places(engine).select("code", "type").iter_rows())
    for level in levels:
        here = [p for p in places if kinds.get(p) == level]
        if len(here) >= 2:
            return compare(level, latest, latest, places=here), None
    for place in places:
        kind = kinds.get(place)
        below = levels[: levels.index(kind)] if kind in levels else []
        for level in reversed(below):
            within = read_places_within(engine, place, level)["code"].to_list()
            if len(within) >= 2:
                return compare(level, latest, latest, places=within), inequality(place)
    for place in places:
        if kinds.get(place) in levels:
            return compare(kinds[place], latest, latest), inequality(place)
    raise CompareError(
        f"{name} cannot be compared for this meeting: none of its places is one of the "
        f"{' or '.join(COMPARISON_LEVELS[lv] for lv in levels)} it is compared at; compare it "
        "on the Compare places page instead"
    )


def place_view(engine: Engine, principal: Principal, measure: str, place: str) -> MeasureView:
    """One place's chart over every stored period: its own observations, or its lower places'
    summed (a ward's LSOAs, say), charted as the measure asks."""
    definition = _definition(engine, measure)
    kinds = dict(read_places(engine).select("code", "type").iter_rows())
    if place not in kinds:
        raise CompareError(f"unknown place {place!r}")
    source = _source(engine, principal, measure, "all")
    levels = list(COMPARISON_LEVELS)
    if source is None or kinds[place] not in levels[levels.index(source) :]:
        raise CompareError(f"{definition['name']} is not stored at or below {place}")
    rolled = read_rollup(engine, principal, measure, kinds[place], source).filter(
        pl.col("place") == place
    )
    series = rolled.with_columns(
        pl.when(pl.col("missing") > 0)
        .then(pl.lit("incomplete"))
        .otherwise(pl.lit(None, pl.String))
        .alias("missing_reason"),
        pl.lit("final").alias("status"),
        pl.lit(None, pl.Int64).alias("upload_id"),
    ).select(list(SERIES_SCHEMA))
    chart, rules = measure_settings(definition)
    return series_view(engine, principal, definition, series, [place], chart, rules)


@dataclass(frozen=True)
class InequalityView:
    """A measure at one place by deprivation group.

    ``groups``: period, group (1 = most deprived), numerator, denominator, value.
    ``gap``: an XmR chart of how much worse the most deprived group is than the least
    deprived, per period (keys measure, place): is the gap narrowing?
    ``indices``: per period the SII (× the measure's multiplier; positive: the value rises
    from most to least deprived), the RII, and their 95% limits (PHE's method).
    ``place``: the place shown: the one asked for, or the nearest place it is in that has
    the breakdown.
    """

    place: str
    kind: str
    groups: pl.DataFrame
    gap: Chart
    indices: pl.DataFrame


def inequality_view(
    engine: Engine, principal: Principal, measure: str, place: str, kind: str = "imd_quintile"
) -> InequalityView | None:
    """The measure at ``place`` by ``kind`` (``imd_quintile`` or ``imd_decile``), or at the
    nearest place it is in when the breakdown is stored only above it (a ward's district);
    None when no such breakdown is stored at or below any of them."""
    if kind not in INEQUALITY_KINDS:
        raise CompareError(f"inequality is by {' or '.join(INEQUALITY_KINDS)}, not {kind!r}")
    definition = _definition(engine, measure)
    places = read_places(engine)
    kinds = dict(places.select("code", "type").iter_rows())
    parents = dict(places.select("code", "parent").iter_rows())
    source = _source(engine, principal, measure, kind)
    if source is None:
        return None
    above = list(COMPARISON_LEVELS)[list(COMPARISON_LEVELS).index(source) :]
    shown: str | None = place
    while shown is not None and kinds.get(shown) not in above:
        shown = parents.get(shown)
    if shown is None:
        return None
    place = shown
    multiplier = definition["multiplier"] or 1.0
    groups = (
        read_rollup(engine, principal, measure, kinds[place], source, breakdown=kind)
        .filter((pl.col("place") == place) & (pl.col("denominator") > 0))
        .select(
            "period",
            pl.col("breakdown").str.split(SEPARATOR).list.last().cast(pl.Int64).alias("group"),
            "numerator",
            "denominator",
            (pl.col("numerator") / pl.col("denominator") * multiplier).alias("value"),
        )
        .sort("period", "group")
    )
    if groups.height == 0:
        return None
    worst, best = groups["group"].min(), groups["group"].max()
    improvement = definition["improvement"]
    sign = -1.0 if improvement == "up" else 1.0  # positive: the most deprived fare worse
    gap = (
        groups.filter(pl.col("group").is_in([worst, best]))
        .pivot(on="group", index="period", values="value")
        .drop_nulls()
        .select(
            pl.lit(measure).alias("measure"),
            pl.lit(place).alias("place"),
            "period",
            (sign * (pl.col(str(worst)) - pl.col(str(best)))).alias("gap"),
        )
    )
    gap_chart = spc(
        gap,
        value="gap",
        period="period",
        by=["measure", "place"],
        chart="i",
        direction=ENGINE_DIRECTIONS["neither" if improvement == "neither" else "down"],
    )
    complete = groups.filter(pl.len().over("period") == groups["group"].n_unique())
    indices = (
        slope_index(
            complete,
            by="period",
            quantile="group",
            population="denominator",
            numerator="numerator",
            multiplier=multiplier,
        )
        if complete["group"].n_unique() >= 5 and _proportions_inside(complete)
        else pl.DataFrame()
    )
    return InequalityView(place=place, kind=kind, groups=groups, gap=gap_chart, indices=indices)


def _proportions_inside(groups: pl.DataFrame) -> bool:
    """Every group has events and non-events (the SII of proportions works on the logit)."""
    return bool(((groups["numerator"] > 0) & (groups["numerator"] < groups["denominator"])).all())


def _source(
    engine: Engine, principal: Principal, measure: str, breakdown: str, *, published: bool = False
) -> str | None:
    """The lowest comparison level the measure is stored at (for these breakdowns)."""
    stored = read_levels(engine, principal, measure, breakdown, published=published)
    return next((lv for lv in COMPARISON_LEVELS if lv in stored), None)


def _funnel_definition(engine: Engine, measure: str) -> dict:
    """The measure's definition, when a funnel can compare its kind."""
    definition = _definition(engine, measure)
    if definition["kind"] not in FUNNEL_KINDS:
        raise CompareError(
            f"{definition['name']} is {MEASURE_KINDS[definition['kind']]}: funnel plots here compare "
            "proportions and rates (a numerator over a denominator); choose one of those"
        )
    return definition


def _definition(engine: Engine, measure: str) -> dict:
    found = read_measures(engine).filter(pl.col("code") == measure)
    if found.height == 0:
        raise CompareError(f"unknown measure {measure!r}")
    return found.row(0, named=True)


def comparison_measures(
    engine: Engine, principal: Principal, *, published: bool = False
) -> list[str]:
    """The measures a funnel plot can compare: proportions and rates stored at two or more places of a
    comparison level; those comparable at the most levels first (the finest data), then by
    name. ``published``: at the places ``principal`` may see published outputs of."""
    measures = read_measures(engine).filter(pl.col("kind").is_in(FUNNEL_KINDS)).sort("name")
    levels = {
        m: len(comparison_levels(engine, principal, m, published=published))
        for m in measures["code"]
    }
    return sorted((m for m, n in levels.items() if n), key=lambda m: -levels[m])


def comparison_periods(
    engine: Engine, principal: Principal, measure: str, *, published: bool = False
) -> list[date]:
    """Every period the measure's totals are stored for, oldest first."""
    source = _source(engine, principal, measure, "all", published=published)
    if source is None:
        return []
    rolled = read_rollup(engine, principal, measure, source, source, published=published)
    return rolled["period"].unique().sort().to_list()
