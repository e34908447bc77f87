"""Database fixtures shared by every test package: SQLite files and a private PostgreSQL 15.

One PostgreSQL server is started per test session (initdb + pg_ctl on a free port under a
temporary directory, as the ``postgres`` user when running as root) and stopped at the end.
Each test gets a fresh database, cloned from a template that already has the schema.
With ``CI=true`` a missing PostgreSQL fails the run; locally its tests are skipped.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine

from qi.store import connect, upgrade

POSTGRES_BIN = Path(os.environ.get("QI_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
TEMPLATE = "qi_template"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


class PostgresServer:
    """A throwaway PostgreSQL cluster; ``url(name)`` gives a SQLAlchemy URL for a database."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="qi-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()

    def start(self) -> None:
        self.root.chmod(0o755)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.root, "postgres", "postgres")
        run = {"check": True, "capture_output": True, "text": True}
        subprocess.run(
            _as_postgres(
                str(POSTGRES_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            **run,
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        subprocess.run(
            _as_postgres(
                str(POSTGRES_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ),
            **run,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
            ),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as c:
            c.execute(statement)


@pytest.fixture(scope="session")
def postgres_server():
    """The session's PostgreSQL server (fails in CI when PostgreSQL is missing, else skips)."""
    if not (POSTGRES_BIN / "initdb").exists():
        message = f"PostgreSQL 15 binaries not found in {POSTGRES_BIN} (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer()
    try:
        server.start()
        server.sql(f"CREATE DATABASE {TEMPLATE}")
        engine = connect(server.url(TEMPLATE))
        upgrade(engine)
        engine.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgresql_url(postgres_server) -> str:
    """A fresh PostgreSQL database with the schema, dropped after the test."""
    name = f"qi_test_{uuid.uuid4().hex[:12]}"
    postgres_server.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield postgres_server.url(name)
    postgres_server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite file with the schema."""
    url = f"sqlite:///{tmp_path / 'qi.sqlite'}"
    engine = connect(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Each test that asks for this runs twice: on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url) -> Engine:
    """An engine on a fresh database with the schema, on both backends."""
    engine = connect(database_url)
    yield engine
    engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs a real server or browser, so ``pytest -m "not browser and not
    postgres"`` is a quick loop; ``make test`` and CI still run everything."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if fixtures & {"postgres_server", "postgresql_url"} or (
            params.get("database_url") == "postgresql"
        ):
            item.add_marker(pytest.mark.postgres)
        if item.path.name.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)


# In CI a missing browser, database, JVM or tool is a failure, never a skip: whatever a test
# or a module skips on (``pytest.skip``, ``skipif``, ``importorskip``) fails the run instead.
IN_CI = os.environ.get("CI") == "true"


def _skipped_in_ci(report) -> None:
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which must not happen: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    _skipped_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    outcome = yield
    _skipped_in_ci(outcome.get_result())
