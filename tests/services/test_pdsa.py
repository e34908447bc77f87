"""PDSA cycles as the people following them read them: a ramp in words, spans that shade a
measure's chart, cycles ended since the last meeting, and ``qi pdsa add`` / ``qi pdsa list``."""

from datetime import date

import pytest
from click.testing import CliRunner

from qi.access import local_admin
from qi.cli import main
from qi.services.pdsa import cycle_spans, cycles_ended, ramp, record_cycle
from qi.store import add_initiative, open_store
from qi.store.access import add_grant, add_person, read_audit
from qi.store.pdsa import add_cycle, read_change_ideas, read_cycles
from tests.store.helpers import add_definitions


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'qi.sqlite'}"


@pytest.fixture
def engine(url):
    engine = open_store(url)
    add_definitions(engine)
    add_initiative(engine, local_admin("lead"), "Front door", ["RXX", "RYY"])
    add_initiative(engine, local_admin("lead"), "Back door", ["RZZ"])
    yield engine
    engine.dispose()


def _ended(engine, idea: str, start: date, end: date, initiative: str = "Front door", **more):
    return record_cycle(
        engine,
        local_admin("tester"),
        initiative=initiative,
        idea=idea,
        plan=f"{idea} from {start}",
        starts_on=start,
        ends_on=end,
        status="ended",
        outcome="adapt",
        **more,
    )


def test_a_ramp_names_each_cycle_with_its_dates_and_state(engine):
    _ended(engine, "Same-day triage", date(2024, 1, 8), date(2024, 2, 5))
    record_cycle(
        engine,
        local_admin("tester"),
        initiative="Front door",
        idea="Same-day triage",
        plan="Two clinicians",
        starts_on=date(2024, 3, 1),
        status="running",
    )
    idea = read_change_ideas(engine, local_admin("tester"))["id"][0]
    found = ramp(engine, local_admin("tester"), idea).select("name", "dates", "state").rows()
    assert found == [
        ("Same-day triage, cycle 1", "8 Jan 2024 to 5 Feb 2024", "Ended: adapt"),
        ("Same-day triage, cycle 2", "from 1 Mar 2024", "Running"),
    ]


def test_spans_shade_a_measure_at_a_place_and_a_running_cycle_runs_to_today(engine):
    _ended(engine, "A", date(2024, 1, 1), date(2024, 1, 31), measures=["ae_attendances"])
    _ended(engine, "B", date(2024, 2, 1), date(2024, 2, 28), places=["RYY"])  # no measure
    idea = read_change_ideas(engine, local_admin("tester")).filter(name="A")["id"][0]
    add_cycle(
        engine,
        local_admin("tester"),
        change_idea=idea,
        plan="again",
        starts_on=date(2024, 3, 1),
        status="running",
        measures=["ae_attendances"],
        places=["RXX"],
    )
    spans = cycle_spans(
        engine, local_admin("tester"), "ae_attendances", "RXX", today=date(2024, 4, 15)
    )
    assert spans.select("name", "start", "end").rows() == [
        ("A, cycle 1", date(2024, 1, 1), date(2024, 1, 31)),
        ("A, cycle 2", date(2024, 3, 1), date(2024, 4, 15)),
    ]
    assert (
        cycle_spans(
            engine, local_admin("tester"), "ae_attendances", "RYY", today=date(2024, 4, 15)
        ).height
        == 1
    )


def test_cycles_ended_since_the_last_meeting_are_of_the_initiative_and_its_places(engine):
    _ended(engine, "Old", date(2024, 1, 1), date(2024, 1, 20))
    _ended(engine, "New", date(2024, 2, 1), date(2024, 3, 10), places=["RXX"])
    _ended(engine, "Elsewhere", date(2024, 2, 1), date(2024, 3, 5), places=["RYY"])
    _ended(engine, "Other", date(2024, 2, 1), date(2024, 3, 1), initiative="Back door")
    found = cycles_ended(
        engine,
        local_admin("tester"),
        date(2024, 2, 1),
        date(2024, 4, 1),
        initiative="Front door",
        places=["RXX"],
    )
    assert found["name"].to_list() == ["New, cycle 1"]
    everywhere = cycles_ended(
        engine, local_admin("tester"), None, date(2024, 4, 1), initiative="Front door"
    )
    assert everywhere["name"].to_list() == ["New, cycle 1", "Elsewhere, cycle 1", "Old, cycle 1"]


