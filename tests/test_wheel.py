"""The wheel: qi built as a wheel and installed in a fresh virtual environment outside the
checkout runs ``qi demo`` (whose real A&E data ships inside the package) and ``qi chart``.

The wheel is built from a copy of the package's sources with the pinned setuptools (no build
isolation, no index: nothing is downloaded). The fresh environment sees the third-party
dependencies through a ``.pth`` line naming this environment's site-packages (a plain path:
the editable install's finder there is not run), so the only qi it can import is the wheel's.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import polars as pl
import pytest

from qi.access import local_admin
from qi.store import connect, read_measures, read_series

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str | Path, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; its bin folder."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "qi", source / "qi", ignore=shutil.ignore_patterns("__pycache__"))
    dist = root / "dist"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--wheel-dir",
        dist,
        source,
        cwd=root,
    )
    [wheel] = dist.glob("qi-*.whl")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    site = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root
        ).strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=root,
    )
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> tuple[Path, dict]:
    """A working folder outside the checkout, and an environment naming no database."""
    env = {k: v for k, v in os.environ.items() if k not in ("QI_DATABASE_URL", "PYTHONPATH")}
    work = tmp_path / "work"
    work.mkdir()
    return work, env


def test_the_installed_qi_is_the_wheels(installed, elsewhere):
    work, env = elsewhere
    found = run(installed / "python", "-c", "import qi.demo; print(qi.__file__)", cwd=work, env=env)
    assert Path(found.strip()).is_relative_to(installed.parent)
    assert not Path(found.strip()).is_relative_to(ROOT)


def test_qi_demo_runs_from_the_wheel_outside_the_checkout(installed, elsewhere):
    work, env = elsewhere
    database = work / "demo.sqlite"
    output = run(installed / "qi", "demo", "--db", f"sqlite:///{database}", cwd=work, env=env)
    assert "Demo: 12 measures" in output
    engine = connect(f"sqlite:///{database}")
    try:
        assert read_measures(engine).height == 12
        # The real A&E data came from the file inside the wheel: 5 trusts, 36 months, 2 measures.
        assert (
            read_series(engine, local_admin("tester"), measures=["ae_type1_attendances"]).height
            == 5 * 36
        )
    finally:
        engine.dispose()
    assert not (work / "data").exists()  # nothing written beside it but the database named


def test_qi_chart_runs_from_the_wheel_outside_the_checkout(installed, elsewhere):
    work, env = elsewhere
    months = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 12, 1), "1mo", eager=True)
    pl.DataFrame({"month": months, "admissions": [9.0, 11.0] * 5 + [9.0, 40.0]}).write_parquet(
        work / "measures.parquet"
    )
    run(
        installed / "qi",
        "chart",
        "measures.parquet",
        "--out",
        "points.parquet",
        "--value",
        "admissions",
        "--period",
        "month",
        cwd=work,
        env=env,
    )
    points = pl.read_parquet(work / "points.parquet")
    assert points.height == 12
    assert points["signal"][11] == "outside"
