"""Fuzzing uploads, on SQLite and PostgreSQL: seeded mutations of real-looking files (CSV, TSV,
.xlsx at the byte and at the XML level, Parquet) and hypothesis-built tables of valid and
hostile cells. For every file:

- no traceback: ``ingest_bytes`` returns a report (stored, unchanged or rejected);
- no hang: each upload ends within ``CASE_SECONDS`` (the time budget is ``BUDGET_S``);
- no partial write: a rejected or unchanged upload leaves every observation and revision as it
  was; a stored one has no errors and writes what it reports;
- no memory beyond ``MEMORY_CEILING_MB`` of peak resident memory for the test process while the
  cases run (the peak is reset before them through /proc/self/clear_refs).

Bounded: ``MUTATIONS`` seeded cases and ``EXAMPLES`` hypothesis examples per backend, and at
most ``SUITE_SECONDS`` of mutations per backend.
"""

import io
import random
import re
import time
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from qi.access import local_admin
from qi.ingest import IngestSettings, Report, ingest_bytes
from qi.store import read_series
from qi.store.models import Observation, Revision, Upload
from tests.ingest.files import (
    WARDS,
    add_definitions,
    csv_bytes,
    locality_workbook,
    parquet_bytes,
    xlsx_bytes,
)

TODAY = date(2025, 6, 1)
SEED = 20251202
MUTATIONS = 60
EXAMPLES = 25
SUITE_SECONDS = 120
BUDGET_S = 30.0
CASE_SECONDS = 10.0
MEMORY_CEILING_MB = 1_500
SETTINGS = IngestSettings(time_budget_s=BUDGET_S)

# Cells that have broken uploads before, or could.
HOSTILE = [
    "1e308",
    "9.2e18",
    "-5",
    "150%",
    "0000-01",
    "1677-09",
    "1899-12",
    "2999-01",
    "=SUM(A1:A3)",
    "#N/A",
    "#DIV/0!",
    "",
    "*",
    "c",
    "NaN",
    "inf",
    "-inf",
    "1,2O4",
    "1e999",
    "12.5",
    "0",
    "x" * 40_000,
    "\u202e",
    "'",
    '"',
    ",",
    ";",
    "\t",
    "\r\n",
    "\x00",
    "Total",
    "E0500000X",
    "2024-13",
    "31/02/2024",
    "Q5 2024",
    "2024-W60",
    "45352",
    "٣",
    "１２",
    " 7 ",
]
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
LONG = [["measure", "place", "period", "value"]] + [
    ["falls_admissions", w, m, str(i * 3 + 1)] for w in WARDS for i, m in enumerate(MONTHS)
]
WIDE = [["Measure", "Ward", "Jan-24", "Feb-24", "Mar-24", "Notes"]] + [
    ["falls_admissions", w, str(i + 1), str(i + 2), str(i + 3), ""] for i, w in enumerate(WARDS)
]
RATIO = [["measure", "place", "period", "numerator", "denominator"]] + [
    ["dna_rate", w, m, str(i + 1), "100"] for w in WARDS for i, m in enumerate(MONTHS[:6])
]


def _seeds(tmp_path: Path) -> list[tuple[str, bytes]]:
    return [
        ("long.csv", csv_bytes(LONG)),
        ("wide.csv", csv_bytes(WIDE)),
        ("ratio.csv", csv_bytes(RATIO)),
        ("semi.csv", csv_bytes(LONG, separator=";", encoding="cp1252")),
        ("tabs.tsv", b"\xef\xbb\xbf" + csv_bytes(WIDE, separator="\t")),
        ("long.xlsx", xlsx_bytes(LONG)),
        ("wide.xlsx", xlsx_bytes([["Falls by ward"], [], *WIDE])),
        ("locality.xlsx", locality_workbook(tmp_path / "locality.xlsx").read_bytes()),
        ("long.parquet", parquet_bytes(pl.DataFrame(LONG[1:], schema=LONG[0], orient="row"))),
    ]


# --- mutations -----------------------------------------------------------------------------------


