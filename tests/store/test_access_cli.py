"""``qi users``, ``qi grants``, ``qi audit``, and the command line acting as someone:
with local accounts, a locality's upload for another place is refused and audited, and a
viewer's export has its small numbers controlled."""

import polars as pl
import pytest
from click.testing import CliRunner

from qi.cli import main
from qi.store import connect
from tests.ingest.files import WARDS, add_definitions, csv_bytes


def _run(*args, stdin=None, env=None):
    env = {"QI_AUTH": "local-accounts", **(env or {})}
    return CliRunner().invoke(
        main, [str(a) for a in args], input=stdin, env=env, catch_exceptions=False
    )


@pytest.fixture
def accounts(sqlite_url):
    add_definitions(connect(sqlite_url))
    for user, role, over in (
        ("lou", "locality", ["--place", WARDS[0]]),
        ("vic", "viewer", ["--everything"]),
    ):
        added = _run(
            "users",
            "add",
            user,
            "--name",
            user.title(),
            "--password-stdin",
            "--db",
            sqlite_url,
            stdin="a long password\n",
        )
        assert added.exit_code == 0, added.output
        granted = _run("grants", "add", user, role, *over, "--db", sqlite_url)
        assert granted.exit_code == 0, granted.output
    return sqlite_url


def test_users_and_grants_are_listed(accounts):
    listed = _run("users", "list", "--db", accounts).output
    assert "local:lou\tLou\tactive" in listed and "2 people" in listed
    grants = _run("grants", "list", "--db", accounts).output
    assert f"local:lou\tlocality over {WARDS[0]}" in grants
    assert _run("grants", "revoke", "2", "--db", accounts).exit_code == 0
    assert "REVOKED by Console operator" in _run("grants", "list", "--db", accounts).output


def test_a_locality_upload_for_another_place_is_refused_and_audited(accounts, tmp_path):
    path = tmp_path / "other.csv"
    header = ["measure", "place", "period", "value"]
    path.write_bytes(csv_bytes([header, ["falls_admissions", WARDS[1], "2024-01", "3"]]))
    refused = _run("ingest", path, "--db", accounts, "--user", "lou")
    assert refused.exit_code == 1
    assert f"Lou may not upload data for place {WARDS[1]}" in refused.output
    path.write_bytes(csv_bytes([header, ["falls_admissions", WARDS[0], "2024-01", "3"]]))
    assert _run("ingest", path, "--db", accounts, "--user", "lou").exit_code == 0
    assert _run("ingest", path, "--db", accounts).exit_code == 2  # who is acting?
    audit = _run("audit", "--db", accounts, "--person", "local:lou").output
    assert f"data.upload (file other.csv) at {WARDS[1]}\trefused" in audit
    assert "data.upload (upload 1: other.csv)" in audit


def test_a_viewer_exports_controlled_small_numbers(accounts, tmp_path):
    path = tmp_path / "data.csv"
    header = ["measure", "place", "period", "value"]
    rows = [["falls_admissions", WARDS[0], f"2024-{m:02d}", v] for m, v in ((1, "3"), (2, "12"))]
    path.write_bytes(csv_bytes([header, *rows]))
    assert _run("ingest", path, "--db", accounts, "--user", "lou").exit_code == 0
    out = tmp_path / "out.csv"
    assert _run("export", "--db", accounts, "--out", out, "--user", "vic").exit_code == 0
    assert pl.read_csv(out, infer_schema=False)["value"].to_list() == ["*", "10"]
    assert _run("export", "--db", accounts, "--out", out, "--user", "lou").exit_code == 0
    assert pl.read_csv(out, infer_schema=False)["value"].to_list() == ["3.0", "12.0"]
    audit = _run("audit", "--db", accounts, "--action", "data.export").output
    assert "disclosure control: nhs_secondary_care" in audit and "2 events" in audit
