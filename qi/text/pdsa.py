"""PDSA cycles in words: a cycle's name ("Same-day triage, cycle 2"), its dates, and one line
saying where it has got to ("Jan 2024 to Feb 2024, ended: adapt")."""

from datetime import date

from qi.text.periods import period_range
from qi.vocabulary.pdsa import CYCLE_OUTCOMES, CYCLE_STATUSES


def cycle_name(change_idea: str, number: int) -> str:
    """ "Same-day triage, cycle 2"."""
    return f"{change_idea}, cycle {number}"


def cycle_dates(starts_on: date, ends_on: date | None) -> str:
    """ "8 Jan 2024 to 5 Feb 2024", or "from 8 Jan 2024" while it has no end."""
    if ends_on is None:
        return f"from {period_range(starts_on, starts_on, 'day', 'short')}"
    return period_range(starts_on, ends_on, "day", "short")


def cycle_state(status: str, outcome: str | None) -> str:
    """ "Ended: adapt", "Running", "Planned"."""
    words = CYCLE_STATUSES[status]
    return f"{words}: {CYCLE_OUTCOMES[outcome].lower()}" if outcome else words


def cycle_line(
    change_idea: str,
    number: int,
    starts_on: date,
    ends_on: date | None,
    status: str,
    outcome: str | None,
) -> str:
    """ "Same-day triage, cycle 2 (8 Jan 2024 to 5 Feb 2024). Ended: adapt." """
    name, dates = cycle_name(change_idea, number), cycle_dates(starts_on, ends_on)
    return f"{name} ({dates}). {cycle_state(status, outcome)}."
