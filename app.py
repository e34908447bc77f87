"""qi, the app: `streamlit run app.py` (or `make run`, which loads the demo first).

The database is ``QI_DATABASE_URL`` (PostgreSQL or SQLite), else SQLite at data/qi.sqlite.
Who is using it: ``QI_AUTH`` (single-user by default; local-accounts; oidc), see
``qi.access.modes``.
"""

import streamlit as st

from qi.access.authorize import allowed_somewhere
from qi.app.identity import principal, sign_out_control, without_access
from qi.app.navigation import APP_ICON, SCREEN_CSS, page_path, sections

# The tab's icon is served by the app itself (a Material icon would be fetched from a font
# host outside the machine, which an NHS network may block).
st.set_page_config(page_title="qi: quality improvement", page_icon=str(APP_ICON), layout="wide")

# Room for the page on a 1024-pixel screen (qi/app/screen.css).
st.html(SCREEN_CSS)

# A tool for improvement teams, not for app developers: no "Deploy" button.
st.set_option("client.toolbarMode", "minimal")

# No page runs before the person using qi is known (single-user mode: the local admin).
who = principal()
sign_out_control(who)

navigation = st.navigation(
    {
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
)
# Someone without a grant anywhere is told how to get one, instead of an empty Home.
if not without_access(who):
    navigation.run()
