"""What every page shares: the engine, the catalogue of what is stored, and the chosen scope.

The engine is opened once per database URL (``st.cache_resource``), which also creates or
upgrades the schema. The scope (initiative, measure, place) lives in ``st.session_state`` under
keys of its own, not only under the widgets' keys: Streamlit forgets a widget's state when a page
without that widget runs, and the scope must survive a visit to another page. Another page (the
meeting view) links to a chart with ``chart_href()`` or ``chart_query()``.
"""

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from qi.access import Principal
from qi.app.navigation import PAGES, page_path
from qi.services.meeting import MeetingReview, meeting_review, review_actions
from qi.store import (
    database_url,
    open_store,
    read_initiatives,
    read_measures,
    read_places,
    read_series_index,
)
from qi.store.marks import read_change_marks

MEASURES_URL = next(p.url_path for p in PAGES if p.script == "measures.py")
SCOPE = "qi.scope"  # {"initiative": str | None, "measure": str, "place": str}
CATALOGUE_SECONDS = 60


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return open_store(url)


def engine() -> Engine:
    """The engine for ``QI_DATABASE_URL`` (else SQLite data/qi.sqlite), opened once."""
    return _engine(database_url())


# --- the catalogue: what is stored ------------------------------------------------------------


@st.cache_data(ttl=CATALOGUE_SECONDS, show_spinner=False)
def _series_index(url: str, who: Principal) -> pl.DataFrame:
    return read_series_index(_engine(url), who)


def series_index() -> pl.DataFrame:
    """One row per stored series (measure, place) the signed-in person may see, with its
    number of periods and their span (``qi.store.read_series_index``)."""
    from qi.app.identity import principal

    return _series_index(database_url(), principal())


@st.cache_data(ttl=CATALOGUE_SECONDS, show_spinner=False)
def _initiatives(url: str) -> pl.DataFrame:
    return read_initiatives(_engine(url))


def initiatives() -> pl.DataFrame:
    """Initiatives (name, start_date, description, outcome_domains, places, measures), oldest
    first."""
    return _initiatives(database_url())


@st.cache_data(ttl=CATALOGUE_SECONDS, show_spinner=False)
def _measures(url: str) -> pl.DataFrame:
    return read_measures(_engine(url))


@st.cache_data(ttl=CATALOGUE_SECONDS, show_spinner=False)
def _places(url: str) -> pl.DataFrame:
    return read_places(_engine(url))


def measures() -> pl.DataFrame:
    return _measures(database_url())


def places() -> pl.DataFrame:
    return _places(database_url())


def forget_catalogue() -> None:
    """After a write (an upload): the next page run reads the catalogue afresh."""
    for cached in (_series_index, _initiatives, _measures, _places):
        cached.clear()


def place_names() -> dict[str, str]:
    return dict(places().select("code", "name").iter_rows())


def measure_definition(code: str) -> dict:
    """The stored definition of one measure (code, name, unit, kind, chart, rule set ...)."""
    return measures().filter(pl.col("code") == code).row(0, named=True)


def measure_names() -> dict[str, str]:
    return dict(measures().select("code", "name").iter_rows())


# --- a meeting's review -----------------------------------------------------------------------


@st.cache_resource(max_entries=32, show_spinner=False)
def _meeting_review(
    url: str,
    who: Principal,
    initiative: str | None,
    place: str | None,
    since_day: date | None,
    marks: tuple,
) -> MeetingReview:
    return meeting_review(
        _engine(url), who, initiative=initiative, place=place, since_day=since_day
    )


def meeting(initiative: str | None, place: str | None, since_day: date | None) -> MeetingReview:
    """``meeting_review()`` computed once while the data it shows stay the same (the store's
    change marks), shared by the sessions of the same principal (who, with what grants: the
    review holds only what they may read); its actions are read afresh on every run."""
    from qi.app.identity import principal

    url, who = database_url(), principal()
    review = _meeting_review(url, who, initiative, place, since_day, read_change_marks(engine()))
    return replace(review, actions=review_actions(engine(), initiative, place, review.since))


