"""Stories of change: add, edit and browse them, each beside the charts it speaks to.

Every field of a story (``qi.store.stories``) can be entered and filtered on. What a user typed
is shown as plain text (``story_panel.show_story``). The store checks a story (its consent
record, places of the initiative, dates); its message is shown as it is, and the consent's
problems (``qi.vocabulary.consent.consent_field_problems``) each beside its field.
"""

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from qi.app.context import engine, initiatives, measure_names, place_names, series_index
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.story_panel import linked_charts, show_story
from qi.app.widgets import plain, show_notice
from qi.store import read_series
from qi.store.free_text import FreeTextError, read_free_text_answers, story_draft
from qi.store.stories import (
    add_story,
    change_consent,
    edit_story,
    flag_safeguarding,
    read_consents,
    read_stories,
    read_story,
    withdraw_story,
)
from qi.text import count, period, period_expr, period_range
from qi.vocabulary.consent import (
    BASES,
    CHANGES,
    GIVEN_BY,
    LEGACY,
    REVIEW_DUE,
    SCOPES,
    Consent,
    consent_field_problems,
)
from qi.vocabulary.stories import DOMAINS, PARTICIPATION, VOICES, Link, StoryError

CHOSEN = "qi.story.chosen"  # the story being read
FROM_ANSWER = "qi.story.from_answer"  # the free-text answer being made into a story
NOTICE = "qi.story.notice"  # what the last add or edit did, shown once
# Each form's keys carry a number that moves on after a save: fresh keys are fresh widgets, so
# the browser forgets what was typed (removing the old keys resets the server side only).
FORM_ROUND = "qi.story.round"
NOT_RECORDED = "Not recorded"
FORM_FIELDS = (
    "title",
    "narrative",
    "told_on",
    "initiative",
    "place",
    "measures",
    "start",
    "end",
    "voice",
    "domains",
    "participation",
    "anonymised",
)
CONSENT_FIELDS = ("given_by", "basis", "scope", "given_on", "review_on")


def _initiative_places() -> dict[str, list[str]]:
    return dict(initiatives().select("name", "places").iter_rows())


def _periods(measures: list[str], place: str | None) -> list[date]:
    """The periods stored for these measures (at this place), for choosing what a story speaks
    to; a measure stored nowhere yet offers none."""
    if not measures:
        return []
    try:
        series = read_series(engine(), principal(), measures=measures, places=place)
    except LookupError:
        return []
    return sorted(set(series.get_column("period").to_list()))


def _period_label(value: date) -> str:
    return period(value, "month" if value.day == 1 else "day", "short")


