"""The board pack's figures for its audience: as stored (internal) or published.

``pack_review(engine, principal, review, audience)`` is what the app and ``qi report`` call
before laying out a pack: it checks that the principal may have the pack for that audience at
every place of the review (internal needs ``data.read``, published ``data.published``, so the
viewer role only ever gets the published pack), records the export in the audit, and returns
the review as that audience may see it.

``published_review`` applies each measure's published disclosure policy
(``qi.access.outputs.published_policies``: NHS Digital's secondary-care method by default) to
what a pack prints and draws, never to stored data:

- counts (a count measure's values, numerators and denominators): 0 stays 0, 1 to 7 are not
  shown (``*`` in tables, a gap in the chart's line), other counts are rounded to the nearest 5;
- a rate or percentage made from a count of 1 to 7 is not shown;
- the centre lines, limits, signals, icons and readings were worked out from the stored
  values before this (never from controlled ones). A chart draws its centre and limits only
  when its series has no count of 1 to 7: with small counts they would give the suppressed
  values back (a c-chart's centre is their mean), so there the icons and the reading in words
  stand for them;
- effect estimates are left out: their numbers (means before and after a change) are not
  controlled yet.

``published_comparison`` does the same for a Compare places page (a funnel plot), with the
measure's same policy: a place whose numerator (or denominator) is from 1 to 7 is not plotted
and not quoted (its value, numerator and denominator become null, ``suppressed``: ``*`` in
the page's table); other numerators and denominators are rounded to the nearest 5 and the
point is drawn at its rounded denominator; a place's value is the one worked out from the
stored counts. Each place's flag and reading, the overall value and the limit curves (functions
of the denominator and the overall value) were worked out from the stored values and stay,
the curves cut half a rounding below the largest drawn denominator (their end would give the
largest stored one back); the limits at each place's own denominator are dropped (they would
give it back).
``pack_comparisons`` builds a pack's Compare places pages for an audience; a published page
leaves out the slope index of inequality: it is modelled from each deprivation group's counts
(often from 1 to 7 within a place), and controlling those is not done yet.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace

import polars as pl
from sqlalchemy import Engine

from qi.access import EVERYTHING, Principal
from qi.access.authorize import allowed_somewhere, readable_places
from qi.access.outputs import (
    DisclosurePolicy,
    controlled_number,
    published_policies,
    small_count,
    small_ratio,
)
from qi.services.compare import (
    LIMIT_NAMES,
    InequalityView,
    PlaceComparison,
    comparison_measures,
    meeting_comparison,
)
from qi.services.meeting import MeetingReview
from qi.services.review import MeasureView
from qi.store.access import audit_now, guard
from qi.vocabulary.measures import RATIO_KINDS

AUDIENCES = {
    "internal": "as stored, for those who may read the places' data",
    "published": "small numbers controlled, for board papers that may be published",
}
# Drawn from the stored values; left off a published chart whose series has small counts.
LINES = (
    "centre",
    "lower_1sigma",
    "upper_1sigma",
    "lower_2sigma",
    "upper_2sigma",
    "lower_limit",
    "upper_limit",
)


class AudienceError(ValueError):
    """An audience qi does not know; the message lists those it does."""


def pack_review(
    engine: Engine, principal: Principal, review: MeetingReview, audience: str
) -> MeetingReview:
    """The review as ``audience`` may see it in a board pack, for ``principal``: refused
    (``qi.access.Refused``, audited) unless they may have it at every place of the review;
    the export is audited."""
    if audience not in AUDIENCES:
        raise AudienceError(
            f"unknown audience {audience!r} for a board pack; choose one of: "
            + ", ".join(AUDIENCES)
        )
    subject = f"board pack ({audience}): {review.title}"[:255]
    action = "data.read" if audience == "internal" else "data.published"
    # A review of nothing readable has no places to check: one who may not do the action
    # anywhere is refused all the same (a viewer asking for the internal pack).
    nowhere = not allowed_somewhere(principal, action)
    guard(
        engine,
        principal,
        action,
        review.places,
        scope=EVERYTHING if nowhere else None,
        subject=subject,
    )
    shown = review if audience == "internal" else published_review(review)
    audit_now(
        engine,
        principal,
        "data.export",
        subject=subject,
        detail=f"{len(review.views)} measures at {len(review.places)} places"
        + (f"; {shown.disclosure}" if shown.disclosure else ""),
    )
    return shown


def default_audience(principal: Principal, review: MeetingReview) -> str:
    """Internal when the principal may read every place of the review, else published."""
    readable = readable_places(principal, "data.read")
    if readable is None or (review.places and set(review.places) <= readable):
        return "internal"
    return "published"


def published_review(
    review: MeetingReview, environ: Mapping[str, str] | None = None
) -> MeetingReview:
    """The review with every measure's published policy applied (see the module docstring).
    ``environ``: where the policies are configured (the process's environment by default)."""
    default, per_measure = published_policies(environ)
    kinds = (
        dict(review.measures.select("code", "kind").iter_rows()) if review.measures.height else {}
    )
    views: dict[str, MeasureView] = {}
    for code, view in review.views.items():
        policy = per_measure.get(code, default)
        views[code] = _controlled_view(view, policy, kinds.get(code, view.measure.get("kind")))
    latest = [
        v.points.select(
            "measure",
            "place",
            pl.col("period").cast(pl.Date).alias("latest_period"),
            pl.col("value").alias("_value"),
            pl.col("suppressed").alias("latest_suppressed"),
        )
        for v in views.values()
    ]
    matrix = review.matrix
    if latest and matrix.height:
        matrix = (
            matrix.join(
                pl.concat(latest, how="vertical_relaxed"),
                on=["measure", "place", "latest_period"],
                how="left",
            )
            .with_columns(
                pl.col("_value").alias("latest_value"),
                pl.col("latest_suppressed").fill_null(False),
            )
            .drop("_value")
        )
    names = {p.name for p in (default, *per_measure.values()) if p.controls}
    return replace(
        review,
        views=views,
        matrix=matrix,
        effects=(),
        disclosure=_sentence(default) if names else "",
    )


def _sentence(policy: DisclosurePolicy) -> str:
    return (
        f"Published figures: counts from 1 to {policy.threshold} are not shown (* in tables, "
        f"a gap in a chart), other counts are rounded to the nearest {policy.base}, and rates "
        "or percentages made from small counts (or whose denominator leaves a small count "
        "out, such as 8 of 9) are not shown. Limits and signals are worked "
        "out from the unrounded data; a chart with small counts shows no limits."
    )


def _controlled_view(view: MeasureView, policy: DisclosurePolicy, kind: str | None) -> MeasureView:
    points = view.points
    if not policy.controls:
        return _with_points(view, points.with_columns(pl.lit(False).alias("suppressed")))
    counts = [c for c in ("numerator", "denominator") if c in points.columns]
    ratio = kind in RATIO_KINDS and len(counts) == 2
    small = small_ratio(policy, kind == "proportion") if ratio else small_count("value", policy)
    out = points.with_columns(small.alias("suppressed"))
    if ratio:
        out = out.with_columns(
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("value")).alias("value")
        )
    else:
        out = out.with_columns(controlled_number("value", policy))
    out = out.with_columns(controlled_number(c, policy) for c in counts)
    # A series with small counts keeps its signals and icons, but not its lines.
    any_small = pl.col("suppressed").any().over("measure", "place")
    out = out.with_columns(
        pl.when(any_small).then(None).otherwise(pl.col(c)).alias(c)
        for c in LINES
        if c in out.columns
    )
    return _with_points(view, out)


