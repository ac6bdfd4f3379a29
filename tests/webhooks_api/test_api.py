"""End to end: the 13 team webhook operations through the generated SDK against a real sandbox,
with a loopback receiver verifying each delivery with the SDK's `verify` and with the independent
`standardwebhooks` implementation."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from gmodstore_sandbox.storage.db import make_engine
from gmodstore_sandbox.storage.tables import Team, utcnow
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk import ApiClient, AsyncApiClient, Configuration
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.api.team_webhook_endpoints_api import (
    AsyncTeamWebhookEndpointsApi,
    TeamWebhookEndpointsApi,
)
from gmodstore_sdk.api.team_webhook_messages_api import (
    AsyncTeamWebhookMessagesApi,
    TeamWebhookMessagesApi,
)
from gmodstore_sdk.exceptions import ApiException
from gmodstore_sdk.webhooks import ProductPurchaseCreatedEvent, verify

from .conftest import Delivery, Recorder, wait_for

CREATED = "product_purchase.created"
REVOKED = "product_purchase.revoked"


def both_verify(delivery: Delivery, secret: str) -> Any:
    """The SDK's verify and standardwebhooks agree that `secret` signed `delivery`."""
    event = verify(delivery.body, delivery.headers, secret)
    Webhook(secret).verify(delivery.body, delivery.headers)
    return event


def grant(client: ApiClient, sb: Sandbox, n: int = 0) -> str:
    api = ProductPurchasesApi(client)
    body = {"userId": sb.ids.free_user_ids[n]}
    return api.create_product_purchase(sb.ids.product_id, body).data.id


def revoke(client: ApiClient, sb: Sandbox, purchase: str) -> None:
    ProductPurchasesApi(client).update_product_purchase(
        sb.ids.product_id, purchase, {"revoked": True}
    )


def create(endpoints: TeamWebhookEndpointsApi, sb: Sandbox, url: str, **extra: Any) -> Any:
    return endpoints.create_team_webhook_endpoint(sb.ids.team_id, {"url": url, **extra}).data


def test_endpoint_lifecycle_delivery_and_message(
    sb: Sandbox,
    client: ApiClient,
    endpoints: TeamWebhookEndpointsApi,
    messages: TeamWebhookMessagesApi,
    recorder: Recorder,
) -> None:
    team = sb.ids.team_id
    created = create(endpoints, sb, recorder.url, description="orders")
    assert (created.team_id, created.url, created.description) == (team, recorder.url, "orders")
    assert created.disabled is False and created.filter_types is None
    assert endpoints.get_team_webhook_endpoint(team, created.id).data == created
    listed = endpoints.list_team_webhook_endpoints(team).data
    assert [e.id for e in listed] == [created.id]
    secret = endpoints.get_team_webhook_endpoint_secret(team, created.id).data.key
    assert secret.startswith("whsec_")

    purchase = grant(client, sb)
    (delivery,) = recorder.wait_count(1)
    event = both_verify(delivery, secret)
    assert isinstance(event, ProductPurchaseCreatedEvent) and event.data.id == purchase

    page = messages.list_team_webhook_messages(team).data
    message = page[0]
    assert message.event_type == CREATED and message.payload["data"]["id"] == purchase
    assert delivery.headers["webhook-id"] == f"msg_{message.id.replace('-', '')}"
    got = messages.get_team_webhook_message(team, message.id).data
    assert orjson.dumps(got.payload) == delivery.body  # exactly the signed body
    assert got.channels == [f"product:{sb.ids.product_id}"]

    wait_for(lambda: bool(messages.list_team_webhook_message_attempts(team, message.id).data))
    (attempt,) = messages.list_team_webhook_message_attempts(team, message.id).data
    assert (attempt.endpoint_id, attempt.msg_id, attempt.url) == (
        created.id,
        message.id,
        recorder.url,
    )
    assert (attempt.status, attempt.response_status_code) == (0, 204)
    (sent,) = endpoints.list_team_webhook_endpoint_attempts(team, created.id).data
    assert (sent.id, sent.status, sent.event_type) == (message.id, 0, CREATED)

    deleted = endpoints.delete_team_webhook_endpoint(team, created.id).data
    assert deleted.id == created.id
    with pytest.raises(ApiException) as info:
        endpoints.get_team_webhook_endpoint(team, created.id)
    assert info.value.status == 404
    assert endpoints.list_team_webhook_endpoints(team).data == []