def story_form(prefix: str, story: dict | None = None) -> None:
    """The fields of a story, kept in session state under ``prefix``; ``story`` prefills them.

    Plain widgets rather than st.form: choosing an initiative narrows the places, and choosing
    measures offers their periods, which a form would not do until it is submitted.
    """
    story = story or {}
    links = story.get("links") or []

    def key(name: str) -> str:
        return f"{prefix}.{name}"

    names, titles = place_names(), measure_names()
    st.text_input(
        "Title",
        value=story.get("title", ""),
        key=key("title"),
        placeholder="A few words people will recognise it by",
    )
    st.text_area(
        "Narrative",
        value=story.get("narrative", ""),
        key=key("narrative"),
        height=160,
        help="What happened, in the teller's words. Shown as plain text.",
    )
    left, middle, right = st.columns(3)
    left.date_input(
        "Told on",
        value=story.get("told_on", date.today()),
        max_value=date.today(),
        key=key("told_on"),
        format="DD/MM/YYYY",
    )
    by_initiative = _initiative_places()
    options = [None, *by_initiative]
    initiative = middle.selectbox(
        "Initiative",
        options,
        index=options.index(story.get("initiative")),
        format_func=lambda v: "None" if v is None else v,
        key=key("initiative"),
    )
    codes = by_initiative[initiative] if initiative else sorted(names, key=names.__getitem__)
    place_options = [None, *codes]
    place = right.selectbox(
        "Place",
        place_options,
        index=place_options.index(story["place"]) if story.get("place") in codes else 0,
        format_func=lambda c: "None" if c is None else names.get(c, c),
        key=key("place"),
    )
    stored = series_index()
    if place is not None:
        stored = stored.filter(pl.col("place") == place)
    measure_options = sorted(set(stored.get_column("measure")), key=lambda c: titles.get(c, c))
    linked = [m for m in dict.fromkeys(link["measure"] for link in links) if m in measure_options]
    measures = st.multiselect(
        "Measures it speaks to",
        measure_options,
        default=linked,
        key=key("measures"),
        format_func=lambda c: titles.get(c, c),
        help="Its marker goes on these measures' charts, at the story's place.",
    )
    periods = _periods(measures, place)
    if measures and periods:
        told = story.get("told_on", date.today())
        start_default = (
            links[0]["period_start"]
            if links
            else max([p for p in periods if p <= told] or periods[:1])
        )
        end_default = links[0]["period_end"] if links else start_default
        first, last = st.columns(2)
        first.selectbox(
            "Periods it speaks to: from",
            periods,
            key=key("start"),
            index=periods.index(start_default) if start_default in periods else 0,
            format_func=_period_label,
        )
        last.selectbox(
            "to",
            periods,
            key=key("end"),
            index=periods.index(end_default) if end_default in periods else 0,
            format_func=_period_label,
        )
    voice, domains, level = st.columns(3)
    voice.selectbox(
        "Whose voice",
        list(VOICES),
        format_func=VOICES.__getitem__,
        key=key("voice"),
        index=list(VOICES).index(story.get("voice") or "professional"),
    )
    domains.multiselect(
        "Outcome domains",
        list(DOMAINS),
        format_func=DOMAINS.__getitem__,
        default=story.get("domains", []),
        key=key("domains"),
    )
    levels = [None, *PARTICIPATION]
    level.selectbox(
        "Level of participation it reflects",
        levels,
        index=levels.index(story.get("participation")),
        format_func=lambda c: NOT_RECORDED if c is None else PARTICIPATION[c],
        key=key("participation"),
        help="Shier's pathways to participation, from 'listened to' up to 'shares power and "
        "responsibility for decisions'.",
    )
    st.checkbox(
        "Anonymised",
        value=story.get("anonymised", True),
        key=key("anonymised"),
        help="Only anonymised stories are quoted in the board pack.",
    )


def _fields(prefix: str) -> dict:
    """The story form's values as ``add_story``/``edit_story`` keywords."""
    value = {name: st.session_state.get(f"{prefix}.{name}") for name in FORM_FIELDS}
    measures = value["measures"] or []
    start, end = value["start"], value["end"]
    if measures and start is None:
        start = end = value["told_on"]
    return {
        "title": value["title"] or "",
        "narrative": value["narrative"] or "",
        "told_on": value["told_on"],
        "initiative": value["initiative"],
        "place": value["place"],
        "links": [Link(measure=m, start=start, end=end) for m in measures],
        "voice": value["voice"],
        "domains": value["domains"] or [],
        "participation": value["participation"],
        "anonymised": bool(value["anonymised"]),
    }


