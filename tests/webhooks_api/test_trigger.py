"""``gmodstore sandbox webhooks trigger EVENT_TYPE`` against a running sandbox: each triggerable
type makes its change, and the endpoint receives that event type, in order."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from gmodstore_cli.main import app
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sandbox.webhooks.trigger import TRIGGERS
from gmodstore_sdk.api.team_webhook_endpoints_api import TeamWebhookEndpointsApi

from .conftest import Recorder
from .test_api import both_verify, create

ORDER = [
    "product_purchase.revoked",
    "product_purchase.unrevoked",
    "product_purchase.created",
    "product_purchase.deleted",
    "product_review.created",
    "product_review.updated",
    "product_review.deleted",
    "webhook_endpoint.test",
]


def test_every_triggerable_type_reaches_the_endpoint(
    sb: Sandbox, endpoints: TeamWebhookEndpointsApi, recorder: Recorder
) -> None:
    assert set(ORDER) == set(TRIGGERS)
    endpoint = create(endpoints, sb, recorder.url)
    secret = endpoints.get_team_webhook_endpoint_secret(sb.ids.team_id, endpoint.id).data.key
    runner = CliRunner()
    for event_type in ORDER:
        args = ["sandbox", "webhooks", "trigger", event_type, "--team", sb.ids.team_id]
        result = runner.invoke(app, [*args, "--database-url", sb.database_url])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{event_type}: ")
    deliveries = recorder.wait_count(len(ORDER))
    got = [orjson.loads(d.body)["eventType"] for d in deliveries]
    assert sorted(got) == sorted(ORDER)
    for delivery in deliveries:
        both_verify(delivery, secret)


def test_an_untriggerable_type_is_one_error_line(sb: Sandbox) -> None:
    args = ["sandbox", "webhooks", "trigger", "ticket.created", "--database-url", sb.database_url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot trigger 'ticket.created'")
