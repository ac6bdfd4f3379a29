"""Support tickets: tickets, messages (with revisions), attachments, tags and log requests.

Layers as for the content area: `routes` (HTTP) -> `service` (the rules and the status machine)
-> `storage` (SQL) and the content area's file store. `wiring` connects the area to an app;
`admin` holds what the customer does on the website (open, reply, upload) and the seed.
"""

TICKET_SCOPES = (
    "tickets:read",
    "tickets:write",
    "ticket-messages:read",
    "ticket-messages:write",
    "ticket-attachments:read",
    "ticket-attachments:write",
    "ticket-tags:read",
    "ticket-tags:write",
)
"""The token scopes of this area's operations."""
