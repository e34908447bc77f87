"""The command line reads as the person named by ``--user``: a locality's ``qi pdsa list`` and
``qi report`` hold nothing of another locality's places."""

from qi.access import local_admin
from qi.store import add_initiative, connect
from qi.store.pdsa import add_change_idea
from tests.ingest.files import WARDS, csv_bytes

from .test_access_cli import _run, accounts  # noqa: F401

ADMIN = local_admin("tester")


def test_a_locality_lists_and_reports_only_what_it_may_read(accounts, tmp_path):  # noqa: F811
    engine = connect(accounts)
    add_initiative(engine, ADMIN, "Ours", [WARDS[0]])
    add_initiative(engine, ADMIN, "Theirs", [WARDS[1]])
    add_change_idea(engine, ADMIN, initiative="Ours", name="Our idea")
    add_change_idea(engine, ADMIN, initiative="Theirs", name="Their idea")
    listed = _run("pdsa", "list", "--db", accounts, "--user", "lou")
    assert listed.exit_code == 0, listed.output
    assert "Ours: Our idea" in listed.output and "Their idea" not in listed.output
    everyone = _run("pdsa", "list", "--db", accounts, env={"QI_AUTH": "single-user"}).output
    assert "Ours: Our idea" in everyone and "Theirs: Their idea" in everyone

    path = tmp_path / "theirs.csv"
    header = ["measure", "place", "period", "value"]
    rows = [["falls_admissions", WARDS[1], f"2024-{m:02d}", str(10 + m)] for m in range(1, 13)]
    path.write_bytes(csv_bytes([header, *rows]))
    stored = _run("ingest", path, "--db", accounts, env={"QI_AUTH": "single-user"})
    assert stored.exit_code == 0, stored.output
    out = tmp_path / "pack.pdf"
    theirs = ["report", "--db", accounts, "--place", WARDS[1], "--out", out]
    refused = _run(*theirs, "--user", "lou")
    assert refused.exit_code == 1 and "no measures have data" in refused.output
    assert not out.exists()
    assert _run(*theirs, env={"QI_AUTH": "single-user"}).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF")
