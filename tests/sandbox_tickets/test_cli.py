"""``gmodstore tickets ...`` against the sandbox: the installed console script once, then the
same typer app in-process (CliRunner), to keep the suite fast."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.entry import gmodstore  # tests/cli (pytest puts tests/ on sys.path)
from gmodstore_cli.main import app

from .conftest import Desk


class Ran:
    def __init__(self, result: Result) -> None:
        self.returncode, self.stdout, self.stderr = result.exit_code, result.stdout, result.stderr


def run(desk: Desk, token: str, *args: str) -> Ran:
    env = {"GMODSTORE_HOST": desk.sb.url, "GMODSTORE_TOKEN": token, "NO_COLOR": "1"}
    return Ran(CliRunner().invoke(app, ["tickets", *args], env=env, catch_exceptions=False))


def ok(result: Ran | subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout.strip()


@pytest.mark.slow
def test_the_console_script_lists_tickets(desk: Desk) -> None:
    if not desk.sb.database_url.startswith("sqlite"):
        pytest.skip("the entry point does not depend on the backend")
    token = desk.sb.user_token(desk.sb.ids.owner_user_id)
    env = {"GMODSTORE_HOST": desk.sb.url, "GMODSTORE_TOKEN": token}
    listed = json.loads(ok(gmodstore("tickets", "list", desk.product, "-f", "json", env=env)))
    assert [t["id"] for t in listed][:4] == desk.sb.ids.ticket_ids[:4]


def test_list_show_reply_and_change_a_ticket(desk: Desk, tmp_path: Path) -> None:
    token = desk.sb.user_token(desk.sb.ids.owner_user_id)
    ticket, _ = desk.open(subject="CLI walrus problem", body="walrus is broken")
    listed = json.loads(
        ok(run(desk, token, "list", desk.product, "--search", "walrus", "-f", "json"))
    )
    assert [t["id"] for t in listed] == [ticket]
    waiting = json.loads(
        ok(run(desk, token, "list", desk.product, "--status", "awaiting_agent", "-f", "json"))
    )
    assert ticket in [t["id"] for t in waiting]
    answer = tmp_path / "answer.md"
    answer.write_text("Update to 1.2.4\n", encoding="utf-8")
    message = ok(run(desk, token, "reply", ticket, "--body-file", str(answer)))
    desk.owner.messages.update_ticket_message(ticket, message, {"body": "Update to 1.2.5"})
    shown = ok(run(desk, token, "show", ticket))
    assert "CLI walrus problem  [awaiting_customer]" in shown
    assert "walrus is broken" in shown and "Update to 1.2.5" in shown
    assert "(edited, 2 revisions)" in shown
    ok(run(desk, token, "hold", ticket))
    assert desk.owner.tickets.get_ticket(ticket).data.status == "on_hold"
    ok(run(desk, token, "hide", ticket))
    assert desk.owner.tickets.get_ticket(ticket).data.hidden is True
    ok(run(desk, token, "close", ticket))
    assert desk.owner.tickets.get_ticket(ticket).data.status == "locked"
    refused = run(desk, token, "reply", ticket, "--body", "late")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ") and refused.stderr.strip().count("\n") == 0
    assert "The ticket is locked." in refused.stderr


def test_tag_and_attach(desk: Desk, tmp_path: Path) -> None:
    token = desk.sb.user_token(desk.sb.ids.owner_user_id)
    ticket, _ = desk.open()
    bug = desk.sb.ids.ticket_tag_ids[0]
    assert "bug" in run(desk, token, "tag", ticket, bug).stderr
    assert [t.id for t in desk.owner.tags.list_ticket_tags(ticket).data] == [bug]
    ok(run(desk, token, "tag", ticket, bug, "--remove"))
    assert desk.owner.tags.list_ticket_tags(ticket).data == []
    log = tmp_path / "console.log"
    log.write_bytes(b"[ERROR] something\n" * 1000)
    attachment = ok(run(desk, token, "attach", ticket, str(log)))
    got = desk.owner.attachments.get_ticket_attachment(ticket, attachment).data
    assert got.file_hash == hashlib.sha256(log.read_bytes()).hexdigest()
    assert got.original_name == "console.log"


def test_errors_are_one_line(desk: Desk) -> None:
    token = desk.sb.user_token(desk.sb.ids.other_owner_user_id)
    foreign = run(desk, token, "show", desk.sb.ids.ticket_ids[0])
    assert foreign.returncode == 1 and foreign.stderr.startswith("error: forbidden (403")
    assert foreign.stderr.strip().count("\n") == 0
    missing = run(desk, token, "show", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == 1 and missing.stderr.startswith("error: not found (404")
    for status in ("closed", "on_hold,locked"):
        bad = run(desk, token, "list", desk.product, "--status", status)
        assert bad.returncode == 2, status
