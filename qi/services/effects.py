"""Did the change work? The effect of a confirmed change point on one measure at one place.

``effect_at()`` takes an annotation that starts a new phase (a change point a coach confirmed,
with its reason) and estimates the change's effect on the measure at that place by segmented
regression (``qi.effects``), with the model the measure's kind calls for: quasi-Poisson for
counts, with a log(population) offset for rates (per the measure's multiplier), quasi-binomial
for proportions (in percentage points), OLS with Newey–West errors for measured values. The
change date is the annotation's period; the day it was recorded labels an estimate "chosen
after seeing the data" when it came after points the model uses; points excluded on the chart
are left out of the model (and said so). The result carries the paragraph (``qi.text.effects``)
and the lines to draw: observed, fitted and counterfactual at every point the model used.
"""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.services.review import ReviewError
from qi.store.annotations import read_annotations
from qi.store.definitions import read_measures
from qi.store.observations import read_series
from qi.vocabulary.measures import RATIO_KINDS

if TYPE_CHECKING:  # qi.effects (statsmodels) is imported when an estimate is made, not before:
    from qi.effects import Effect  # pages that only list change points open faster

# The measure kinds segmented regression is for (rare-event measures, charted as the time or
# cases between events, are not).
EFFECT_KINDS = ("count", "rate", "proportion", "continuous")
LINES_SCHEMA = {
    "period": pl.Date(),
    "observed": pl.Float64(),
    "fitted": pl.Float64(),
    "counterfactual": pl.Float64(),
    "segment": pl.String(),
}
BEFORE, AFTER = "before the change", "after the change"


@dataclass(frozen=True)
class EffectAt:
    """An effect estimate at a confirmed change point, ready to show.

    Attributes:
        measure, place: the series' codes; ``measure_name`` in words.
        change: the change point's period; ``annotation`` its text.
        effect: the estimate (``qi.effects.Effect``).
        reading: the paragraph in plain English.
        method: the model, the parametrisation, points per segment and the second method, in
            words (one click away on the page).
        lines: observed, fitted and counterfactual values at each period the model used
            (``LINES_SCHEMA``), in the measure's units.
        units: what the values are in ("per 1,000", "%" or the measure's unit).
    """

    measure: str
    measure_name: str
    place: str
    change: date
    annotation: str
    effect: "Effect"
    reading: str
    method: str
    lines: pl.DataFrame
    units: str


def change_points(engine: Engine, principal: Principal, measure: str, place: str) -> pl.DataFrame:
    """The confirmed change points of a measure at a place (annotations that start a new phase,
    there or at every place), oldest first: ``read_annotations``' columns."""
    notes = read_annotations(engine, principal, measures=measure, places=place)
    return notes.filter(pl.col("new_phase")).sort("period", "id")


def effect_at(
    engine: Engine,
    principal: Principal,
    measure: str,
    place: str,
    annotation: int,
    model: str = "both",
) -> EffectAt:
    """Estimate the effect of the change confirmed by ``annotation`` on ``measure`` at
    ``place``. Raises ``ReviewError`` saying what is wrong and what to do (not a change point,
    a kind of measure the method is not for, too few points on a side)."""
    from qi.effects import EffectInputError, estimate_effects
    from qi.text.effects import describe, method_words

    points = change_points(engine, principal, measure, place)
    chosen = points.filter(pl.col("id") == annotation)
    if chosen.height == 0:
        raise ReviewError(
            f"annotation {annotation} is not a confirmed change point of {measure} at {place}; "
            "estimate the effect at an annotation that recalculates the limits"
        )
    note = chosen.row(0, named=True)
    definition = _definition(engine, measure)
    kind = definition["kind"]
    if kind not in EFFECT_KINDS:
        raise ReviewError(
            f"{definition['name']} is charted as the time or cases between rare events; the "
            "effect estimate is for counts, rates, proportions and measured values"
        )
    ratio = kind in RATIO_KINDS
    multiplier = float(definition["multiplier"] or 1.0)
    series = read_series(engine, principal, measures=measure, places=place).sort("period")
    excluded = _excluded(engine, principal, measure, place)
    value = "numerator" if ratio else "value"
    try:
        (effect,) = estimate_effects(
            series,
            value=value,
            denominator="denominator" if ratio else None,
            kind=kind,
            period="period",
            change=note["period"],
            model=model,
            multiplier=multiplier if kind == "rate" else 1.0,
            decided_at=note["created_at"].date(),
            exclude=excluded or None,
        )
    except EffectInputError as error:
        raise ReviewError(f"the effect cannot be estimated: {error}") from None
    used = series.filter(
        pl.col(value).is_not_null()
        & ~pl.col("period").is_in(excluded)
        & (pl.col("denominator").is_not_null() if ratio else pl.lit(True))
    )
    observed = _observed(used, kind, multiplier)
    fitted, counterfactual = effect.fitted, effect.counterfactual
    if fitted is None or counterfactual is None or len(fitted) != used.height:
        raise ReviewError("the model's points do not match the stored series; please report it")
    lines = pl.DataFrame(
        {
            "period": used["period"],
            "observed": observed,
            "fitted": np.asarray(fitted),
            "counterfactual": np.asarray(counterfactual),
            "segment": np.where(used["period"].to_numpy() < note["period"], BEFORE, AFTER),
        },
        schema=LINES_SCHEMA,
    )
    name = definition["name"]
    units = effect.units or definition["unit"] or ""
    return EffectAt(
        measure=measure,
        measure_name=name,
        place=place,
        change=note["period"],
        annotation=note["text"],
        effect=effect,
        reading=describe(effect, name),
        method=method_words(effect),
        lines=lines,
        units="%" if kind == "proportion" else units,
    )


def _definition(engine: Engine, measure: str) -> dict:
    found = read_measures(engine).filter(pl.col("code") == measure)
    if found.height == 0:
        raise ReviewError(f"unknown measure {measure!r}; check the measure's code")
    return found.row(0, named=True)


def _excluded(engine: Engine, principal: Principal, measure: str, place: str) -> list[date]:
    notes = read_annotations(engine, principal, measures=measure, places=place)
    return sorted(set(notes.filter(pl.col("exclude"))["period"].to_list()))


def _observed(used: pl.DataFrame, kind: str, multiplier: float) -> pl.Series:
    if kind == "rate":
        return used["numerator"] / used["denominator"] * multiplier
    if kind == "proportion":
        return 100 * used["numerator"] / used["denominator"]
    return used["value"]


def effects_at_change_points(
    engine: Engine, principal: Principal, measures: list[str], places: list[str]
) -> tuple[EffectAt, ...]:
    """The effect at every confirmed change point of these measures at these places, for the
    board pack; change points where no estimate can be made (too few points after the
    change, a rare-event measure) are left out."""
    # One read of every annotation here; a measure and place is looked at only when it has a
    # change point (its own, or one for every place), as ``change_points()`` finds them.
    notes = read_annotations(engine, principal, measures=measures, places=places).filter(
        pl.col("new_phase")
    )
    found = []
    for measure in measures:
        own = notes.filter(pl.col("measure") == measure)
        if own.height == 0:
            continue
        for place in places:
            at = own.filter(pl.col("place").is_null() | (pl.col("place") == place))
            for annotation in at.sort("period", "id")["id"]:
                try:
                    found.append(effect_at(engine, principal, measure, place, annotation))
                except ReviewError:
                    continue
    return tuple(found)
