"""The time budget of one upload: checked between the steps of reading, checking and storing.

Each step is bounded by the limits in ``IngestSettings`` (so no single step can run for long);
between steps, and every few megabytes while a sheet is scanned, the clock is read and an upload
over its budget stops with ``BudgetExceeded``. Storing is given what is left of the budget, and
the store gives up (rolling back) when it runs out, so nothing is ever half stored.
"""

import time


class BudgetExceeded(Exception):
    def __init__(self, doing: str, budget_s: float) -> None:
        super().__init__(f"{doing} took longer than the {budget_s:g} s allowed for one upload")
        self.doing, self.budget_s = doing, budget_s


class Deadline:
    """A monotonic deadline ``budget_s`` from now."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self.end = time.monotonic() + budget_s

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self, doing: str) -> None:
        if time.monotonic() > self.end:
            raise BudgetExceeded(doing, self.budget_s)
