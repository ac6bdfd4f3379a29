"""Every webhook event type of the spec verifies and parses into its own typed class."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from gmodstore_sdk import webhooks
from gmodstore_sdk.model.product_purchase import ProductPurchase

from . import spec_support as sp
from .test_spec_requests import SPEC

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
EVENTS = dict(SPEC["webhooks"]) if SPEC else {}


def test_all_25_event_types_have_a_class() -> None:
    if SPEC is None:
        pytest.skip("no spec")
    assert len(EVENTS) == 25
    for name in EVENTS:
        assert issubclass(getattr(webhooks, name + "Event"), webhooks.WebhookEvent)


@pytest.mark.parametrize("name", list(EVENTS))
def test_a_signed_event_parses_into_its_class(name: str) -> None:
    assert SPEC is not None
    schema = sp.resolve(
        EVENTS[name]["post"]["requestBody"]["content"]["application/json"]["schema"], SPEC
    )
    event_type = schema["properties"]["eventType"]["enum"][0]
    data_schema = schema["properties"]["data"]

    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=sp.strategy(data_schema))
    def parses(data: Any) -> None:
        body = json.dumps({"eventType": event_type, "data": data}).encode()
        headers = webhooks.sign(body, secret=SECRET, webhook_id="msg_1")
        event = webhooks.verify(body, headers, SECRET)
        assert type(event) is getattr(webhooks, name + "Event")
        assert event.event_type == event_type

    parses()


def test_the_purchase_events_keep_their_classes_and_import_paths() -> None:
    from gmodstore_sdk.webhooks import (
        ProductPurchaseCreatedEvent,
        ProductPurchaseDeletedEvent,
        ProductPurchaseEvent,
        ProductPurchaseRevokedEvent,
        ProductPurchaseUnrevokedEvent,
    )

    for cls in (
        ProductPurchaseCreatedEvent,
        ProductPurchaseDeletedEvent,
        ProductPurchaseRevokedEvent,
        ProductPurchaseUnrevokedEvent,
    ):
        assert cls.model_fields["data"].annotation is ProductPurchase
    assert ProductPurchaseCreatedEvent in ProductPurchaseEvent.__args__
