"""Password hashing (argon2id), random tokens and their digests."""

import base64
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


# --- CSRF tokens masked per response (BREACH) -------------------------------------
# A compressed page that repeats a secret verbatim next to text an attacker can
# reflect leaks it byte by byte through the compressed length (BREACH). So a page
# never carries the session's CSRF secret itself: each time it is shown it is
# XORed with a fresh random pad and sent as pad + masked, which differs on every
# response and unmasks to the same secret.


def mask_csrf(secret: str) -> str:
    """The CSRF secret as one response carries it: pad + (secret XOR pad), URL-safe."""
    raw = secret.encode()
    pad = secrets.token_bytes(len(raw))
    masked = bytes(a ^ b for a, b in zip(raw, pad, strict=True))
    return base64.urlsafe_b64encode(pad + masked).rstrip(b"=").decode()


def csrf_matches(submitted: str, secret: str) -> bool:
    """True when ``submitted`` is the secret, masked (``mask_csrf``) or as it is.

    The bare secret is what API clients read from ``/auth/login`` of old and
    keep sending in ``X-CSRF-Token``; a masked one is what pages carry.
    """
    if not submitted or not secret:
        return False
    expected = secret.encode()
    if len(submitted) == len(secret):
        return secrets.compare_digest(submitted.encode(), expected)
    try:
        raw = base64.urlsafe_b64decode(submitted + "=" * (-len(submitted) % 4))
    except (ValueError, UnicodeEncodeError):
        return False
    half = len(raw) // 2
    if len(raw) != 2 * len(expected):
        return False
    unmasked = bytes(a ^ b for a, b in zip(raw[:half], raw[half:], strict=True))
    return secrets.compare_digest(unmasked, expected)
