"""``qi report``: the board pack for an initiative or a place, from the command line.

Thin over the library: ``qi.services.meeting.meeting_review`` gathers the meeting's view and
``qi.render.pack.board_pack`` lays it out; this module only reads options and writes files.
"""

from pathlib import Path

import click

from qi.cli.store import DB_HELP, USER_HELP, day_option


@click.command()
@click.option("--db", help=DB_HELP)
@click.option("--initiative", help="The initiative's name (its measures at its places).")
@click.option("--place", help="A place code (its measures there; with --initiative, one place).")
@click.option(
    "--since",
    "since_day",
    callback=day_option,
    help="List what is new since this day (YYYY-MM-DD); default: the last meeting's day.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF.",
)
@click.option(
    "--compare",
    "compare",
    multiple=True,
    metavar="MEASURE",
    help="Add a Compare places page for this measure (a proportion or rate code; repeatable): "
    "the funnel plot of the meeting's places (or of the places within one place) at the "
    "latest period.",
)
@click.option(
    "--png-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write each measure's chart as a PNG into this folder.",
)
@click.option(
    "--audience",
    type=click.Choice(["internal", "published"]),
    help="internal: the figures as stored (needs the right to read every place's data); "
    "published: small numbers controlled (counts 1 to 7 as *, others rounded to 5; the "
    "measure's disclosure policy). Default: internal for those who may read every place, "
    "else published.",
)
@click.option("--user", help=USER_HELP)
def report(db, initiative, place, since_day, out, compare, png_dir, audience, user) -> None:
    """Make the board pack: a cover, the summary matrix of measures by place with the Making
    Data Count icons in words, a page per measure (chart, plain-English reading, annotations,
    quotes from stories of change), any Compare places pages asked for and the actions, as a
    PDF to attach to board papers; of the places you may see."""
    from qi.access import Refused
    from qi.cli.access import cli_principal
    from qi.cli.charts import InputProblem
    from qi.render.pack import board_pack
    from qi.services.compare import CompareError
    from qi.services.meeting import meeting_review, review_subjects
    from qi.services.published import default_audience, pack_comparisons, pack_review
    from qi.services.review import ReviewError
    from qi.store import open_store

    engine = open_store(db)
    who = cli_principal(engine, user)
    if initiative is None and place is None:
        subjects = review_subjects(engine, who)
        only = subjects.only_one()
        if only is None:
            engine.dispose()
            raise InputProblem(
                "say which initiative or place the pack is for, with --initiative NAME or "
                f"--place CODE: {subjects.sentence()}"
            )
        initiative, place = only
    try:
        review = meeting_review(
            engine, who, initiative=initiative, place=place, since_day=since_day
        )
        audience = audience or default_audience(who, review)
        if audience == "published":  # the series one may see published (a viewer's too)
            review = meeting_review(
                engine, who, initiative=initiative, place=place, since_day=since_day, published=True
            )
        review = pack_review(engine, who, review, audience)  # refused, or audited
        comparisons = pack_comparisons(engine, who, review, compare, audience)
    except (ReviewError, CompareError) as error:
        raise InputProblem(
            f"--compare: {error}" if isinstance(error, CompareError) else f"{error}"
        ) from None
    except Refused as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    if not review.views:
        raise InputProblem(
            f"no measures have data for {review.title}; upload some with 'qi ingest' first"
        )
    pack = board_pack(review, comparisons=comparisons)
    written = pack.write(out, png_dir)
    compared = f", {len(comparisons)} compared across places" if comparisons else ""
    click.echo(
        f"Wrote {out} ({pack.pages} pages, {len(review.views)} measures{compared}; {audience})"
    )
    if png_dir is not None:
        click.echo(f"Wrote {len(written) - 1} chart(s) as PNG to {png_dir}")
