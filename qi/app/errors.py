"""What a page says when a write could not be done: one place for every page.

Pages catch ``StoreError`` beside their own errors around a write and show ``said(error)``
the way they show any other refusal. A busy database (another upload holding it longer than the
store waits) is "busy, try again", never "database is locked"; a text too long for the database
says which and how long it may be.
"""

from qi.store.errors import StoreBusy, StoreError

__all__ = ["StoreError", "said"]  # StoreError: what a page catches around a write


def said(error: Exception) -> str:
    """What to tell the person whose change was not saved."""
    if isinstance(error, StoreBusy):
        return (
            "the database is busy with another change (an upload, perhaps), so nothing was "
            "saved: try again in a minute"
        )
    return str(error)