def _bytes_mutation(rng: random.Random, data: bytes) -> bytes:
    """Damage the bytes themselves: flips, cuts, repeats, hostile tokens dropped in."""
    kind = rng.randrange(5)
    at = rng.randrange(len(data) + 1)
    if kind == 0:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if flipped:
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped)
    if kind == 1:
        return data[:at]
    if kind == 2:
        end = min(len(data), at + rng.randint(1, 400))
        return data[:end] + data[at:end] * rng.randint(1, 50) + data[end:]
    if kind == 3:
        return data[:at] + rng.choice(HOSTILE).encode("utf-8", "replace") + data[at:]
    return data[at:] + data[:at]


def _text_mutation(rng: random.Random, rows: list[list[str]]) -> list[list[str]]:
    """Damage the table: hostile cells, lost or renamed headers, repeated rows and columns."""
    rows = [list(r) for r in rows]
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(7)
        r, c = rng.randrange(len(rows)), rng.randrange(max(1, len(rows[0])))
        if kind <= 2 and c < len(rows[r]):
            rows[r][c] = rng.choice(HOSTILE)
        elif kind == 3 and c < len(rows[0]):
            rows[0][c] = rng.choice(["", "Trust", "Leeds", "value", "period", "Apr-24", "measure"])
        elif kind == 4:
            rows.insert(r, list(rows[r]))
        elif kind == 5:
            for row in rows:
                row.insert(c, row[c] if c < len(row) else "")
        else:
            del rows[r][c:]
    return rows


