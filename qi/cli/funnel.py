"""``qi funnel``: funnel plots from the command line.

Thin, like ``qi chart``: it reads a CSV or Parquet file, calls ``qi.charts.funnel`` and writes
one row per comparison and unit (``--out``), and if asked the limit curves (``--curves``) and
one row per comparison (``--comparisons``: phi, tau², outliers). Bad input ends with one line
naming the problem, where it is (row and unit) and the fix, and exit status 1.
"""

from pathlib import Path
from typing import Any

import click

from qi.charts import FUNNEL_METHODS, FunnelInputError, funnel
from qi.charts.funnel_constants import CONFIDENCE, TRIM_BY
from qi.cli.charts import InputProblem, check_writable, read_table, write_table


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _levels(value: str) -> list[float]:
    try:
        return [float(v) for v in _names(value)]
    except ValueError:
        raise InputProblem(
            f"--confidence {value!r} is not a list of numbers; write e.g. 0.95,0.998"
        ) from None


@click.command(name="funnel")
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write one row per comparison and unit (.csv or .parquet).",
)
@click.option(
    "--curves",
    type=click.Path(path_type=Path),
    help="Also write the limit curves: one row per comparison and curve point.",
)
@click.option(
    "--comparisons",
    type=click.Path(path_type=Path),
    help="Also write one row per comparison: target, phi, tau2, outliers.",
)
@click.option("--numerator", required=True, help="Column of events (observed counts).")
@click.option(
    "--denominator",
    required=True,
    help="Column of cases or population; for ratios, of expected counts.",
)
@click.option("--unit", required=True, help="Column of the units compared (place, trust).")
@click.option("--by", help="Comma-separated comparison key columns, e.g. measure,period.")
@click.option(
    "--statistic",
    default="proportion",
    show_default=True,
    help="proportion, ratio (observed / expected), ratio_of_counts (spiegelhalter) or rate (phe).",
)
@click.option(
    "--method",
    default="spiegelhalter",
    show_default=True,
    help=f"{' or '.join(FUNNEL_METHODS)} (FunnelPlotR or PHEindicatormethods).",
)
@click.option(
    "--ratio-method",
    default="shmi",
    show_default=True,
    help="Spiegelhalter ratios: shmi (log scale, truncation) or cqc (square root, Winsorised).",
)
@click.option(
    "--trim-by",
    type=float,
    default=TRIM_BY,
    show_default=True,
    help="Share Winsorised (or truncated) at each end before phi is estimated.",
)
@click.option(
    "--limit",
    type=int,
    default=99,
    show_default=True,
    help="Limits that flag outliers: 99 (99.8%) or 95.",
)
@click.option(
    "--adjusted/--no-adjusted",
    default=True,
    show_default=True,
    help="Estimate over-dispersion (phi, tau2) and draw adjusted limits.",
)
@click.option(
    "--unadjusted/--no-unadjusted",
    default=False,
    show_default=True,
    help="Draw unadjusted limits too.",
)
@click.option(
    "--round-expected/--no-round-expected",
    default=True,
    show_default=True,
    help="SHMI ratios: round expected counts to 2 decimals.",
)
@click.option(
    "--multiplier",
    type=float,
    default=1.0,
    show_default=True,
    help="Scale values and limits, e.g. 100 for percent, 100000 per 100,000.",
)
@click.option("--rate", help="PHE rates: column of each unit's rate (needed for dsr).")
@click.option("--rate-type", default="crude", show_default=True, help="PHE rates: crude or dsr.")
@click.option(
    "--ratio-type",
    default="isr",
    show_default=True,
    help="PHE ratio curves: isr (x 100) or count (- 1).",
)
@click.option(
    "--years",
    "years_of_data",
    type=float,
    default=1.0,
    show_default=True,
    help="PHE rates: years the data spans.",
)
@click.option(
    "--confidence",
    default=",".join(str(c) for c in CONFIDENCE),
    show_default=True,
    help="PHE intervals: comma-separated levels.",
)
@click.option(
    "--curve-max",
    type=float,
    help="Spiegelhalter: where the limit curve ends (default the largest denominator).",
)
def funnel_command(
    input_file: Path,
    output: Path,
    curves: Path | None,
    comparisons: Path | None,
    by: str | None,
    confidence: str,
    **options: Any,
) -> None:
    """Compare the units of every comparison in INPUT (CSV or Parquet) on a funnel plot and
    write one row per comparison and unit."""
    for path in (output, curves, comparisons):
        if path is not None:
            check_writable(path)
    keys = _names(by)
    named = [*keys, options["unit"], options["numerator"], options["denominator"]]
    if options["rate"]:
        named.append(options["rate"])
    data = read_table(input_file, [str(c) for c in named])
    try:
        result = funnel(data, by=keys, confidence=_levels(confidence), **options)
    except FunnelInputError as error:
        raise InputProblem(f"{input_file}: {error}") from None
    write_table(result.points, output)
    if curves:
        write_table(result.curves, curves)
    if comparisons:
        write_table(result.comparisons, comparisons)
