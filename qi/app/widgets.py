"""Small pieces of page drawn the same way on every page.

``plain()`` makes anything a user typed (annotation texts, file names, reasons) safe to show in
Markdown: it is shown as the characters typed, never as links, images, headings or HTML.
Icons are always drawn with their meaning in words beside them: colour is never the only signal.
"""

import re

import streamlit as st

from qi.render.icons import icon_svg
from qi.vocabulary.points import ICON_LABELS

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text: object) -> str:
    """Text for st.markdown shown exactly as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


def show_notice(key: str) -> None:
    """Show, once, what the last action on the page did: ``(kind, text)`` left in the session
    under ``key`` by a callback, kind being a Streamlit message ("success", "error", ...)."""
    notice = st.session_state.pop(key, None)
    if notice is not None:
        getattr(st, notice[0])(notice[1])


def icon_with_meaning(name: str | None, size: int = 44) -> None:
    """One icon and its meaning in words, side by side."""
    if name is None:
        return
    picture, words = st.columns([1, 4], vertical_alignment="center", gap="small")
    picture.image(icon_svg(name, size), width=size)
    words.markdown(ICON_LABELS[name])
