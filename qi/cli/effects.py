"""``qi effect``: did the change work? Effect estimates at a change date from the command line.

Thin: it reads a CSV or Parquet file, calls ``qi.effects.estimate_effects`` and prints each
series' plain-English reading (``qi.text.effects``); ``--json`` also writes the numbers.
Bad input ends with one line naming the problem and the fix, and exit status 1.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
import polars as pl

from qi.cli.charts import InputProblem, read_table
from qi.effects import KINDS, PARAMETRISATION, EffectInputError, estimate_effects
from qi.effects.design import IMPACT_MODELS
from qi.text.effects import describe


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _moment(text: str, option: str, dated: bool) -> date | float:
    """A date (YYYY-MM-DD) for dated periods, else a period number."""
    try:
        return date.fromisoformat(text) if dated else float(text)
    except ValueError:
        wanted = "a date; write YYYY-MM-DD" if dated else "a period number"
        raise InputProblem(f"{option} {text!r} is not {wanted}") from None


def _periods(values: list[str], data: pl.DataFrame, period: str) -> list[Any]:
    dated = period in data.columns and data.schema[period].is_temporal()
    return [_moment(v, "--exclude", dated) for v in values]


def _dated(data: pl.DataFrame, period: str, path: Path) -> pl.DataFrame:
    """Periods written as text ("2024-01", "Jan-24", "2024 Q1") read as the dates they start
    on; text that is not a period is refused, naming the first such value and the formats."""
    if period not in data.columns or data.schema[period] != pl.String:
        return data
    from qi.ingest.periods import PERIOD_FIX, parse_period  # qi.ingest only when a file is read

    parsed = data.select(parse_period(pl.col(period)).alias(period))[period]
    unread = data[period].is_not_null() & parsed.is_null()
    if unread.any():
        first = data.filter(unread)[period][0]
        row = int(unread.arg_true()[0]) + 1
        raise InputProblem(
            f"{path}: column {period!r}, row {row}: {first!r} is not a period; {PERIOD_FIX}"
        )
    return data.with_columns(parsed)


def _check_json(path: Path) -> None:
    if path.suffix.lower() != ".json":
        raise InputProblem(f"{path}: unknown output type {path.suffix!r}; use .json")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputProblem(
            f"{path}: the folder {folder} does not exist; create it or write elsewhere"
        )


@click.command("effect")
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--value", required=True, help="Column of values (numerators for rates and proportions)."
)
@click.option("--n", "denominator", help="Column of denominators (population, eligible cases).")
@click.option("--period", required=True, help="Column of periods (dates or numbers).")
@click.option(
    "--change", required=True, help="When the change was made: YYYY-MM-DD (or a period number)."
)
@click.option("--by", help="Comma-separated series key columns, e.g. measure,place.")
@click.option("--kind", help=f"Kind of measure: {', '.join(KINDS)} (default continuous).")
@click.option(
    "--model",
    default="both",
    show_default=True,
    help=f"Impact model, chosen before looking: {', '.join(IMPACT_MODELS)}.",
)
@click.option(
    "--harmonics",
    type=int,
    help="Seasonal Fourier harmonics (default 2 with 24+ points before the change, else 0).",
)
@click.option(
    "--multiplier",
    type=float,
    default=1.0,
    show_default=True,
    help="Scale differences, e.g. 1000 for a rate per 1,000.",
)
@click.option("--decided", help="When the change date was recorded (YYYY-MM-DD).")
@click.option("--exclude", help="Comma-separated periods left out of the model.")
@click.option(
    "--definition-changes", help="Comma-separated dates the measure's definition changed."
)
@click.option(
    "--comparison",
    type=click.Path(path_type=Path),
    help="A comparison series that did not make the change (same columns).",
)
@click.option(
    "--comparison-name",
    default="the comparison",
    show_default=True,
    help="The comparison's name in sentences.",
)
@click.option("--name", help="The measure's name in sentences (default: the value column).")
@click.option(
    "--json",
    "json_file",
    type=click.Path(path_type=Path),
    help="Also write the numbers, per series, as JSON.",
)
def effect(
    input_file: Path,
    value: str,
    denominator: str | None,
    period: str,
    change: str,
    by: str | None,
    kind: str | None,
    model: str,
    harmonics: int | None,
    multiplier: float,
    decided: str | None,
    exclude: str | None,
    definition_changes: str | None,
    comparison: Path | None,
    comparison_name: str,
    name: str | None,
    json_file: Path | None,
) -> None:
    """Estimate the effect of a change made on --change on every series in INPUT (CSV or
    Parquet) by segmented regression, and print what it found in plain English."""
    if json_file is not None:
        _check_json(json_file)
    keys = _split(by)
    data = _dated(
        read_table(input_file, [c for c in (*keys, period, value, denominator) if c]),
        period,
        input_file,
    )
    dated = period in data.columns and data.schema[period].is_temporal()
    other = _dated(read_table(comparison), period, comparison) if comparison else None
    try:
        found = estimate_effects(
            data,
            value=value,
            period=period,
            change=_moment(change, "--change", dated),
            by=keys,
            denominator=denominator,
            kind=kind,
            model=model,
            harmonics=harmonics,
            multiplier=multiplier,
            decided_at=_moment(decided, "--decided", dated) if decided else None,
            exclude=_periods(_split(exclude), data, period) or None,
            definition_changes=[
                _moment(d, "--definition-changes", dated) for d in _split(definition_changes)
            ],
            comparison=other,
            comparison_name=comparison_name,
        )
    except EffectInputError as error:
        raise InputProblem(f"{input_file}: {error}") from None
    measure = name or value.replace("_", " ")
    readings = []
    for result in found:
        reading = describe(result, measure)
        readings.append(reading)
        heading = ", ".join(str(v) for v in result.series.values())
        click.echo(f"{heading}: {reading}" if heading else reading)
    click.echo(f"(The model: {PARAMETRISATION}.)")
    if json_file is not None:
        document = {
            "measure": measure,
            "parametrisation": PARAMETRISATION,
            "effects": [
                {**result.as_dict(), "reading": reading}
                for result, reading in zip(found, readings, strict=True)
            ],
        }
        try:
            json_file.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")
        except OSError as error:
            raise InputProblem(
                f"{json_file}: cannot be written ({error}); check the folder's permissions"
            ) from None
