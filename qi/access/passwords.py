"""Password hashes for local accounts: the standard library's scrypt at OWASP's settings.

OWASP's Password Storage Cheat Sheet: scrypt with N=2**17, r=8, p=1 when Argon2id is not used.
The hash records its parameters (``scrypt$n$r$p$salt$key``, hex), so stronger settings later
still check old hashes. About half a second per hash on a small server: slow for guessers.
"""

import hashlib
import hmac
import secrets

N, R, P = 2**17, 8, 1
KEY_BYTES = 32
# scrypt needs 128 * r * n bytes (128 MiB); OpenSSL's default limit is 32 MiB.
MAX_MEMORY = 2**28
MIN_LENGTH = 12


class WeakPassword(ValueError):
    """A password too short to keep; the message says how long it must be."""


def hash_password(password: str, n: int = N) -> str:
    """The stored form of a new password (raises ``WeakPassword`` below ``MIN_LENGTH``)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"a password needs at least {MIN_LENGTH} characters (it has {len(password)}); "
            "a few words together are easier to remember and harder to guess"
        )
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=R, p=P, maxmem=MAX_MEMORY, dklen=KEY_BYTES
    )
    return f"scrypt${n}${R}${P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    found = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=MAX_MEMORY,
        dklen=len(key) // 2,
    )
    return hmac.compare_digest(found, bytes.fromhex(key))
