"""``gmodstore sandbox webhooks trigger EVENT_TYPE`` against a running sandbox: each of the 25 event
types (and the test event) makes its change, and the endpoint receives that event type."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from gmodstore_cli.main import app
from gmodstore_sandbox.storage.db import make_engine
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sandbox.webhooks.routing import API_EVENT_TYPES, TEST_EVENT
from gmodstore_sandbox.webhooks.trigger import TRIGGERS, trigger
from gmodstore_sdk.api.team_webhook_endpoints_api import TeamWebhookEndpointsApi
from gmodstore_sdk.api.team_webhook_messages_api import TeamWebhookMessagesApi

from .conftest import Delivery, Recorder
from .test_api import both_verify, create

# An order in which each change has the resource it needs, made by the triggers before it.
ORDER = [
    "product_purchase.revoked",
    "product_purchase.unrevoked",
    "product_purchase.created",
    "product_purchase.deleted",
    "product_review.created",
    "product_review.updated",
    "product_review.deleted",
    "product_version.created",
    "product_version.updated",
    "product_version.deleted",
    "ticket.created",
    "ticket_message.created",
    "ticket_message.updated",
    "ticket_message.deleted",
    "ticket_message.restored",
    "ticket_attachment.created",
    "ticket_attachment.deleted",
    "ticket.tagged",
    "ticket.untagged",
    "ticket.held",
    "ticket.unheld",
    "ticket.hidden",
    "ticket.unhidden",
    "ticket.locked",
    "ticket.unlocked",
    TEST_EVENT,
]
API_URL = "http://127.0.0.1:1/v3"


@pytest.fixture
def engine(sb: Sandbox) -> Iterator[Engine]:
    engine = make_engine(sb.database_url, pool_size=2)
    yield engine
    engine.dispose()


def _types(deliveries: list[Delivery]) -> list[str]:
    return [orjson.loads(d.body)["eventType"] for d in deliveries]


def _trigger(sb: Sandbox, event_type: str, *extra: str) -> tuple[int, str]:
    args = ["sandbox", "webhooks", "trigger", event_type, "--team", sb.ids.team_id, *extra]
    result = CliRunner().invoke(app, [*args, "--database-url", sb.database_url])
    return result.exit_code, result.output


def test_every_event_type_is_triggered_and_reaches_the_endpoint(
    sb: Sandbox,
    endpoints: TeamWebhookEndpointsApi,
    messages: TeamWebhookMessagesApi,
    recorder: Recorder,
    engine: Engine,
) -> None:
    """Table-driven over `ORDER`: a type without a trigger fails the first assertion."""
    assert len(API_EVENT_TYPES) == 25
    assert sorted(ORDER) == sorted([*API_EVENT_TYPES, TEST_EVENT]) == sorted(TRIGGERS)
    endpoint = create(endpoints, sb, recorder.url)
    secret = endpoints.get_team_webhook_endpoint_secret(sb.ids.team_id, endpoint.id).data.key
    for event_type in ORDER:
        before = _types(recorder.deliveries).count(event_type)
        done = trigger(
            engine, event_type, team=sb.ids.team_id, files_dir=sb.files_dir, api_url=API_URL
        )
        assert done, event_type
        recorder.wait(lambda d, t=event_type, n=before: _types(d).count(t) > n)
        if event_type == "product_version.created":  # the upload is where the server serves it
            version = orjson.loads(recorder.deliveries[-1].body)["data"]
            assert (sb.files_dir / "versions" / version["id"].replace("-", "")).is_file()
    deliveries = recorder.wait_count(len(ORDER) + 1)  # opening a ticket also posts its message
    for delivery in deliveries:
        both_verify(delivery, secret)
    by_type = {}
    for delivery in deliveries:
        body = orjson.loads(delivery.body)
        by_type.setdefault(body["eventType"], body["data"])
    # The data is the resource as the API shows it after the change.
    assert by_type["ticket.held"]["status"] == "on_hold"
    assert by_type["ticket.locked"]["status"] == "locked"
    assert by_type["ticket.hidden"]["hidden"] is True
    assert by_type["ticket.tagged"]["tag"]["id"]
    assert by_type["ticket_message.deleted"]["deletedAt"] is not None
    assert by_type["ticket_attachment.created"]["url"].startswith(f"{API_URL}/ticket-files/")
    assert by_type["product_version.updated"]["name"].startswith("Renamed ")
    listed = messages.list_team_webhook_messages(sb.ids.team_id, per_page=100).data
    assert {m.event_type for m in listed} == set(ORDER)


def test_the_command_triggers_and_writes_to_the_files_folder(
    sb: Sandbox, recorder: Recorder, endpoints: TeamWebhookEndpointsApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    create(endpoints, sb, recorder.url)
    monkeypatch.setenv("GMODSTORE_SANDBOX_FILES_DIR", str(sb.files_dir))
    for event_type in ("ticket.created", "product_version.created"):
        code, output = _trigger(sb, event_type)
        assert code == 0 and output.startswith(f"{event_type}: "), output
        assert output.rstrip().endswith("; queued for delivery")
    recorder.wait(lambda d: "product_version.created" in _types(d))
    [version] = [orjson.loads(d.body)["data"] for d in recorder.deliveries
                 if orjson.loads(d.body)["eventType"] == "product_version.created"]  # fmt: skip
    assert (sb.files_dir / "versions" / version["id"].replace("-", "")).is_file()


def test_unknown_or_refused_triggers_are_one_error_line(sb: Sandbox) -> None:
    code, output = _trigger(sb, "ticket.exploded")
    lines = output.strip().splitlines()
    assert code == 1 and len(lines) == 1, output
    assert lines[0].startswith("error: cannot trigger 'ticket.exploded'")
    for event_type in ("product_version.updated", "ticket_message.restored"):
        code, output = _trigger(sb, event_type)
        lines = output.strip().splitlines()
        assert code == 1 and len(lines) == 1, output
        assert lines[0].startswith("error: the team has no "), output
