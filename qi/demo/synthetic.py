"""The synthetic series: four financial years of monthly data for the partnership, generated
from a fixed seed.

Noise, seasonality, improvement after the interventions in ``EFFECTS`` (in some places and not
others), a missing month (``MISSING_MONTH``), a month recorded wrongly (``FAULTY_MONTH``) and
suppressed small numbers. The same every time (one seed, ``DEMO_SEED``).
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from qi.demo.partnership import (
    ADULT_WARD,
    AE_UNDER5,
    ASTHMA,
    BRADFORD,
    BREASTFEEDING,
    CALDERDALE,
    EHCP,
    ICB,
    KIRKLEES,
    LEEDS,
    LOCALITIES,
    MH_REFERRALS,
    MH_WAIT,
    OBSERVATION_COLUMNS,
    WAKEFIELD,
    Locality,
)

# One seed for the whole demo; each series draws from its own stream (seed, measure, place),
# so retuning one series leaves every other series as it was. With 48 months, about one stable
# series in four shows a chance signal under the Making Data Count rules (seven points on one
# side is likely somewhere in 48). The seed was chosen, from a scan of 500, so that Leeds, the
# comparison locality, shows common cause variation only, and every change in ``EFFECTS`` shows
# as special cause improvement; the other localities keep their chance signals, as real data do.
DEMO_SEED = 398
FIRST_PERIOD, LAST_PERIOD = date(2021, 4, 1), date(2025, 3, 1)  # four financial years

# --- what happened where: the levels and the real improvements ------------------------------


@dataclass(frozen=True)
class Effect:
    """A real change in one series: from ``start``, ramping over ``ramp`` months to ``size``.

    ``size`` is relative (-0.2 = a fifth lower) for counts, rates and waits, and in percentage
    points for proportions.
    """

    start: date
    size: float
    ramp: int = 1


EFFECTS: dict[tuple[str, str], Effect] = {
    # Bradford's advice hub: a step down in A&E attendances of under-5s the month it opened.
    (AE_UNDER5, BRADFORD): Effect(date(2022, 10, 1), -0.20),
    # Asthma-friendly schools in Bradford: admissions fall over the following school term.
    (ASTHMA, BRADFORD): Effect(date(2022, 10, 1), -0.40, ramp=4),
    # Mental health support teams in Kirklees: more children reach support, and sooner.
    (MH_REFERRALS, KIRKLEES): Effect(date(2023, 4, 1), 0.18, ramp=3),
    (MH_WAIT, KIRKLEES): Effect(date(2023, 4, 1), -0.40, ramp=3),
    # Calderdale's single point of access: waits fall, more gradually.
    (MH_WAIT, CALDERDALE): Effect(date(2024, 1, 1), -0.25, ramp=6),
    # Kirklees's EHC plan PDSA cycles.
    (EHCP, KIRKLEES): Effect(date(2023, 10, 1), 28.0, ramp=4),
    # Wakefield's infant feeding peer supporters.
    (BREASTFEEDING, WAKEFIELD): Effect(date(2023, 1, 1), 9.0, ramp=3),
    # Fewer under-18s in adult wards once crisis support and the single point of access began.
    (ADULT_WARD, ICB[0]): Effect(date(2023, 4, 1), 2.5),
}

# Baseline levels per locality (synthetic, of a plausible order).
AE_UNDER5_PER_CHILD = {
    BRADFORD: 0.058,
    CALDERDALE: 0.052,
    KIRKLEES: 0.055,
    LEEDS: 0.050,
    WAKEFIELD: 0.061,
}
ASTHMA_PER_1000_CHILDREN = {
    BRADFORD: 0.15,
    CALDERDALE: 0.19,
    KIRKLEES: 0.12,
    LEEDS: 0.13,
    WAKEFIELD: 0.15,
}
MH_WAIT_DAYS = {BRADFORD: 74.0, CALDERDALE: 81.0, KIRKLEES: 96.0, LEEDS: 68.0, WAKEFIELD: 88.0}
EHCP_PERCENT = {BRADFORD: 42.0, CALDERDALE: 55.0, KIRKLEES: 34.0, LEEDS: 58.0, WAKEFIELD: 49.0}
EHCP_PLANS_PER_MONTH = {BRADFORD: 55, CALDERDALE: 18, KIRKLEES: 40, LEEDS: 75, WAKEFIELD: 30}
BREASTFEEDING_PERCENT = {
    BRADFORD: 47.0,
    CALDERDALE: 43.0,
    KIRKLEES: 41.0,
    LEEDS: 52.0,
    WAKEFIELD: 34.0,
}
ADULT_WARD_MEAN_GAP_DAYS = 24.0

# Suppression: the publisher suppresses counts of 1 to 4.
SUPPRESSED = range(1, 5)
# A month whose data never arrived (and the data issue annotation that explains it).
MISSING_MONTH = (MH_REFERRALS, LEEDS, date(2023, 8, 1))
# A month recorded wrongly, excluded from the limits (and the annotation that says why).
FAULTY_MONTH = (BREASTFEEDING, WAKEFIELD, date(2024, 1, 1))


def _months() -> list[date]:
    months, year, month = [], FIRST_PERIOD.year, FIRST_PERIOD.month
    while date(year, month, 1) <= LAST_PERIOD:
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _progress(effect: Effect | None, months: list[date]) -> np.ndarray:
    """0 before the effect starts, rising linearly to 1 over its ramp."""
    if effect is None:
        return np.zeros(len(months))
    index = np.array(
        [(m.year - effect.start.year) * 12 + m.month - effect.start.month for m in months]
    )
    return np.clip((index + 1) / effect.ramp, 0.0, 1.0) * (index >= 0)


def _seasonal(months: list[date], peak_month: int, amplitude: float) -> np.ndarray:
    return 1 + amplitude * np.cos([2 * math.pi * (m.month - peak_month) / 12 for m in months])


def _stream(measure: str, place: str) -> np.random.Generator:
    key = int.from_bytes(hashlib.sha256(f"{measure}|{place}".encode()).digest()[:8], "big")
    return np.random.default_rng([DEMO_SEED, key])


def _series(measure, place, months, value=None, numerator=None, denominator=None) -> pl.DataFrame:
    n = len(months)
    frame = pl.DataFrame(
        {
            "measure": [measure] * n,
            "place": [place] * n,
            "period": months,
            "value": value if value is not None else [None] * n,
            "numerator": numerator if numerator is not None else [None] * n,
            "denominator": denominator if denominator is not None else [None] * n,
            "missing_reason": [None] * n,
            "status": ["final"] * n,
        },
        schema=OBSERVATION_COLUMNS,
    )
    if numerator is not None:
        frame = frame.with_columns((pl.col("numerator") / pl.col("denominator")).alias("value"))
    return frame


def _locality_series(locality: Locality, months: list[date]) -> list[pl.DataFrame]:
    code, n = locality.code, len(months)
    years = np.array([(m.year - FIRST_PERIOD.year) - (m.month < 4) for m in months])
    out = []

    # A&E attendances of under-5s: winter peak (bronchiolitis), month-to-month variation
    # beyond Poisson (weather, outbreaks), a slowly falling under-5 population.
    rng = _stream(AE_UNDER5, code)
    population = np.round(locality.under_fives * (1 - 0.012 * years))
    expected = (
        AE_UNDER5_PER_CHILD[code]
        * population
        * _seasonal(months, 1, 0.03)
        * _relative(AE_UNDER5, code, months)
        * np.exp(rng.normal(0, 0.04, n))
    )
    out.append(
        _series(AE_UNDER5, code, months, numerator=rng.poisson(expected), denominator=population)
    )

    # Emergency asthma admissions: the September return-to-school peak.
    rng = _stream(ASTHMA, code)
    level = ASTHMA_PER_1000_CHILDREN[code] * locality.children / 1000
    expected = level * _seasonal(months, 9, 0.15) * _relative(ASTHMA, code, months)
    counts = rng.poisson(expected).astype(float)
    frame = _series(ASTHMA, code, months, value=counts)
    out.append(_suppress(frame))

    # Mental-health referrals: about 9 % of children a year, lower in the school holidays.
    rng = _stream(MH_REFERRALS, code)
    level = 0.0075 * locality.children
    holidays = np.array([0.93 if m.month == 8 else 1.0 for m in months])
    expected = (
        level * holidays * _relative(MH_REFERRALS, code, months) * np.exp(rng.normal(0, 0.03, n))
    )
    frame = _series(MH_REFERRALS, code, months, value=rng.poisson(expected).astype(float))
    if (MH_REFERRALS, code) == MISSING_MONTH[:2]:
        frame = frame.filter(pl.col("period") != MISSING_MONTH[2])
    out.append(frame)

    # Average wait for support: a mean over a few hundred children, so roughly normal.
    rng = _stream(MH_WAIT, code)
    wait = MH_WAIT_DAYS[code] * _relative(MH_WAIT, code, months) + rng.normal(0, 4.0, n)
    out.append(_series(MH_WAIT, code, months, value=np.round(wait, 1)))

    # EHC plans within 20 weeks: binomial around the locality's level, few plans a month.
    rng = _stream(EHCP, code)
    plans = rng.poisson(EHCP_PLANS_PER_MONTH[code], n).clip(min=3)
    percent = EHCP_PERCENT[code] + _absolute(EHCP, code, months)
    on_time = rng.binomial(plans, _noisy(rng, percent / 100, 0.12))
    out.append(_series(EHCP, code, months, numerator=on_time, denominator=plans))

    # Breastfeeding at 6-8 weeks: infants due a review, binomial with a little extra variation.
    rng = _stream(BREASTFEEDING, code)
    reviews = rng.poisson(locality.births_per_month, n)
    percent = BREASTFEEDING_PERCENT[code] + _absolute(BREASTFEEDING, code, months)
    fed = rng.binomial(reviews, _noisy(rng, percent / 100, 0.05))
    if (BREASTFEEDING, code) == FAULTY_MONTH[:2]:
        # The record migration: a third of reviews lost their feeding status.
        fed = np.where(np.array(months) == FAULTY_MONTH[2], np.round(fed * 0.62), fed)
    out.append(_series(BREASTFEEDING, code, months, numerator=fed, denominator=reviews))
    return out


def _relative(measure: str, place: str, months: list[date]) -> np.ndarray:
    effect = EFFECTS.get((measure, place))
    return 1 + (effect.size if effect else 0.0) * _progress(effect, months)


def _absolute(measure: str, place: str, months: list[date]) -> np.ndarray:
    effect = EFFECTS.get((measure, place))
    return (effect.size if effect else 0.0) * _progress(effect, months)


def _noisy(rng: np.random.Generator, p: np.ndarray, sd: float) -> np.ndarray:
    """A proportion with month-to-month variation on the log-odds scale (overdispersion)."""
    log_odds = np.log(p / (1 - p)) + rng.normal(0, sd, len(p))
    return 1 / (1 + np.exp(-log_odds))


def _suppress(frame: pl.DataFrame) -> pl.DataFrame:
    small = pl.col("value").is_between(SUPPRESSED.start, SUPPRESSED.stop - 1)
    return frame.with_columns(
        pl.when(small).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(small).then(pl.lit("suppressed (*)")).alias("missing_reason"),
    )


def _adult_ward_events() -> pl.DataFrame:
    """Admission dates over the four years, gaps exponential; longer after April 2023."""
    rng = _stream(ADULT_WARD, ICB[0])
    effect = EFFECTS[(ADULT_WARD, ICB[0])]
    day = FIRST_PERIOD
    end = date(LAST_PERIOD.year, LAST_PERIOD.month, 28)
    rows = []
    while True:
        mean = ADULT_WARD_MEAN_GAP_DAYS * (1 + effect.size * (day >= effect.start))
        gap = max(1, round(rng.exponential(mean)))
        day = date.fromordinal(day.toordinal() + gap)
        if day > end:
            break
        rows.append((day, float(gap)))
    days, gaps = zip(*rows, strict=True)
    return _series(ADULT_WARD, ICB[0], list(days), value=list(gaps))


def synthetic_observations() -> pl.DataFrame:
    """The partnership's synthetic observations, from the fixed seed (the same every time)."""
    months = _months()
    frames = [s for locality in LOCALITIES for s in _locality_series(locality, months)]
    return pl.concat([*frames, _adult_ward_events()])