def _xml_mutation(rng: random.Random, workbook: bytes) -> bytes:
    """Damage an .xlsx inside: stray far cells, lying dimensions, formulas without results,
    error cells, cells without references; re-zipped so the zip itself is sound."""
    archive = zipfile.ZipFile(io.BytesIO(workbook))
    name = next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
    xml = archive.read(name)
    rows = [m.start() for m in re.finditer(rb"<row ", xml)]
    extras = [
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        b'<row r="200000"><c r="B200000" t="inlineStr"><is><t>x</t></is></c></row>',
        b'<row r="60"><c r="ZZ60"><f>SUM(A1:A3)</f></c></row>',
        b'<row r="61"><c r="C61" t="e"><v>#REF!</v></c></row>',
        b'<row><c t="inlineStr"><is><t>E05000001</t></is></c><c><v>3</v></c></row>',
    ]
    kind = rng.randrange(4)
    if kind == 0 and b"</sheetData>" in xml:
        xml = xml.replace(b"</sheetData>", rng.choice(extras) + b"</sheetData>")
    elif kind == 1:
        xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)
    elif kind == 2 and rows:
        at = rng.choice(rows)
        xml = xml[:at] + xml[at:].replace(b"<v>", b"<f>A1*2</f><v>", 1).replace(
            b"<v>", b"<v/><!--", 1
        )
    elif rows:
        at = rng.choice(rows)
        xml = xml[:at] + rng.choice(extras)[:-6] + xml[at:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rezipped:
        for item in archive.namelist():  # dated as the original: the same seed, the same bytes
            rezipped.writestr(archive.getinfo(item), xml if item == name else archive.read(item))
    return out.getvalue()


def _case(rng: random.Random, seeds: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    name, data = rng.choice(seeds)
    suffix = Path(name).suffix
    if suffix == ".xlsx" and rng.random() < 0.6:
        return name, _xml_mutation(rng, data)
    if suffix in (".csv", ".tsv") and rng.random() < 0.5:
        table = rng.choice([LONG, WIDE, RATIO])
        return name, csv_bytes(_text_mutation(rng, table))
    if suffix == ".parquet" and rng.random() < 0.5:
        table = _text_mutation(rng, LONG)
        width = min(len(r) for r in table)
        header = [h or f"h{i}" for i, h in enumerate(table[0][:width])]
        header = [f"{h}_{i}" if header.index(h) != i else h for i, h in enumerate(header)]
        rows = [r[:width] for r in table[1:]]
        return name, parquet_bytes(pl.DataFrame(rows, schema=header, orient="row"))
    return name, _bytes_mutation(rng, data)


# --- the invariants ------------------------------------------------------------------------------


def _state(engine):
    with engine.connect() as c:
        counts = tuple(
            c.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Observation, Revision)
        )
        stored = c.execute(
            select(func.count()).select_from(Upload).where(Upload.outcome == "stored")
        ).scalar_one()
    return counts, stored, read_series(engine, local_admin("tester"))


def _upload_keeps_every_promise(engine, content: bytes, name: str) -> Report:
    before = _state(engine)
    started = time.monotonic()
    report = ingest_bytes(
        engine, local_admin("tester"), content, name, today=TODAY, settings=SETTINGS
    )
    took = time.monotonic() - started
    assert isinstance(report, Report)
    assert took < CASE_SECONDS, (name, took)
    after = _state(engine)
    if report.outcome in ("rejected", "unchanged"):
        assert after[:2] == before[:2], (name, report.render()[:500])
        assert after[2].equals(before[2])
    else:
        assert report.outcome == "stored" and report.errors.height == 0
        assert after[0][0] == before[0][0] + report.added
        assert after[0][1] == before[0][1] + report.revised
        assert after[1] == before[1] + 1
    return report


def _reset_peak_memory() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_memory_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/self/status")


# --- the tests -----------------------------------------------------------------------------------


def test_seeded_mutations_never_crash_hang_write_half_or_use_too_much_memory(engine, tmp_path):
    add_definitions(engine)
    seeds = _seeds(tmp_path)
    for name, content in seeds:  # the seeds themselves are valid files
        report = _upload_keeps_every_promise(engine, content, name)
        if name != "locality.xlsx":  # (its first sheet is the notes: rejected without --sheet)
            assert report.outcome in ("stored", "unchanged"), (name, report.render())
    measured = _reset_peak_memory()
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    started = time.monotonic()
    for _ in range(MUTATIONS):
        if time.monotonic() - started > SUITE_SECONDS:
            break
        name, content = _case(rng, seeds)
        report = _upload_keeps_every_promise(engine, content, name)
        outcomes[report.outcome] = outcomes.get(report.outcome, 0) + 1
    assert outcomes.get("rejected", 0) > 0  # the mutations do hurt
    if measured:
        assert _peak_memory_mb() < MEMORY_CEILING_MB


cells = st.one_of(
    st.integers(0, 10_000).map(str),
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
)
periods = st.one_of(
    st.sampled_from(MONTHS + ["Jan-24", "01/02/2024", "2024 Q1"]), st.sampled_from(HOSTILE)
)
places = st.sampled_from([*WARDS, "Ward one", "E0500000X", "", "Total"])


@st.composite
def tables(draw) -> tuple[str, bytes]:
    wide = draw(st.booleans())
    if wide:
        header = [
            "measure",
            draw(st.sampled_from(["place", "Trust", "", "Leeds"])),
            *draw(st.lists(periods, min_size=1, max_size=4)),
        ]
        rows = [
            ["falls_admissions", draw(places), *(draw(cells) for _ in header[2:])]
            for _ in range(draw(st.integers(1, 6)))
        ]
    else:
        header = ["measure", "place", "period", "value"]
        rows = [
            [
                draw(st.sampled_from(["falls_admissions", "ae_attendances", "nope"])),
                draw(places),
                draw(periods),
                draw(cells),
            ]
            for _ in range(draw(st.integers(1, 8)))
        ]
    table = [header, *rows]
    kind = draw(st.sampled_from(["csv", "xlsx", "parquet"]))
    if kind == "csv":
        return "h.csv", csv_bytes(table)
    if kind == "xlsx":
        return "h.xlsx", xlsx_bytes([[c.replace("\x00", "") for c in row] for row in table])
    names = [f"{h}_{i}" for i, h in enumerate(header)]
    return "h.parquet", parquet_bytes(
        pl.DataFrame(rows, schema=names, orient="row").rename(
            dict(
                zip(
                    names,
                    [
                        h if header.count(h) == 1 and h else n
                        for h, n in zip(header, names, strict=True)
                    ],
                    strict=True,
                )
            )
        )
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=tables())
def test_generated_tables_of_valid_and_hostile_cells_keep_every_promise(engine, case):
    add_definitions(engine)
    name, content = case
    _upload_keeps_every_promise(engine, content, name)


def test_the_same_seed_gives_the_same_cases(tmp_path):
    seeds = _seeds(tmp_path)
    first, again = random.Random(SEED), random.Random(SEED)
    for _ in range(40):
        assert _case(first, seeds) == _case(again, seeds)
