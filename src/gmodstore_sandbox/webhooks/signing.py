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
from collections.abc import Sequence
from datetime import datetime

__all__ = ["SECRET_PREFIX", "live_secrets", "new_secret", "signature", "signed_headers"]

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with the decoded secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def signed_headers(
    body: bytes, *, secret: str | Sequence[str], webhook_id: str, timestamp: int
) -> dict[str, str]:
    """The three headers of one delivery attempt (the timestamp is that of the attempt).

    With several secrets (the current one and, after a rotation, the previous one), one
    ``v1,`` signature per secret, space-separated, as Standard Webhooks allows.
    """
    keys = [secret] if isinstance(secret, str) else list(secret)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(k, webhook_id, timestamp, body) for k in keys),
    }


def live_secrets(
    secret: str, previous: str | None, previous_expires_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets a delivery is signed with at `now`: the current one, and the previous one
    while it has not expired (see `service.ROTATION_OVERLAP`)."""
    if previous and previous_expires_at is not None and now < previous_expires_at:
        return [secret, previous]
    return [secret]