def test_filter_types_channels_and_disabled(
    sb: Sandbox,
    client: ApiClient,
    endpoints: TeamWebhookEndpointsApi,
    recorder: Recorder,
) -> None:
    team = sb.ids.team_id
    revokes = Recorder()
    revokes.start()
    other = Recorder()
    other.start()
    try:
        only_revoked = create(endpoints, sb, revokes.url, filterTypes=[REVOKED])
        everything = create(endpoints, sb, recorder.url)
        elsewhere = create(
            endpoints, sb, other.url, channels=[f"product:{sb.ids.empty_product_id}"]
        )
        assert only_revoked.filter_types == [REVOKED]
        purchase = grant(client, sb, 0)
        revoke(client, sb, purchase)
        recorder.wait_count(2)
        (got,) = revokes.wait_count(1)
        assert orjson.loads(got.body)["eventType"] == REVOKED

        payload = {"url": recorder.url, "disabled": True}
        updated = endpoints.update_team_webhook_endpoint(team, everything.id, payload).data
        assert updated.disabled is True and updated.updated_at >= everything.updated_at
        while_disabled = grant(client, sb, 1)
        revoke(client, sb, while_disabled)
        revokes.wait_count(2)  # the other endpoint got it, so it has been fanned out
        payload["disabled"] = False
        endpoints.update_team_webhook_endpoint(team, everything.id, payload)
        after = grant(client, sb, 2)
        revoke(client, sb, after)
        revokes.wait_count(3)
        deliveries = recorder.wait_count(4)
        ids = [orjson.loads(d.body)["data"]["id"] for d in deliveries]
        assert while_disabled not in ids and ids[2:] == [after, after]
        assert other.deliveries == []  # its channel is another product's
        assert elsewhere.channels == [f"product:{sb.ids.empty_product_id}"]
    finally:
        revokes.stop()
        other.stop()


def test_secret_rotation_signs_with_both_keys(
    sb: Sandbox, client: ApiClient, endpoints: TeamWebhookEndpointsApi, recorder: Recorder
) -> None:
    team = sb.ids.team_id
    endpoint = create(endpoints, sb, recorder.url)
    old = endpoints.get_team_webhook_endpoint_secret(team, endpoint.id).data.key
    new = endpoints.update_team_webhook_endpoint_secret(team, endpoint.id).data.key
    assert new != old and new.startswith("whsec_")
    assert endpoints.get_team_webhook_endpoint_secret(team, endpoint.id).data.key == new
    grant(client, sb)
    (delivery,) = recorder.wait_count(1)
    assert len(delivery.headers["webhook-signature"].split()) == 2
    both_verify(delivery, old)  # a receiver that has not switched yet
    both_verify(delivery, new)  # and one that has