def consent_form(prefix: str, wide: bool = True) -> None:
    """The fields of a consent record under ``prefix``, each with the problems found with it
    on the last try shown beneath it (what was typed stays); side by side when ``wide``, one
    under another in a narrow column."""
    problems = st.session_state.get(f"{prefix}.problems") or {}

    def key(name: str) -> str:
        return f"{prefix}.{name}"

    def beneath(column, name: str) -> None:
        for problem in problems.get(name, []):
            column.error(problem, icon=":material/error:")

    st.markdown("**Consent**")
    st.caption(
        "Who gave consent (their relationship to the story, never their name), on what basis, "
        "and where the story may be shown. Keep the signed form, if there is one, outside qi."
    )
    who, basis, scope = st.columns(3) if wide else (st.container(), st.container(), st.container())
    givers = [g for g in GIVEN_BY if g not in LEGACY]
    who.selectbox(
        "Consent given by",
        givers,
        index=None,
        format_func=GIVEN_BY.__getitem__,
        key=key("given_by"),
    )
    beneath(who, "given_by")
    bases = [b for b in BASES if b not in LEGACY]
    basis.selectbox("Basis", bases, index=None, format_func=BASES.__getitem__, key=key("basis"))
    beneath(basis, "basis")
    scope.selectbox(
        "May be shown to",
        list(SCOPES),
        index=None,
        format_func=SCOPES.__getitem__,
        key=key("scope"),
        help="Internal learning: the app's pages. The partnership: also meetings and board "
        "packs. Public: also published outputs and the 'You said, we did' leaflet.",
    )
    beneath(scope, "scope")
    given, review = st.columns(2) if wide else (st.container(), st.container())
    given.date_input(
        "Consent given on", value=date.today(), key=key("given_on"), format="DD/MM/YYYY"
    )
    beneath(given, "given_on")
    review.date_input(
        "Review consent by",
        value=None,
        key=key("review_on"),
        format="DD/MM/YYYY",
        help="Leave empty for a year after consent was given.",
    )
    beneath(review, "review_on")


def _consent(prefix: str) -> Consent:
    """The consent form's values as a ``Consent``."""
    value: dict[str, Any] = {
        name: st.session_state.get(f"{prefix}.{name}") for name in CONSENT_FIELDS
    }
    return Consent(**value)


def _consent_problems(prefix: str, voice: str) -> bool:
    """Check the consent form (the library's policy); keep its problems by field for the form
    to show beside each field. True when there are problems."""
    problems = consent_field_problems(_consent(prefix), voice, date.today())
    st.session_state[f"{prefix}.problems"] = problems
    return bool(problems)


def _forget_form(prefix: str) -> None:
    for name in (*FORM_FIELDS, *CONSENT_FIELDS, "problems"):
        st.session_state.pop(f"{prefix}.{name}", None)
    st.session_state[FORM_ROUND] = st.session_state.get(FORM_ROUND, 0) + 1


def _prefix(form: str) -> str:
    return f"qi.story.{form}.{st.session_state.get(FORM_ROUND, 0)}"


def _add(prefix: str, answer_id: int | None = None) -> None:
    """Button callback: record the story (made of the free-text answer ``answer_id``, if
    given), or say what to fix and keep what was typed."""
    fields = _fields(prefix)
    if _consent_problems(prefix, fields["voice"]):
        st.session_state[NOTICE] = (
            "error",
            "The story was not added: the consent needs the changes shown beside its fields.",
        )
        return
    try:
        story_id = add_story(
            engine(), principal(), consent=_consent(prefix), from_answer=answer_id, **fields
        )
    except (StoryError, StoreError) as error:
        st.session_state[NOTICE] = ("error", f"The story was not added: {said(error)}")
        return
    st.session_state[NOTICE] = ("success", "Story added.")
    st.session_state[CHOSEN] = story_id
    st.session_state.pop(FROM_ANSWER, None)
    _forget_form(prefix)


def _edit(prefix: str, story_id: int) -> None:
    try:
        edit_story(engine(), principal(), story_id, **_fields(prefix))
    except (StoryError, StoreError) as error:
        st.session_state[NOTICE] = ("error", f"The story was not changed: {said(error)}")
        return
    st.session_state[NOTICE] = ("success", "Story changed.")
    _forget_form(prefix)


def _change_consent(prefix: str, story_id: int, voice: str) -> None:
    """Button callback: record the story's consent anew (narrowed, widened or renewed)."""
    if _consent_problems(prefix, voice):
        st.session_state[NOTICE] = (
            "error",
            "The consent was not recorded: it needs the changes shown beside its fields.",
        )
        return
    try:
        change = change_consent(engine(), principal(), story_id, _consent(prefix))
    except (StoryError, StoreError) as error:
        st.session_state[NOTICE] = ("error", f"The consent was not recorded: {said(error)}")
        return
    st.session_state[NOTICE] = ("success", f"Consent recorded: {CHANGES[change].lower()}.")
    _forget_form(prefix)


