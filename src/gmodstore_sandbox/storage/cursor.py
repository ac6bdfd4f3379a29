"""Opaque, signed keyset-pagination cursors.

A cursor is 33 bytes, base64url without padding (44 characters):

    direction (1: b"a" after, b"b" before) | sealed seq (8) | query binding (8) | HMAC (16)

The seq is sealed with a keyed 64-bit permutation (an 8-round Feistel network over HMAC-SHA256), so
a cursor does not show the store-wide sequence number - which would tell any client how many
purchases every team has had - nor how far apart two cursors are. The binding is a digest of the
product and the filters, so a cursor cannot be replayed against another product or filter set;
the HMAC-SHA256 tag makes any edit detectable. Both failures raise `InvalidCursor`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Cursor", "CursorCodec", "InvalidCursor", "query_binding"]

Direction = Literal["after", "before"]
_DIRECTIONS: dict[bytes, Direction] = {b"a": "after", b"b": "before"}
_CODES: dict[Direction, bytes] = {"after": b"a", "before": b"b"}
_BODY = struct.Struct(">cQ8s")
_MAC_LEN = 16
_TOKEN_LEN = 44
_ROUNDS = 8
_HALF = 0xFFFFFFFF


class InvalidCursor(ValueError):
    """The cursor is malformed, was tampered with, or belongs to another query."""


@dataclass(frozen=True)
class Cursor:
    direction: Direction
    seq: int


def query_binding(*parts: Iterable[str] | str) -> bytes:
    """An 8-byte digest of the query a cursor belongs to."""
    digest = hashlib.sha256()
    for part in parts:
        items = [part] if isinstance(part, str) else sorted(part)
        digest.update(repr(items).encode())
    return digest.digest()[:8]


class CursorCodec:
    """Encode and strictly decode cursors with a per-app secret.

    >>> codec = CursorCodec(b"secret")
    >>> token = codec.encode(Cursor("after", 42), binding=b"12345678")
    >>> codec.decode(token, binding=b"12345678")
    Cursor(direction='after', seq=42)
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._seal_key = hmac.new(secret, b"gmodstore-sandbox cursor seq", hashlib.sha256).digest()

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_LEN]

    def _round(self, index: int, half: int) -> int:
        data = bytes((index,)) + half.to_bytes(4, "big")
        return int.from_bytes(hmac.new(self._seal_key, data, hashlib.sha256).digest()[:4], "big")

    def _seal(self, seq: int) -> int:
        left, right = seq >> 32, seq & _HALF
        for index in range(_ROUNDS):
            left, right = right, left ^ self._round(index, right)
        return (left << 32) | right

    def _unseal(self, sealed: int) -> int:
        left, right = sealed >> 32, sealed & _HALF
        for index in reversed(range(_ROUNDS)):
            left, right = right ^ self._round(index, left), left
        return (left << 32) | right

    def encode(self, cursor: Cursor, *, binding: bytes) -> str:
        body = _BODY.pack(_CODES[cursor.direction], self._seal(cursor.seq), binding)
        return base64.urlsafe_b64encode(body + self._mac(body)).decode().rstrip("=")

    def decode(self, token: str, *, binding: bytes) -> Cursor:
        if len(token) != _TOKEN_LEN or not token.isascii():
            raise InvalidCursor("The cursor is invalid.")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor("The cursor is invalid.") from exc
        # Re-encoding rejects non-canonical spellings of the same bytes.
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
            raise InvalidCursor("The cursor is invalid.")
        body, mac = raw[: _BODY.size], raw[_BODY.size :]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidCursor("The cursor is invalid.")
        code, seq, bound = _BODY.unpack(body)
        if code not in _DIRECTIONS:
            raise InvalidCursor("The cursor is invalid.")
        if not hmac.compare_digest(bound, binding):
            raise InvalidCursor("The cursor does not belong to this product and filter.")
        return Cursor(_DIRECTIONS[code], self._unseal(seq))
