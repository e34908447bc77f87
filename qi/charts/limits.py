"""Centre lines and 1-, 2- and 3-sigma limits for every chart type, per phase.

Each chart reads the subgroup statistics (``_y _ysum _ylen _ymean _ysd _n``) and the layout
(``_seg _base``) and writes ``_y`` (the plotted statistic), ``_cl`` and ``_lcl1 _ucl1 _lcl2 _ucl2
_lcl3 _ucl3``. Formulas follow qicharts2 0.8 (σ-based charts) and NHSRplotthedots 0.2.2 (the
XmR chart under Making Data Count); see docs of each function. A centre line given by the
user replaces the computed one in every phase where it is complete. Limits that are not
finite become missing.

Per-phase quantities (means, AMR, sums) come from one group-by over the sorted phase numbers
(``phases.per_phase``) and are copied onto the points with one gather (``phases.onto_points``);
this is several times cheaper than a window expression (``.over``) per quantity.
"""

import math
from collections.abc import Callable

import polars as pl

from qi.charts import columns as C
from qi.charts.constants import D2, G_MEDIAN_FACTOR, IP_SCREEN, MDC_LIMIT, MR_SCREEN, T_POWER
from qi.charts.phases import onto_points, per_phase
from qi.charts.windows import previous_in_segment

Y, CL, BASE = pl.col(C.Y), pl.col(C.CL), pl.col(C.BASE)
RESULT_COLUMNS = {C.Y, C.CL, *C.LIMITS}


def seg_sum(expr: pl.Expr, mask: pl.Expr | None) -> pl.Expr:
    """Sum per phase over the rows where ``mask`` holds (``None``: every row)."""
    return masked(expr, mask).sum().over(C.SEGMENT)


def masked(expr: pl.Expr, mask: pl.Expr | None) -> pl.Expr:
    """``expr`` where ``mask`` holds, else missing (``None``: every row)."""
    return expr if mask is None else pl.when(mask).then(expr)


def mean_of(expr: pl.Expr, mask: pl.Expr | None) -> pl.Expr:
    """The mean of ``expr`` where ``mask`` holds, as a sum over a count (an aggregation)."""
    values = masked(expr, mask)
    return values.sum() / values.count()


def two_pass_mean(
    frame: pl.DataFrame, expr: pl.Expr, mask: pl.Expr | None, name: str
) -> pl.DataFrame:
    """R's mean(x[mask], na.rm = TRUE) per phase: a mean corrected by the mean residual.

    The second pass makes a constant phase's mean exactly its value, so points on the centre
    line are recognised as such (they break runs).
    """
    values = masked(expr, mask)
    first = per_phase(frame, _m1=mean_of(expr, mask))
    frame = onto_points(frame, first)
    second = per_phase(
        frame, _residual=masked(expr - pl.col("_m1"), mask).sum(), _count=values.count()
    )
    mean = first.get_column("_m1") + second.get_column("_residual") / second.get_column("_count")
    return onto_points(frame, pl.DataFrame([mean.alias(name)])).drop("_m1")


def given_centre(frame: pl.DataFrame, computed: pl.Expr) -> pl.Expr:
    """The user's centre line where it is given for every point of the phase, else ``computed``."""
    if frame.get_column(C.CENTRE_GIVEN).null_count() == frame.height:
        return computed
    complete = pl.col(C.CENTRE_GIVEN).is_null().sum().over(C.SEGMENT) == 0
    return pl.when(complete).then(pl.col(C.CENTRE_GIVEN)).otherwise(computed)


