"""Who may see and change what: people, roles, grants and the one ``authorize``.

Pure rules, no I/O (layer 1, below the store, so the store itself enforces them):

- ``roles``: the roles (locality, coach, steward, admin, viewer), the actions, and which
  roles may do each action (``POLICY``).
- ``principal``: the signed-in person (``Principal``: person id, name, grants), a grant's
  ``Scope`` (a place, an initiative, everything), and the local admin of single-user mode.
- ``authorize``: ``authorize(principal, action, scope)``, raising ``Refused``; and the places
  a principal may read (the store filters reads with it).
- ``passwords``: hashing and checking passwords for local accounts (scrypt at OWASP settings).
- ``modes``: the identity mode from configuration (single-user, local-accounts, oidc).

Users, grants and the audit are stored by ``qi.store.access``.
"""

from qi.access.authorize import Refused, authorize, readable_places
from qi.access.principal import EVERYTHING, Grant, Principal, Scope, local_admin
from qi.access.roles import ACTIONS, POLICY, ROLES

__all__ = [
    "ACTIONS",
    "EVERYTHING",
    "POLICY",
    "ROLES",
    "Grant",
    "Principal",
    "Refused",
    "Scope",
    "authorize",
    "local_admin",
    "readable_places",
]
