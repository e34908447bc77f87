"""Meeting view: what a stewardship group reviews for an initiative or a place, and its record.

Everything shown comes from ``meeting_review()`` (the matrix, the readings, what is new since a
day, the stories and actions) and the pack from ``board_pack()``; this page lays them out, takes
the group's decisions and actions (``qi.store.meetings``), and links every cell to its chart.
Icons always carry their meaning in words. Text people typed is shown as plain text.
"""

from datetime import date, timedelta
from functools import partial

import polars as pl
import streamlit as st

from qi.access import Refused
from qi.app.context import (
    chart_href,
    chart_query,
    comparable_measures,
    engine,
    initiatives,
    meeting,
    place_names,
    series_index,
)
from qi.app.errors import StoreError, said
from qi.app.identity import offered, principal
from qi.app.navigation import page_path
from qi.app.pdsa_panel import ended_cycles
from qi.app.widgets import plain, show_notice
from qi.render.icons import icon_data_url
from qi.render.matrix import matrix_html
from qi.render.pack import board_pack
from qi.services.compare import CompareError
from qi.services.feedback import waiting_summary
from qi.services.meeting import icon_key, previous_meeting
from qi.services.published import AUDIENCES, default_audience, pack_comparisons, pack_review
from qi.services.review import ReviewError
from qi.store.meetings import (
    MeetingError,
    add_action,
    add_meeting,
    read_actions,
    read_meetings,
    set_action_status,
)
from qi.text import count, number, period, period_expr
from qi.text.actions import action_status
from qi.vocabulary.annotations import ANNOTATION_EVENTS
from qi.vocabulary.meetings import ACTION_KINDS
from qi.vocabulary.points import ICON_LABELS, POINT_TYPE_WORDS
from qi.vocabulary.stories import VOICES

PACK = "qi.meeting.pack"  # ((subject, compared, audience), since, BoardPack): the last pack
NOTICE = "qi.meeting.notice"
ACTION_ERROR = "qi.meeting.action.error"  # (field or None, message) of the last refused action
NEW_MEETING = 0  # the "record a new meeting" choice among meeting ids
CELLS_PER_ROW = 4
DEFAULT_LOOKBACK_DAYS = 31  # "since" without a past meeting: about a month of news


def _icons(row: dict) -> str:
    """The cell's icons as Markdown images whose alt text is their meaning."""
    names = [row["variation_icon"], row["assurance_icon"]]
    return " ".join(f"![{ICON_LABELS[n]}]({icon_data_url(n)})" for n in names if n)


def matrix_cell(row: dict, initiative: str | None) -> None:
    """One measure at one place: icons and their words, latest value, target, reading, and the
    way down to its chart."""
    names = place_names()
    st.markdown(f"**{plain(names.get(row['place'], row['place']))}**")
    icons = _icons(row)
    if icons:
        st.markdown(icons)
    st.markdown(f"{plain(row['variation'])}  \n{plain(row['assurance'])}")
    latest = number(row["latest_value"], row["unit"]) if row["latest_value"] is not None else "none"
    facts = f"Latest ({period(row['latest_period'], style='short')}): {latest}"
    if row["target"] is not None:
        facts += f" · Target: {number(row['target'], row['unit'])}"
    st.markdown(plain(facts))
    st.caption(plain(row["reading"]))
    st.page_link(
        page_path("measures.py"),
        label="Open the chart",
        icon=":material/show_chart:",
        query_params=chart_query(row["measure"], row["place"], initiative),
    )


def summary(review, initiative: str | None) -> None:
    """The matrix: a measure per row (concerns first), a place per column, each cell a link to
    its chart; the icon key below it."""
    matrix = review.matrix
    if matrix.height == 0:
        st.info("No data is stored yet for the measures of this initiative or place.")
        return
    names = place_names()
    places = sorted(review.places, key=lambda c: names.get(c, c))
    st.html(
        matrix_html(matrix, places, names, lambda m, p: chart_href(m, p, initiative)),
        width="stretch",
    )
    icon_legend()