def _with_symmetric(
    frame: pl.DataFrame,
    sigma: pl.Expr,
    floor: float | None = None,
    ceiling: float | None = None,
) -> pl.DataFrame:
    """Limits at 1, 2 and 3 sigma either side of the centre, sigma computed once.

    A sigma that is not finite (a division by n = 0) gives missing limits. Lower limits below
    ``floor`` become ``floor`` and upper limits above ``ceiling`` become ``ceiling`` (counts and
    rates cannot fall below 0, nor proportions rise above 1).
    """
    frame = frame.with_columns(sigma.alias("_sigma1"))
    if not frame.select(pl.col("_sigma1").is_finite().all()).item():
        finite = pl.col("_sigma1").is_finite()
        frame = frame.with_columns(pl.when(finite).then(pl.col("_sigma1")).alias("_sigma1"))
    frame = frame.with_columns(_symmetric(pl.col("_sigma1")))
    bounds = {}
    if floor is not None:
        bounds.update({f"_lcl{z}": (floor, pl.col(f"_lcl{z}") < floor) for z in (1, 2, 3)})
    if ceiling is not None:
        bounds.update({f"_ucl{z}": (ceiling, pl.col(f"_ucl{z}") > ceiling) for z in (1, 2, 3)})
    if not bounds:
        return frame
    # Only the limit columns that cross their bound are rewritten.
    crossing = frame.select(beyond.any().alias(c) for c, (_, beyond) in bounds.items()).row(0)
    return frame.with_columns(
        pl.when(beyond).then(bound).otherwise(pl.col(c)).alias(c)
        for (c, (bound, beyond)), crossed in zip(bounds.items(), crossing, strict=True)
        if crossed
    )


def _symmetric(sigma: pl.Expr) -> list[pl.Expr]:
    return [
        e
        for z in (1, 2, 3)
        for e in ((CL - z * sigma).alias(f"_lcl{z}"), (CL + z * sigma).alias(f"_ucl{z}"))
    ]


def base_mask(frame: pl.DataFrame) -> pl.Expr | None:
    """The baseline mask, or ``None`` when every point is in the baseline (the common case)."""
    return None if frame.get_column(C.BASE).all() else BASE


def _average_moving_range(
    frame: pl.DataFrame, values: pl.Expr, screen: bool, screen_at: float = MR_SCREEN
) -> pl.DataFrame:
    """``_amr``: mean moving range between consecutive baseline points of each phase.

    Moving ranges bridge excluded points and break at missing values; with screening, ranges
    at or above ``screen_at`` x AMR are dropped and the AMR computed once more.
    """
    base = base_mask(frame)
    moving_range = _moving_ranges(values, base)
    frame = frame.with_columns(moving_range.alias("_mr"))
    frame = onto_points(frame, per_phase(frame, _amr=mean_of(pl.col("_mr"), base)))
    if screen:
        below = pl.col("_mr") < screen_at * pl.col("_amr")
        kept = below if base is None else base & below
        return onto_points(frame, per_phase(frame, _amr=mean_of(pl.col("_mr"), kept)))
    return frame


def _xmr_limits(xmr: str, sigma_given: bool = False) -> list[pl.Expr]:
    """The XmR limits from ``_cl`` and ``_amr``: mdc, mean ± 2.66 AMR in thirds; sigma,
    mean ± z AMR / 1.128 (or ± z ``_sigma`` when ``sigma_given``)."""
    amr = pl.col("_amr")
    if xmr != "mdc":
        return _symmetric(pl.col("_sigma") if sigma_given else amr / D2)
    return [
        (CL - (MDC_LIMIT / 3) * amr).alias(C.LCL1),
        (CL + (MDC_LIMIT / 3) * amr).alias(C.UCL1),
        (CL - (2 * (MDC_LIMIT / 3)) * amr).alias(C.LCL2),
        (CL + (2 * (MDC_LIMIT / 3)) * amr).alias(C.UCL2),
        (CL - MDC_LIMIT * amr).alias(C.LCL3),
        (CL + MDC_LIMIT * amr).alias(C.UCL3),
    ]


def _moving_ranges(values: pl.Expr, base: pl.Expr | None) -> pl.Expr:
    """|difference from the previous baseline point of the phase| on baseline points."""
    if base is None:
        return (values - previous_in_segment(values, None)).abs()
    return pl.when(base).then((values - previous_in_segment(values, base)).abs())


