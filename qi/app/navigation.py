"""The app's pages and sections, in the order a user meets them.

Each page is a script under ``qi/app/pages/``. A page joins the app by a line in ``PAGES``.
``page_path()`` is how one page links to another (``st.page_link``, ``st.switch_page``).
"""

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


PAGES: tuple[PageSpec, ...] = (
    PageSpec("", "home.py", "Home", ":material/home:", "home", default=True),
    PageSpec("Data", "upload.py", "Upload data", ":material/upload_file:", "upload"),
    PageSpec("Review", "measures.py", "Measures", ":material/monitoring:", "measures"),
    PageSpec("Review", "annotate.py", "Annotate", ":material/edit_note:", "annotate"),
    PageSpec("Review", "stories.py", "Stories of change", ":material/forum:", "stories"),
    PageSpec("Review", "change_ideas.py", "Change ideas", ":material/science:", "change-ideas"),
    PageSpec("Review", "compare.py", "Compare places", ":material/scatter_plot:", "compare"),
    PageSpec("Meeting", "meeting.py", "Meeting view", ":material/groups:", "meeting"),
    PageSpec("Review", "outcomes.py", "Outcomes", ":material/diversity_3:", "outcomes"),
    PageSpec("Meeting", "you_said.py", "You said, we did", ":material/campaign:", "you-said"),
)


def page_path(script: str) -> str:
    """The page's script path relative to app.py, as st.Page and st.page_link want it."""
    return f"qi/app/pages/{script}"


def sections() -> dict[str, list[PageSpec]]:
    """Pages grouped by section, sections in the order of their first page."""
    grouped: dict[str, list[PageSpec]] = {}
    for spec in PAGES:
        grouped.setdefault(spec.section, []).append(spec)
    return grouped