def consent_history(story_id: int) -> pl.DataFrame:
    """A story's consent records in words, oldest first (a table shows text, never markup)."""
    return read_consents(engine(), principal(), story_id).select(
        pl.col("change").replace_strict(dict(CHANGES)).alias("Change"),
        pl.col("scope").replace_strict(dict(SCOPES)).alias("May be shown to"),
        pl.col("given_by").replace_strict(dict(GIVEN_BY)).alias("Given by"),
        pl.col("basis").replace_strict(dict(BASES)).alias("Basis"),
        period_expr("given_on", "day", "short").alias("Given on"),
        period_expr("review_on", "day", "short").alias("Review by"),
        pl.col("recorded_by").alias("Recorded by"),
    )


def _withdraw(story_id: int) -> None:
    try:
        withdraw_story(engine(), principal(), story_id)
    except (StoryError, StoreError) as error:
        st.session_state[NOTICE] = ("error", f"Not withdrawn: {said(error)}")
        return
    st.session_state[NOTICE] = ("success", "Consent withdrawn: the story's words are removed.")
    st.session_state.pop(CHOSEN, None)


def _flag(story_id: int) -> None:
    passed_to = st.session_state.get(f"qi.story.dsl.{story_id}", "")
    try:
        flag_safeguarding(engine(), principal(), story_id, passed_to)
    except (StoryError, StoreError) as error:
        st.session_state[NOTICE] = ("error", f"Not flagged: {said(error)}")
        return
    st.session_state[NOTICE] = ("success", "Flagged: only administrators can now see the story.")
    st.session_state.pop(CHOSEN, None)


def filters() -> dict:
    """The filters a reader chose, as ``read_stories`` keywords."""
    names, titles = place_names(), measure_names()
    by_initiative = _initiative_places()
    with st.expander("Filter the stories", expanded=False, icon=":material/filter_list:"):
        first = st.columns(4)
        search = first[0].text_input("Words in the title or narrative", key="qi.sf.search")
        initiative = first[1].selectbox(
            "Initiative",
            [None, *by_initiative],
            key="qi.sf.initiative",
            format_func=lambda v: "Any" if v is None else v,
        )
        place_codes = (
            by_initiative[initiative] if initiative else sorted(names, key=names.__getitem__)
        )
        places = first[2].multiselect(
            "Places",
            place_codes,
            format_func=lambda c: names.get(c, c),
            key="qi.sf.places",
            placeholder="Any",
        )
        measures = first[3].multiselect(
            "Measures",
            sorted(titles, key=titles.__getitem__),
            format_func=lambda c: titles.get(c, c),
            key="qi.sf.measures",
            placeholder="Any",
        )
        second = st.columns(4)
        voices = second[0].multiselect(
            "Whose voice",
            list(VOICES),
            format_func=VOICES.__getitem__,
            key="qi.sf.voices",
            placeholder="Any",
        )
        domains = second[1].multiselect(
            "Outcome domains",
            list(DOMAINS),
            format_func=DOMAINS.__getitem__,
            key="qi.sf.domains",
            placeholder="Any",
        )
        levels = second[2].multiselect(
            "Level of participation",
            list(PARTICIPATION),
            format_func=PARTICIPATION.__getitem__,
            key="qi.sf.participation",
            placeholder="Any",
        )
        dates = second[3].date_input(
            "Told between", value=[], key="qi.sf.dates", format="DD/MM/YYYY"
        )
        third = st.columns(4)
        yes_no = {None: "Either", True: "Yes", False: "No"}
        due = third[0].segmented_control(
            "Consent review due",
            list(yes_no),
            default=None,
            format_func=yes_no.__getitem__,
            key="qi.sf.review_due",
        )
        anonymised = third[1].segmented_control(
            "Anonymised",
            list(yes_no),
            default=None,
            format_func=yes_no.__getitem__,
            key="qi.sf.anonymised",
        )
    chosen: dict[str, object] = {
        "search": search or None,
        "initiative": initiative,
        "places": places or None,
        "measures": measures or None,
        "voices": voices or None,
        "domains": domains or None,
        "participation": levels or None,
        "review_due": due,
        "anonymised": anonymised,
    }
    if len(dates) == 2:
        chosen["start"], chosen["end"] = dates
    return chosen