def individuals(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """XmR chart. mdc: mean ± 2.66 AMR (2-sigma at 2/3 of it); sigma: mean ± 3 AMR / 1.128.

    The centre, AMR and limits are per phase: they are computed on a table of phases and
    copied onto the points once. (A centre given per point needs the point-wise path.)
    """
    if frame.get_column(C.CENTRE_GIVEN).null_count() != frame.height:
        return _individuals_given_centre(frame, xmr, screen)
    base = base_mask(frame)
    first = per_phase(frame, _m1=mean_of(Y, base))
    frame = onto_points(frame, first)
    second_pass = {
        "_residual": masked(Y - pl.col("_m1"), base).sum(),
        "_count": masked(Y, base).count(),
    }
    if xmr == "mdc":  # ranges of the values: their mean comes with the mean's second pass
        frame = frame.with_columns(_moving_ranges(Y, base).alias("_mr"))
        phases = per_phase(frame, **second_pass, _amr=mean_of(pl.col("_mr"), base))
    else:  # ranges of the distances from the centre line, which must come first
        phases = per_phase(frame, **second_pass)
    mean = first.get_column("_m1") + phases.get_column("_residual") / phases.get_column("_count")
    phases = phases.with_columns(mean.alias(C.CL))
    if xmr != "mdc":
        frame = onto_points(frame, phases.select(C.CL))
        frame = frame.with_columns(_moving_ranges(Y - CL, base).alias("_mr"))
        phases = phases.with_columns(per_phase(frame, _amr=mean_of(pl.col("_mr"), base))["_amr"])
    if screen:
        frame = onto_points(frame, phases.select("_amr"))
        below = pl.col("_mr") < MR_SCREEN * pl.col("_amr")
        kept = per_phase(
            frame, _amr=mean_of(pl.col("_mr"), below if base is None else base & below)
        )
        phases = phases.with_columns(kept.get_column("_amr"))
    # polars divides a column by a constant through its reciprocal, which can differ from R
    # in the last bit and with the column's length; a column of constants divides exactly.
    d2 = pl.repeat(D2, phases.height, eager=True)
    phases = phases.with_columns((phases.get_column("_amr") / d2).alias("_sigma"))
    return onto_points(frame, phases.select(C.CL, *_xmr_limits(xmr, sigma_given=True)))


def _individuals_given_centre(frame: pl.DataFrame, xmr: str, screen: bool) -> pl.DataFrame:
    frame = two_pass_mean(frame, Y, base_mask(frame), "_mean")
    frame = frame.with_columns(given_centre(frame, pl.col("_mean")).alias(C.CL))
    values = Y if xmr == "mdc" else Y - CL
    return _average_moving_range(frame, values, screen).with_columns(_xmr_limits(xmr))


def run(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """Run chart: the median of the baseline; no limits."""
    median = pl.when(BASE).then(Y).median().over(C.SEGMENT)
    none = pl.lit(None, pl.Float64)
    return frame.with_columns(given_centre(frame, median).alias(C.CL)).with_columns(
        [none.alias(c) for c in C.LIMITS]
    )


def moving_range(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """MR chart: |difference from the previous point|; limits 0 and 3.267 × mean MR."""
    every_row = None
    frame = frame.with_columns((Y - previous_in_segment(Y, every_row)).abs().alias(C.Y))
    frame = two_pass_mean(frame, Y, BASE, "_mean")
    frame = frame.with_columns(given_centre(frame, pl.col("_mean")).alias(C.CL))
    zero = pl.lit(0.0)
    return frame.with_columns(
        zero.alias(C.LCL1),
        ((MR_SCREEN / 3) * CL).alias(C.UCL1),
        zero.alias(C.LCL2),
        ((MR_SCREEN / 3) * 2 * CL).alias(C.UCL2),
        zero.alias(C.LCL3),
        (MR_SCREEN * CL).alias(C.UCL3),
    )


def times_between(
    frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool
) -> pl.DataFrame:
    """T chart: an XmR chart of y^(1/3.6), back-transformed; a negative lower limit becomes 0."""
    frame = frame.with_columns(Y.pow(1 / T_POWER).alias(C.Y))
    frame = individuals(frame, xmr=xmr, screen=screen, categorical=categorical)
    back = [pl.col(c).pow(T_POWER).alias(c) for c in [C.Y, C.CL, *C.LIMITS]]
    frame = frame.with_columns(back)
    lcl3 = pl.col(C.LCL3)
    return frame.with_columns(
        pl.when(lcl3.is_nan() | (lcl3 < 0)).then(0.0).otherwise(lcl3).alias(C.LCL3)
    )


def _c4(n: pl.Expr) -> pl.Expr:
    """c4(n) = sqrt(2/(n-1)) Γ(n/2) / Γ((n-1)/2), exact through log-gamma; missing for n ≤ 1.

    Computed once per distinct subgroup size (a handful), then looked up for every point.
    """

    def c4(sizes: pl.Series) -> pl.Series:
        distinct = [int(v) for v in sizes.unique().drop_nulls() if v > 1]
        table = {
            v: math.sqrt(2 / (v - 1)) * math.exp(math.lgamma(v / 2) - math.lgamma((v - 1) / 2))
            for v in distinct
        }
        return sizes.replace_strict(table, default=None, return_dtype=pl.Float64)

    return n.cast(pl.Int64).map_batches(c4, return_dtype=pl.Float64)


def _pooled_sd(frame: pl.DataFrame) -> pl.DataFrame:
    """``_sd``: within-subgroup sigma, pooled when subgroup sizes vary within the phase."""
    ylen, ysd = pl.col(C.YLEN), pl.col(C.YSD)
    varying = ylen.n_unique().over(C.SEGMENT) > 1
    pooled = (seg_sum((ylen - 1) * ysd.pow(2), BASE) / seg_sum(ylen - 1, BASE)).sqrt()
    frame = two_pass_mean(frame, ysd, BASE, "_sdmean")
    return frame.with_columns(pl.when(varying).then(pooled).otherwise("_sdmean").alias("_sd"))


def xbar(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """Xbar chart: weighted grand mean ± A3(nᵢ) σ̂ (Montgomery 6.29–6.31)."""
    ylen = pl.col(C.YLEN)
    frame = _pooled_sd(frame).with_columns(pl.col(C.YMEAN).alias(C.Y))
    centre = seg_sum(ylen * pl.col(C.YMEAN), BASE) / seg_sum(ylen, BASE)
    frame = frame.with_columns(given_centre(frame, centre).alias(C.CL), _c4(ylen).alias("_c4"))
    a = pl.col("_sd") / (pl.col("_c4") * ylen.cast(pl.Float64).sqrt())
    return _with_symmetric(frame, a)


def sd(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """S chart: centre σ̂; limits B3·σ̂ and B4·σ̂ with exact c4."""
    frame = _pooled_sd(frame).with_columns(pl.col(C.YSD).alias(C.Y))
    frame = frame.with_columns(
        given_centre(frame, pl.col("_sd")).alias(C.CL), _c4(pl.col(C.YLEN)).alias("_c4")
    )
    c4 = pl.col("_c4")
    ratio = (1 - c4.pow(2)).sqrt() / c4
    out = []
    for z in (1, 2, 3):
        out.append((pl.max_horizontal(pl.lit(0.0), 1 - z * ratio) * CL).alias(f"_lcl{z}"))
        out.append(((1 + z * ratio) * CL).alias(f"_ucl{z}"))
    # pmax(0, NA) is NA in R; max_horizontal would give 0.
    out = [pl.when(c4.is_not_null()).then(e).alias(e.meta.output_name()) for e in out]
    return frame.with_columns(out)


def _proportion_centre(frame: pl.DataFrame) -> pl.DataFrame:
    base = base_mask(frame)
    sums = per_phase(
        frame, _events=masked(pl.col(C.YSUM), base).sum(), _cases=masked(pl.col(C.N), base).sum()
    )
    centre = sums.select(C.SEGMENT, (pl.col("_events") / pl.col("_cases")).alias("_centre_p"))
    frame = onto_points(frame, centre)
    return frame.with_columns(given_centre(frame, pl.col("_centre_p")).alias(C.CL))


def _laney(
    frame: pl.DataFrame,
    sigma: pl.Expr,
    screen: bool,
    categorical: bool,
    floor: float | None = None,
    ceiling: float | None = None,
) -> pl.DataFrame:
    """Multiply the binomial/Poisson sigma by σz, the spread of the standardised values."""
    frame = frame.with_columns(sigma.alias("_sigma"))
    frame = frame.with_columns(((Y - CL) / pl.col("_sigma")).fill_nan(None).alias("_z"))
    if categorical:
        z = pl.when(BASE).then(pl.col("_z"))
        has_missing = (BASE & pl.col("_z").is_null()).sum().over(C.SEGMENT) > 0
        sigma_z = pl.when(~has_missing).then(z.std(ddof=1).over(C.SEGMENT))
        frame = frame.with_columns(sigma_z.alias("_sigma_z"))
    else:
        frame = _average_moving_range(frame, pl.col("_z"), screen)
        frame = frame.with_columns((pl.col("_amr") / D2).alias("_sigma_z"))
    return _with_symmetric(frame, pl.col("_sigma") * pl.col("_sigma_z"), floor, ceiling)


def _proportion(frame: pl.DataFrame, screen: bool, laney: bool, categorical: bool) -> pl.DataFrame:
    frame = _proportion_centre(frame)
    sigma = (CL * (1 - CL) / pl.col(C.N)).sqrt()
    if laney:
        return _laney(frame, sigma, screen, categorical, floor=0.0, ceiling=1.0)
    return _with_symmetric(frame, sigma, floor=0.0, ceiling=1.0)


def proportion(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """P chart: binomial limits p ± z√(p(1 - p)/n), clipped to [0, 1]."""
    return _proportion(frame, screen, False, categorical)


def proportion_prime(
    frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool
) -> pl.DataFrame:
    """Laney P' chart: the P chart's sigma times σz, the spread of the standardised values."""
    return _proportion(frame, screen, True, categorical)


def _rate(frame: pl.DataFrame, screen: bool, laney: bool, categorical: bool) -> pl.DataFrame:
    frame = _proportion_centre(frame)
    sigma = (CL / pl.col(C.N)).sqrt()
    if laney:
        return _laney(frame, sigma, screen, categorical, floor=0.0)
    return _with_symmetric(frame, sigma, floor=0.0)


def rate(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """U chart: Poisson limits u ± z√(u/n), lower clipped at 0."""
    return _rate(frame, screen, False, categorical)


def rate_prime(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """Laney U' chart: the U chart's sigma times σz."""
    return _rate(frame, screen, True, categorical)


def count(frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool) -> pl.DataFrame:
    """C chart: mean count ± z√mean, lower clipped at 0."""
    frame = frame.with_columns(pl.col(C.YSUM).alias(C.Y))
    frame = two_pass_mean(frame, Y, BASE, "_mean")
    frame = frame.with_columns(given_centre(frame, pl.col("_mean")).alias(C.CL))
    return _with_symmetric(frame, CL.sqrt(), floor=0.0)


def cases_between(
    frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool
) -> pl.DataFrame:
    """G chart: limits from the mean m ± z√(m(m+1)); the centre line shown is the median."""
    frame = two_pass_mean(frame, Y, BASE, "_mean")
    given = pl.col(C.CENTRE_GIVEN).is_null().sum().over(C.SEGMENT) == 0
    frame = frame.with_columns(pl.when(given).then(C.CENTRE_GIVEN).otherwise("_mean").alias(C.CL))
    frame = _with_symmetric(frame, (CL * (CL + 1)).sqrt())
    floor = [
        pl.when(pl.col(f"_lcl{z}") < 0).then(0.0).otherwise(pl.col(f"_lcl{z}")).alias(f"_lcl{z}")
        for z in (1, 2, 3)
    ]
    median = pl.when(BASE).then(Y).median().over(C.SEGMENT)
    shown = pl.when(given).then(G_MEDIAN_FACTOR * CL).otherwise(median)
    return frame.with_columns(floor).with_columns(shown.alias(C.CL))


def individuals_prime(
    frame: pl.DataFrame, *, xmr: str, screen: bool, categorical: bool
) -> pl.DataFrame:
    """I' chart (qicharts2 'ip'): an XmR chart whose sigma scales with 1/√nᵢ."""
    n = pl.col(C.N)
    no_n = n.is_null().sum().over(C.SEGMENT) == pl.len().over(C.SEGMENT)
    frame = frame.with_columns(pl.when(no_n).then(pl.col(C.YLEN)).otherwise(n).alias("_nip"))
    n = pl.col("_nip").cast(pl.Float64)
    centre = seg_sum(Y * n, BASE) / seg_sum(pl.when(BASE).then(n), BASE)
    frame = frame.with_columns(given_centre(frame, centre).alias(C.CL))
    every_row = None
    previous_y, previous_n = previous_in_segment(Y, every_row), previous_in_segment(n, every_row)
    spread = math.sqrt(math.pi / 2) * (Y - previous_y).abs() / (1 / previous_n + 1 / n).sqrt()
    frame = frame.with_columns(spread.fill_nan(None).alias("_s"))
    frame = two_pass_mean(frame, pl.col("_s"), every_row, "_as")
    if screen:
        kept = pl.col("_s") < IP_SCREEN * pl.col("_as")
        frame = two_pass_mean(frame, pl.col("_s"), kept, "_as")
    return _with_symmetric(frame, pl.col("_as") * (1 / n).sqrt())


def compute(
    frame: pl.DataFrame,
    limits: Callable[..., pl.DataFrame],
    varying: bool,
    xmr: str,
    screen: bool,
    categorical: bool,
) -> pl.DataFrame:
    """Run a chart type's ``limits`` function and make non-finite limits missing.

    ``varying``: the chart's limits differ point by point (a division by n can make them
    infinite), so any value that is not finite becomes missing; otherwise only NaN does.
    """
    given = set(frame.columns)
    frame = limits(frame, xmr=xmr, screen=screen, categorical=categorical)
    # Only the chart's result leaves: the working columns (means, ranges, sigmas) go.
    frame = frame.drop(c for c in frame.columns if c not in given and c not in RESULT_COLUMNS)
    # Only columns that hold such values are rewritten.
    columns = [C.CL, *C.LIMITS]
    if varying:
        odd = {c: ~pl.col(c).is_finite().all() for c in columns}
        tidy = {c: pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in columns}
    else:
        odd = {c: pl.col(c).is_nan().any() for c in columns}
        tidy = {c: pl.col(c).fill_nan(None) for c in columns}
    odd[C.Y], tidy[C.Y] = Y.is_nan().any(), Y.fill_nan(None)
    found = frame.select(e.alias(c) for c, e in odd.items()).row(0, named=True)
    return frame.with_columns(tidy[c] for c, present in found.items() if present)


def scale(frame: pl.DataFrame, multiplier: float, negative_limits: bool) -> pl.DataFrame:
    """Multiply values, centre and limits (100 for percent, ...); with ``negative_limits`` off,
    a series without negative values gets no negative lower limits."""
    if multiplier != 1:
        frame = frame.with_columns([(pl.col(c) * multiplier) for c in [C.Y, C.CL, *C.LIMITS]])
    if not negative_limits:
        no_negatives = (pl.col(C.Y).min().over(C.SERIES) >= 0).fill_null(True)
        frame = frame.with_columns(
            [
                pl.when(no_negatives & (pl.col(c) < 0)).then(0.0).otherwise(pl.col(c)).alias(c)
                for c in (C.LCL1, C.LCL2, C.LCL3)
            ]
        )
    return frame
