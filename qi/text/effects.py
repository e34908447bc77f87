"""The plain-English reading of an effect estimate (``qi.effects``).

``describe()`` writes one paragraph per series: the trend before the change, the difference
from that trend straight after it and twelve months on (with 95% ranges), the model-scale
ratios for GLMs, whether a second method agrees, every label and warning, and the assumption
the estimate rests on. For example:

    Before the change in May 2024 admissions were rising by about 0.2 per 1,000 each month.
    Straight after it they were 6.8 lower than the earlier trend predicted (95% range 2.6 to
    11.0); twelve months on, 8.4 lower (5.1 to 11.7). This assumes nothing else that affects
    admissions changed at the same time.
"""

from qi.effects import PARAMETRISATION, Effect, Estimate
from qi.effects.calendar import UNITS
from qi.text.numbers import number

NUMBER_WORDS = {1: "one", 4: "four", 12: "twelve"}
# The lines of an effect chart, named alike in the app (``qi.render.effects``) and the pack.
OBSERVED, FITTED, COUNTERFACTUAL = (
    "Observed",
    "Fitted model",
    "Earlier trend continued (no change)",
)


def describe(effect: Effect, measure: str) -> str:
    """The paragraph for one series; ``measure`` names what is measured ("admissions"; a
    name starting with a capitalised word, "Average wait", reads "average wait")."""
    if len(measure) > 1 and measure[0].isupper() and measure[1].islower():
        measure = measure[0].lower() + measure[1:]
    parts = [_before(effect, measure), _after(effect)]
    if effect.scale != "difference":
        parts.append(_ratios(effect))
    parts.append(_second_method(effect))
    parts.extend(effect.warnings)
    parts.append(_assumption(effect, measure))
    return " ".join(p for p in parts if p)


def _number(x: float, about: bool = False) -> str:
    """An estimate in a sentence: 11.0, 6.8, 0.21 (0.2 when ``about``), 1,250."""
    return number(x, figures=1 if about else 2)


def _each(effect: Effect) -> str:
    return f"each {effect.unit}"


def _units(effect: Effect) -> str:
    return f" {effect.units}" if effect.units and effect.units != "percentage points" else ""


def _points(effect: Effect) -> str:
    return " percentage points" if effect.units == "percentage points" else ""


def _before(effect: Effect, measure: str) -> str:
    subject = measure
    if effect.comparison and effect.kind == "continuous":
        subject = f"{measure} relative to {effect.comparison}"
    trend = effect.trend_before_units
    amount = f"{_number(abs(trend), about=True)}{_points(effect)}{_units(effect)} {_each(effect)}"
    if effect.trend_before.significant:
        moving = "rising" if trend > 0 else "falling"
        return (
            f"Before the change in {effect.change_name} {subject} were {moving} by about {amount}."
        )
    return (
        f"Before the change in {effect.change_name} {subject} showed no clear trend "
        f"(about {amount}, up or down)."
    )


def _gap(estimate: Estimate, effect: Effect, first: bool) -> str:
    """ "6.8 lower than the earlier trend predicted (95% range 2.6 to 11.0)" or, when the range
    crosses zero, "(95% range 3.4 lower to 1.0 higher)"."""
    value, low, high = estimate.estimate, estimate.ci_low, estimate.ci_high
    side = "lower" if value < 0 else "higher"
    predicted = " than the earlier trend predicted" if first else ""
    if effect.comparison and first:
        predicted = f" than the earlier trend and the change in {effect.comparison} predicted"
    label = "95% range " if first else ""
    if low < 0 < high:
        spread = f"{label}{_number(-low)} lower to {_number(high)} higher"
    else:
        a, b = sorted((abs(low), abs(high)))
        spread = f"{label}{_number(a)} to {_number(b)}"
    return f"{_number(abs(value))}{_points(effect)} {side}{predicted} ({spread})"


def _horizon(effect: Effect) -> str:
    """ "twelve months on", or "at the last point, 7 months on (November 2024)" when sooner."""
    count = effect.horizon
    span = (
        f"{NUMBER_WORDS.get(count, str(count))} {effect.unit if count == 1 else effect.unit + 's'}"
    )
    if count == UNITS[effect.unit].horizon:
        return f"{span} on"
    return f"at the last point, {span} on ({effect.horizon_name})"


def _after(effect: Effect) -> str:
    if effect.immediate_difference is not None:
        return (
            f"Straight after it they were {_gap(effect.immediate_difference, effect, True)}; "
            f"{_horizon(effect)}, {_gap(effect.difference, effect, False)}."
        )
    return (
        f"The change was modelled as a change in trend only; {_horizon(effect)} they were "
        f"{_gap(effect.difference, effect, True)}."
    )


def _ratios(effect: Effect) -> str:
    parts = []
    if effect.level_change:
        parts.append(f"straight after, {_ratio(effect.level_change)}")
    if effect.slope_change:
        parts.append(f"in the trend, {_ratio(effect.slope_change, 3)} {_each(effect)}")
    return f"As {_article(effect.scale)} {effect.scale}: " + "; ".join(parts) + "."


def _article(scale: str) -> str:
    return "an" if scale[0] in "aeiou" else "a"


def _ratio(estimate: Estimate, digits: int = 2) -> str:
    """A ratio with its range: 0.85 (95% range 0.82 to 0.89); a monthly ratio to 3 places."""
    low, high = f"{estimate.ci_low:.{digits}f}", f"{estimate.ci_high:.{digits}f}"
    return f"{estimate.estimate:.{digits}f} (95% range {low} to {high})"


def _second_method(effect: Effect) -> str:
    check = effect.sensitivity
    if check.agrees:
        return (
            f"A second method ({check.method}) gives the same conclusion: the same direction "
            "and significance."
        )
    return (
        f"A second method ({check.method}) gives a different conclusion (direction or "
        "significance): the result depends on the method, so treat it with caution."
    )


def _assumption(effect: Effect, measure: str) -> str:
    if effect.comparison:
        return (
            f"This assumes {measure} would otherwise have changed as they did in "
            f"{effect.comparison}."
        )
    return f"This assumes nothing else that affects {measure} changed at the same time."


def method_words(effect: Effect) -> str:
    """How an estimate was made, in words: the model and its seasonal terms, the
    parametrisation, the points on each side and whether the second method agrees."""
    seasons = (
        f"seasonal terms ({effect.harmonics} harmonics of the calendar year)"
        if effect.harmonics
        else "no seasonal terms"
    )
    check = effect.sensitivity
    agrees = "agrees" if check.agrees else "does not agree"
    return (
        f"{effect.method}, {seasons}; {PARAMETRISATION}. Points: {effect.points_before} before "
        f"the change and {effect.points_after} after (the change: {effect.change_name}). "
        f"Second method: {check.method}, which {agrees}."
    )
