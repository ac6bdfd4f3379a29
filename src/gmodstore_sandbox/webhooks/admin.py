"""Webhook endpoints and sandbox-side purchase deletion, for the CLI and tests (no HTTP API).

>>> add_endpoint(engine, team="Team A", url="http://127.0.0.1:8001/hook").secret  # doctest: +SKIP
'whsec_...'
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from ..schemas import dump_json, parse_uuid, purchase_dict
from ..storage.db import WRITE
from ..storage.tables import utcnow
from . import events, store
from .signing import new_secret
from .urls import InvalidEndpointUrl, check_endpoint_url

__all__ = [
    "Endpoint",
    "WebhookAdminError",
    "add_endpoint",
    "delete_purchase",
    "list_deliveries",
    "list_endpoints",
    "remove_endpoint",
]

DELETED = "product_purchase.deleted"


class WebhookAdminError(Exception):
    """Bad input to an admin operation; the message is meant for the user."""


@dataclass(frozen=True)
class Endpoint:
    """A webhook endpoint; `secret` is only filled in by `add_endpoint`."""

    id: str
    team_id: str
    team_name: str
    url: str
    event_types: tuple[str, ...] | None
    created_at: datetime
    secret: str | None = None


def add_endpoint(
    engine: Engine, *, team: str, url: str, event_types: Sequence[str] | None = None
) -> Endpoint:
    """Register `url` for the events of `team` (an id or a name); all event types by default.

    Raises:
        WebhookAdminError: unknown or ambiguous team, bad URL (see `urls`), unknown event type.
    """
    url = _check_url(url)
    kinds = _check_events(event_types)
    endpoint_id, secret, now = uuid.uuid4(), new_secret(), utcnow()
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        team_id, team_name = _resolve_team(conn, team)
        store.insert_endpoint(
            conn,
            endpoint_id=endpoint_id,
            team_id=team_id,
            url=url,
            secret=secret,
            event_types=kinds,
            now=now,
        )
    return Endpoint(str(endpoint_id), str(team_id), team_name, url, kinds, now, secret=secret)


def list_endpoints(
    engine: Engine, *, team: str | None = None, include_secrets: bool = False
) -> list[Endpoint]:
    """Every endpoint (of `team`, if given), oldest first; with secrets only if asked."""
    with engine.connect() as conn:
        team_id = None if team is None else _resolve_team(conn, team)[0]
        rows = store.list_endpoints(conn, team_id=team_id)
    return [
        Endpoint(
            str(row.id),
            str(row.team_id),
            row.team_name,
            row.url,
            tuple(row.event_types.split()) if row.event_types else None,
            row.created_at,
            row.secret if include_secrets else None,
        )
        for row in rows
    ]


def remove_endpoint(engine: Engine, *, endpoint_id: str) -> bool:
    """Delete an endpoint and its delivery log; False when there is no such endpoint."""
    parsed = parse_uuid(endpoint_id)
    if parsed is None:
        return False
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        return store.delete_endpoint(conn, endpoint_id=parsed)


def list_deliveries(
    engine: Engine,
    *,
    endpoint_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[tuple[store.DeliveryRow, list[store.AttemptRow]]]:
    """The latest deliveries, newest first, each with its attempts (see `store.list_deliveries`)."""
    parsed = None
    if endpoint_id is not None:
        parsed = parse_uuid(endpoint_id)
        if parsed is None:
            raise WebhookAdminError(f"not an endpoint id: {endpoint_id!r}")
    with engine.connect() as conn:
        return store.list_deliveries(conn, endpoint_id=parsed, status=status, limit=limit)


def delete_purchase(
    engine: Engine, *, purchase_id: str, product_id: str | None = None
) -> dict[str, Any] | None:
    """Delete a purchase and write its ``product_purchase.deleted`` event in the same transaction.

    Returns the purchase as it was (the event's ``data``), or None if there is no such purchase.
    """
    purchase = parse_uuid(purchase_id)
    product = None if product_id is None else parse_uuid(product_id)
    if purchase is None or (product_id is not None and product is None):
        return None
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        row = store.lock_purchase_for_delete(conn, purchase_id=purchase, product_id=product)
        if row is None:
            return None
        data = purchase_dict(row)
        store.delete_purchase_row(conn, purchase_id=purchase)
        events.emit(conn, DELETED, team_id=row.team_id, data=data, now=utcnow())
    return orjson.loads(dump_json(data))  # type: ignore[no-any-return]


def _resolve_team(conn: Connection, team: str) -> tuple[uuid.UUID, str]:
    teams = store.find_teams(conn, team=team)
    if not teams:
        raise WebhookAdminError(f"no team with id or name {team!r}")
    if len(teams) > 1:
        raise WebhookAdminError(f"several teams are named {team!r}; pass the team id")
    return teams[0].id, teams[0].name


def _check_url(url: str) -> str:
    try:
        return check_endpoint_url(url)
    except InvalidEndpointUrl as exc:
        raise WebhookAdminError(str(exc)) from None


def _check_events(event_types: Sequence[str] | None) -> tuple[str, ...] | None:
    if not event_types:
        return None
    names: list[str] = []
    for item in event_types:
        for name in item.replace(",", " ").split():
            if "." not in name:  # "revoked" for "product_purchase.revoked"
                name = f"product_purchase.{name}"
            known = events.event_types()
            if name not in known:
                raise WebhookAdminError(
                    f"unknown event type {name!r}; expected one of {', '.join(sorted(known))}"
                )
            if name not in names:
                names.append(name)
    return tuple(names) or None
