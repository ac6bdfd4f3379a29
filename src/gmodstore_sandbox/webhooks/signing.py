"""Standard Webhooks signing, as the real store does it (the sandbox never imports the SDK).

>>> secret = new_secret()
>>> headers = signed_headers(b'{"eventType": "x"}', secret=secret, webhook_id="msg_1", timestamp=0)
>>> sorted(headers)
['webhook-id', 'webhook-signature', 'webhook-timestamp']
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["SECRET_PREFIX", "new_secret", "signature", "signed_headers"]

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with the decoded secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def signed_headers(body: bytes, *, secret: str, webhook_id: str, timestamp: int) -> dict[str, str]:
    """The three headers of one delivery attempt (the timestamp is that of the attempt)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, webhook_id, timestamp, body),
    }