def detail(review, initiative: str | None) -> None:
    """The card of the measure chosen: each place's icons in words, latest value, target and
    reading (one at a time: a partnership's every card would not fit one page run)."""
    matrix = review.matrix
    if matrix.height == 0:
        return
    titles = dict(matrix.select("measure", "measure_name").iter_rows())
    chosen = st.selectbox(
        "Each measure in detail: its readings by place",
        [None, *titles],
        format_func=lambda c: "Choose a measure" if c is None else titles[c],
        key=f"qi.meeting.detail.{review.title}",
    )
    if chosen is None:
        return
    for index, code in enumerate([chosen]):
        cells = matrix.filter(pl.col("measure") == code)
        first = cells.row(0, named=True)
        signalling = cells.filter(pl.col("special_cause")).height
        with st.container(border=True, key=f"qi-measure-card-{index}"):
            st.markdown(f"##### {plain(first['measure_name'])}")
            st.caption(
                plain(
                    f"Unit: {first['unit'] or 'none'} · special cause at {signalling} of "
                    f"{count(cells.height, 'place')}"
                )
            )
            rows = list(cells.iter_rows(named=True))
            for start in range(0, len(rows), CELLS_PER_ROW):
                columns = st.columns(min(len(rows), CELLS_PER_ROW), gap="medium")
                for column, row in zip(columns, rows[start : start + CELLS_PER_ROW], strict=False):
                    with column:
                        matrix_cell(row, initiative)


def icon_legend() -> None:
    with st.expander("Icon key: what each icon means", icon=":material/key:"):
        key = icon_key()
        for start in range(0, key.height, 5):
            key_columns = st.columns(5)
            for column, row in zip(
                key_columns, key.slice(start, 5).iter_rows(named=True), strict=False
            ):
                column.markdown(f"![{row['meaning']}]({icon_data_url(row['icon'])})")
                column.caption(row["meaning"])


def _measure_names(review) -> dict[str, str]:
    return (
        dict(review.measures.select("code", "name").iter_rows()) if review.measures.height else {}
    )


def news(review) -> None:
    """New signals, annotations and recalculations, and stories since the chosen day."""
    found = review.news
    if found is None:
        st.markdown("Choose a day above to see what is new since then.")
        return
    st.markdown(f"**{plain(found.sentence())}**")
    names, titles = place_names(), _measure_names(review)
    if found.signals.height:
        st.markdown("**New signals**")
        # Static tables (st.table) wrap their words: a board reads every column at 1024 px.
        st.table(
            found.signals.select(
                pl.col("measure")
                .replace_strict(titles, default=pl.col("measure"))
                .alias("Measure"),
                pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
                period_expr("period", style="short").alias("Period"),
                pl.Series("Value", [number(v) for v in found.signals["value"]], pl.String),
                pl.col("point_type")
                .replace_strict(POINT_TYPE_WORDS, default=pl.col("point_type"))
                .alias("What the point shows"),
                pl.col("signal").alias("Rule"),
            ),
            hide_index=True,
        )
    if found.annotations.height:
        st.markdown("**New annotations and recalculations**")
        st.table(
            found.annotations.select(
                pl.col("event")
                .replace_strict(ANNOTATION_EVENTS, default=pl.col("event"))
                .alias("What"),
                pl.col("measure")
                .replace_strict(titles, default=pl.col("measure"))
                .alias("Measure"),
                pl.col("place").replace_strict(names, default="every place").alias("Place"),
                period_expr("period", style="short").alias("Period"),
                pl.col("text").alias("Annotation"),
                pl.col("reason").alias("Why"),
                period_expr("event_at", "day", "short").alias("When"),
            ),
            hide_index=True,
        )
    if found.stories.height:
        st.markdown("**New stories of change**")
        st.table(
            found.stories.select(
                period_expr("told_on", "day", "short").alias("Told on"),
                pl.col("title").alias("Title"),
                pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
                pl.col("voice").replace_strict(VOICES, default=pl.col("voice")).alias("Voice"),
            ),
            hide_index=True,
        )


def _against(action: dict, titles: dict[str, str]) -> str:
    if action["measure"]:
        where = (
            f" at {place_names().get(action['place'], action['place'])}" if action["place"] else ""
        )
        return f"{titles.get(action['measure'], action['measure'])}{where}"
    if action["story"]:
        return f"Story: {action['story']}"
    return "the meeting as a whole"


def _done(action_id: int) -> None:
    try:
        set_action_status(engine(), principal(), action_id, "done")
    except (MeetingError, StoreError) as error:
        st.session_state[NOTICE] = ("error", said(error))
        return
    st.session_state.pop(PACK, None)
    st.session_state[NOTICE] = ("success", "Action marked done.")


