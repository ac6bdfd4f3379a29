"""``gmodstore sandbox tickets open|reply|request-log|tag-create``: the customer's side."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from gmodstore_cli.main import app

from .conftest import Desk


def sandbox(desk: Desk, *args: str) -> Result:
    argv = ["sandbox", "tickets", *args, "--database-url", desk.sb.database_url]
    return CliRunner().invoke(app, argv, catch_exceptions=False)


def out(result: Result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout.strip()


def test_open_reply_request_log_and_tag_create(desk: Desk) -> None:
    customer = desk.sb.new_user("CLI customer")
    ticket = out(
        sandbox(
            desk,
            "open",
            "--product",
            desk.product,
            "--user",
            customer,
            "--subject",
            "From the CLI",
            "--body",
            "first",
        )
    )
    got = desk.owner.tickets.get_ticket(ticket).data
    assert (got.subject, got.user_id, got.status) == ("From the CLI", customer, "awaiting_agent")
    desk.owner.messages.create_ticket_message(ticket, {"body": "answer"})
    message = out(sandbox(desk, "reply", ticket, "--body", "thanks"))
    assert desk.owner.messages.get_ticket_message(ticket, message).data.user_id == customer
    assert desk.owner.tickets.get_ticket(ticket).data.status == "awaiting_agent"
    request = out(sandbox(desk, "request-log", ticket))
    log = desk.customer(customer, []).logs.upload_log_to_ticket(request, b"log").data
    assert log.ticket_id == ticket
    tag = out(sandbox(desk, "tag-create", "--team", desk.sb.ids.team_id, "--name", "cli-tag"))
    assert desk.owner.tags.create_ticket_tag(ticket, {"tag_id": tag}).data.tag.name == "cli-tag"


def test_errors_are_one_line(desk: Desk) -> None:
    missing = sandbox(desk, "reply", "00000000-0000-4000-8000-000000000000", "--body", "x")
    assert missing.exit_code == 1
    assert missing.stderr.strip().count("\n") == 0 and missing.stderr.startswith("error: ")
    ticket, _ = desk.open()
    desk.owner.tickets.update_ticket(ticket, {"status": "locked"})
    locked = sandbox(desk, "reply", ticket, "--body", "x")
    assert (locked.exit_code, locked.stderr.strip()) == (1, f"error: ticket {ticket} is locked")
    taken = sandbox(desk, "tag-create", "--team", desk.sb.ids.team_id, "--name", "bug")
    assert taken.exit_code == 1 and "already has a tag" in taken.stderr
