"""The "You said, we did" PDF: for children, young people and families, in plain words.

One page (or more) per place or initiative: what people told us, what changed because of it or
why nothing could change yet, how we told them, and what happens next. No charts, no numbers
beyond counting, no jargon; large type (body 16 pt, headings 26 pt); short sentences, aimed at
a reading age of about 11 (the tests score it with textstat).

Tagged for screen readers: a structure tree in reading order (the title an H1, each section an
H2, every paragraph a P, the one picture a Figure with alt text), the language en-GB, a title
and an outline of headings. fpdf2 2.8 tags only figures and links itself, so ``_Page.tagged``
marks headings and paragraphs through its structure builder (``_add_marked_content``, the
mechanism its own figures use; pinned below 2.9 in pyproject.toml). Its structure tree is flat
(every element a child of the Document), so there are no lists: each reply is its paragraphs.
A paragraph is kept on one page (moved whole to the next when it does not fit), or split at a
line into one P per page when it is longer than a page, so no marked content crosses a page.

Text is as people typed it, drawn as plain text; a demo story's "Illustrative:" label stays,
so nobody takes it for a real person's words.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from qi.services.feedback import YouSaidWeDid
from qi.text import period

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
BODY, HEADING, SMALL = 16.0, 26.0, 14.0
MARGIN = 18.0
BLUE, GREEN, INK = (0, 94, 184), (0, 112, 60), (33, 43, 50)
# Two speech bubbles: what you said (blue), what we did (green). Drawn, not a photo.
BUBBLES = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60" width="120" height="60">'
    b'<rect x="2" y="2" width="62" height="36" rx="10" fill="#005EB8"/>'
    b'<path d="M14 38 L10 54 L28 38 Z" fill="#005EB8"/>'
    b'<rect x="56" y="20" width="62" height="36" rx="10" fill="#00703C"/>'
    b'<path d="M104 56 L110 60 L98 56 Z" fill="#00703C"/></svg>'
)
BUBBLES_ALT = "Two speech bubbles: one for what you told us, one for what we did."


class _Page(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists()
        if self.unicode:
            self.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_lang("en-GB")
        self.set_creator("qi")

    def plain(self, text: str) -> str:
        if self.unicode:
            return text
        swaps = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-"}
        text = "".join(swaps.get(c, c) for c in text)
        return text.encode("latin-1", "replace").decode("latin-1")

    @contextmanager
    def tagged(self, tag: str) -> Iterator[None]:
        """Mark what is drawn inside as one structure element ``tag`` (P, H1, H2) of the
        Document, on this page."""
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=f"/{tag}", mcid=mcid)
        page = self.page
        self._out(f"/{tag} <</MCID {mcid}>> BDC")
        yield
        if self.page != page:
            raise RuntimeError(f"a tagged {tag} crossed a page; it must be drawn on one page")
        self._out("EMC")

    def write_text(
        self, text: str, size: float = BODY, style: str = "", colour=INK, tag: str = "P"
    ) -> None:
        """A paragraph (or heading: ``tag``), kept on one page when it fits on one."""
        self.set_font("Body" if self.unicode else "Helvetica", style, size)
        self.set_text_color(*colour)
        height = size * 0.5
        lines = self.lines_of(text, height)

        def room() -> int:
            return int((self.page_break_trigger - self.y) // height)

        whole_page = int((self.page_break_trigger - self.t_margin) // height)
        if room() < len(lines) <= whole_page:
            self.add_page()
        while lines:
            if room() < 1:
                self.add_page()
            fits = room()
            with self.tagged(tag):
                self.multi_cell(
                    0, height, "\n".join(lines[:fits]), align="L", new_x="LMARGIN", new_y="NEXT"
                )
            lines = lines[fits:]
        self.ln(size * 0.2)

    def height_of(self, text: str, size: float = BODY, style: str = "") -> float:
        """How tall ``write_text`` draws ``text``, its spacing below included."""
        self.set_font("Body" if self.unicode else "Helvetica", style, size)
        return len(self.lines_of(text, size * 0.5)) * size * 0.5 + size * 0.2

    def lines_of(self, text: str, height: float) -> list[str]:
        """The lines ``text`` wraps to across the page in the current font."""
        lines = self.multi_cell(
            0, height, self.plain(text), dry_run=True, output=MethodReturnValue.LINES
        )
        return cast(list[str], lines)

    def keep_together(self, paragraphs: list[tuple[str, float, str]]) -> None:
        """Start a new page unless these paragraphs (text, size, style) fit on what is left
        of this one, when they would fit on a page of their own."""
        needed = sum(self.height_of(*paragraph) for paragraph in paragraphs)
        if self.y + needed > self.page_break_trigger >= self.t_margin + needed:
            self.add_page()

    def heading(self, text: str, size: float = HEADING, colour=BLUE) -> None:
        level = 0 if size >= HEADING else 1
        self.keep_together([(text, size, "B"), ("Two lines\nof what follows", BODY, "")])
        self.start_section(self.plain(text), level=level)
        self.write_text(text, size, "B", colour, tag=f"H{level + 1}")


def you_said_we_did_pdf(digest: YouSaidWeDid) -> bytes:
    """The PDF for ``digest`` (``qi.services.feedback.you_said_we_did``)."""
    title = f"You said, we did: {digest.subject}"
    pdf = _Page(title)
    pdf.add_page()
    pdf.heading(title)
    pdf.image(io.BytesIO(BUBBLES), w=50, alt_text=BUBBLES_ALT)
    pdf.ln(4)
    pdf.write_text(
        "You told us what matters to you. Here is what we did about it. Thank you for telling us."
    )
    changed = digest.replies.filter(digest.replies["kind"] == "changed")
    not_yet = digest.replies.filter(digest.replies["kind"] == "not_yet")
    if changed.height:
        pdf.heading("What we changed", size=20)
        for row in changed.iter_rows(named=True):
            _reply(pdf, row, "We did")
    if not_yet.height:
        pdf.heading("What we could not change yet", size=20)
        for row in not_yet.iter_rows(named=True):
            _reply(pdf, row, "Not yet")
    pdf.heading("What happens next", size=20)
    if digest.waiting:
        things = "one thing" if digest.waiting == 1 else f"{digest.waiting} things"
        pdf.write_text(
            f"We are still working on {things} you told us. We will tell you what happens."
        )
    else:
        pdf.write_text("We have replied to everything you told us so far. Keep telling us.")
    pdf.write_text(
        "You can tell us more at any time. Ask the person who works with you.",
    )
    pdf.write_text(f"Made on {period(digest.prepared_on, 'day')}.", size=SMALL)
    return bytes(pdf.output())


def _reply(pdf: _Page, row: dict, lead: str) -> None:
    said = [(f"You said: {row['title']}", BODY, "B")]
    said.append((f"{lead}: {row['text']}", BODY, ""))
    if row["told_back_on"] is not None:
        told = f"We told you {row['told_back_how']}, on {period(row['told_back_on'], 'day')}."
        said.append((told, SMALL, ""))
    pdf.keep_together(said)
    pdf.write_text(said[0][0], style="B")
    pdf.write_text(said[1][0], colour=GREEN if lead == "We did" else INK)
    if len(said) == 3:
        pdf.write_text(said[2][0], size=SMALL)
    pdf.ln(2)
