"""Time in a series: the calendar unit of its periods, a clock counting those units, the position
in the year that seasonal terms use, and the names of periods in sentences.

The clock is a number per period in the period's own unit (months since year 0 for monthly
data, days since 1970 over 7 for weekly ...), so the time between two periods is a difference of
clocks and a missing month is a gap of 2. Periods that are plain numbers are their own clock.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from qi.charts.phases import period_unit
from qi.effects.constants import HORIZON_MONTHS

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Unit:
    """A calendar unit: its name and how many make a year (None: undated)."""

    name: str
    per_year: float | None

    @property
    def max_harmonics(self) -> int:
        """The most Fourier harmonics a year of these periods can carry: fewer than half the
        periods in a year (at half, the sine is zero at every period)."""
        return 0 if self.per_year is None else int((self.per_year - 1) // 2)

    @property
    def horizon(self) -> int:
        """Twelve months in this unit (``HORIZON_MONTHS``; 12 periods when undated)."""
        if self.per_year is None:
            return HORIZON_MONTHS
        return max(1, round(self.per_year * HORIZON_MONTHS / 12))

    def plural(self, count: float) -> str:
        return self.name if count == 1 else f"{self.name}s"


UNITS = {
    "day": Unit("day", 365.25),
    "week": Unit("week", 365.25 / 7),
    "month": Unit("month", 12.0),
    "quarter": Unit("quarter", 4.0),
    "year": Unit("year", 1.0),
    "period": Unit("period", None),
}


def unit_of(periods: pl.Series) -> Unit:
    """The unit of a period column: a calendar unit for dates, ``period`` for numbers."""
    if periods.dtype.is_temporal():
        return UNITS[period_unit(periods) or "month"]
    return UNITS["period"]


def clock(periods: pl.Series, unit: Unit) -> Array:
    """Each period's place on the unit's clock (whole numbers for periods on the unit's grid)."""
    if unit.name == "period":
        return periods.cast(pl.Float64).to_numpy()
    dates = periods.cast(pl.Date)
    if unit.name in ("day", "week"):
        days = dates.cast(pl.Int64).to_numpy().astype(np.float64)
        return days if unit.name == "day" else days / 7
    months = (dates.dt.year().cast(pl.Int64) * 12 + dates.dt.month().cast(pl.Int64) - 1).to_numpy()
    steps = {"month": 1, "quarter": 3, "year": 12}[unit.name]
    return np.asarray(np.floor_divide(months, steps), dtype=np.float64)


def point_clock(value: Any, unit: Unit) -> float:
    """The clock at a moment (a change or decision date), with the fraction of the unit gone:
    the 16th of May is May + 15/31."""
    if unit.name == "period":
        return float(value)
    day = value.date() if isinstance(value, datetime) else value
    if unit.name in ("day", "week"):
        days = (day - date(1970, 1, 1)).days
        return days if unit.name == "day" else days / 7
    first = date(day.year, day.month, 1)
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    month = day.year * 12 + day.month - 1 + (day - first).days / (following - first).days
    return month / {"month": 1, "quarter": 3, "year": 12}[unit.name]


def season_position(clock_value: Array | float, unit: Unit) -> Array:
    """Fraction of the year at a clock value, for Fourier terms (month m of the year: (m-1)/12)."""
    if unit.per_year is None:
        raise ValueError("undated periods have no position in the year")
    return np.asarray(np.asarray(clock_value, dtype=np.float64) / unit.per_year)


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def name_period(value: Any, unit: Unit) -> str:
    """A period as a sentence names it: "May 2024", "2024 Q2", "3 June 2024", "2024", "period 31"."""
    if unit.name == "period":
        number = float(value)
        return f"period {int(number) if number.is_integer() else number}"
    day = value.date() if isinstance(value, datetime) else value
    if unit.name == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    if unit.name == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if unit.name == "year":
        return str(day.year)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def name_clock(value: float, unit: Unit) -> str:
    """The period at a whole clock value, named as ``name_period`` names it."""
    if unit.name == "period":
        return name_period(value, unit)
    if unit.name in ("day", "week"):
        days = round(value * (7 if unit.name == "week" else 1))
        return name_period(date.fromordinal(date(1970, 1, 1).toordinal() + days), unit)
    months = round(value) * {"month": 1, "quarter": 3, "year": 12}[unit.name]
    return name_period(date(months // 12, months % 12 + 1, 1), unit)