def action_line(action: dict, titles: dict[str, str], done_button: bool) -> None:
    # Room for the whole "Mark done" label at 1024 px (a sixth of the page cut it short).
    words, button = st.columns([4, 1], vertical_alignment="center")
    kind = ACTION_KINDS.get(action["kind"], action["kind"])
    facts = [f"{kind}, against {_against(action, titles)}"]
    if action["owner"]:
        facts.append(f"owner: {action['owner']}")
    if action["due_on"] is not None:
        facts.append(f"due {period(action['due_on'], 'day', 'short')}")
    if action["status"]:
        facts.append(action_status(action["status"], action["due_on"], date.today()).lower())
    facts.append(f"recorded at {action['meeting']}")
    words.markdown(plain(action["text"]))
    words.caption(plain(" · ".join(facts)))
    if done_button:
        button.button(
            "Mark done",
            key=f"qi.meeting.done.{action['id']}",
            on_click=_done,
            args=(action["id"],),
            icon=":material/check:",
        )


def actions(review) -> None:
    titles = _measure_names(review)
    open_ones = review.actions.filter(pl.col("status") == "open")
    st.markdown(f"**Open actions carried forward** ({open_ones.height})")
    if open_ones.height == 0:
        st.caption("None open.")
    for action in open_ones.sort("due_on", nulls_last=True).iter_rows(named=True):
        action_line(action, titles, done_button=True)
    recent = review.actions.filter(pl.col("status").is_null() | (pl.col("status") != "open"))
    if recent.height:
        st.markdown("**Decisions and completed actions recorded since then**")
        for action in recent.iter_rows(named=True):
            action_line(action, titles, done_button=False)


def _record_meeting(initiative: str | None, place: str | None) -> None:
    state = st.session_state
    try:
        meeting_id = add_meeting(
            engine(),
            principal(),
            title=state["qi.meeting.new.title"],
            held_on=state["qi.meeting.new.held_on"],
            notes=state.get("qi.meeting.new.notes") or None,
            initiative=initiative,
            place=place,
        )
    except (MeetingError, StoreError) as error:
        state[NOTICE] = ("error", f"The meeting was not recorded: {said(error)}")
        return
    state["qi.meeting.chosen"] = meeting_id
    state[NOTICE] = ("success", "Meeting recorded. Add its decisions and actions below.")


def _record_action(meeting_id: int) -> None:
    state = st.session_state
    against = state.get("qi.meeting.action.against")
    measure = story_id = None
    if isinstance(against, str):
        measure = against
    elif isinstance(against, int):
        story_id = against
    try:
        add_action(
            engine(),
            principal(),
            meeting_id,
            kind=state["qi.meeting.action.kind"] or "action",
            text=state["qi.meeting.action.text"],
            owner=state.get("qi.meeting.action.owner") or None,
            due_on=state.get("qi.meeting.action.due_on"),
            measure=measure,
            place=state.get("qi.meeting.action.place") if measure else None,
            story_id=story_id,
        )
    except (MeetingError, StoreError) as error:
        state[ACTION_ERROR] = (getattr(error, "field", None), f"Not recorded: {said(error)}.")
        return
    state.pop(ACTION_ERROR, None)
    # Emptied by setting each field: a key dropped leaves the browser showing what was typed.
    for field in ("text", "owner"):
        state[f"qi.meeting.action.{field}"] = ""
    state.pop(PACK, None)
    state[NOTICE] = ("success", "Recorded.")


def _action_error(field: str | None) -> None:
    """The last refused action's error, beside the field it is about (None: under the form)."""
    error = st.session_state.get(ACTION_ERROR)
    if error is not None and error[0] == field:
        st.error(error[1], icon=":material/error:")


