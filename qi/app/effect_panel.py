""" "Estimate the effect" at a confirmed change point, shared by the Measures and Annotate pages.

Thin: the confirmed change points and the estimate come from ``qi.services.effects``, the chart
from ``qi.render.effects``, the words from ``qi.text``. Estimating is a click away (a fit takes a
moment) and the result is kept for the session, per measure, place and change point.
"""

import streamlit as st

from qi.app.context import Scope, engine
from qi.app.identity import principal
from qi.app.widgets import plain
from qi.render.effects import effect_chart
from qi.services.effects import EffectAt, change_points, effect_at
from qi.services.review import ReviewError
from qi.text import period

RESULTS = "qi.effects"  # (measure, place, annotation, model) -> EffectAt or the refusal


def estimate_section(scope: Scope) -> None:
    """Choose a confirmed change point and the impact model, then estimate and show."""
    from qi.effects import IMPACT_MODELS  # statsmodels: imported below the chart, not before

    st.subheader("Did the change work?")
    points = change_points(engine(), principal(), scope.measure, scope.place)
    if points.height == 0:
        st.markdown(
            "No confirmed change point on this chart yet. Once a change recalculates the "
            "limits (with its reason), its effect can be estimated here."
        )
        return
    choices = dict(zip(points["id"].to_list(), points.select("period", "text").rows(), strict=True))
    key = f"{scope.measure}.{scope.place}"
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    chosen = left.selectbox(
        "Confirmed change point",
        list(choices),
        index=len(choices) - 1,
        format_func=lambda i: f"{period(choices[i][0], style='short')}: {choices[i][1]}",
        key=f"qi.effect.point.{key}",
    )
    model = right.selectbox(
        "What the change may have done (chosen before looking)",
        list(IMPACT_MODELS),
        format_func=lambda m: IMPACT_MODELS[m].capitalize(),
        key=f"qi.effect.model.{key}",
    )
    results = st.session_state.setdefault(RESULTS, {})
    wanted = (scope.measure, scope.place, chosen, model)
    if st.button("Estimate the effect", key=f"qi.effect.go.{key}", type="primary"):
        try:
            results[wanted] = effect_at(
                engine(), principal(), scope.measure, scope.place, chosen, model
            )
        except ReviewError as error:
            results[wanted] = str(error)
    found = results.get(wanted)
    if isinstance(found, str):
        st.error(found[:1].upper() + found[1:] + ".")
    elif found is not None:
        show_effect(found)


def show_effect(found: EffectAt) -> None:
    """The chart, the paragraph, and the method, points and warnings one click away."""
    st.altair_chart(
        effect_chart(
            found.lines,
            found.change,
            title=f"{found.measure_name}: the change in {period(found.change)}",
            y_title=found.units or None,
        ),
        theme=None,
        width="stretch",
    )
    st.caption(
        "Points: what was measured. Solid lines: the fitted model before and after the "
        "change. Dashed: the earlier trend continued, what the model expects without the change."
    )
    with st.container(border=True):
        st.markdown(plain(found.reading))
    effect = found.effect
    warnings = len(effect.warnings)
    with st.expander(
        "Method, points and warnings"
        + (f" ({warnings} warning{'s' * (warnings > 1)})" if warnings else "")
    ):
        st.markdown(plain(found.method))
        for warning in effect.warnings:
            st.warning(warning)
