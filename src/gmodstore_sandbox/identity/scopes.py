"""The 39 personal access token abilities (``PersonalAccessTokenScope``) and the tenants.

Standard library only: the ``gmodstore sandbox`` command imports this module at startup.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

__all__ = [
    "ALL_SCOPES",
    "NAMED_SCOPES",
    "TENANTS",
    "WILDCARD",
    "grants",
    "tenant_id",
]

WILDCARD = "*"

NAMED_SCOPES: tuple[str, ...] = (
    "permission-groups:read",
    "permission-groups:write",
    "personal-access-tokens:read",
    "personal-access-tokens:write",
    "teams:read",
    "teams:write",
    "team-webhook-endpoints:read",
    "team-webhook-endpoints:write",
    "team-webhook-messages:read",
    "team-users:read",
    "team-users:write",
    "products:read",
    "products:write",
    "product-coupons:read",
    "product-coupons:write",
    "product-purchases:read",
    "product-purchases:write",
    "product-reviews:read",
    "product-reviews:write",
    "product-versions:read",
    "product-versions:write",
    "product-versions:download",
    "product-media:read",
    "product-media:write",
    "users:read",
    "users:write",
    "user-badges:read",
    "user-badges:write",
    "user-bans:read",
    "user-purchases:read",
    "tickets:read",
    "tickets:write",
    "ticket-messages:read",
    "ticket-messages:write",
    "ticket-attachments:read",
    "ticket-attachments:write",
    "ticket-tags:read",
    "ticket-tags:write",
)
"""Every ability but ``*``, in the spec's order."""

ALL_SCOPES: tuple[str, ...] = (*NAMED_SCOPES, WILDCARD)

TENANTS: tuple[str, ...] = ("gmodstore.com", "rust.pivity.com")
"""Valid ``X-Tenant`` values; the legacy ``/api/v3`` prefix is scoped to the first."""

_TENANT_NAMESPACE = uuid.UUID("9a3c1f0e-5b7d-4c2a-8e6f-1d2b3c4d5e6f")


def tenant_id(name: str) -> uuid.UUID:
    """The fixed id of a tenant (the same in every sandbox)."""
    return uuid.uuid5(_TENANT_NAMESPACE, name)


def grants(abilities: Iterable[str], scope: str) -> bool:
    """Whether a token with `abilities` may use an operation that needs `scope`."""
    held = set(abilities)
    return scope in held or WILDCARD in held