def record(review, initiative: str | None, place: str | None) -> None:
    """Record the meeting, then its decisions and actions against a measure or a story."""
    meetings = read_meetings(engine(), principal(), initiative=initiative, place=place)
    titles = dict(meetings.select("id", "title").iter_rows())
    held = dict(meetings.select("id", "held_on").iter_rows())
    choices = [NEW_MEETING, *titles]
    if st.session_state.get("qi.meeting.chosen") not in choices:
        today = [i for i, day in held.items() if day == date.today()]
        st.session_state["qi.meeting.chosen"] = today[0] if today else NEW_MEETING
    chosen = st.selectbox(
        "Meeting",
        choices,
        format_func=lambda i: (
            "A new meeting"
            if i == NEW_MEETING
            else f"{titles[i]} ({period(held[i], 'day', 'short')})"
        ),
        key="qi.meeting.chosen",
    )
    if chosen == NEW_MEETING:
        left, right = st.columns([3, 1])
        left.text_input(
            "Title",
            value=f"{review.title} stewardship group, {period(date.today())}",
            key="qi.meeting.new.title",
        )
        right.date_input(
            "Held on", value=date.today(), key="qi.meeting.new.held_on", format="DD/MM/YYYY"
        )
        st.text_area("Notes", key="qi.meeting.new.notes", height=80)
        st.button(
            "Record the meeting",
            on_click=_record_meeting,
            args=(initiative, place),
            type="primary",
            icon=":material/event_available:",
            key="qi.meeting.record",
        )
        return
    titles_by_code = _measure_names(review)
    names = place_names()
    stories = review.stories.unique("story_id", maintain_order=True)
    story_titles = dict(stories.select("story_id", "title").iter_rows())
    against = [None, *titles_by_code, *story_titles]
    with st.form("qi.meeting.action", border=True):
        st.markdown("**Add a decision or action**")
        st.segmented_control(
            "Kind",
            list(ACTION_KINDS),
            format_func=ACTION_KINDS.__getitem__,
            default="action",
            key="qi.meeting.action.kind",
        )
        st.text_area(
            "What was agreed, or what will be done (required)",
            key="qi.meeting.action.text",
            height=80,
        )
        _action_error("text")
        first, second, third = st.columns([2, 2, 1])
        first.selectbox(
            "Against",
            against,
            format_func=lambda a: (
                "The meeting as a whole"
                if a is None
                else (
                    titles_by_code.get(a, a) if isinstance(a, str) else f"Story: {story_titles[a]}"
                )
            ),
            key="qi.meeting.action.against",
        )
        second.selectbox(
            "At place (for a measure)",
            [None, *review.places],
            format_func=lambda c: "Every place" if c is None else names.get(c, c),
            key="qi.meeting.action.place",
        )
        if "qi.meeting.action.due_on" not in st.session_state:
            st.session_state["qi.meeting.action.due_on"] = date.today() + timedelta(days=28)
        third.date_input(
            "Due (required for an action)",
            key="qi.meeting.action.due_on",
            format="DD/MM/YYYY",
        )
        with third:
            _action_error("due_on")
        st.text_input(
            "Owner, who will do it (required for an action)", key="qi.meeting.action.owner"
        )
        _action_error("owner")
        _action_error(None)
        st.form_submit_button(
            "Record",
            on_click=_record_action,
            args=(chosen,),
            icon=":material/add_task:",
            key="qi.meeting.action.add",
        )
    recorded = read_actions(engine(), principal(), meetings=chosen)
    st.markdown(f"**Recorded at this meeting** ({recorded.height})")
    for action in recorded.iter_rows(named=True):
        action_line(action, titles_by_code, done_button=False)


def pack_downloads(review, subject: str, since_day: date | None) -> None:
    """Prepare the board pack on request (it draws every chart), then offer the PDF and PNGs."""
    st.caption(
        "A cover, the summary matrix with the icon key, a page per measure (chart, reading, "
        "annotations, quotes from anonymised stories) and the actions. Every chart has alt text."
    )
    who = principal()
    audiences = list(AUDIENCES)
    audience = st.radio(
        "For",
        audiences,
        index=audiences.index(default_audience(who, review)),
        format_func=lambda a: f"{a.capitalize()}: {AUDIENCES[a]}",
        key="qi.meeting.pack.audience",
    )
    comparable = [c for c in review.views if c in comparable_measures()]
    compare = st.multiselect(
        "Add Compare places pages for",
        comparable,
        format_func=lambda c: _measure_names(review).get(c, c),
        key="qi.meeting.pack.compare",
        help="A funnel plot of this meeting's places (or of the places within one place) at "
        "the latest period, for each measure chosen (in a published pack, places with small "
        "numbers are not shown and other counts are rounded).",
    )
    asked = (subject, tuple(compare), audience)
    if st.button(
        "Prepare the board pack", icon=":material/picture_as_pdf:", key="qi.meeting.pack.prepare"
    ):
        with st.spinner("Drawing every chart and laying out the pages..."):
            try:
                shown = pack_review(engine(), who, review, audience)  # refused, or audited
                comparisons = pack_comparisons(engine(), who, review, compare, audience)
            except (CompareError, Refused) as error:
                st.warning(str(error))
                return
            st.session_state[PACK] = (asked, since_day, board_pack(shown, comparisons=comparisons))
    prepared = st.session_state.get(PACK)
    if prepared is None or prepared[:2] != (asked, since_day):
        return
    pack = prepared[2]
    stem = "".join(c if c.isalnum() else "-" for c in review.title).strip("-").lower()
    stem += "-published" if audience == "published" else ""
    st.download_button(
        f"Board pack, PDF ({pack.pages} pages)",
        pack.pdf,
        f"board-pack-{stem}.pdf",
        "application/pdf",
        on_click="ignore",
        type="primary",
        icon=":material/download:",
        key="qi.meeting.pack.pdf",
    )
    titles = _measure_names(review)
    st.markdown("**Each chart as a PNG**")
    columns = st.columns(3)
    for index, code in enumerate(pack.alt_texts):
        columns[index % 3].download_button(
            titles.get(code, code),
            partial(pack.chart_png, code),  # drawn when asked for
            f"{code}.png",
            "image/png",
            on_click="ignore",
            icon=":material/image:",
            key=f"qi.meeting.pack.png.{code}",
            help=pack.alt_texts.get(code),
        )


