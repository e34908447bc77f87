"""``qi pdsa list`` and ``qi pdsa add``: change ideas and their PDSA cycles from the command line.

Thin wrappers over ``qi.services.pdsa``. ``add`` records the next cycle of a change idea (and
the idea, when it is new); ``list`` prints each idea's ramp of cycles. Bad input ends with one
"qi: ..." line and exit status 1, as does a refusal (``--user`` says who acts); nothing is
written.
"""

from datetime import date

import click

from qi.cli.charts import InputProblem
from qi.cli.store import DB_HELP, USER_HELP, _engine, guarded
from qi.vocabulary.pdsa import CYCLE_OUTCOMES, CYCLE_STATUSES


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputProblem(f"{option} {text!r} is not a date; write YYYY-MM-DD") from None


@click.group(name="pdsa")
def pdsa() -> None:
    """Change ideas and their Plan-Do-Study-Act cycles."""


@pdsa.command(name="list")
@click.option("--initiative", help="Only this initiative's change ideas.")
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def list_(initiative: str | None, db: str | None, user: str | None) -> None:
    """Print every change idea you may see with its cycles in order: dates, state, plan and
    prediction."""
    from qi.cli.access import cli_principal
    from qi.services.pdsa import ramp
    from qi.store.pdsa import read_change_ideas

    engine = _engine(db)
    who = cli_principal(engine, user)
    ideas = read_change_ideas(engine, who, initiative=initiative)
    if ideas.height == 0:
        click.echo("No change ideas recorded" + (f" for {initiative}." if initiative else "."))
        return
    for idea in ideas.iter_rows(named=True):
        click.echo(f"{idea['initiative']}: {idea['name']} (change idea {idea['id']})")
        if idea["description"]:
            click.echo(f"  {idea['description']}")
        for cycle in ramp(engine, who, idea["id"]).iter_rows(named=True):
            where = ", ".join(cycle["measures"] + cycle["places"])
            click.echo(
                f"  {cycle['number']}. {cycle['dates']}  {cycle['state']}"
                + (f"  [{where}]" if where else "")
            )
            for stage in ("plan", "prediction", "do", "study", "act"):
                if cycle[stage]:
                    click.echo(f"     {stage}: {cycle[stage]}")


@pdsa.command(name="add")
@click.option("--initiative", required=True, help="The initiative the change idea belongs to.")
@click.option("--idea", required=True, help="The change idea (recorded when new).")
@click.option("--description", help="What the change idea is (when it is new).")
@click.option("--plan", required=True, help="Plan: the objective, who, where, when.")
@click.option("--prediction", help="What we predict will happen.")
@click.option("--start", required=True, help="When the cycle starts (YYYY-MM-DD).")
@click.option("--end", help="When it ends (YYYY-MM-DD).")
@click.option("--do", "do_", help="Do: what happened, problems.")
@click.option("--study", help="Study: what we saw, against the prediction.")
@click.option("--act", help="Act: what we decided, and the next cycle.")
@click.option(
    "--status", default="planned", show_default=True, help=", ".join(CYCLE_STATUSES) + "."
)
@click.option("--outcome", help=", ".join(CYCLE_OUTCOMES) + " (an ended cycle).")
@click.option("--measure", "measures", multiple=True, help="A measure code (repeatable).")
@click.option("--place", "places", multiple=True, help="A place code (repeatable).")
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def add(
    initiative: str,
    idea: str,
    description: str | None,
    plan: str,
    prediction: str | None,
    start: str,
    end: str | None,
    do_: str | None,
    study: str | None,
    act: str | None,
    status: str,
    outcome: str | None,
    measures: tuple[str, ...],
    places: tuple[str, ...],
    db: str | None,
    user: str | None,
) -> None:
    """Record the next PDSA cycle of a change idea (the idea too, when it is new), as --user
    (who needs the coach's role where the cycle runs)."""
    from qi.access import Refused
    from qi.cli.access import cli_principal
    from qi.services.pdsa import record_cycle
    from qi.store.pdsa import PdsaError, read_cycles
    from qi.text.pdsa import cycle_line

    starts_on = _day(start, "--start") or date.min
    engine = _engine(db)
    who = cli_principal(engine, user)
    try:
        cycle = record_cycle(
            engine,
            who,
            initiative=initiative,
            idea=idea,
            description=description,
            plan=plan,
            prediction=prediction,
            starts_on=starts_on,
            ends_on=_day(end, "--end"),
            do=do_,
            study=study,
            act=act,
            status=status,
            outcome=outcome,
            measures=measures,
            places=places,
        )
    except (PdsaError, Refused) as error:
        raise InputProblem(str(error)) from None
    who = cli_principal(engine, user)
    (row,) = read_cycles(engine, who).filter(id=cycle).iter_rows(named=True)
    words = cycle_line(
        row["change_idea"],
        row["number"],
        row["starts_on"],
        row["ends_on"],
        row["status"],
        row["outcome"],
    )
    click.echo(f"Recorded {words}")
