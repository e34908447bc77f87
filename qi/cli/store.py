"""``qi ingest``, ``qi export``, ``qi measures import`` and ``qi places import``.

Thin wrappers over ``qi.ingest`` and ``qi.store``. Exit status (``EXIT_STATUSES``): 0 stored
(or nothing to change), 1 rejected (nothing written; the report says what to fix), 2 usage
error, 3 internal error (a short message and where the log with the details is; no traceback
unless ``QI_TRACEBACK=1``), 4 the database was busy with another change for too long (nothing
written; run the command again).
"""

import functools
import os
import sys
import traceback
from datetime import date, datetime
from pathlib import Path

import click

DB_HELP = "Database URL (default: $QI_DATABASE_URL, else SQLite at data/qi.sqlite)."
USER_HELP = (
    "Who is acting: a local user name, or a person key (oidc:<issuer>|<subject>); default "
    "$QI_USER. Needed unless QI_AUTH is single-user (the default, acting as the local admin)."
)
ACTOR_HELP = "Who is making this change (default: $QI_ACTOR, else your user name)."
EXIT_STORED, EXIT_REJECTED, EXIT_USAGE, EXIT_INTERNAL, EXIT_BUSY = 0, 1, 2, 3, 4
EXIT_STATUSES = (
    "Exit status: 0 stored (or already stored: nothing to change); 1 rejected, with a report "
    "of every problem (nothing stored); 2 usage error; 3 internal error (nothing stored; a "
    "short message says where the log is: $QI_LOG, else data/logs/qi.log); 4 the database "
    "was busy with another change for too long (nothing stored; run it again)."
)
DEFAULT_LOG = Path("data") / "logs" / "qi.log"


def day_option(_context, _parameter, value: str | None) -> date | None:
    """A click callback: an option written YYYY-MM-DD as a date (None when not given)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def log_path() -> Path:
    """Where internal errors are logged with their details: $QI_LOG, else data/logs/qi.log."""
    return Path(os.environ.get("QI_LOG") or DEFAULT_LOG)


def _log(error: BaseException) -> Path | None:
    details = "".join(traceback.format_exception(error))
    for path in (log_path(), Path(os.environ.get("TMPDIR", "/tmp")) / "qi.log"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(
                    f"--- {datetime.now().isoformat(timespec='seconds')} qi "
                    f"{' '.join(sys.argv[1:])}\n{details}"
                )
            return path.resolve()
        except OSError:
            continue
    return None


def guarded(command):
    """Exit with a status that means something, and never show a traceback by default:
    a busy database exits 4, a text too long for the database 2, anything unexpected 3
    with the details logged."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from qi.store.errors import FieldTooLong, StoreBusy

        try:
            return command(*args, **kwargs)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except StoreBusy as error:
            click.echo(f"qi: {error}.", err=True)
            raise SystemExit(EXIT_BUSY) from None
        except FieldTooLong as error:
            raise click.UsageError(str(error)) from None
        except Exception as error:
            if os.environ.get("QI_TRACEBACK"):
                raise
            where = _log(error)
            click.echo(
                f"qi: internal error ({type(error).__name__}); nothing was stored. "
                + (f"The details are in {where}" if where else "The details could not be logged")
                + "; please send them to whoever looks after qi.",
                err=True,
            )
            raise SystemExit(EXIT_INTERNAL) from None

    return run


def _engine(db: str | None):
    from qi.store import open_store

    return open_store(db)


def _finish(report) -> None:
    click.echo(report.render())
    if report.outcome == "rejected":
        raise SystemExit(EXIT_REJECTED)


