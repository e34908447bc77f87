"""Why each measure is measured and the outcome domains it speaks to, and their history.

A measure's purpose (need, outcome, performance, improvement: ``qi.vocabulary.outcomes``), its
statutory source (for performance measures) and its outcome domains (the stories' domains,
``qi.vocabulary.stories``) are written with the measure itself (``upsert_measures`` calls
``write_purposes`` inside its transaction when the definitions carry them; the import validates
first, ``qi.ingest.purposes``) or edited one measure at a time (``edit_purposes``: needs
``definitions.write``, an administrator's, over everything).

Every change is kept: ``write_purposes`` adds a version (who, when, the purpose, source and
domains as they now are) to ``measure_purpose_versions`` and an audit row with the before and
after, in the same transaction. ``read_purposes`` reads the current ones,
``purpose_history`` one measure's versions.
"""

from collections.abc import Sequence

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, insert, select

from qi.access import Principal
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import writing
from qi.store.frames import read_frame
from qi.store.limits import check_lengths
from qi.store.models import Measure, MeasureDomain, MeasurePurpose, MeasurePurposeVersion
from qi.vocabulary.outcomes import PURPOSES
from qi.vocabulary.stories import DOMAINS, code_problem

# The columns of a measure definition that say why it is measured.
PURPOSE_FIELDS = ("purpose", "statutory_source", "domains")


class PurposeError(ValueError):
    """A purpose, statutory source or set of domains cannot be kept as given; the message says
    what is wrong and how to fix it."""


def write_purposes(connection: Connection, principal: Principal, measures: pl.DataFrame) -> int:
    """Inside a write (the caller has authorised it): set the purpose, statutory source and
    domains of the measures (by code) that ``measures`` gives them for; ``domains`` is a list of
    domain codes. A definition without these columns leaves them as they are. Each change adds
    a version and an audit row (before and after) as ``principal``. Returns how many measures'
    purposes changed."""
    given = [f for f in PURPOSE_FIELDS if f in measures.columns]
    if not given or measures.height == 0:
        return 0
    codes = measures.get_column("code").to_list()
    ids = dict(
        connection.execute(select(Measure.code, Measure.id).where(Measure.code.in_(codes))).all()
    )
    stored = _stored(connection, list(ids.values()))
    changed = 0
    for row in measures.select("code", *given).iter_rows(named=True):
        measure_id = ids[row["code"]]
        before = stored.get(measure_id, {"purpose": None, "statutory_source": None, "domains": []})
        after = before | {f: row[f] for f in given}
        after["domains"] = sorted(set(after["domains"] or []))  # as stored: in code order
        if after == before:
            continue
        changed += 1
        _record(connection, principal, row["code"], measure_id, before, after)
        connection.execute(delete(MeasurePurpose).where(MeasurePurpose.measure_id == measure_id))
        connection.execute(delete(MeasureDomain).where(MeasureDomain.measure_id == measure_id))
        if after["purpose"] is not None:
            connection.execute(
                insert(MeasurePurpose).values(
                    measure_id=measure_id,
                    purpose=after["purpose"],
                    statutory_source=after["statutory_source"],
                )
            )
        if after["domains"]:
            connection.execute(
                insert(MeasureDomain),
                [{"measure_id": measure_id, "domain": d} for d in after["domains"]],
            )
    return changed


def _words(kept: dict) -> str:
    domains = ", ".join(kept["domains"]) or "none"
    source = f"; statutory source {kept['statutory_source']}" if kept["statutory_source"] else ""
    return f"{kept['purpose'] or 'no purpose'}{source}; domains {domains}"


def _record(
    connection: Connection,
    principal: Principal,
    code: str,
    measure_id: int,
    before: dict,
    after: dict,
) -> None:
    """The next version of a measure's purposes, and the audit row saying what changed."""
    version = connection.execute(
        select(func.coalesce(func.max(MeasurePurposeVersion.version), 0)).where(
            MeasurePurposeVersion.measure_id == measure_id
        )
    ).scalar_one()
    values = dict(
        measure_id=measure_id,
        version=version + 1,
        purpose=after["purpose"],
        statutory_source=after["statutory_source"],
        domains=",".join(after["domains"]),
        changed_by=principal.name,
        changed_at=clock.now(),
    )
    check_lengths(MeasurePurposeVersion, values)
    connection.execute(insert(MeasurePurposeVersion).values(**values))
    audit(
        connection,
        principal,
        "definitions.purpose",
        subject=f"measure {code}"[:255],
        detail=f"was: {_words(before)}. Now: {_words(after)}.",
    )


