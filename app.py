"""qi, the app: `streamlit run app.py` (or `make run`, which loads the demo first).

The database is ``QI_DATABASE_URL`` (PostgreSQL or SQLite), else SQLite at data/qi.sqlite.
Who is using it: ``QI_AUTH`` (single-user by default; local-accounts; oidc), see
``qi.access.modes``.
"""

import streamlit as st

from qi.access.authorize import allowed_somewhere
from qi.app.identity import (
    page_asked_for,
    principal,
    remember_page_asked_for,
    sign_out_control,
    without_access,
)
from qi.app.navigation import APP_ICON, SCREEN_CSS, page_path, sections

# The tab's icon is served by the app itself (a Material icon would be fetched from a font
# host outside the machine, which an NHS network may block).
st.set_page_config(page_title="qi: quality improvement", page_icon=str(APP_ICON), layout="wide")

# Room for the page on a 1024-pixel screen (qi/app/screen.css).
st.html(SCREEN_CSS)

# A tool for improvement teams, not for app developers: no "Deploy" button.
st.set_option("client.toolbarMode", "minimal")

# No page runs before the person using qi is known (single-user mode: the local admin).
remember_page_asked_for()
who = principal()
sign_out_control(who)

pages = {
    section: [
        st.Page(
            page_path(spec.script),
            title=spec.title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec.default,
        )
        for spec in specs
    ]
    for section, specs in sections(lambda needs: allowed_somewhere(who, needs)).items()
}
navigation = st.navigation(pages)
# Signed in from a link to a page (the sign-in form ran first): that page, with its query.
if (asked := page_asked_for()) is not None and asked[0] != navigation.url_path:
    wanted = [page for listed in pages.values() for page in listed if page.url_path == asked[0]]
    if wanted:
        st.switch_page(wanted[0], query_params=asked[1])
# Someone without a grant anywhere is told how to get one, instead of an empty Home.
if not without_access(who):
    navigation.run()
