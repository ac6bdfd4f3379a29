"""Webhooks from the sandbox: endpoints, signed deliveries, retries, the attempt log.

The core service writes one ``outbox`` row per purchase change in the change's own transaction;
this package turns those rows into deliveries and POSTs them from a background thread of the server
(`WebhookWorker`), signed with the Standard Webhooks scheme (`signing`). Endpoints are managed with
``gmodstore sandbox webhooks add|list|remove|attempts`` (`cli`, `admin`).

The package itself imports nothing, so ``gmodstore sandbox`` can mount the `cli` cheaply. Importing
`worker` (as `app.create_app` does, for `worker.run_webhook_worker`) registers the tables on the
sandbox's ``Base``, so ``create_tables`` creates them.
"""

from __future__ import annotations