def edit_purposes(
    engine: Engine,
    principal: Principal,
    measure: str,
    purpose: str | None,
    statutory_source: str | None = None,
    domains: Sequence[str] = (),
) -> bool:
    """Set one measure's purpose (a ``PURPOSES`` code, or None for none recorded), statutory
    source (performance measures only) and outcome domains (``DOMAINS`` codes), as
    ``principal``, who needs ``definitions.write`` over everything (refused and audited
    otherwise). Returns whether anything changed; a change is versioned and audited."""
    if purpose is not None and (problem := code_problem(purpose, PURPOSES, "purpose")):
        raise PurposeError(problem)
    for domain in domains:
        if problem := code_problem(domain, DOMAINS, "outcome domain"):
            raise PurposeError(problem)
    source = (statutory_source or "").strip() or None
    if source is not None and purpose != "performance":
        raise PurposeError(
            "a statutory source belongs to a performance measure: set the purpose to "
            "performance, or leave the source blank"
        )
    guard(engine, principal, "definitions.write", [None], subject=f"measure {measure}"[:255])
    frame = pl.DataFrame(
        {
            "code": [measure],
            "purpose": [purpose],
            "statutory_source": [source],
            "domains": [list(dict.fromkeys(domains))],
        },
        schema={
            "code": pl.String,
            "purpose": pl.String,
            "statutory_source": pl.String,
            "domains": pl.List(pl.String),
        },
    )
    with writing(engine) as connection:
        if connection.execute(select(Measure.id).where(Measure.code == measure)).first() is None:
            raise PurposeError(f"unknown measure {measure!r}; define the measure first")
        return write_purposes(connection, principal, frame) == 1


def _stored(connection: Connection, ids: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = {
        i: {"purpose": p, "statutory_source": s, "domains": []}
        for i, p, s in connection.execute(
            select(
                MeasurePurpose.measure_id, MeasurePurpose.purpose, MeasurePurpose.statutory_source
            ).where(MeasurePurpose.measure_id.in_(ids))
        )
    }
    for i, domain in connection.execute(
        select(MeasureDomain.measure_id, MeasureDomain.domain)
        .where(MeasureDomain.measure_id.in_(ids))
        .order_by(MeasureDomain.measure_id, MeasureDomain.domain)
    ):
        found.setdefault(i, {"purpose": None, "statutory_source": None, "domains": []})
        found[i]["domains"].append(domain)
    return found


PURPOSE_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "purpose": pl.String(),
    "statutory_source": pl.String(),
    "domains": pl.List(pl.String()),
}


def read_purposes(engine: Engine) -> pl.DataFrame:
    """Every measure's purpose, statutory source and outcome domains (a list, empty when none
    is recorded), by measure code."""
    purposes = read_frame(
        engine,
        select(Measure.code, MeasurePurpose.purpose, MeasurePurpose.statutory_source)
        .outerjoin(MeasurePurpose, MeasurePurpose.measure_id == Measure.id)
        .order_by(Measure.code),
        {"measure": pl.String(), "purpose": pl.String(), "statutory_source": pl.String()},
    )
    domains = read_frame(
        engine,
        select(Measure.code, MeasureDomain.domain)
        .join(MeasureDomain, MeasureDomain.measure_id == Measure.id)
        .order_by(Measure.code, MeasureDomain.domain),
        {"measure": pl.String(), "domain": pl.String()},
    )
    listed = domains.group_by("measure", maintain_order=True).agg(pl.col("domain").alias("domains"))
    return (
        purposes.join(listed, on="measure", how="left")
        .with_columns(pl.col("domains").fill_null(pl.lit([], pl.List(pl.String))))
        .select(list(PURPOSE_SCHEMA))
    )


HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "version": pl.Int64(),
    "purpose": pl.String(),
    "statutory_source": pl.String(),
    "domains": pl.List(pl.String()),
    "changed_by": pl.String(),
    "changed_at": pl.Datetime("us"),
}


def purpose_history(engine: Engine, measure: str) -> pl.DataFrame:
    """One measure's purposes as they were after each change (``HISTORY_SCHEMA``), oldest
    first; empty for a measure whose purposes were never set."""
    frame = read_frame(
        engine,
        select(
            MeasurePurposeVersion.version,
            MeasurePurposeVersion.purpose,
            MeasurePurposeVersion.statutory_source,
            MeasurePurposeVersion.domains,
            MeasurePurposeVersion.changed_by,
            MeasurePurposeVersion.changed_at,
        )
        .join(Measure, Measure.id == MeasurePurposeVersion.measure_id)
        .where(Measure.code == measure)
        .order_by(MeasurePurposeVersion.version),
        dict(HISTORY_SCHEMA, domains=pl.String()),
    )
    return frame.with_columns(
        pl.when(pl.col("domains") == "")
        .then(pl.lit([], pl.List(pl.String)))
        .otherwise(pl.col("domains").str.split(","))
        .alias("domains")
    )