# --- the scope a user has chosen ----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    initiative: str | None
    measure: str
    place: str
    places: list[str]  # every place of the initiative (or every place) with this measure


def chart_query(measure: str, place: str, initiative: str | None = None) -> dict[str, str]:
    """The query that opens the Measures page on this series (links from other pages)."""
    return {"measure": measure, "place": place} | (
        {"initiative": initiative} if initiative is not None else {}
    )


def chart_href(measure: str, place: str, initiative: str | None = None) -> str:
    """A link (relative to any page) that opens the Measures page on this series, at the top."""
    return f"{MEASURES_URL}?{urlencode(chart_query(measure, place, initiative))}"


def open_measure(measure: str, place: str, initiative: str | None = None) -> None:
    """Go to the Measures page on this series, at the top (for buttons; links carry the same
    series in their query, ``chart_href``)."""
    _choose_series({"initiative": initiative, "measure": measure, "place": place})
    st.switch_page(page_path("measures.py"))


def _choose_series(scope: dict[str, str | None]) -> None:
    """The series becomes the chosen scope, the pickers' own state too (None: every place)."""
    st.session_state[SCOPE] = scope
    for name, value in scope.items():
        st.session_state[f"qi.pick.{name}"] = value


def _scope_from_link() -> None:
    """A link's series (``chart_query``) becomes the chosen scope, once; the query is then
    dropped so that the pickers rule again."""
    params = st.query_params
    if "measure" not in params or "place" not in params:
        return
    scope = {
        "initiative": params.get("initiative"),
        "measure": params["measure"],
        "place": params["place"],
    }
    _choose_series(scope)
    st.query_params.clear()


def _pick(name: str, label: str, options: list, format_func, column, **kwargs):
    """A selectbox whose choice is kept in the shared scope, surviving other pages' runs."""
    stored = st.session_state.setdefault(SCOPE, {})
    key = f"qi.pick.{name}"
    # A key Streamlit has forgotten (another page ran) is not the option None ("every place"):
    # the stored scope decides then.
    if key not in st.session_state or st.session_state[key] not in options:
        kept = name in stored and stored[name] in options
        st.session_state[key] = stored[name] if kept else options[0]
    chosen = column.selectbox(label, options, format_func=format_func, key=key, **kwargs)
    stored[name] = chosen
    return chosen


def choose_scope() -> Scope | None:
    """Initiative, measure and place pickers in one row; None (with a message) when nothing is
    stored yet."""
    _scope_from_link()
    index = series_index()
    if index.height == 0:
        st.info("Nothing is stored yet. Upload a file of measures on the **Upload data** page.")
        from qi.app.identity import offered

        if offered("upload.py"):
            st.page_link(page_path("upload.py"), label="Upload data", icon=":material/upload_file:")
        return None
    names, measure_titles = place_names(), measure_names()
    found = initiatives()
    initiative_places = dict(found.select("name", "places").iter_rows())
    initiative_measures = dict(found.select("name", "measures").iter_rows())
    left, middle, right = st.columns([2, 3, 2])
    # The first initiative, not "every place", is the default: a programme is how people think.
    initiative = _pick(
        "initiative",
        "Initiative",
        [*initiative_places, None],
        lambda v: "Every place" if v is None else v,
        left,
        help="Show the places of one initiative, or every place with data.",
    )
    in_scope = index
    if initiative is not None:
        in_scope = index.filter(
            pl.col("place").is_in(initiative_places[initiative])
            & pl.col("measure").is_in(initiative_measures[initiative])
        )
    if in_scope.height == 0:
        st.warning("No data is stored yet for the measures of this initiative at its places.")
        return None
    codes = sorted(set(in_scope.get_column("measure")), key=lambda c: measure_titles.get(c, c))
    measure = _pick("measure", "Measure", codes, lambda c: measure_titles.get(c, c), middle)
    with_measure = in_scope.filter(pl.col("measure") == measure)
    place_codes = sorted(set(with_measure.get_column("place")), key=lambda c: names.get(c, c))
    place = _pick("place", "Place", place_codes, lambda c: names.get(c, c), right)
    return Scope(initiative, measure, place, place_codes)
