"""Observations on their way out of qi (downloads, exports), for the person asking.

``for_output`` keeps the rows of places the principal may see and applies the disclosure
policy (``qi.access.outputs``) where they may see published outputs only: counts (a count
measure's value; numerators and denominators) controlled, rates from small counts suppressed.
Stored data and charts' calculations are never touched.
"""

import polars as pl

from qi.access import Principal, Refused, Scope
from qi.access.authorize import readable_places
from qi.access.outputs import NONE, DisclosurePolicy, apply_disclosure, published_policies
from qi.vocabulary.measures import RATIO_KINDS


def for_output(
    frame: pl.DataFrame,
    principal: Principal,
    kinds: dict[str, str],
    published: bool = False,
) -> tuple[pl.DataFrame, DisclosurePolicy]:
    """The rows of ``frame`` (columns measure, place, value and optionally numerator and
    denominator) the principal may take away, controlled as their role needs, and the strictest
    policy applied. ``kinds``: each measure's kind. ``published``: as published outputs, with
    each measure's published policy whoever asks. Raises ``Refused`` when none may leave."""
    shown = readable_places(principal, "data.published")
    if shown is not None:
        frame = frame.filter(pl.col("place").is_in(sorted(shown)))
    if frame.height == 0 and shown is not None:
        raise Refused(principal, "data.published", Scope("everything"))
    readable = frozenset() if published else readable_places(principal, "data.read")
    if readable is None:
        return frame, NONE
    default, per_measure = published_policies()
    parts, strictest = [], NONE
    for (measure, place), rows in frame.group_by("measure", "place", maintain_order=True):
        policy = NONE if place in readable else per_measure.get(str(measure), default)
        if policy.controls:
            strictest = policy
        counts = [c for c in ("numerator", "denominator") if c in rows.columns]
        kind = kinds.get(str(measure))
        ratio = kind in RATIO_KINDS and len(counts) == 2
        controlled = apply_disclosure(
            rows,
            policy,
            counts=counts if ratio else ["value", *counts],
            ratio="value" if ratio else None,
            proportion=kind == "proportion",
        )
        parts.append(controlled.with_columns(pl.col(c).cast(pl.String) for c in ("value", *counts)))
    if not strictest.controls:
        return frame, NONE
    return pl.concat(parts, how="vertical_relaxed"), strictest
