"""Demo benchmark: how long ``qi demo`` takes to load the demo into a new SQLite database (what
``make run`` does on a fresh machine), the median of 3, and a reload of the loaded database
(which writes nothing).

    .venv/bin/python benchmarks/demo.py [--runs 3]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qi.demo import load_demo  # noqa: E402
from qi.store import open_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    fresh, again = [], []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            engine = open_store(f"sqlite:///{Path(folder) / f'demo{run}.sqlite'}")
            start = time.perf_counter()
            load_demo(engine)
            fresh.append(time.perf_counter() - start)
            start = time.perf_counter()
            load_demo(engine)
            again.append(time.perf_counter() - start)
            engine.dispose()
    for name, times in (("load the demo afresh", fresh), ("load it again (no change)", again)):
        runs_text = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:<28} median {statistics.median(times):.2f} s of {runs} ({runs_text})")


if __name__ == "__main__":
    main()
