"""Webhooks from the sandbox: endpoints, signed deliveries, retries, the attempt log.

Every change with a webhook calls `events.emit` in its own transaction (one ``outbox`` row; the
event types and their ordering keys are declared in `events`); this package turns those rows into
deliveries and POSTs them from a background thread of the server (`worker.WebhookWorker`), signed
with the Standard Webhooks scheme (`signing`), each attempt under one wall-clock deadline.
Endpoints are managed with ``gmodstore sandbox webhooks add|list|remove|attempts`` (`cli`,
`admin`); their URLs are checked by `urls`.

The package itself imports nothing, so ``gmodstore sandbox`` can mount the `cli` cheaply. Importing
`worker` (as `app.create_app` does, for `worker.run_webhook_worker`) registers the tables on the
sandbox's ``Base``, so ``create_tables`` creates them.
"""

from __future__ import annotations

__all__ = ["WEBHOOK_SCOPES"]

WEBHOOK_SCOPES = (
    "team-webhook-endpoints:read",
    "team-webhook-endpoints:write",
    "team-webhook-messages:read",
)
"""The scopes of the team webhook operations (`service`), for sandbox tokens."""