def _with_points(view: MeasureView, points: pl.DataFrame) -> MeasureView:
    """The view drawing ``points``, with the icons and summary of the stored values."""
    chart = replace(view.charted, points=points)
    chart._summary.append(view.charted.summary())  # the stored values' summary, not redone
    return replace(view, charted=chart)


# Said on a published Compare places page that would have shown the slope index of inequality.
INEQUALITY_LEFT_OUT = (
    "The slope index of inequality is not in published packs: it is modelled from each "
    "deprivation group's counts, often from 1 to 7 within a place, which are not controlled "
    "for it yet."
)


def published_comparison(
    comparison: PlaceComparison, environ: Mapping[str, str] | None = None
) -> PlaceComparison:
    """The comparison with its measure's published policy applied (see the module docstring):
    ``places`` gains ``suppressed``, and ``disclosure`` says what was done (never empty, so a
    published pack can tell a controlled comparison from one as stored).
    ``environ``: where the policies are configured (the process's environment by default)."""
    default, per_measure = published_policies(environ)
    policy = per_measure.get(comparison.measure["code"], default)
    places = comparison.places
    if not policy.controls:
        return replace(
            comparison,
            places=places.with_columns(pl.lit(False).alias("suppressed")),
            disclosure=f"Published figures: {comparison.measure['name']} is published as "
            f"stored (its disclosure policy is {policy.name}).",
        )
    # As a published chart decides (``small_ratio``): by the numerator, the denominator (where
    # the funnel would draw the place) and, for a proportion, the rest of the denominator.
    proportion = comparison.measure.get("kind") == "proportion"
    out = places.with_columns(small_ratio(policy, proportion).alias("suppressed"))
    hidden = pl.col("suppressed")
    out = out.with_columns(
        pl.when(hidden).then(None).otherwise(pl.col("value")).alias("value"),
        *(
            pl.when(hidden).then(None).otherwise(controlled_number(c, policy)).alias(c)
            for c in ("numerator", "denominator")
        ),
        *(pl.lit(None, pl.Float64).alias(c) for c in LIMIT_NAMES),
    )
    # The curves run to the largest stored denominator: cut them half a rounding below the
    # largest drawn (rounded) one, so their end gives no unrounded denominator back.
    largest = out.filter(~hidden).select(pl.col("denominator").max()).item()
    end = float("-inf") if largest is None else largest - policy.base / 2
    limits = comparison.limits.filter(pl.col("denominator") <= end)
    return replace(
        comparison,
        places=out,
        limits=limits,
        funnel=replace(
            comparison.funnel,
            points=out.select("place", "numerator", "denominator", "value", "suppressed"),
        ),
        disclosure=(
            f"Published figures: a place with from 1 to {policy.threshold} events, a "
            f"denominator from 1 to {policy.threshold} or, for a percentage, from 1 to "
            f"{policy.threshold} not counted is not shown ({policy.symbol} in "
            "tables, no point on the funnel); other numerators and denominators are rounded "
            f"to the nearest {policy.base}, and each point is drawn at its rounded "
            "denominator. Values, limits and which places lie outside them are worked out "
            "from the unrounded counts."
        ),
    )


