"""What the store raises when a write cannot be done, each with a message for people.

- ``StoreBusy``: another change holds the database for longer than the wait allowed; nothing
  was written, and trying again later will work. The app and the command line show it as
  "busy, try again", never as "database is locked".
- ``FieldTooLong``: a text is longer than its column allows (the same on SQLite and PostgreSQL).
- ``DefinitionChangeRefused``: a measure's kind, frequency or unit would change while data are
  stored for it, and the change was not forced; the message states the consequences.
"""


class StoreError(Exception):
    """A write the store refused or could not finish; ``str()`` is a message for people."""


class StoreBusy(StoreError):
    def __init__(self, waited_s: float | None = None) -> None:
        waited = f" for {waited_s:.0f} s" if waited_s else ""
        super().__init__(
            f"the database is busy with another change (waited{waited}); nothing was saved: "
            "try again in a minute"
        )


class StoreTimedOut(StoreError):
    def __init__(self, limit_s: float | None = None) -> None:
        limit = f" {limit_s:g} s" if limit_s is not None else ""
        super().__init__(f"storing took longer than the{limit} allowed; nothing was stored")


class FieldTooLong(StoreError, ValueError):
    def __init__(self, found: list[tuple[str, int, int]]) -> None:
        self.found = found
        super().__init__(
            "; ".join(
                f"{name} is {length:,} characters long, and at most {limit:,} are kept: shorten it"
                for name, length, limit in found
            )
        )


class DefinitionChangeRefused(StoreError, ValueError):
    """``changes``: one dict per refused change (code, field, old, new, observations, first,
    last, consequence)."""

    def __init__(self, changes: list[dict]) -> None:
        self.changes = changes
        super().__init__(
            " ".join(
                f"measure {c['code']}: {c['field']} would change from {c['old']!r} to "
                f"{c['new']!r} while {c['observations']:,} observations are stored "
                f"({c['first']} to {c['last']}); {c['consequence']}."
                for c in changes
            )
            + " Nothing was changed; force the change (qi measures import --force) if it is right."
        )
