"""The webhook events of the content area, declared once (``gmodstore_sandbox.webhooks.events``).

Versions and reviews are ordered by their own id: each event concerns one version or one review.
Their ``data`` is the resource as the API returns it (a deleted version carries ``deletedAt``).
"""

from __future__ import annotations

from ..webhooks.events import declare, emit

__all__ = ["REVIEW_EVENTS", "VERSION_EVENTS", "emit"]

VERSION_EVENTS = tuple(declare(f"product_version.{c}") for c in ("created", "updated", "deleted"))
REVIEW_EVENTS = tuple(declare(f"product_review.{c}") for c in ("created", "updated", "deleted"))
