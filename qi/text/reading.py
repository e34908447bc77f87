"""A plain-English reading of one series: what its latest signal says, since when, and whether
it will meet its target.

"Seven months above the mean since May 2024: special cause improvement." or "Common cause
variation since April 2023; the target of 95% is hit and miss." The reading is built only from
``summarise()``'s row and ``spc()``'s points for that series: it names the latest point's
signal, counts the consecutive points that make it, finds where they start, and adds the point
type and the assurance in words. Nothing is computed here that the engine has not decided.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from qi.charts.phases import period_unit
from qi.text.counts import count
from qi.text.numbers import number
from qi.text.periods import period as period_text
from qi.text.signals import signal_words
from qi.vocabulary.charts import CHART_TYPES, centre_word
from qi.vocabulary.points import ASSURANCE_READINGS, POINT_TYPE_WORDS

EVENT = "event"


def reading(
    summary: Mapping[str, Any], points: pl.DataFrame, period: str, unit: str | None = None
) -> str:
    """The reading of one series from its summary row and its points, charted by ``period``
    (``unit`` is the measure's unit, for the target: "%", "per 1,000 children", ...)."""
    if points.height == 0:
        return "No values yet."
    points = points.sort(period)
    periods = points.get_column(period)
    # On T and G charts each point is an event, dated to the day, not a month.
    events = CHART_TYPES[str(summary["chart"])].events if summary.get("chart") else False
    step = EVENT if events else period_unit(periods)
    rows = points.to_dicts()  # one conversion: the rest is read from these rows
    valued = [i for i, row in enumerate(rows) if row["value"] is not None]
    if not valued:
        return "No values yet."
    at = valued[-1]
    last = rows[at]
    lead = ""
    if at != len(rows) - 1:
        lead = f"No value for {period_text(periods[-1], step)}. "
    sentence = _signal(rows, at, period, step, centre_word(summary.get("chart")))
    assurance = summary.get("assurance_icon")
    if assurance in ASSURANCE_READINGS and summary.get("target") is not None:
        target = number(summary["target"], unit)
        sentence += "; " + ASSURANCE_READINGS[str(assurance)].format(target=target)
    text = lead + sentence[0].upper() + sentence[1:] + "."
    if last["short_phase"] and last.get("upper_limit") is not None:
        size = sum(1 for r in rows if r["phase"] == last["phase"])
        text += f" The limits come from only {size} points, so treat them as provisional."
    return text


def phase_steps(steps: Sequence[Mapping[str, Any]], unit: str | None = None) -> str:
    """A sentence per recalculation of the limits: "Centre line moved from 33.8 to 43.6 at
    March 2023, confirmed by Sam Patel because the new pathway opened." Each step has
    ``period`` (the new phase's first), ``before`` and ``after`` (the centre lines), and
    ``actor`` and ``reason`` (of the annotation that started it; either may be None)."""
    sentences = []
    for step in steps:
        moved = (
            f"Centre line moved from {number(step['before'])} to "
            f"{number(step['after'], unit)} at {period_text(step['period'])}"
            if step.get("before") is not None and step.get("after") is not None
            else f"Limits recalculated from {period_text(step['period'])}"
        )
        if step.get("actor"):
            moved += f", confirmed by {step['actor']}"
        if step.get("reason"):
            reason = str(step["reason"]).strip().rstrip(".")
            moved += f" because {reason[0].lower() + reason[1:]}"
        sentences.append(moved + ".")
    return " ".join(sentences)


def _signal(rows: list[dict[str, Any]], at: int, period: str, step: str | None, centre: str) -> str:
    """What the point at ``at`` shows: its signal (or common cause) and since when."""
    point = rows[at]
    units = _units(step)
    phase = [i for i, r in enumerate(rows) if r["phase"] == point["phase"]]
    if point["signal"] is None:
        signalled = [i for i in phase if i < at and rows[i]["signal"] is not None]
        since = signalled[-1] + 1 if signalled else phase[0]
        common = POINT_TYPE_WORDS["common_cause"]
        return f"{common} since {period_text(rows[since][period], step)}"
    rule, side = str(point["signal"]), point["signal_side"]
    kind = POINT_TYPE_WORDS[str(point["point_type"])]
    where = "above" if side > 0 else "below"
    if rule == "shift":
        first = _run_start(rows, at, lambda r: r["rule_shift"] and r["relative_to_centre"] == side)
        n = at - first + 1
        what = f"{count(n, *units, spelled=True)} {where} the {centre}"
    elif rule == "trend":
        first = _run_start(rows, at, lambda r: r["rule_trend"] and r["signal_side"] == side)
        n = at - first + 1
        what = f"{count(n, *units, spelled=True)} {'rising' if side > 0 else 'falling'}"
    elif rule == "outside":
        first = _run_start(rows, at, lambda r: r["rule_outside"] and r["signal_side"] == side)
        n = at - first + 1
        limit = "upper" if side > 0 else "lower"
        if n == 1:
            return (
                f"{where} the {limit} process limit in {period_text(point[period], step)}: {kind}"
            )
        what = f"{count(n, *units, spelled=True)} {where} the {limit} process limit"
    elif rule == "two_of_three":
        first = _run_start(rows, at, lambda r: r["rule_two_of_three"] and r["signal_side"] == side)
        limit = "upper" if side > 0 else "lower"
        what = f"two of three {units[1]} close to the {limit} process limit (beyond two sigma)"
    elif rule == "runs":
        return _runs(rows, phase, at, period, step, centre, kind)
    else:
        words = signal_words(point["rules"], rule, side)
        return f"{words[0].lower()}{words[1:]} in {period_text(point[period], step)}: {kind}"
    return f"{what} since {period_text(rows[first][period], step)}: {kind}"


def _runs(
    rows: list[dict[str, Any]],
    phase: list[int],
    at: int,
    period: str,
    step: str | None,
    centre: str,
    kind: str,
) -> str:
    """Anhoej's (or the IHI's) runs signal, which belongs to the whole phase: the latest run
    when it is the long one, else the longest run or the crossings of the phase."""
    point, units = rows[at], _units(step)
    longest, most = point["longest_run"], point["longest_run_max"]
    if longest is not None and most is not None and longest > most:
        side = point["relative_to_centre"]
        first = _run_start(rows, at, lambda r: r["relative_to_centre"] == side)
        if side and at - first + 1 == longest:
            where = "above" if side > 0 else "below"
            return (
                f"{count(longest, *units, spelled=True)} {where} the {centre} since "
                f"{period_text(rows[first][period], step)} (a run of more than {most} is unusual): "
                f"{kind}"
            )
        run = count(longest, *units, spelled=True)
        return (
            f"a run of {run} on one side of the {centre} (more than {most} is unusual) "
            f"since {period_text(rows[phase[0]][period], step)}: {kind}"
        )
    return (
        f"too few crossings of the {centre} since {period_text(rows[phase[0]][period], step)} "
        f"({point['crossings']}; fewer than {point['crossings_min']} is unusual): {kind}"
    )


def _run_start(
    rows: list[dict[str, Any]], at: int, belongs: Callable[[dict[str, Any]], bool]
) -> int:
    """The first index of the consecutive rows ending at ``at`` for which ``belongs`` holds."""
    first = at
    while first > 0 and rows[first - 1]["phase"] == rows[at]["phase"] and belongs(rows[first - 1]):
        first -= 1
    return first


def _units(step: str | None) -> tuple[str, str]:
    return (step, step + "s") if step and step != EVENT else ("point", "points")
