"""Signed keyset cursors whose position is an integer ``seq`` or a UUID primary key.

Same idea as `storage.cursor` (which only carries an integer): ``direction | kind | key | binding |
HMAC``, base64url without padding. The binding ties a cursor to its path and filters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Literal

from ..storage.cursor import InvalidCursor, query_binding

__all__ = ["InvalidCursor", "Key", "KeyCursor", "KeyCursorCodec", "query_binding"]

Key = int | uuid.UUID
Direction = Literal["after", "before"]
_MAC_LEN = 16


@dataclass(frozen=True)
class KeyCursor:
    direction: Direction
    key: Key


def _pack(cursor: KeyCursor) -> bytes:
    head = b"a" if cursor.direction == "after" else b"b"
    if isinstance(cursor.key, uuid.UUID):
        return head + b"u" + cursor.key.bytes
    return head + b"i" + cursor.key.to_bytes(8, "big", signed=True)


class KeyCursorCodec:
    """Encode and strictly decode cursors with a per-app secret.

    >>> codec = KeyCursorCodec(b"secret")
    >>> token = codec.encode(KeyCursor("after", 7), binding=b"12345678")
    >>> codec.decode(token, binding=b"12345678")
    KeyCursor(direction='after', key=7)
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_LEN]

    def encode(self, cursor: KeyCursor, *, binding: bytes) -> str:
        body = _pack(cursor) + binding
        return base64.urlsafe_b64encode(body + self._mac(body)).decode().rstrip("=")

    def decode(self, token: str, *, binding: bytes) -> KeyCursor:
        invalid = InvalidCursor("The cursor is invalid.")
        if not token.isascii() or len(token) > 80:
            raise invalid
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise invalid from None
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token or len(raw) < 2:
            raise invalid
        size = {b"u": 16, b"i": 8}.get(raw[1:2])
        if size is None or len(raw) != 2 + size + 8 + _MAC_LEN or raw[0:1] not in (b"a", b"b"):
            raise invalid
        body, mac = raw[:-_MAC_LEN], raw[-_MAC_LEN:]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise invalid
        if not hmac.compare_digest(body[2 + size :], binding):
            raise InvalidCursor("The cursor does not belong to this list and filter.")
        data = body[2 : 2 + size]
        key: Key = uuid.UUID(bytes=data) if size == 16 else int.from_bytes(data, "big", signed=True)
        return KeyCursor("after" if raw[0:1] == b"a" else "before", key)
