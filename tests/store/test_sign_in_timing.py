"""Signing in with a user name nobody has costs the same scrypt work as a wrong password, so
the time a refusal takes does not tell a guesser which user names exist (not a timing test:
it checks that the hash check runs, and with the default settings)."""

import pytest

import qi.store.access as store_access
from qi.access import local_admin
from qi.access.passwords import N
from qi.store import connect
from qi.store.access import SignInFailed, add_person, disable_person, sign_in

ADMIN = local_admin("Ada Admin")


@pytest.fixture
def checked(monkeypatch) -> list[str]:
    """The stored hashes ``sign_in`` checks a password against, in order."""
    seen: list[str] = []
    real = store_access.verify_password

    def spy(password: str, stored: str) -> bool:
        seen.append(stored)
        return real(password, stored)

    monkeypatch.setattr(store_access, "verify_password", spy)
    return seen


def test_an_unknown_user_name_checks_a_hash_at_the_default_settings(sqlite_url, checked):
    engine = connect(sqlite_url)
    with pytest.raises(SignInFailed):
        sign_in(engine, "nobody", "a guessed password")
    [stored] = checked
    assert stored == store_access.unknown_user_hash()
    assert stored.startswith(f"scrypt${N}$8$1$")  # the work of a real account's check
    assert not store_access.verify_password("a guessed password", stored)


def test_a_wrong_password_a_disabled_and_a_locked_account_all_check_one_hash(sqlite_url, checked):
    engine = connect(sqlite_url)
    add_person(engine, ADMIN, username="lou", name="Lou", password="a long password")
    add_person(engine, ADMIN, username="dan", name="Dan", password="another password")
    disable_person(engine, ADMIN, "local:dan")
    for username in ("lou", "dan"):
        with pytest.raises(SignInFailed):
            sign_in(engine, username, "wrong password!")
    assert len(checked) == 2
    assert checked[0] != store_access.unknown_user_hash()  # lou's own hash
    assert checked[1] == store_access.unknown_user_hash()  # dan is disabled: the dummy
    for _ in range(4):  # five failures in a row lock lou
        with pytest.raises(SignInFailed):
            sign_in(engine, "lou", "wrong password!")
    checked.clear()
    with pytest.raises(SignInFailed):
        sign_in(engine, "lou", "a long password")  # locked: refused, after the same work
    assert len(checked) == 1
