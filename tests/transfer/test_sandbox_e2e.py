"""Uploads, downloads and `gmodstore api` end to end against the real sandbox (SQLite, PostgreSQL).

A version is uploaded with the generated `create_product_version` (a streamed `MultipartBody`),
downloaded back with `download_product_version` through the sandbox's one-time link, and the bytes,
size and SHA-256 compared; `latest_product_version` picks the newest by creation time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

import gmodstore_sdk
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk.api.product_versions_api import AsyncProductVersionsApi, ProductVersionsApi

from .test_api_command import run

SCOPES = ["product-versions:read", "product-versions:write", "product-versions:download"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def zip_bytes(size: int) -> bytes:
    return b"PK\x03\x04" + os.urandom(size - 4)


def config(sb: Sandbox, token: str) -> gmodstore_sdk.Configuration:
    return gmodstore_sdk.Configuration(host=sb.url, access_token=token)


def test_upload_then_download_the_same_bytes(sandbox: Sandbox, tmp_path: Path) -> None:
    product, token = sandbox.new_product(), sandbox.new_token(scopes=SCOPES)
    content = zip_bytes(700_000)
    source = tmp_path / "addon-1.0.0.zip"
    source.write_bytes(content)
    sent: list[int] = []
    with gmodstore_sdk.ApiClient(config(sandbox, token)) as client:
        api = ProductVersionsApi(client)
        created = api.create_product_version(
            product,
            {"name": "1.0.0", "changelog": "First.", "releaseType": "stable"},
            source,
            progress=lambda done, total: sent.append(done),
        ).data
        assert created.file_size == len(content)
        assert created.file_hash == hashlib.sha256(content).hexdigest()
        assert sent[-1] > len(content)  # the whole multipart body went
        dest = tmp_path / "out" / "addon.zip"
        dest.parent.mkdir()
        got: list[tuple[int, int | None]] = []
        path = api.download_product_version(
            product, created.id, dest, progress=lambda n, total: got.append((n, total))
        )
    assert path.read_bytes() == content
    assert got[-1] == (len(content), len(content))
    assert os.listdir(dest.parent) == ["addon.zip"]


def test_latest_stable_by_creation_time(sandbox: Sandbox, tmp_path: Path) -> None:
    product, token = sandbox.new_product(), sandbox.new_token(scopes=SCOPES)
    with gmodstore_sdk.ApiClient(config(sandbox, token)) as client:
        api = ProductVersionsApi(client)
        assert api.latest_product_version(product) is None
        made = []
        for name, kind in [("1.0", "stable"), ("1.1", "stable"), ("2.0-beta", "beta")]:
            payload = {"name": name, "changelog": "", "releaseType": kind}
            made.append(api.create_product_version(product, payload, zip_bytes(1000)).data)
        latest = api.latest_product_version(product)
        assert latest is not None and latest.name == "1.1"
        newest_any = api.latest_product_version(product, None)
        assert newest_any is not None and newest_any.id == made[2].id


@pytest.mark.anyio
async def test_async_upload_and_download(sandbox: Sandbox, tmp_path: Path) -> None:
    product, token = sandbox.new_product(), sandbox.new_token(scopes=SCOPES)
    content = zip_bytes(200_000)
    async with gmodstore_sdk.AsyncApiClient(config(sandbox, token)) as client:
        api = AsyncProductVersionsApi(client)
        payload = {"name": "1.0.0", "changelog": "", "releaseType": "beta"}
        created = (await api.create_product_version(product, payload, content)).data
        path = await api.download_product_version(product, created.id, tmp_path / "a.zip")
        latest = await api.latest_product_version(product, "beta")
    assert path.read_bytes() == content and latest is not None and latest.id == created.id


def test_download_without_the_download_scope_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    product, token = sandbox.new_product(), sandbox.new_token(scopes=SCOPES)
    reader = sandbox.new_token(scopes=["product-versions:read"])
    with gmodstore_sdk.ApiClient(config(sandbox, token)) as client:
        payload = {"name": "1.0.0", "changelog": "", "releaseType": "stable"}
        created = ProductVersionsApi(client).create_product_version(product, payload, b"PK\x05\x06")
    with gmodstore_sdk.ApiClient(config(sandbox, reader)) as client:
        with pytest.raises(gmodstore_sdk.ForbiddenException, match="product-versions:download"):
            ProductVersionsApi(client).download_product_version(
                product, created.data.id, tmp_path / "a.zip"
            )
    assert os.listdir(tmp_path) == []


def test_cli_uploads_a_file_and_lists_versions(sandbox: Sandbox, tmp_path: Path) -> None:
    product, token = sandbox.new_product(), sandbox.new_token(scopes=SCOPES)
    content = zip_bytes(50_000)
    (tmp_path / "release.zip").write_bytes(content)
    created = run(
        sandbox,
        "createProductVersion",
        "--product",
        product,
        "-f",
        "name=1.2.3",
        "-f",
        "changelog=Fixes.",
        "-f",
        "releaseType=stable",
        "-f",
        f"file=@{tmp_path}/release.zip",
        token=token,
    )
    assert created.returncode == 0, created.stderr
    version = json.loads(created.stdout)["data"]
    assert version["fileHash"] == hashlib.sha256(content).hexdigest()
    assert version["name"] == "1.2.3" and version["releaseType"] == "stable"
    listed = run(sandbox, "listProductVersions", "--product", product, "--paginate", token=token)
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [version["id"]]
