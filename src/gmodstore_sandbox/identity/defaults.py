"""Column defaults of the profile columns (``storage.tables``): a bare insert of a user or a product
(``sb.new_user()``, the purchase seed) still gets a realistic SteamID64, slug, avatar and secret.

Standard library only; called by SQLAlchemy with the insert's execution context.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

from .totp import new_secret, random_steam_id, slugify

__all__ = [
    "DEFAULT_GROUP_ID",
    "STAFF_GROUP_ID",
    "avatar_url",
    "email",
    "product_slug",
    "steam_id",
    "totp_secret",
    "user_slug",
]

DEFAULT_GROUP_ID = uuid.UUID("5f1c2a3e-0000-4000-8000-000000000001")
"""The "Member" permission group: every user's group unless set otherwise."""
STAFF_GROUP_ID = uuid.UUID("5f1c2a3e-0000-4000-8000-000000000002")
"""The "Staff" permission group: its users may award badges and edit permission groups."""


def _param(context: Any, name: str) -> Any:
    if context is None:
        return None
    return context.get_current_parameters().get(name)


def steam_id(context: Any) -> int:  # noqa: ARG001 - SQLAlchemy passes the context
    return random_steam_id()


def user_slug(context: Any) -> str:
    return f"{slugify(_param(context, 'name') or 'user')}-{secrets.token_hex(6)}"


def product_slug(context: Any) -> str:
    return f"{slugify(_param(context, 'name'))}-{secrets.token_hex(6)}"


def email(context: Any) -> str:
    slug = _param(context, "slug") or user_slug(context)
    return f"{slug}@users.sandbox.invalid"


def avatar_url(context: Any) -> str:
    seed = str(_param(context, "steam_id") or _param(context, "id") or secrets.token_hex(8))
    digest = hashlib.sha1(seed.encode()).hexdigest()
    return f"https://avatars.sandbox.invalid/{digest}_full.jpg"


def totp_secret(context: Any) -> str:  # noqa: ARG001
    return new_secret()