st.title("Meeting view")
st.caption(
    "For stewardship groups: every measure of an initiative or place with its icons and "
    "reading, what is new since the last meeting, the actions, and a board pack to take away."
)
show_notice(NOTICE)

programmes = dict(initiatives().select("name", "places").iter_rows())
with_data = set(series_index().get_column("place"))
names = place_names()
kind_column, subject_column, since_column = st.columns([1.2, 3, 1.3], vertical_alignment="bottom")
kind = kind_column.segmented_control(
    "Review", ["Initiative", "Place"], default="Initiative", key="qi.meeting.kind"
)
initiative = place = None
if kind == "Place" or not programmes:
    codes = sorted(with_data, key=lambda c: names.get(c, c))
    if not codes:
        st.info("Nothing is stored yet. Upload a file of measures on the Upload data page.")
        st.stop()
    place = subject_column.selectbox(
        "Place", codes, format_func=lambda c: names.get(c, c), key="qi.meeting.place"
    )
else:
    initiative = subject_column.selectbox(
        "Initiative", list(programmes), key="qi.meeting.initiative"
    )
subject = f"{initiative}|{place}"
previous = previous_meeting(engine(), principal(), initiative=initiative, place=place)
default_since = previous["held_on"] if previous else date.today() - timedelta(DEFAULT_LOOKBACK_DAYS)
since_day = since_column.date_input(
    "What is new since",
    value=default_since,
    max_value=date.today(),
    format="DD/MM/YYYY",
    key=f"qi.meeting.since.{subject}",
    help="Default: the day of the previous meeting of this initiative or place (before today).",
)
if previous:
    st.caption(
        plain(f"Previous meeting: {previous['title']}, held {period(previous['held_on'], 'day')}.")
    )
else:
    st.caption("No meeting of this group is recorded yet.")

try:
    with st.spinner("Reading every measure..."):
        review = meeting(initiative, place, since_day)
except ReviewError as error:
    st.error(f"This review cannot be shown: {error}")
    st.stop()

st.header("Summary", divider="grey")
st.caption(
    "Measures showing special cause come first (concern before improvement). Each icon's "
    "meaning is written beside it. Open a chart to see its annotations and stories."
)
summary(review, initiative)

detail(review, initiative)

st.header("Since the last meeting", divider="grey")
news(review)
ended_cycles(review)  # qi.app.pdsa_panel: PDSA cycles that ended since then

st.header("Actions", divider="grey")
actions(review)

st.header("Record the meeting", divider="grey")
record(review, initiative, place)

st.header("Board pack", divider="grey")
pack_downloads(review, subject, since_day)

# --- inputs waiting for a reply (issue 15; a block of its own) ----------------------------------
st.header("Waiting for a reply", divider="grey")
_waiting = waiting_summary(
    engine(), principal(), date.today(), place=place, initiative=initiative, audience="partnership"
)
if not offered("you_said.py"):
    st.caption(
        "What children, young people and families told us, and the replies to it, are for those "
        "who read stories of change (coaches and stewards)."
    )
elif _waiting.count:
    st.markdown(
        plain(
            f"{count(_waiting.count, 'input')} from children, young people, families or "
            f"communities still wait for a reply; the longest for {_waiting.longest_days} days."
        )
    )
    st.page_link(
        page_path("you_said.py"), label="Reply on You said, we did", icon=":material/campaign:"
    )
else:
    st.caption("Everything children, young people and families told us has a reply.")