@click.command(epilog=EXIT_STATUSES)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", help="Excel sheet to read (default: the first).")
@click.option("--measure", help="Measure (code or name) of a file without a measure column.")
@click.option("--place", help="Place (code or name) of a file without a place column.")
@click.option(
    "--status",
    type=click.Choice(["final", "provisional"]),
    default="final",
    show_default=True,
    help="Status of rows whose status column is blank or absent.",
)
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def ingest(file, sheet, measure, place, status, db, user) -> None:
    """Validate FILE (CSV, Excel or Parquet; long or wide) and store it all-or-nothing.

    Every problem is reported with its row, column and value. Any error rejects the whole file
    and nothing is stored. A changed value for a stored period is kept as a revision.
    """
    from qi.cli.access import cli_principal
    from qi.ingest import ingest_file

    engine = _engine(db)
    _finish(
        ingest_file(
            engine,
            cli_principal(engine, user),
            file,
            sheet=sheet,
            measure=measure,
            status=status,
            place=place,
        )
    )


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write: FILE.csv or FILE.parquet.",
)
@click.option("--measure", "measures", multiple=True, help="Only these measures (repeatable).")
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def export(out, measures, db, user) -> None:
    """Write the stored observations to a CSV (safe to open in Excel) or Parquet file: the
    places you may see, with small numbers controlled if your role sees published outputs only."""
    from qi.access import Refused
    from qi.access.outputs import safe_csv
    from qi.cli.access import cli_principal
    from qi.services.outputs import for_output
    from qi.store import read_measures, read_series
    from qi.store.access import audit_now

    if out.suffix.lower() not in (".csv", ".parquet"):
        raise click.UsageError("--out must end in .csv or .parquet")
    engine = _engine(db)
    who = cli_principal(engine, user)
    try:
        series = read_series(engine, who, measures=list(measures) or None, published=True)
    except LookupError as error:
        raise click.UsageError(str(error)) from error
    kinds = dict(read_measures(engine).select("code", "kind").iter_rows())
    try:
        series, policy = for_output(series, who, kinds)
    except Refused as error:
        audit_now(engine, who, "data.export", subject=str(out)[:255], outcome="refused")
        raise click.UsageError(str(error)) from None
    if out.suffix.lower() == ".csv":
        out.write_text(safe_csv(series), encoding="utf-8")
    else:
        series.write_parquet(out)
    audit_now(
        engine,
        who,
        "data.export",
        subject=str(out)[:255],
        detail=f"{series.height:,} observations; disclosure control: {policy.name}",
    )
    click.echo(f"Wrote {series.height} observations to {out}.")


def _definitions_command(section: str) -> click.Group:
    @click.group(name=section, help=f"Manage {section}.")
    def group() -> None:
        pass

    @group.command(name="import", epilog=EXIT_STATUSES)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--db", help=DB_HELP)
    @click.option("--user", help=USER_HELP)
    @click.option(
        "--force",
        is_flag=True,
        hidden=section != "measures",
        help="Change a measure's kind, frequency or unit even though data are stored for it "
        "(the report says what that means for the stored data; the old definition is kept).",
    )
    @click.option(
        "--initiative",
        hidden=section != "measures",
        help="Also make every measure in FILE part of this initiative (by name): its meeting "
        "view and board pack then show them.",
    )
    @guarded
    def import_(file, db, user, force, initiative) -> None:
        from qi.cli.access import cli_principal
        from qi.ingest.definitions import import_definitions, read_definitions
        from qi.store import initiative_measures, link_measures
        from qi.text import count

        engine = _engine(db)
        who = cli_principal(engine, user)
        if initiative is not None:
            try:
                initiative_measures(engine, initiative)  # checked before anything is written
            except LookupError as error:
                raise click.UsageError(f"--initiative: {error}") from None
        populations = _places_populations(engine, file, user) if section == "places" else None
        report = import_definitions(engine, who, file, section, force=force)
        _finish(report)
        if populations is not None:
            _store_populations(engine, *populations)
        if initiative is not None:
            codes = read_definitions(file.read_bytes(), file.name, section)["code"].to_list()
            linked = link_measures(engine, who, initiative, codes)
            click.echo(f"{count(linked, 'measure')} newly part of {initiative}.")

    import_.help = f"Add or update {section} from a CSV or YAML FILE (all or nothing).\n\n" + (
        "Columns: code, name, kind (count, rate, proportion, continuous, time_between, "
        "cases_between), improvement (up, down, neither), frequency (week, month, quarter, "
        "year); optional definition, unit, multiplier, target, chart, rule_set, purpose "
        "(need, outcome, performance, improvement), domains (outcome domains, separated by "
        "';'), statutory_source; for a measure made from survey answers: question, voice, "
        "minimum_answers."
        if section == "measures"
        else "Columns: code, name, type (lsoa, ward, locality, local_authority, icb, sub_icb, "
        "trust, region, pcn, practice, other); optional parent (a place code), gss_code; "
        "population, population_year, population_source (checked before anything is stored; "
        "storing them needs --user with definitions.write)."
    )
    return group


measures = _definitions_command("measures")
places = _definitions_command("places")


