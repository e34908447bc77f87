"""Guard rails: when an effect estimate is refused, labelled or warned about, each with a message
that says what and how to fix it.

- Fewer than ``MIN_POINTS_EACH_SIDE`` (3) points on either side of the change: refused.
- Fewer than ``LOW_CONFIDENCE_POINTS`` (12) on either side: computed, labelled low confidence.
- A change recorded (``decided_at``) after some of the points it is judged on had happened:
  labelled "chosen after seeing the data".
- Missing periods, excluded points or a change of the measure's definition inside the window:
  a warning each.
"""

from collections.abc import Sequence

import numpy as np

from qi.effects.calendar import Array, Unit, name_clock
from qi.effects.constants import LOW_CONFIDENCE_POINTS, MIN_POINTS_EACH_SIDE
from qi.effects.fitting import Flags

LOW_CONFIDENCE = "low confidence"
CHOSEN_AFTER = "chosen after seeing the data"


class EffectInputError(ValueError):
    """The data or arguments cannot give an effect estimate; the message says why and how to fix it."""


def too_few_points(series: str, before: int, after: int, change: str) -> str | None:
    """Why a series is refused, or None when it has enough points on both sides."""
    if min(before, after) >= MIN_POINTS_EACH_SIDE:
        return None
    side, count = ("before", before) if before < MIN_POINTS_EACH_SIDE else ("after", after)
    fix = (
        "choose a later change date or add earlier data"
        if side == "before"
        else ("choose an earlier change date or wait for more data")
    )
    return (
        f"{series} has {count} point{'s' if count != 1 else ''} {side} the change in {change} "
        f"and an effect needs at least {MIN_POINTS_EACH_SIDE} on each side; {fix}, or leave "
        "this series out"
    )


def low_confidence(before: int, after: int) -> str | None:
    if min(before, after) >= LOW_CONFIDENCE_POINTS:
        return None
    return (
        f"Low confidence: {before} points before the change and {after} after; "
        f"{LOW_CONFIDENCE_POINTS} or more on each side are recommended (Wagner et al. 2002)."
    )


def chosen_after(
    decided: float | None, post_clocks: Array, unit: Unit, decided_name: str
) -> str | None:
    """The change was recorded after one or more of the post-change points had ended (a point
    at clock c ends at c + 1), so the date may have been picked where the data moved."""
    if decided is None:
        return None
    seen = int(np.sum(post_clocks + 1 <= decided + 1e-9))
    if seen == 0:
        return None
    return (
        f"Chosen after seeing the data: the change was recorded on {decided_name}, after "
        f"{seen} of the {post_clocks.size} points after it had happened; a change date picked "
        "where the data moved overstates its effect. Prefer dates recorded when the change "
        "was made."
    )


def gaps(clocks: Array, usable: Flags, unit: Unit) -> str | None:
    """Periods missing between the first and last point (absent, or with no value)."""
    if not usable.any():
        return None
    offset = clocks[usable][0] - np.round(clocks[usable][0])  # weeks: days / 7 is fractional
    present = np.round(clocks[usable] - offset).astype(np.int64)
    every = np.arange(present.min(), present.max() + 1)
    missing = np.setdiff1d(every, present) + offset
    if missing.size == 0:
        return None
    return (
        f"{_count(missing.size, unit)} missing inside the window ({_names(missing, unit)}): "
        "the model assumes the trend ran on through them; fill them in if the data exist."
    )


def excluded(clocks: Array, unit: Unit) -> str | None:
    if clocks.size == 0:
        return None
    return (
        f"{_count(clocks.size, unit)} excluded and left out of the model ({_names(clocks, unit)})."
    )


def definition_changed(
    changes: Sequence[float], first: float, last: float, unit: Unit
) -> list[str]:
    """A change of the measure's definition between the first and last point."""
    return [
        f"The measure's definition changed in {name_clock(np.ceil(c - 1e-9), unit)}, inside the "
        "window: points before and after it may not be comparable, and the effect may be the "
        "new definition's."
        for c in changes
        if first < c <= last
    ]


def no_events(values: Array, trials: Array, after: Flags, proportion: bool) -> list[str]:
    """A side of the change with no events (or, for a proportion, every case counted): the
    ratio there is 0 or infinite and its range unbounded; the difference still reads."""
    found = []
    for side, mask in (("before", ~after), ("after", after)):
        if mask.any() and np.all(values[mask] == 0):
            found.append(
                f"No events {side} the change: the ratio cannot be estimated (its range is "
                "unbounded); read the difference in the measure's units instead."
            )
        elif proportion and mask.any() and np.all(values[mask] == trials[mask]):
            found.append(
                f"Every case counted {side} the change: the odds ratio cannot be estimated; "
                "read the difference in percentage points instead."
            )
    return found


def not_converged(method: str) -> str:
    return (
        f"The {method} did not converge: the estimates are unreliable (a series of zeros, or "
        "one with every case counted, has no ratio to estimate)."
    )


def _count(count: int, unit: Unit) -> str:
    return f"{count} {unit.plural(count)}"


def _names(clocks: Array, unit: Unit, most: int = 4) -> str:
    names = [name_clock(float(c), unit) for c in clocks[:most]]
    more = clocks.size - most
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")
