"""The identity mode, from configuration: who the person using qi is, and how qi knows.

``QI_AUTH``:

- ``single-user`` (default): the app listens on 127.0.0.1 only; the person at the machine is
  the local admin (``local_admin()``); nothing to configure.
- ``local-accounts``: people and password hashes in qi's own database; lock-out after
  ``LOCKOUT_FAILURES`` failed sign-ins in a row, for ``LOCKOUT_MINUTES``; the session lives in
  the browser session only.
- ``oidc``: Streamlit's ``st.login``/``st.user`` against the organisation's OpenID Connect
  provider; a person is keyed on issuer + subject (never e-mail); a session older than
  ``QI_SESSION_HOURS`` (from the token's ``iat``) signs out.
"""

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

MODES = ("single-user", "local-accounts", "oidc")
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15
DEFAULT_SESSION_HOURS = 10.0


class ConfigurationError(ValueError):
    """A setting qi cannot use; the message names it and what it may be."""


def identity_mode(environ: Mapping[str, str] | None = None) -> str:
    """The configured mode (``QI_AUTH``), single-user when unset."""
    environ = os.environ if environ is None else environ
    mode = environ.get("QI_AUTH", "single-user").strip() or "single-user"
    if mode not in MODES:
        raise ConfigurationError(f"QI_AUTH is {mode!r}; set it to one of: {', '.join(MODES)}")
    return mode


def session_hours(environ: Mapping[str, str] | None = None) -> float:
    environ = os.environ if environ is None else environ
    raw = environ.get("QI_SESSION_HOURS", str(DEFAULT_SESSION_HOURS))
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not hours > 0:
        raise ConfigurationError(f"QI_SESSION_HOURS is {raw!r}; give a number of hours above 0")
    return hours


def oidc_person(claims: Mapping[str, Any]) -> str:
    """qi's id for a person signed in through OpenID Connect: issuer and subject, never e-mail.
    Raises ``ConfigurationError`` when either claim is missing."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not issuer or not subject:
        raise ConfigurationError(
            "the identity provider's token has no issuer (iss) or subject (sub); qi cannot "
            "tell who this is: check the provider's OpenID Connect configuration"
        )
    return f"oidc:{issuer}|{subject}"


def session_expired(claims: Mapping[str, Any], hours: float, now: datetime | None = None) -> bool:
    """Whether a session whose token was issued at ``iat`` is older than ``hours`` (a token
    without ``iat`` counts as expired)."""
    issued = claims.get("iat")
    if issued is None:
        return True
    now = now or datetime.now(UTC)
    return now - datetime.fromtimestamp(float(issued), UTC) > timedelta(hours=hours)
