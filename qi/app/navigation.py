"""The app's pages and sections, in the order a user meets them.

Each page is a script under ``qi/app/pages/``. A page joins the app by a line in ``PAGES``.
``page_path()`` is how one page links to another (``st.page_link``, ``st.switch_page``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).parent / "pages"
APP_ICON = Path(__file__).parent / "icon.svg"  # the browser tab's icon, served by the app
SCREEN_CSS = Path(__file__).parent / "screen.css"  # the page's fit to narrower screens


@dataclass(frozen=True)
class PageSpec:
    section: str  # "" for pages above every section (Home)
    script: str  # file name under qi/app/pages/
    title: str
    icon: str
    url_path: str
    default: bool = False
    # What the page is for (a ``qi.access`` action): shown to those allowed it somewhere.
    needs: str | None = "data.read"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("", "home.py", "Home", ":material/home:", "home", default=True, needs=None),
    PageSpec(
        "Data", "upload.py", "Upload data", ":material/upload_file:", "upload", needs="data.upload"
    ),
    PageSpec("Review", "measures.py", "Measures", ":material/monitoring:", "measures"),
    PageSpec(
        "Review",
        "annotate.py",
        "Annotate",
        ":material/edit_note:",
        "annotate",
        needs="annotation.write",
    ),
    PageSpec(
        "Review",
        "stories.py",
        "Stories of change",
        ":material/forum:",
        "stories",
        needs="story.read",
    ),
    PageSpec("Review", "change_ideas.py", "Change ideas", ":material/science:", "change-ideas"),
    PageSpec("Review", "compare.py", "Compare places", ":material/scatter_plot:", "compare"),
    PageSpec("Review", "outcomes.py", "Outcomes", ":material/diversity_3:", "outcomes"),
    PageSpec("Meeting", "meeting.py", "Meeting view", ":material/groups:", "meeting"),
    PageSpec(
        "Meeting",
        "you_said.py",
        "You said, we did",
        ":material/campaign:",
        "you-said",
        needs="story.read",
    ),
    PageSpec(
        "Published",
        "published.py",
        "Published figures",
        ":material/public:",
        "published",
        needs="data.published",
    ),
    PageSpec(
        "Admin",
        "admin.py",
        "People and the audit",
        ":material/admin_panel_settings:",
        "admin",
        needs="people.manage",
    ),
)


def page_path(script: str) -> str:
    """The page's script path relative to app.py, as st.Page and st.page_link want it."""
    return f"qi/app/pages/{script}"


def sections(offered: Callable[[str], bool] = lambda _needs: True) -> dict[str, list[PageSpec]]:
    """Pages grouped by section, sections in the order of their first page; only the pages
    whose ``needs`` ``offered`` allows (the library's answer for the signed-in person)."""
    grouped: dict[str, list[PageSpec]] = {}
    for spec in (p for p in PAGES if p.needs is None or offered(p.needs)):
        grouped.setdefault(spec.section, []).append(spec)
    return grouped
