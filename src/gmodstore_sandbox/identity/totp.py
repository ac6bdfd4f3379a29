"""RFC 6238 TOTP (SHA-1, 6 digits, 30-second steps) in a few lines, plus the profile defaults.

Written here rather than taken from ``pyotp``: the algorithm is ten lines and the sandbox keeps its
dependencies small. Standard library only (``storage.tables`` uses the defaults below).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import secrets
import struct
import time
from typing import Any

__all__ = [
    "STEP",
    "new_secret",
    "random_steam_id",
    "slugify",
    "totp",
    "verify",
]

STEP = 30
DIGITS = 6
STEAM_ID_BASE = 76561197960265728
"""SteamID64 of account number 0 (individual accounts, public universe)."""


def new_secret() -> str:
    """A random base32 TOTP secret (160 bits), as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def totp(secret: str, *, at: float | None = None, step_offset: int = 0) -> str:
    """The code of `secret` for the time step containing `at` (now), shifted by `step_offset`."""
    counter = int((time.time() if at is None else at) // STEP) + step_offset
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def verify(secret: str, code: str, *, at: float | None = None) -> bool:
    """Whether `code` matches the current step or one step either side (clock drift)."""
    return any(hmac.compare_digest(totp(secret, at=at, step_offset=k), code) for k in (-1, 0, 1))


_ACCOUNTS = 2_000_000_000
"""Account numbers below this keep the 7656119 prefix."""
_next_account = itertools.count(secrets.randbelow(_ACCOUNTS // 2) + 1)


def random_steam_id(_context: Any = None) -> int:
    """A realistic SteamID64 (17 digits, starting 7656119), unique within this process.

    Account numbers count up from a random start in small random strides: random ones would
    collide (birthday bound) once a bench seeds tens of thousands of users.
    """
    account = next(_next_account) * 4 + secrets.randbelow(4)
    return STEAM_ID_BASE + account % _ACCOUNTS


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str | None) -> str:
    """``"Advanced Inventory"`` -> ``"advanced-inventory"`` (``"item"`` if nothing is left)."""
    slug = _NOT_SLUG.sub("-", (text or "").lower()).strip("-")[:80]
    return slug or "item"
