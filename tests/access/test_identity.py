"""Identity modes, OpenID Connect claims and password hashes."""

from datetime import UTC, datetime, timedelta

import pytest

from qi.access.modes import (
    ConfigurationError,
    identity_mode,
    oidc_person,
    session_expired,
    session_hours,
)
from qi.access.passwords import WeakPassword, hash_password, verify_password


def test_the_mode_is_single_user_unless_configured():
    assert identity_mode({}) == "single-user"
    assert identity_mode({"QI_AUTH": "oidc"}) == "oidc"
    with pytest.raises(ConfigurationError, match="QI_AUTH is 'ldap'; set it to one of"):
        identity_mode({"QI_AUTH": "ldap"})
    with pytest.raises(ConfigurationError, match="QI_SESSION_HOURS"):
        session_hours({"QI_SESSION_HOURS": "0"})


def test_a_person_from_the_provider_is_issuer_and_subject_never_email():
    claims = {"iss": "https://login.example/t", "sub": "abc", "email": "a@example.org"}
    assert oidc_person(claims) == "oidc:https://login.example/t|abc"
    with pytest.raises(ConfigurationError, match="no issuer"):
        oidc_person({"email": "a@example.org", "sub": "abc"})


def test_a_session_older_than_the_maximum_age_has_expired():
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    issued = (now - timedelta(hours=11)).timestamp()
    assert session_expired({"iat": issued}, 10, now)
    assert not session_expired({"iat": issued}, 12, now)
    assert session_expired({}, 10, now)


def test_a_password_hash_checks_the_password_and_only_it():
    stored = hash_password("correct horse battery", n=2**10)
    assert stored.startswith("scrypt$1024$8$1$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert hash_password("correct horse battery", n=2**10) != stored  # salted
    with pytest.raises(WeakPassword, match="at least 12 characters"):
        hash_password("short")


def test_the_default_hash_is_scrypt_at_owasp_settings():
    assert hash_password("a long enough password").startswith("scrypt$131072$8$1$")
