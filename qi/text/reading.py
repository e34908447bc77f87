"""A plain-English reading of one series: what its latest signal says, since when, and whether
it will meet its target.

"Seven months above the mean since May 2024: special cause improvement." or "Common cause
variation since April 2023; the target of 95% is hit and miss." The reading is built only from
``summarise()``'s row and ``spc()``'s points for that series: it names the latest point's
signal, counts the consecutive points that make it, finds where they start, and adds the point
type and the assurance in words. Nothing is computed here that the engine has not decided.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import polars as pl

from qi.charts.phases import period_unit, period_units
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
    step = _step(summary, period_unit(points.get_column(period)))
    return _reading(summary, points.to_dicts(), period, step, unit)


def readings(
    summaries: Sequence[Mapping[str, Any]],
    points: pl.DataFrame,
    by: Sequence[str],
    period: str,
    units: Sequence[str | None],
) -> list[str]:
    """``reading(summary, its series' points, period, unit)`` for each summary row (each holds
    its series' ``by`` columns) with the unit beside it, from the points of every series at
    once: one sort, one conversion and one period unit per series for them all. Only the
    points from the phase of a series' latest value on are read (all a reading looks at)."""
    keys = list(by)
    if points.height == 0:
        return ["No values yet."] * len(summaries)
    ordered = points.sort([*keys, period], maintain_order=True)
    steps = {tuple(row[:-1]): row[-1] for row in period_units(ordered, keys, period).iter_rows()}
    latest = pl.col("phase").filter(pl.col("value").is_not_null()).last().over(keys)
    kept = ordered.filter(pl.col("phase") >= latest)
    spans = {
        tuple(row[:-2]): (row[-2], row[-1])
        for row in kept.with_row_index("_first")
        .group_by(keys, maintain_order=True)
        .agg(pl.col("_first").first(), pl.len())
        .iter_rows()
    }
    columns = _Columns(kept)
    texts = []
    for summary, unit in zip(summaries, units, strict=True):
        key = tuple(summary[k] for k in keys)
        if key not in spans:
            texts.append("No values yet.")
            continue
        first, length = spans[key]
        rows = _Rows(columns, first, length)
        texts.append(_reading(summary, rows, period, _step(summary, steps[key]), unit))
    return texts


class _Columns(dict[str, list[Any]]):
    """A frame's columns as Python lists, each converted when first read: a reading looks at
    a few of the points' columns, most of them only at a signal."""

    def __init__(self, frame: pl.DataFrame) -> None:
        super().__init__()
        self._frame = frame

    def __missing__(self, name: str) -> list[Any]:
        if name not in self._frame.columns:
            raise KeyError(name)
        values = self[name] = self._frame.get_column(name).to_list()
        return values


class _Row(Mapping[str, Any]):
    """One point of many, its values read from the columns where they lie."""

    __slots__ = ("_at", "_columns")

    def __init__(self, columns: _Columns, at: int) -> None:
        self._columns, self._at = columns, at

    def __getitem__(self, name: str) -> Any:
        return self._columns[name][self._at]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns._frame.columns)

    def __len__(self) -> int:
        return self._columns._frame.width


class _Rows(Sequence[_Row]):
    """One series' points: ``length`` rows of the columns from row ``first``."""

    def __init__(self, columns: _Columns, first: int, length: int) -> None:
        self._columns, self._first, self._length = columns, first, length

    @overload
    def __getitem__(self, index: int) -> _Row: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[_Row]: ...
    def __getitem__(self, index: int | slice) -> _Row | Sequence[_Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if 0 <= index < self._length:
            return _Row(self._columns, self._first + index)
        if -self._length <= index < 0:
            return _Row(self._columns, self._first + self._length + index)
        raise IndexError(index)

    def __len__(self) -> int:
        return self._length


def _step(summary: Mapping[str, Any], unit: str | None) -> str | None:
    """The step a reading counts in: each point an event on T and G charts (dated to the day,
    not a month), else the series' calendar unit."""
    events = CHART_TYPES[str(summary["chart"])].events if summary.get("chart") else False
    return EVENT if events else unit


def _reading(
    summary: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    period: str,
    step: str | None,
    unit: str | None,
) -> str:
    """The reading from a series' rows in period order (at least those from the phase of its
    latest value on)."""
    valued = (i for i in range(len(rows) - 1, -1, -1) if rows[i]["value"] is not None)
    at = next(valued, None)
    if at is None:
        return "No values yet."
    last = rows[at]
    lead = ""
    if at != len(rows) - 1:
        lead = f"No value for {period_text(rows[-1][period], step)}. "
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


def _signal(
    rows: Sequence[Mapping[str, Any]], at: int, period: str, step: str | None, centre: str
) -> str:
    """What the point at ``at`` shows: its signal (or common cause) and since when."""
    point = rows[at]
    units = _units(step)
    if point["signal"] is None:  # since the phase began or its last signal, whichever is later
        since = _run_start(rows, at, lambda r: r["signal"] is None)
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
        return _runs(rows, _run_start(rows, at, lambda r: True), at, period, step, centre, kind)
    else:
        words = signal_words(point["rules"], rule, side)
        return f"{words[0].lower()}{words[1:]} in {period_text(point[period], step)}: {kind}"
    return f"{what} since {period_text(rows[first][period], step)}: {kind}"


def _runs(
    rows: Sequence[Mapping[str, Any]],
    phase_start: int,
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
            f"since {period_text(rows[phase_start][period], step)}: {kind}"
        )
    return (
        f"too few crossings of the {centre} since {period_text(rows[phase_start][period], step)} "
        f"({point['crossings']}; fewer than {point['crossings_min']} is unusual): {kind}"
    )


def _run_start(
    rows: Sequence[Mapping[str, Any]], at: int, belongs: Callable[[Mapping[str, Any]], bool]
) -> int:
    """The first index of the consecutive rows ending at ``at``, in its phase, for which
    ``belongs`` holds."""
    phase, first = rows[at]["phase"], at
    while first > 0:
        row = rows[first - 1]
        if row["phase"] != phase or not belongs(row):
            break
        first -= 1
    return first


def _units(step: str | None) -> tuple[str, str]:
    return (step, step + "s") if step and step != EVENT else ("point", "points")
