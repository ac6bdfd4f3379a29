"""A new user's natural mistakes, each answered by one ``error:`` line (the real entry point)."""

from __future__ import annotations

import csv
import select
import signal
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gmodstore_sandbox.testing import Sandbox, run_sandbox
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

from .conftest import Shop, all_purchases
from .entry import command, environment, gmodstore

PURCHASE = "5a3b2c1d-0e9f-4a8b-8c7d-6e5f4a3b2c1d"


def _env(sandbox: Sandbox) -> dict[str, str | None]:
    return {"GMODSTORE_HOST": sandbox.url, "GMODSTORE_TOKEN": sandbox.token}


def _one_error(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr.rstrip("\n")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(".", "cannot write .: it is a directory; name a file such as purchases.csv"),
        pytest.param(
            "some_dir",
            "cannot write some_dir: it is a directory; name a file such as some_dir/purchases.csv",
        ),
        pytest.param(
            "missing_dir/x.csv", "cannot write missing_dir/x.csv: missing_dir does not exist"
        ),
    ],
)
def test_export_to_a_directory_or_a_missing_one(
    sandbox: Sandbox, shop: Shop, tmp_path: Path, target: str, expected: str
) -> None:
    (tmp_path / "some_dir").mkdir()
    result = gmodstore(
        "purchases", "export", shop.product, "-o", target, env=_env(sandbox), cwd=tmp_path
    )
    assert _one_error(result) == f"error: {expected}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["some_dir"]


def test_export_format_that_contradicts_the_file_name(
    sandbox: Sandbox, shop: Shop, tmp_path: Path
) -> None:
    result = gmodstore(
        "purchases",
        "export",
        shop.product,
        "--format",
        "json",
        "-o",
        "out.csv",
        env=_env(sandbox),
        cwd=tmp_path,
    )
    assert _one_error(result, 2) == (
        "error: --format: json does not match the file name out.csv (.csv is csv):"
        " leave out --format, or name the file .json"
    )
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_in_export_writes_no_file_and_exits_130(tmp_path: Path) -> None:
    """The export waits for the rate limit (announced on a non-terminal stderr), then Ctrl-C."""
    with run_sandbox(rate_limit=2, rate_limit_window=60.0) as sb:
        env = {"GMODSTORE_HOST": sb.url, "GMODSTORE_TOKEN": sb.token}
        args = ["purchases", "export", sb.ids.product_id, "-o", "out.csv", "--per-page", "1"]
        with subprocess.Popen(
            [*command(), *args],
            env=environment(**env),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            assert process.stderr is not None
            ready, _, _ = select.select([process.stderr], [], [], 30)
            waiting = process.stderr.readline() if ready else "(nothing on stderr in 30 s)"
            process.send_signal(signal.SIGINT)
            rest = process.stderr.read()
            code = process.wait(timeout=20)
    assert waiting.startswith("rate limit: waiting until ")
    assert (code, rest) == (130, "error: interrupted; no file written\n")
    assert list(tmp_path.iterdir()) == []


class _NotTheApi(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body><h1>Not Found</h1></body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    """Another service on a loopback port: answers every GET with an HTML 404 page."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotTheApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("args", [["get", "P", PURCHASE], ["list", "P"], ["check", "P", PURCHASE]])
def test_a_host_that_is_not_the_api(web_server: str, args: list[str]) -> None:
    result = gmodstore(
        "purchases", *args, env={"GMODSTORE_HOST": web_server, "GMODSTORE_TOKEN": "gms_x"}
    )
    code = 2 if args[0] == "check" else 1
    assert _one_error(result, code) == (
        f"error: {web_server} did not answer like the GmodStore API (HTTP 404, text/html):"
        " check --host / GMODSTORE_HOST"
    )


def test_revoke_from_a_file_of_user_ids_says_so(
    sandbox: Sandbox, shop: Shop, api: ProductPurchasesApi, tmp_path: Path
) -> None:
    users = tmp_path / "users.txt"
    users.write_text("\n".join(shop.active) + "\n")
    before = all_purchases(api, shop.product)
    result = gmodstore("purchases", "revoke", shop.product, "--from", str(users), env=_env(sandbox))
    first = next(iter(shop.active))
    assert _one_error(result) == (
        f"error: {first} is not a purchase of product {shop.product} but a user who owns one:"
        " these look like user ids: add a `userId` header to the file or use `--user`"
    )
    assert all_purchases(api, shop.product) == before


def test_a_csv_without_the_needed_column_names_the_columns_it_expected(
    sandbox: Sandbox, shop: Shop, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name,email\nAlice,alice@example.com\n")
    result = gmodstore("purchases", "grant", shop.product, "--from", str(people), env=_env(sandbox))
    assert _one_error(result, 2) == (
        f"error: --from: cannot read {people}: no column named userId, user or id in its header"
        " (name, email)"
    )


def test_a_csv_field_over_the_csv_module_limit(
    sandbox: Sandbox, shop: Shop, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.csv"
    huge.write_text('userId\n"' + "x" * (csv.field_size_limit() + 10) + '"\n')
    result = gmodstore("purchases", "grant", shop.product, "--from", str(huge), env=_env(sandbox))
    line = _one_error(result, 2)
    assert line.startswith(f"error: --from: cannot read {huge}: line ")
    assert "field larger than field limit" in line


def test_tables_written_to_a_pipe_keep_each_row_on_one_line(sandbox: Sandbox, shop: Shop) -> None:
    result = gmodstore("purchases", "list", shop.product, env={**_env(sandbox), "COLUMNS": "40"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + len(shop.purchases)
    assert lines[0].split() == [
        "Purchase",
        "User",
        "Status",
        "Created",
        "(UTC)",
        "Updated",
        "(UTC)",
    ]
    assert "\t" not in result.stdout
    for line in lines[1:]:
        purchase_id, user_id, status = line.split()[:3]
        assert shop.purchases[purchase_id].user_id == user_id
        assert status == ("revoked" if shop.purchases[purchase_id].revoked else "active")