@places.command(name="ons", epilog=EXIT_STATUSES)
@click.argument("ward_lookup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("icb_lookup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--imd",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="MHCLG's IMD 2025 by LSOA (imd2025_england_lsoa21.csv): deciles and quintiles.",
)
@click.option(
    "--imd-areas",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="MHCLG's IMD 2025 local authority summaries (imd2025_england_ltla24.csv).",
)
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def places_ons(ward_lookup, icb_lookup, imd, imd_areas, db, user) -> None:
    """Add England's places from the ONS lookups: WARD_LOOKUP (LSOA 2021 to ward and local
    authority 2024, lookup_lsoa21_ward24_ltla24.csv) and ICB_LOOKUP (LSOA 2021 to ICB 2024,
    lookup_lsoa21_icb24.csv), as LSOAs under wards under local authorities under ICBs, each
    coded by its GSS code; with --imd, their deprivation. Open Government Licence v3.0."""
    from qi.access import Refused
    from qi.cli.access import cli_principal
    from qi.ingest.places import (
        ONS_ATTRIBUTION,
        LookupFileError,
        read_imd_deprivation,
        read_ons_places,
    )
    from qi.store import upsert_places
    from qi.store.places import upsert_deprivation

    try:
        found = read_ons_places(ward_lookup, icb_lookup)
        deprivation = read_imd_deprivation(imd, imd_areas) if imd else None
    except LookupFileError as error:
        raise click.UsageError(str(error)) from None
    engine = _engine(db)
    who = cli_principal(engine, user)
    try:
        written = upsert_places(engine, who, found)
    except Refused as error:
        click.echo(f"qi: {error}", err=True)
        raise SystemExit(EXIT_REJECTED) from None
    counts = ", ".join(f"{n:,} {kind}" for kind, n in found.group_by("type").len().iter_rows())
    click.echo(f"Places: {counts}; {written:,} added or changed.")
    if deprivation is not None:
        try:
            stored = upsert_deprivation(engine, who, deprivation)
        except Refused as error:
            click.echo(f"qi: {error}", err=True)
            raise SystemExit(EXIT_REJECTED) from None
        click.echo(f"Deprivation (IMD 2025) stored for {stored:,} places.")
    click.echo(ONS_ATTRIBUTION)


@places.command(name="populations", epilog=EXIT_STATUSES)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, help="The year of every population without a population_year.")
@click.option("--source", help="Where every population without a population_source comes from.")
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def places_populations(file, year, source, db, user) -> None:
    """Store places' populations from FILE (CSV or YAML), all or nothing: columns code,
    population (a whole number of people), population_year, population_source (or --year and
    --source for every row). Needs definitions.write (an admin)."""
    from qi.access import Refused
    from qi.cli.access import cli_principal
    from qi.ingest.places import import_populations

    engine = _engine(db)
    principal = cli_principal(engine, user)
    try:
        report = import_populations(engine, principal, file, year=year, source=source)
    except Refused as error:
        click.echo(f"qi: {error}", err=True)
        raise SystemExit(EXIT_REJECTED) from None
    _finish(report)


def _places_populations(engine, file: Path, user: str | None):
    """For ``qi places import``: the file's populations, checked before anything is stored
    (exits 1 with the report when one is wrong), with who stores them; None without any."""
    from qi.cli.access import cli_principal
    from qi.ingest.definitions import DefinitionError, read_definitions
    from qi.ingest.places import check_populations, has_populations

    try:
        if not has_populations(read_definitions(file.read_bytes(), file.name, "places")):
            return None
    except DefinitionError:
        return None  # import_definitions says what is wrong with the file
    from qi.access import EVERYTHING, Refused
    from qi.store.access import guard
    from qi.store.places import WRITE_ACTION

    report, populations = check_populations(engine, file, with_places=True)
    if report.errors.height:
        _finish(report)
    principal = cli_principal(engine, user)
    try:  # asked before the places are stored, so a refusal leaves nothing half-written
        guard(engine, principal, WRITE_ACTION, scope=EVERYTHING, subject="places' populations")
    except Refused as error:
        click.echo(f"qi: {error}", err=True)
        raise SystemExit(EXIT_REJECTED) from None
    return principal, populations


def _store_populations(engine, principal, populations) -> None:
    from qi.store.places import store_populations

    stored = store_populations(engine, principal, populations)
    click.echo(f"Populations stored for {stored:,} places.")