def _person(engine, username: str, role: str, place: str) -> None:
    person = add_person(engine, local_admin("lead"), username=username, name=username.title())
    add_grant(engine, local_admin("lead"), person, role, place=place)


def test_qi_pdsa_add_then_list(engine, url, monkeypatch):
    monkeypatch.setenv("QI_AUTH", "local-accounts")
    _person(engine, "coach", "coach", "RXX")
    runner = CliRunner()
    added = runner.invoke(
        main,
        [
            "pdsa", "add", "--db", url, "--initiative", "Front door", "--idea", "Text reminders",
            "--description", "A text the day before", "--plan", "Text every booked patient",
            "--prediction", "Did-not-attend falls below 5%", "--start", "2024-01-01",
            "--end", "2024-01-31", "--status", "ended", "--outcome", "adopt",
            "--measure", "ae_attendances", "--place", "RXX", "--user", "coach",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output == (
        "Recorded Text reminders, cycle 1 (1 Jan 2024 to 31 Jan 2024). Ended: adopt.\n"
    )
    assert read_cycles(engine, local_admin("tester"))["updated_by"].to_list() == ["Coach"]
    listed = runner.invoke(main, ["pdsa", "list", "--db", url, "--user", "coach"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].startswith("Front door: Text reminders (change idea ")
    assert lines[1:4] == [
        "  A text the day before",
        "  1. 1 Jan 2024 to 31 Jan 2024  Ended: adopt  [ae_attendances, RXX]",
        "     plan: Text every booked patient",
    ]
    assert "     prediction: Did-not-attend falls below 5%" in lines


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--start", "Jan 2024"], "qi: --start 'Jan 2024' is not a date; write YYYY-MM-DD"),
        (["--start", "2024-01-01", "--status", "ended"], "qi: an ended cycle needs its end date"),
        (["--start", "2024-01-01", "--measure", "nope"], "qi: unknown measure code(s): nope"),
    ],
)
def test_qi_pdsa_add_refuses_bad_input_in_one_line_and_writes_nothing(
    engine, url, arguments, message
):
    base = ["pdsa", "add", "--db", url, "--initiative", "Front door", "--idea", "X", "--plan", "p"]
    result = CliRunner().invoke(main, [*base, *arguments])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message)
    assert read_change_ideas(engine, local_admin("tester")).height == 0
    assert (
        "No change ideas recorded."
        in CliRunner().invoke(main, ["pdsa", "list", "--db", url]).output
    )


def test_qi_pdsa_add_as_a_steward_is_refused_in_one_line_and_audited(engine, url, monkeypatch):
    monkeypatch.setenv("QI_AUTH", "local-accounts")
    _person(engine, "steward", "steward", "RXX")
    base = ["pdsa", "add", "--db", url, "--initiative", "Front door", "--idea", "X", "--plan", "p"]
    refused = CliRunner().invoke(
        main, [*base, "--start", "2024-01-01", "--place", "RXX", "--user", "steward"]
    )
    assert refused.exit_code == 1
    assert refused.output.startswith(
        "qi: Steward may not record change ideas and PDSA cycles for place RXX: that needs the "
        "role of improvement coach there."
    )
    assert (
        read_change_ideas(engine, local_admin("tester")).height == 0
    )  # nothing written, not even the idea
    audit = read_audit(engine, local_admin("lead"), person="local:steward")
    assert audit.select("action", "place", "outcome").rows() == [("pdsa.write", "RXX", "refused")]