def pack_comparisons(
    engine: Engine,
    principal: Principal,
    review: MeetingReview,
    measures: Sequence[str],
    audience: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[tuple[PlaceComparison, InequalityView | None], ...]:
    """The Compare places pages of ``review``'s pack for ``audience``, one per measure
    (``qi.services.compare.meeting_comparison``): as stored for an internal pack; controlled
    (``published_comparison``) and without the inequality view for a published one. Raises
    ``CompareError`` for a measure that cannot be compared, ``AudienceError`` for an
    unknown audience."""
    if audience not in AUDIENCES:
        raise AudienceError(
            f"unknown audience {audience!r} for a board pack; choose one of: "
            + ", ".join(AUDIENCES)
        )
    pages: list[tuple[PlaceComparison, InequalityView | None]] = []
    for code in measures:
        comparison, inequality = meeting_comparison(
            engine, principal, code, review.places, published=audience == "published"
        )
        if audience == "published":
            comparison = published_comparison(comparison, environ)
            if inequality is not None and inequality.indices.height:
                comparison = replace(
                    comparison, disclosure=f"{comparison.disclosure} {INEQUALITY_LEFT_OUT}"
                )
            inequality = None
        pages.append((comparison, inequality))
    return tuple(pages)


def comparable_in_pack(
    engine: Engine, principal: Principal, review: MeetingReview, audience: str
) -> list[str]:
    """The measures of ``review`` that can have a Compare places page in a pack for
    ``audience`` (a funnel needs a proportion or a rate stored at two or more places of a
    level the person may see, published outputs for a published pack), in the review's order."""
    comparable = set(comparison_measures(engine, principal, published=audience == "published"))
    return [code for code in review.views if code in comparable]