def story_table(stories: pl.DataFrame) -> pl.DataFrame:
    """The stories in words, one row each, for a table (a table shows text, never markup)."""
    names, titles = place_names(), measure_names()
    return stories.select(
        period_expr("told_on", "day", "short").alias("Told on"),
        pl.col("title").alias("Title"),
        pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
        pl.col("voice").replace_strict(VOICES, default=pl.col("voice")).alias("Whose voice"),
        pl.col("domains")
        .list.eval(pl.element().replace_strict(DOMAINS, default=pl.element()))
        .list.join("; ")
        .alias("Outcomes"),
        pl.col("participation")
        .replace_strict(PARTICIPATION, default=NOT_RECORDED)
        .alias("Participation"),
        pl.col("measures")
        .list.eval(pl.element().replace_strict(titles, default=pl.element()))
        .list.join("; ")
        .alias("Measures"),
        pl.when(pl.col("consent_review_due"))
        .then(pl.lit(REVIEW_DUE))
        .otherwise(pl.col("consent_scope").replace_strict(dict(SCOPES), default=None))
        .alias("Consent"),
        pl.when(pl.col("anonymised"))
        .then(pl.lit("yes"))
        .otherwise(pl.lit("no"))
        .alias("Anonymised"),
    )


st.title("Stories of change")
st.caption(
    "Timely qualitative evidence from children, young people, families, communities and staff, "
    "kept beside the measures it speaks to. A story linked to a measure is marked on its chart."
)
show_notice(NOTICE)


def answers_in_words() -> None:
    """Free-text survey answers not yet made into stories, each of which a coach can make into
    one: the story form prefilled from the answer (``story_draft``), with its consent."""
    waiting = read_free_text_answers(engine(), principal(), not_yet_stories=True)
    st.markdown(
        f"**{count(waiting.height, 'answer', 'answers')} in words not yet made into stories.** "
        "An answer in words is never counted in an experience measure; it can become a story, "
        "with a consent record like any story."
    )
    if waiting.height == 0:
        return
    names = place_names()
    st.dataframe(
        waiting.select(
            period_expr("answered_on", "day", "short").alias("Answered on"),
            pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
            pl.col("voice").replace_strict(VOICES, default=None).alias("Whose voice"),
            pl.col("wording").alias("Question"),
            pl.col("text").alias("Answer"),
        ),
        hide_index=True,
        width="stretch",
    )
    by_id = {row["id"]: row for row in waiting.iter_rows(named=True)}
    chosen = st.selectbox(
        "Answer",
        list(by_id),
        format_func=lambda i: (
            f"{period(by_id[i]['answered_on'], 'day', 'short')}, "
            f"{names.get(by_id[i]['place'], by_id[i]['place'])}: {by_id[i]['text'][:60]}"
        ),
        key="qi.story.answer",
    )
    if st.session_state.get(FROM_ANSWER) != chosen:
        st.button(
            "Make a story",
            on_click=lambda: st.session_state.update({FROM_ANSWER: chosen}),
            icon=":material/auto_stories:",
            key="qi.story.make",
        )
        return
    try:
        draft = story_draft(engine(), principal(), chosen)
    except FreeTextError as error:
        st.error(str(error))
        return
    prefix = _prefix(f"answer.{chosen}")
    story_form(prefix, draft)
    consent_form(prefix)
    st.button(
        "Add story",
        type="primary",
        on_click=_add,
        args=(prefix, chosen),
        icon=":material/add:",
        key=f"qi.story.add.{chosen}",
    )


