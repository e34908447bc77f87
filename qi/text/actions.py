"""A meeting action's status in words: "Overdue" for an open action past its due day."""

from datetime import date

from qi.vocabulary.meetings import ACTION_STATUSES


def action_status(status: str | None, due_on: date | None, today: date) -> str:
    """ "Open", "Done", or "Overdue" for an open action whose due day is before ``today``."""
    if status == "open" and due_on is not None and due_on < today:
        return "Overdue"
    return ACTION_STATUSES.get(status or "", status or "")
