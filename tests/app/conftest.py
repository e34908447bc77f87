"""A demo database for the app's tests: loaded once per session, copied for each test.

The app reads ``QI_DATABASE_URL``; each test points it at its own copy, so what one test
uploads or annotates never shows up in another.
"""

import shutil
from pathlib import Path

import pytest

from qi.demo import load_demo
from qi.store import open_store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "qi.sqlite"
    engine = open_store(f"sqlite:///{path}")
    load_demo(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture
def demo_url(demo_template, tmp_path, monkeypatch) -> str:
    path = tmp_path / "qi.sqlite"
    shutil.copy(demo_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("QI_DATABASE_URL", url)
    return url


def leeds_referrals_csv(first_month: int = 4, months: int = 9, value: int = 1150) -> bytes:
    """Nine more months of a demo measure at Leeds, lower than before (a clear shift)."""
    rows = ["measure,place,period,value"] + [
        f"cyp_mh_referrals,E08000035,2025-{m:02d}-01,{value + (m % 3) * 7}"
        for m in range(first_month, first_month + months)
    ]
    # A file ends with a line break (one without may have been cut short: qi rejects it).
    return ("\n".join(rows) + "\n").encode()


BAD_CSV = (
    b"measure,place,period,value\n"
    b"cyp_mh_referrals,E0800003X,2025-04-01,12\n"
    b"cyp_mh_referrals,E08000035,2025-05-01,1O4\n"
)
