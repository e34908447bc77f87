"""The signed-in person as the library sees them: who, and what they were granted.

A ``Principal`` is built by the app or the command line (from the identity mode) and passed
explicitly to every library function that reads or writes place-scoped data; there is no
"current user" anywhere else. Its grants arrive resolved: an initiative's grant carries the
codes of the initiative's places, so ``authorize`` needs no database.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ScopeKind = Literal["place", "initiative", "everything"]
LOCAL_ADMIN = "local-admin"


@dataclass(frozen=True)
class Scope:
    """What an action is on, or what a grant covers: one place (by code), one initiative (by
    name), or everything."""

    kind: ScopeKind
    name: str | None = None

    @staticmethod
    def place(code: str) -> "Scope":
        return Scope("place", code)

    @staticmethod
    def initiative(name: str) -> "Scope":
        return Scope("initiative", name)

    def __str__(self) -> str:
        return "everything" if self.kind == "everything" else f"{self.kind} {self.name}"


EVERYTHING = Scope("everything")


@dataclass(frozen=True)
class Grant:
    """A role over a scope. ``places``: the codes of the places the scope covers (the place
    itself, or an initiative's places); empty for everything."""

    role: str
    scope: Scope
    places: frozenset[str] = frozenset()
    expires_at: datetime | None = None

    def covers(self, scope: Scope, scope_places: frozenset[str] = frozenset()) -> bool:
        """Whether this grant covers ``scope``. A place is covered by a grant on it or on an
        initiative it is in; an initiative by a grant on it; everything only by everything."""
        if self.scope.kind == "everything":
            return True
        if scope.kind == "place":
            return scope.name in self.places
        if scope.kind == "initiative":
            return self.scope == scope
        return False

    def live(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class Principal:
    """Who is acting: ``person`` is qi's id for them (``local:<user>``, or ``oidc:<issuer>|<subject>``),
    ``name`` what people read in records ("Added by ..."), ``grants`` what they may do."""

    person: str
    name: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def __str__(self) -> str:
        return self.name


def local_admin(name: str = "Local administrator") -> Principal:
    """The person at the machine in single-user mode: every internal role over everything
    (a single user uploads, annotates, records meetings and manages the one account)."""
    return Principal(
        LOCAL_ADMIN,
        name,
        tuple(Grant(role, EVERYTHING) for role in ("locality", "coach", "steward", "admin")),
    )