browse, add, answers = st.tabs(["Browse", "Add a story", "Answers in words"])

with answers:
    answers_in_words()

with add:
    st.markdown(
        "Every story needs a consent record: who gave consent, on what basis, where the story "
        "may be shown, and when to review it."
    )
    new = _prefix("new")
    story_form(new)
    consent_form(new)
    st.button(
        "Add story",
        type="primary",
        on_click=_add,
        args=(new,),
        icon=":material/add:",
        key="qi.story.add",
    )

with browse:
    try:
        found = read_stories(engine(), principal(), audience="internal", **filters())
    except StoryError as error:
        st.error(str(error))
        st.stop()
    st.markdown(f"**{count(found.height, 'story', 'stories')}**, newest first.")
    if found.height == 0:
        st.stop()
    st.dataframe(story_table(found), hide_index=True, width="stretch")
    ids = found.get_column("id").to_list()
    by_id = {row["id"]: row for row in found.iter_rows(named=True)}
    if st.session_state.get(CHOSEN) in ids:
        st.session_state["qi.story.pick"] = st.session_state[CHOSEN]
    chosen = st.selectbox(
        "Read a story",
        ids,
        format_func=lambda i: f"{period(by_id[i]['told_on'], 'day', 'short')}: {by_id[i]['title']}",
        key="qi.story.pick",
    )
    st.session_state[CHOSEN] = chosen
    story = read_story(engine(), principal(), chosen)
    text, charts = st.columns([1, 1.3], gap="large")
    with text:
        show_story(story)
        for link in story["links"]:
            st.caption(
                plain(
                    f"Speaks to {measure_names().get(link['measure'], link['measure'])}, "
                    f"{period_range(link['period_start'], link['period_end'], style='short')}"
                )
            )
        with st.expander("Edit this story", icon=":material/edit:"):
            prefix = _prefix(f"edit.{chosen}")
            story_form(prefix, story)
            st.button(
                "Save changes",
                on_click=_edit,
                args=(prefix, chosen),
                key=f"qi.story.save.{chosen}",
                icon=":material/save:",
            )
        with st.expander("Consent: its history, or record it anew", icon=":material/handshake:"):
            st.dataframe(consent_history(chosen), hide_index=True, width="stretch")
            st.caption(
                "Narrow or widen where the story may be shown, or renew consent after a "
                "review: the new record becomes the story's consent and the old ones stay."
            )
            prefix = _prefix(f"consent.{chosen}")
            consent_form(prefix, wide=False)
            st.button(
                "Record this consent",
                on_click=_change_consent,
                args=(prefix, chosen, story["voice"]),
                key=f"qi.story.consent.{chosen}",
                icon=":material/how_to_reg:",
            )
        with st.expander("Consent withdrawn, or a safeguarding concern", icon=":material/shield:"):
            st.caption(
                "Withdrawing consent removes the story's words from qi for good (its history "
                "too); the audit keeps only that it was withdrawn. A possible safeguarding "
                "concern hides the story from everyone but administrators: pass it to the "
                "designated safeguarding lead first, outside qi, and say so here."
            )
            st.button(
                "Consent withdrawn: remove this story",
                on_click=_withdraw,
                args=(chosen,),
                key=f"qi.story.withdraw.{chosen}",
            )
            st.text_input(
                "Passed to (who, how, when)",
                key=f"qi.story.dsl.{chosen}",
                placeholder="e.g. Designated safeguarding lead, by phone, 2 December",
            )
            st.button(
                "Flag a possible safeguarding concern",
                on_click=_flag,
                args=(chosen,),
                key=f"qi.story.flag.{chosen}",
            )
    with charts:
        st.markdown("**The charts it speaks to**")
        linked_charts(chosen)
