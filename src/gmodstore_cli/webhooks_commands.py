"""``gmodstore webhooks listen``: receive a team's webhooks on this machine, without a tunnel.

Polls the team's webhook messages through the SDK (newest first: it reads until it meets what it
has already seen), re-signs each new one with a local secret (Standard Webhooks headers, the
message's own ``webhook-id``) and POSTs it to ``--forward-to``, oldest first. Delivery is
at-least-once: a message is written to the checkpoint file only once the local receiver answered
2xx, so a restart neither skips nor floods (only the message in flight can arrive twice, with the
same ``webhook-id``). A receiver that fails holds the stream (retried with backoff): the order is
kept.

    $ gmodstore webhooks listen --team TEAM --forward-to http://127.0.0.1:8001/hook
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from base64 import b64encode
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from gmodstore_cli import render
from gmodstore_cli.core import current_context, from_command_line
from gmodstore_cli.options import DebugOpt, HostOpt, TimeoutOpt, TokenOpt, examples
from gmodstore_cli.session import CommandFailed, Connection, errors_to_exit, open_api
from gmodstore_sdk.api.team_webhook_messages_api import TeamWebhookMessagesApi
from gmodstore_sdk.webhooks import sign

__all__ = ["Checkpoint", "mount"]

GRACE = timedelta(seconds=60)
"""How far below the newest message seen a poll still looks (a message can be committed late)."""
_MAX_BACKOFF = 30.0

webhooks = typer.Typer(
    help="Receive your team's webhooks locally (no tunnel needed).",
    epilog=examples(
        "gmodstore webhooks listen --team TEAM --forward-to http://127.0.0.1:8001/hook",
        "gmodstore webhooks listen --team TEAM --forward-to URL --events product_purchase.created",
        "gmodstore webhooks listen --team TEAM --forward-to URL --since 2h",
    ),
    no_args_is_help=True,
)


def mount(app: typer.Typer) -> None:
    """Add the ``webhooks`` group to the ``gmodstore`` command."""
    app.add_typer(webhooks, name="webhooks")


@dataclass
class Checkpoint:
    """What ``listen`` has forwarded, kept in a JSON file (replaced atomically on each change).

    Attributes:
        secret: the local signing secret (kept, so the receiver's configuration survives restarts).
        since: messages older than this are never forwarded.
        seen: id -> timestamp of the messages forwarded (or filtered out) near the newest one.
    """

    path: Path
    secret: str
    since: datetime
    seen: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Checkpoint | None:
        try:
            raw = json.loads(path.read_text("utf-8"))
            return cls(
                path,
                raw["secret"],
                datetime.fromisoformat(raw["since"]),
                {k: datetime.fromisoformat(v) for k, v in raw["seen"].items()},
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise CommandFailed(f"unreadable checkpoint file {path}: {exc}") from None

    def horizon(self) -> datetime:
        """The oldest timestamp a poll must still read."""
        if not self.seen:
            return self.since
        return max(self.since, max(self.seen.values()) - GRACE)

    def mark(self, message_id: str, timestamp: datetime) -> None:
        self.seen[message_id] = timestamp
        floor = max(self.seen.values()) - 2 * GRACE
        self.seen = {k: v for k, v in self.seen.items() if v >= floor}
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "secret": self.secret,
            "since": self.since.isoformat(),
            "seen": {k: v.isoformat() for k, v in self.seen.items()},
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(body), "utf-8")
        os.replace(tmp, self.path)


def parse_since(value: str, now: datetime) -> datetime:
    """``2h``, ``30m``, ``7d``, ``90s`` ago, or an ISO 8601 time (UTC if it has no zone)."""
    match = re.fullmatch(r"(\d+)([smhd])", value.strip())
    if match:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
        return now - timedelta(**{unit: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter("--since takes 30m, 2h, 7d or an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def webhook_id(message_id: str) -> str:
    """The sandbox's ``webhook-id`` for a message: ``msg_`` and its id without dashes."""
    return "msg_" + message_id.replace("-", "")


def _default_checkpoint(team: str, host: str | None) -> Path:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    tag = hashlib.sha256(f"{host or ''} {team}".encode()).hexdigest()[:12]
    return state / "gmodstore" / f"listen-{tag}.json"


def _new_secret() -> str:
    return "whsec_" + b64encode(secrets.token_bytes(32)).decode("ascii")


class Listener:
    """One ``listen`` run: poll, forward in order, checkpoint."""

    def __init__(
        self,
        api: TeamWebhookMessagesApi,
        http: httpx.Client,
        *,
        team: str,
        url: str,
        checkpoint: Checkpoint,
        events: set[str] | None,
    ) -> None:
        self.api, self.http, self.team, self.url = api, http, team, url
        self.checkpoint = checkpoint
        self.events = events

    def new_messages(self) -> list[Any]:
        """Unseen messages at or above the horizon, oldest first."""
        horizon = self.checkpoint.horizon()
        found = []
        for message in self.api.iter_team_webhook_messages(self.team, per_page=100):
            if message.timestamp < horizon:
                break
            if (
                message.id not in self.checkpoint.seen
                and message.timestamp >= self.checkpoint.since
            ):
                found.append(message)
        return found[::-1]

    def forward(self, message: Any) -> None:
        """POST until the receiver answers 2xx (backoff up to 30 s), then checkpoint."""
        if self.events is not None and message.event_type not in self.events:
            self.checkpoint.mark(message.id, message.timestamp)
            return
        body = json.dumps(message.payload, separators=(",", ":")).encode()
        delay = 1.0
        while True:
            headers = sign(body, secret=self.checkpoint.secret, webhook_id=webhook_id(message.id))
            headers["content-type"] = "application/json"
            start = time.perf_counter()
            try:
                status = self.http.post(self.url, content=body, headers=headers).status_code
                answer = str(status)
            except httpx.HTTPError as exc:
                status, answer = 0, type(exc).__name__
            ms = (time.perf_counter() - start) * 1000
            stamp = datetime.now().strftime("%H:%M:%S")
            render.note(f"{stamp}  {message.event_type}  {message.id}  -> {answer} ({ms:.0f} ms)")
            if 200 <= status < 300:
                self.checkpoint.mark(message.id, message.timestamp)
                return
            time.sleep(delay)
            delay = min(delay * 2, _MAX_BACKOFF)


def _pause(client: Any, interval: float) -> float:
    """The poll interval, longer when less than a tenth of the rate limit is left."""
    limit = client.rate_limit
    if limit is None or limit.limit is None or limit.remaining is None or limit.reset is None:
        return interval
    if limit.remaining > limit.limit // 10:
        return interval
    return float(max(interval, min(limit.reset - time.time(), 60.0)))


ListenTeam = Annotated[str, typer.Option("--team", help="Team id whose webhooks to receive.")]
ForwardTo = Annotated[
    str, typer.Option("--forward-to", help="Local URL to POST each webhook to.", metavar="URL")
]


@webhooks.command(
    "listen",
    epilog=examples(
        "gmodstore webhooks listen --team TEAM --forward-to http://127.0.0.1:8001/hook",
        "gmodstore webhooks listen --team TEAM --forward-to URL --since 2h --events "
        "product_purchase.created,product_purchase.revoked",
    ),
)
def listen(
    team: ListenTeam,
    forward_to: ForwardTo,
    events: Annotated[
        str | None, typer.Option("--events", help="Only these event types (comma-separated).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Replay history from this time (30m, 2h, 7d, ISO 8601)."),
    ] = None,
    checkpoint_file: Annotated[
        Path | None, typer.Option("--checkpoint", help="Where progress is kept.")
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between polls when idle.")
    ] = 2.0,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Forward the team's webhooks to a local URL, re-signed with a local secret (printed)."""
    if not forward_to.startswith(("http://", "https://")):
        raise typer.BadParameter("--forward-to must be an http:// or https:// URL")
    wanted = {e.strip() for e in events.split(",") if e.strip()} if events else None
    conn = _conn(token, host, timeout, debug)
    now = datetime.now(timezone.utc)
    path = checkpoint_file or _default_checkpoint(team, conn.host)
    with errors_to_exit(conn), open_api(conn) as (client, _):
        messages = TeamWebhookMessagesApi(client)
        checkpoint = Checkpoint.load(path)
        if checkpoint is None:
            checkpoint = Checkpoint(path, _new_secret(), now)
        if since is not None:  # a replay: forward again what was already forwarded
            checkpoint.since, checkpoint.seen = parse_since(since, now), {}
        checkpoint.save()
        render.note(f"Forwarding team {team}'s webhooks to {forward_to}")
        render.note(f"Local signing secret: {checkpoint.secret}")
        with httpx.Client(timeout=10.0, trust_env=False) as http:
            listener = Listener(
                messages, http, team=team, url=forward_to, checkpoint=checkpoint, events=wanted
            )
            try:
                while True:
                    for message in listener.new_messages():
                        listener.forward(message)
                    time.sleep(_pause(client, interval))
            except KeyboardInterrupt:
                render.note("stopped")


def _conn(token: str | None, host: str | None, timeout: float, debug: bool) -> Connection:
    def pick(name: str, value: str | None) -> str | None:
        if from_command_line(name):
            return value
        given: dict[str, str | None] = current_context().find_root().obj or {}
        return given.get(name) or value

    return Connection(pick("token", token), pick("host", host), timeout, debug)
