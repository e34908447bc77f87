"""The store's one clock: when a write happened, as every table records it.

Times are UTC without a time zone (``DateTime`` columns hold naive values on both backends), so
a record written in London in summer and one written in winter compare as they happened.
"""

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC, naive: what every ``created_at``, ``updated_at``,
    ``uploaded_at``, ``revised_at`` and ``undone_at`` the store writes holds."""
    return datetime.now(UTC).replace(tzinfo=None)
