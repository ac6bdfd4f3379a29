"""``gmodstore webhooks listen`` against a real sandbox, forwarding to a real loopback receiver,
killed and restarted mid-stream: no message lost, duplicates carry the same ``webhook-id``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk import ApiClient
from gmodstore_sdk.api.team_webhook_messages_api import TeamWebhookMessagesApi

from .conftest import Recorder, wait_for
from .test_api import both_verify, grant, revoke

pytestmark = pytest.mark.slow


class Listen:
    def __init__(self, sb: Sandbox, token: str, url: str, checkpoint: Path, *extra: str) -> None:
        self.args = [
            sys.executable, "-m", "gmodstore_cli", "webhooks", "listen",
            "--team", sb.ids.team_id, "--forward-to", url, "--checkpoint", str(checkpoint),
            "--interval", "0.1", "--host", sb.url, "--token", token, *extra,
        ]  # fmt: skip
        self.checkpoint = checkpoint
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.checkpoint.with_suffix(".log").open("ab")
        with log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(self.args, stderr=log, stdout=subprocess.DEVNULL)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def log(self) -> str:
        return self.checkpoint.with_suffix(".log").read_text(errors="replace")

    def secret(self) -> str:
        wait_for(self.checkpoint.exists)
        return str(json.loads(self.checkpoint.read_text())["secret"])


@pytest.fixture
def listen_proc(sb: Sandbox, token: str, recorder: Recorder, tmp_path: Path) -> Iterator[Listen]:
    listen = Listen(sb, token, recorder.url, tmp_path / "listen.json")
    yield listen
    if listen.proc is not None and listen.proc.poll() is None:
        listen.kill()


def test_listen_survives_a_kill_without_losing_a_message(
    sb: Sandbox, client: ApiClient, recorder: Recorder, listen_proc: Listen
) -> None:
    listen_proc.start()
    secret = listen_proc.secret()
    made = [grant(client, sb, n) for n in range(10)]
    recorder.wait_count(3)
    listen_proc.kill()  # mid-stream
    made += [grant(client, sb, n) for n in range(10, 20)]
    listen_proc.start()
    assert listen_proc.secret() == secret  # the receiver's configuration survives a restart

    messages = TeamWebhookMessagesApi(client)
    ids = {m.id for m in messages.iter_team_webhook_messages(sb.ids.team_id)}
    expected = {"msg_" + i.replace("-", "") for i in ids}

    def forwarded() -> set[str]:
        return {d.headers["webhook-id"] for d in recorder.deliveries}

    wait_for(lambda: forwarded() >= expected, timeout=30)
    bodies: dict[str, bytes] = {}
    for delivery in recorder.deliveries:
        both_verify(delivery, secret)
        wid = delivery.headers["webhook-id"]
        assert bodies.setdefault(wid, delivery.body) == delivery.body  # a duplicate is identical
    assert forwarded() == expected
    counts = Counter(d.headers["webhook-id"] for d in recorder.deliveries)
    assert sum(counts.values()) - len(counts) <= 1  # at most the one in flight at the kill
    order = [orjson.loads(d.body)["data"]["id"] for d in recorder.deliveries]
    assert list(dict.fromkeys(order)) == made  # oldest first, across the restart


def test_listen_filters_events_and_replays_since(
    sb: Sandbox, client: ApiClient, token: str, recorder: Recorder, tmp_path: Path
) -> None:
    made = [grant(client, sb, 0)]  # before any listen: history
    revoke(client, sb, made[0])  # filtered out below: it would arrive second
    made += [grant(client, sb, n) for n in (1, 2)]
    listen = Listen(
        sb, token, recorder.url, tmp_path / "replay.json",
        "--since", "1h", "--events", "product_purchase.created",
    )  # fmt: skip
    listen.start()
    try:
        ids = lambda: [orjson.loads(d.body)["data"]["id"] for d in recorder.deliveries]  # noqa: E731
        wait_for(lambda: ids() == made)
        assert "product_purchase.created" in listen.log()  # each delivery is shown
    finally:
        listen.kill()
