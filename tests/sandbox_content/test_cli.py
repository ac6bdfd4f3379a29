"""``gmodstore versions|coupons|reviews`` against the real sandbox (typer's CliRunner)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from gmodstore_cli.main import app

from .conftest import Content
from .files import zip_bytes


@pytest.fixture
def gm(content: Content):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str, token: str | None = None) -> Result:
        env = {
            "GMODSTORE_HOST": content.sb.url,
            "GMODSTORE_TOKEN": token or content.token,
            "NO_COLOR": "1",
        }
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout.strip()


def test_upload_list_latest_download_delete(gm, content: Content, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    product = content.sb.new_product(name="CLI releases")
    archive = tmp_path / "addon.zip"
    archive.write_bytes(zip_bytes(150_000))
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("## 1.2.3\n- fixes\n")
    args = ["versions", "upload", product, str(archive), "--name", "1.2.3"]
    version = ok(gm(*args, "--changelog-file", str(changelog), "--release-type", "stable"))
    got = content.http.get(f"/products/{product}/versions/{version}").json()["data"]
    assert (got["name"], got["changelog"], got["releaseType"]) == (
        "1.2.3",
        "## 1.2.3\n- fixes\n",
        "stable",
    )
    assert got["fileHash"] == hashlib.sha256(archive.read_bytes()).hexdigest()

    again = gm(*args, "--changelog", "whatever")  # same name, same file: reported, not duplicated
    assert ok(again) == version
    assert "already exists" in again.stderr
    assert len(content.http.get(f"/products/{product}/versions").json()["data"]) == 1

    beta = ok(
        gm(
            "versions",
            "upload",
            product,
            str(archive),
            "--name",
            "1.3-beta",
            "--release-type",
            "beta",
        )
    )
    listed = json.loads(ok(gm("versions", "list", product, "--format", "json")))
    assert [v["id"] for v in listed] == [version, beta]
    only_beta = json.loads(
        ok(gm("versions", "list", product, "--release-type", "beta", "-f", "json"))
    )
    assert [v["id"] for v in only_beta] == [beta]
    latest = json.loads(ok(gm("versions", "latest", product, "--format", "json")))
    assert latest["id"] == version
    newest = json.loads(
        ok(gm("versions", "latest", product, "--release-type", "any", "-f", "json"))
    )
    assert newest["id"] == beta

    out = tmp_path / "downloaded.zip"
    result = gm("versions", "download", product, "--latest", "-o", str(out))
    ok(result)
    assert out.read_bytes() == archive.read_bytes()
    assert "SHA-256 checked" in result.stderr
    out2 = tmp_path / "beta.zip"
    ok(gm("versions", "download", product, beta, "-o", str(out2)))
    assert out2.read_bytes() == archive.read_bytes()

    ok(gm("versions", "delete", product, beta))
    assert content.http.get(f"/products/{product}/versions/{beta}").status_code == 404


def test_version_errors_are_one_line(gm, content: Content, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    product = content.sb.new_product(name="CLI errors")
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    result = gm("versions", "upload", product, str(not_zip), "--name", "1")
    assert result.exit_code == 1
    assert (
        result.stderr.startswith("error: invalid request (400)") and result.stderr.count("\n") == 1
    )
    assert "zip" in result.stderr
    reader = content.sb.new_token(scopes=["product-versions:read"])
    denied = gm("versions", "delete", product, "x", token=reader)
    assert denied.exit_code == 1
    assert (
        denied.stderr.startswith("error: forbidden (403")
        and "product-versions:write" in denied.stderr
    )
    assert gm("versions", "latest", product).stderr.startswith("error: product")
    both = gm("versions", "download", product, "V", "--latest", "-o", str(tmp_path / "x"))
    assert both.exit_code == 2 and both.stderr.startswith("error:")
    missing = gm("versions", "upload", product, str(tmp_path / "nope.zip"), "--name", "1")
    assert missing.exit_code == 2


def test_coupons(gm, content: Content) -> None:  # type: ignore[no-untyped-def]
    product = content.sb.new_product(name="CLI coupons")
    user = content.sb.new_user()
    random_code = ok(
        gm("coupons", "create", product, "--percent", "10", "--max-uses", "1", "--expires-in", "7d")
    )
    assert len(random_code) == 10
    made = json.loads(
        ok(
            gm(
                "coupons",
                "create",
                product,
                "--percent",
                "50",
                "--max-uses",
                "2",
                "--expires-in",
                "2d",
                "--user",
                user,
                "--code",
                "VIP50",
                "--format",
                "json",
            )
        )
    )
    assert (made["code"], made["percent"], made["boundUserId"]) == ("VIP50", 50, user)
    listed = json.loads(ok(gm("coupons", "list", product, "-f", "json")))
    assert {c["code"] for c in listed} == {random_code, "VIP50"}
    mine = json.loads(ok(gm("coupons", "list", product, "--user", user, "-f", "json")))
    assert [c["id"] for c in mine] == [made["id"]]
    too_long = gm(
        "coupons", "create", product, "--percent", "10", "--max-uses", "1", "--expires-in", "30d"
    )
    assert too_long.exit_code == 1 and "expiresAt" in too_long.stderr
    ok(gm("coupons", "delete", product, made["id"]))
    assert [c["code"] for c in json.loads(ok(gm("coupons", "list", product, "-f", "json")))] == [
        random_code
    ]


def test_reviews(gm, content: Content) -> None:  # type: ignore[no-untyped-def]
    low = json.loads(ok(gm("reviews", "list", content.product, "--rating", "1,2", "-f", "json")))
    seeded = set(content.sb.ids.review_ids)
    assert sorted(r["rating"] for r in low if r["id"] in seeded) == [1, 1, 2, 2]
    table = ok(gm("reviews", "list", content.product))
    assert "Works perfectly" in table
    bad = gm("reviews", "list", content.product, "--rating", "6")
    assert bad.exit_code == 2


@pytest.mark.slow
def test_upload_and_download_show_progress_only_on_a_terminal(
    content: Content, tmp_path: Path
) -> None:
    from cli.test_terminal import gmodstore  # tests/cli (pytest puts tests/ on sys.path)

    product = content.sb.new_product(name="CLI progress")
    archive = tmp_path / "big.zip"
    archive.write_bytes(zip_bytes(1_500_000))  # under the test limit of 2 MB
    env = {"GMODSTORE_TOKEN": content.token}
    args = ["versions", "upload", product, str(archive), "--name", "1.0", "--changelog", "x"]
    shown = gmodstore(content.sb, *args, tty_err=True, env=env)
    assert shown.code == 0, shown.stderr
    assert "Uploading big.zip" in shown.stderr
    version = shown.stdout.strip()
    assert content.http.get(f"/products/{product}/versions/{version}").status_code == 200
    quiet = gmodstore(content.sb, *args[:4], "--name", "1.1", "--changelog", "x", env=env)
    assert quiet.code == 0 and "Uploading" not in quiet.stderr
    out = tmp_path / "out.zip"
    down = gmodstore(
        content.sb, "versions", "download", product, version, "-o", str(out), tty_err=True, env=env
    )
    assert down.code == 0, down.stderr
    assert "Downloading out.zip" in down.stderr
    assert out.read_bytes() == archive.read_bytes()
    too_big = tmp_path / "too-big.zip"
    too_big.write_bytes(zip_bytes(2_500_000))
    refused = gmodstore(
        content.sb, "versions", "upload", product, str(too_big), "--name", "2", env=env
    )
    assert refused.code == 1
    assert refused.stderr.startswith("error: ") and "413" in refused.stderr
    assert refused.stderr.count("\n") == 1
