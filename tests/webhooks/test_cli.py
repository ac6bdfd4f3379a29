"""``gmodstore sandbox webhooks ...`` and ``... sandbox purchases delete`` (no server needed)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from typer.testing import CliRunner, Result

from gmodstore_cli.main import app
from gmodstore_sandbox.webhooks import admin
from gmodstore_sandbox.webhooks.worker import WebhookWorker, WorkerConfig

from .conftest import write_event


@pytest.fixture
def gm(engine, seed):
    """Run ``gmodstore sandbox ARGS...`` on the test database (given through the environment)."""
    runner = CliRunner()
    env = {"GMODSTORE_SANDBOX_DATABASE_URL": str(engine.url), "NO_COLOR": "1", "COLUMNS": "250"}

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["sandbox", *args], env=env, catch_exceptions=False)

    return invoke


def test_add_prints_the_secret_on_stdout(gm, engine, seed):
    result = gm("webhooks", "add", "http://127.0.0.1:9/hook", "--team", "Team A", "-e", "created")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("whsec_")
    assert "Added endpoint" in result.stderr
    assert "product_purchase.created -> http://127.0.0.1:9/hook" in result.stderr
    [endpoint] = admin.list_endpoints(engine, include_secrets=True)
    assert endpoint.secret == secret
    assert endpoint.event_types == ("product_purchase.created",)
    assert endpoint.team_id == seed.ids.team_id


HOOK = "http://127.0.0.1:9/hook"


@pytest.mark.parametrize(
    ("url", "args", "message"),
    [
        pytest.param(HOOK, ["--team", "nope"], "no team with id or name 'nope'", id="team"),
        pytest.param(HOOK, ["--team", "Team A", "-e", "bought"], "unknown event type", id="event"),
        pytest.param(
            "http://user:pass@127.0.0.1:9/hook",
            ["--team", "Team A"],
            "must not contain a user name or password",
            id="userinfo",
        ),
        pytest.param(
            "http://127.0.0.1:70000/hook", ["--team", "Team A"], "invalid port", id="port"
        ),
    ],
)
def test_add_rejects_bad_input(gm, url, args, message):
    result = gm("webhooks", "add", url, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_list_and_remove(gm, engine, seed):
    assert "No webhook endpoints" in gm("webhooks", "list").stdout
    first = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/a")
    admin.add_endpoint(engine, team="Team B", url="http://127.0.0.1:9/b", event_types=["deleted"])

    table = gm("webhooks", "list").stdout
    assert first.id in table and "http://127.0.0.1:9/b" in table and "deleted" in table
    assert "whsec_" not in table
    rows = json.loads(gm("webhooks", "list", "--team", "Team A", "--json").stdout)
    assert [(r["id"], r["team"], r["events"]) for r in rows] == [(first.id, "Team A", "all")]
    assert "secret" not in rows[0]
    rows = json.loads(gm("webhooks", "list", "--show-secrets", "--json").stdout)
    assert rows[0]["secret"] == first.secret
    assert first.secret in gm("webhooks", "list", "--show-secrets").stdout
    assert gm("webhooks", "list", "--team", "Team C").exit_code == 1

    result = gm("webhooks", "remove", first.id)
    assert result.exit_code == 0
    assert result.stdout == f"Removed endpoint {first.id}\n"
    result = gm("webhooks", "remove", first.id)
    assert result.exit_code == 1
    assert f"no webhook endpoint {first.id}" in result.stderr
    assert [e.url for e in admin.list_endpoints(engine)] == ["http://127.0.0.1:9/b"]


def test_attempts_shows_status_and_each_try(gm, engine, seed, clock):
    endpoint = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    assert gm("webhooks", "attempts").stdout == "No deliveries yet.\n"
    clock.advance(1)
    for event_type in ("product_purchase.created", "product_purchase.revoked"):
        write_event(
            engine,
            event_type=event_type,
            purchase_id=seed.ids.purchase_ids[0],
            product_id=seed.ids.product_id,
            team_id=seed.ids.team_id,
            at=clock(),
        )
    answers = iter([httpx.Response(500), httpx.ConnectError("refused"), httpx.Response(200)])

    def receiver(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    config = WorkerConfig(retry_backoff=1, max_attempts=5)
    worker = WebhookWorker(engine, config, transport=httpx.MockTransport(receiver), clock=clock)
    for _ in range(3):
        worker.run_once()
        clock.advance(10)
    worker.stop()

    rows = json.loads(gm("webhooks", "attempts", "--json").stdout)
    assert [(r["eventType"], r["status"], r["tries"]) for r in rows] == [
        ("product_purchase.revoked", "pending", 0),
        ("product_purchase.created", "delivered", 3),
    ]
    created = rows[1]
    assert [(a["attempt"], a["statusCode"]) for a in created["attempts"]] == [
        (1, 500),
        (2, None),
        (3, 200),
    ]
    assert created["attempts"][1]["error"] == "ConnectError: refused"
    assert created["lastStatusCode"] == 200
    assert created["nextAttemptAt"] is None
    assert rows[0]["nextAttemptAt"] is not None

    table = gm("webhooks", "attempts").stdout
    assert "500 ConnectError 200" in table
    assert "delivered" in table and "pending" in table
    only = json.loads(gm("webhooks", "attempts", "--status", "delivered", "--json").stdout)
    assert [r["status"] for r in only] == ["delivered"]
    mine = gm("webhooks", "attempts", "--endpoint", endpoint.id, "--limit", "1", "--json")
    assert len(json.loads(mine.stdout)) == 1
    assert gm("webhooks", "attempts", "--status", "lost").exit_code == 1
    assert gm("webhooks", "attempts", "--endpoint", "x").exit_code == 1


def test_purchases_delete(gm, engine, seed):
    purchase_id = seed.ids.purchase_ids[0]
    result = gm("purchases", "delete", purchase_id, "--product", seed.ids.empty_product_id)
    assert result.exit_code == 1
    assert f"no purchase {purchase_id} of product" in result.stderr
    result = gm("purchases", "delete", purchase_id)
    assert result.exit_code == 0, result.output
    assert f"Deleted purchase {purchase_id}" in result.stdout
    assert gm("purchases", "delete", purchase_id).exit_code == 1
    assert gm("purchases", "delete", str(uuid.uuid4())).exit_code == 1


def test_database_url_option(engine, seed, tmp_path):
    url = f"sqlite:///{tmp_path / 'webhooks.db'}"
    assert str(engine.url) == url
    result = CliRunner().invoke(
        app, ["sandbox", "webhooks", "list", "--json", "--database-url", url], env={}
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
