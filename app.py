"""qi, the app: `streamlit run app.py` (or `make run`, which loads the demo first).

The database is ``QI_DATABASE_URL`` (PostgreSQL or SQLite), else SQLite at data/qi.sqlite.
"""

import streamlit as st

from qi.app.navigation import APP_ICON, SCREEN_CSS, page_path, sections

# The tab's icon is served by the app itself (a Material icon would be fetched from a font
# host outside the machine, which an NHS network may block).
st.set_page_config(page_title="qi: quality improvement", page_icon=str(APP_ICON), layout="wide")

# Room for the page on a 1024-pixel screen (qi/app/screen.css).
st.html(SCREEN_CSS)

# A tool for improvement teams, not for app developers: no "Deploy" button.
st.set_option("client.toolbarMode", "minimal")

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
        for section, specs in sections().items()
    }
)
navigation.run()
