"""``authorize``: the one decision on whether a principal may do an action on a scope.

Every library function that reads or writes place-scoped data calls it (through the store,
which also records refusals in the audit). Deny by default; an expired grant counts for nothing.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from qi.access.principal import Grant, Principal, Scope
from qi.access.roles import ACTIONS, POLICY, ROLES


class Refused(PermissionError):
    """An action the principal may not do; ``str()`` says who, what, where and what to ask for."""

    def __init__(self, principal: Principal, action: str, scope: Scope) -> None:
        self.principal, self.action, self.scope = principal, action, scope
        roles = " or ".join(ROLES[r].split(" (")[0].lower() for r in sorted(POLICY[action]))
        super().__init__(
            f"{principal.name} may not {ACTIONS[action]} for {scope}: that needs the role of "
            f"{roles} there. Ask an administrator for a grant if you need it."
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def allowed(principal: Principal, action: str, scope: Scope, now: datetime | None = None) -> bool:
    """Whether ``authorize`` would let the action through (no error)."""
    if action not in POLICY:
        raise ValueError(f"unknown action {action!r}; actions: {', '.join(POLICY)}")
    now = now or _now()
    roles = POLICY[action]
    return any(g.role in roles and g.live(now) and g.covers(scope) for g in principal.grants)


def authorize(principal: Principal, action: str, scope: Scope, now: datetime | None = None) -> None:
    """Return if ``principal`` may do ``action`` on ``scope``; raise ``Refused`` if not."""
    if not allowed(principal, action, scope, now):
        raise Refused(principal, action, scope)


def _live_grants(principal: Principal, action: str, now: datetime | None) -> list[Grant] | None:
    """The principal's live grants of a role that may do ``action``; None when one of them is
    over everything."""
    now = now or _now()
    grants = [g for g in principal.grants if g.role in POLICY[action] and g.live(now)]
    return None if any(g.scope.kind == "everything" for g in grants) else grants


def readable_places(
    principal: Principal, action: str = "data.read", now: datetime | None = None
) -> frozenset[str] | None:
    """The codes of the places where ``principal`` may do ``action`` (reading, by default);
    None when everywhere. The store filters reads with it."""
    grants = _live_grants(principal, action, now)
    return None if grants is None else frozenset().union(*(g.places for g in grants))


def readable_initiatives(
    principal: Principal, action: str, now: datetime | None = None
) -> frozenset[str] | None:
    """The names of the initiatives ``principal`` may do ``action`` over (a grant on the
    initiative itself, as ``allowed`` decides for ``Scope.initiative``); None when everywhere.
    The store keeps what is told for an initiative without a place to these."""
    grants = _live_grants(principal, action, now)
    if grants is None:
        return None
    return frozenset(
        g.scope.name for g in grants if g.scope.kind == "initiative" and g.scope.name is not None
    )


def allowed_somewhere(principal: Principal, action: str, now: datetime | None = None) -> bool:
    """Whether ``principal`` may do ``action`` at some place at least (what a page offers)."""
    places = readable_places(principal, action, now)
    return places is None or bool(places)


def authorize_places(
    principal: Principal, action: str, places: Iterable[str], now: datetime | None = None
) -> None:
    """``authorize`` for each place (the first refused raises)."""
    for place in sorted(set(places)):
        authorize(principal, action, Scope.place(place), now)
