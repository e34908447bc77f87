"""Sign-in benchmark: a local account's sign-in with a wrong password, with a user name nobody
has, with a disabled account and with the right password, each the median of 7 runs (after a
warm-up) on a fresh SQLite store. A refusal must cost the same whether the name exists or
not (the same scrypt check at OWASP's settings), so the time does not tell a guesser which
user names are real.

    .venv/bin/python benchmarks/sign_in.py [--runs 7]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qi.access import local_admin  # noqa: E402
from qi.store import open_store  # noqa: E402
from qi.store.access import SignInFailed, add_person, disable_person, sign_in  # noqa: E402

PASSWORD = "the right long password"


def median_seconds(attempt, runs: int, after) -> float:
    """The median time of ``attempt`` (``after`` runs untimed after each one)."""
    attempt()  # warm-up (the unknown-user hash is made once per process)
    after()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        attempt()
        times.append(time.perf_counter() - start)
        after()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'qi.sqlite'}")
        admin = local_admin("Benchmark")
        add_person(engine, admin, username="lou", name="Lou", password=PASSWORD)
        add_person(engine, admin, username="dan", name="Dan", password=PASSWORD)
        disable_person(engine, admin, "local:dan")

        def refused(username: str, password: str):
            def attempt() -> None:
                try:
                    sign_in(engine, username, password)
                except SignInFailed:
                    return
                raise AssertionError(f"{username} signed in")

            return attempt

        cases = {
            "wrong password": refused("lou", "not the password at all"),
            "unknown user name": refused("nobody", "not the password at all"),
            "disabled account": refused("dan", PASSWORD),
            "right password": lambda: sign_in(engine, "lou", PASSWORD),
        }
        # The right password after each attempt resets the failures (no lock-out here).
        results = {
            name: median_seconds(attempt, runs, lambda: sign_in(engine, "lou", PASSWORD))
            for name, attempt in cases.items()
        }
        engine.dispose()
    for name, seconds in results.items():
        print(f"{name:>20}: {seconds * 1000:7.0f} ms (median of {runs})")
    ratio = results["unknown user name"] / results["wrong password"]
    print(f"unknown user / wrong password: {ratio:.2f}")


if __name__ == "__main__":
    main()