@pytest.fixture
def one_try(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_MAX_ATTEMPTS", "2")


@pytest.mark.usefixtures("one_try")
def test_resend_and_test_event(
    sb: Sandbox,
    client: ApiClient,
    endpoints: TeamWebhookEndpointsApi,
    messages: TeamWebhookMessagesApi,
    recorder: Recorder,
) -> None:
    team = sb.ids.team_id
    recorder.status = 500
    endpoint = create(endpoints, sb, recorder.url, filterTypes=[REVOKED, CREATED])
    secret = endpoints.get_team_webhook_endpoint_secret(team, endpoint.id).data.key
    grant(client, sb)
    first, second = recorder.wait_count(2)
    message = messages.list_team_webhook_messages(team).data[0]

    def status() -> int:
        return endpoints.list_team_webhook_endpoint_attempts(team, endpoint.id).data[0].status

    wait_for(lambda: status() == 2)  # failed after its 2 tries
    recorder.status = 204
    endpoints.resend_team_webhook_endpoint_attempt(team, endpoint.id, message.id)
    third = recorder.wait_count(3)[2]
    assert {d.headers["webhook-id"] for d in (first, second, third)} == {
        first.headers["webhook-id"]
    }
    both_verify(third, secret)
    wait_for(lambda: status() == 0)
    tries = messages.list_team_webhook_message_attempts(team, message.id).data
    assert [t.response_status_code for t in tries] == [204, 500, 500]  # newest first

    endpoints.test_team_webhook_endpoints(team)  # reaches it despite filterTypes
    test = recorder.wait_count(4)[3]
    assert both_verify(test, secret).event_type == "webhook_endpoint.test"

    with pytest.raises(ApiException) as info:
        endpoints.resend_team_webhook_endpoint_attempt(team, endpoint.id, endpoint.id)
    assert info.value.status == 404


def test_messages_page_newest_first(
    sb: Sandbox, client: ApiClient, messages: TeamWebhookMessagesApi
) -> None:
    made = [grant(client, sb, n) for n in range(5)]
    seen = [
        m.payload["data"]["id"]
        for m in messages.iter_team_webhook_messages(sb.ids.team_id, per_page=2)
    ]
    assert seen == made[::-1]


def test_access_and_bad_input(
    sb: Sandbox, endpoints: TeamWebhookEndpointsApi, messages: TeamWebhookMessagesApi
) -> None:
    team = sb.ids.team_id

    def status_of(call: Any, *args: Any) -> int:
        with pytest.raises(ApiException) as info:
            call(*args)
        return int(info.value.status)

    assert status_of(endpoints.list_team_webhook_endpoints, sb.ids.other_team_id) == 403
    assert status_of(endpoints.list_team_webhook_endpoints, sb.ids.owner_user_id) == 404
    assert status_of(messages.get_team_webhook_message, team, sb.ids.product_id) == 404
    url = {"url": "ftp://example.invalid/"}
    assert status_of(endpoints.create_team_webhook_endpoint, team, url) == 400
    reader = sb.new_token(scopes=["team-webhook-endpoints:read"], team="a")
    config = Configuration(host=sb.url, access_token=reader, api_path="/v3")
    with ApiClient(config) as client:
        read_only = TeamWebhookEndpointsApi(client)
        assert read_only.list_team_webhook_endpoints(team).data == []
        assert status_of(read_only.test_team_webhook_endpoints, team) == 403
        assert status_of(TeamWebhookMessagesApi(client).list_team_webhook_messages, team) == 403
    engine = make_engine(sb.database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(update(Team).where(Team.id == uuid.UUID(team)).values(deleted_at=utcnow()))
    finally:
        engine.dispose()
    assert status_of(endpoints.list_team_webhook_endpoints, team) == 404  # a deleted team


def test_async_client(sb: Sandbox, token: str, recorder: Recorder) -> None:
    async def main() -> None:
        config = Configuration(host=sb.url, access_token=token, api_path="/v3")
        async with AsyncApiClient(config) as client:
            endpoints = AsyncTeamWebhookEndpointsApi(client)
            team = sb.ids.team_id
            made = await endpoints.create_team_webhook_endpoint(team, {"url": recorder.url})
            secret = (await endpoints.get_team_webhook_endpoint_secret(team, made.data.id)).data
            await endpoints.test_team_webhook_endpoints(team)
            (delivery,) = await asyncio.to_thread(recorder.wait_count, 1)
            both_verify(delivery, secret.key)
            listed = await AsyncTeamWebhookMessagesApi(client).list_team_webhook_messages(team)
            assert listed.data[0].event_type == "webhook_endpoint.test"

    asyncio.run(main())
