"""Password hashing (argon2id), random tokens and their digests."""

import hashlib
import secrets
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults: argon2id, t=3, m=64 MiB, p=4 (above OWASP's minimum).
_hasher = PasswordHasher()


def _canonical(password: str) -> str:
    # NFC, so a password typed as NFD on one phone verifies when typed as NFC on another.
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    """An argon2id hash of the NFC form of ``password``."""
    return _hasher.hash(_canonical(password))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with no hash, spends the same time and fails."""
    try:
        return _hasher.verify(
            password_hash or _dummy_hash(), _canonical(password)
        ) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_password() -> str:
    """A random one-time password people can type (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join(
        "".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)
    )
