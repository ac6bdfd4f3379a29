"""`download_product_version` and `latest_product_version`, against the loopback mimic.

`versions.VersionsServer` plays the two endpoints (and the version metadata) over real HTTP on
127.0.0.1, with the faults a real server rarely produces on demand (corrupted or slow transfers,
redirects to another host); the SDK is real: the generated `ProductVersionsApi` with its mixin.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gmodstore_sdk
from gmodstore_sdk import DownloadError
from gmodstore_sdk.api.product_versions_api import AsyncProductVersionsApi, ProductVersionsApi

from .loopback import Loopback, Reply, serve
from .versions import BASE, PRODUCT, VersionsServer

CONTENT = os.urandom(300_000)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def api_server() -> Iterator[Loopback]:
    with serve() as loop:
        yield loop


@pytest.fixture
def file_host() -> Iterator[Loopback]:
    """Another origin (another port) serving the files, as a CDN would."""
    with serve() as loop:
        yield loop


@pytest.fixture
def shop(api_server: Loopback, file_host: Loopback) -> VersionsServer:
    server = VersionsServer(api_server, file_host)
    server.install()
    return server


def client(server: Loopback, **kw: Any) -> gmodstore_sdk.ApiClient:
    return gmodstore_sdk.ApiClient(
        gmodstore_sdk.Configuration(
            host=server.url, access_token="t0ken", tenant="gmodstore.com", **kw
        )
    )


def files_received(host: Loopback) -> list[Any]:
    return [r for r in host.received if r.path.startswith("/files/")]


def test_download_writes_the_exact_file_atomically(
    shop: VersionsServer, tmp_path: Path, file_host: Loopback
) -> None:
    version = shop.add(content=CONTENT)
    dest = tmp_path / "addon.zip"
    seen: list[tuple[int, int | None]] = []
    with client(shop.api) as c:
        path = ProductVersionsApi(c).download_product_version(
            PRODUCT, version.id, dest, progress=lambda got, total: seen.append((got, total))
        )
    assert path == dest and dest.read_bytes() == CONTENT
    assert os.listdir(tmp_path) == ["addon.zip"]  # no temporary file left
    assert seen[0] == (0, len(CONTENT)) and seen[-1] == (len(CONTENT), len(CONTENT))
    assert shop.url_requests == 1
    # The file host is another origin: it never sees the token or the tenant.
    (download,) = files_received(file_host)
    assert "Authorization" not in download.headers and "X-Tenant" not in download.headers
    # ... while the API calls carried them.
    assert all(r.headers["Authorization"] == "Bearer t0ken" for r in shop.api.received)


def test_the_file_gets_the_usual_permissions(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    old = os.umask(0o027)
    try:
        with client(shop.api) as c:
            path = ProductVersionsApi(c).download_product_version(
                PRODUCT, version.id, tmp_path / "a.zip"
            )
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640  # 0666 minus the umask, as open() gives


def test_token_goes_only_to_the_api_origin(api_server: Loopback, tmp_path: Path) -> None:
    shop = VersionsServer(api_server, api_server, relative_urls=True)  # same origin: /files/...
    shop.install()
    version = shop.add(content=CONTENT)
    with client(api_server) as c:
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    (download,) = files_received(api_server)
    assert download.headers["Authorization"] == "Bearer t0ken"


def test_redirect_to_another_host_drops_the_token(
    api_server: Loopback, file_host: Loopback, tmp_path: Path
) -> None:
    shop = VersionsServer(api_server, file_host, redirect_via=api_server)
    shop.install()
    version = shop.add(content=CONTENT)
    with client(api_server) as c:
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    (first,) = files_received(api_server)
    (second,) = files_received(file_host)
    assert first.headers["Authorization"] == "Bearer t0ken"
    assert "Authorization" not in second.headers
    assert (tmp_path / "a.zip").read_bytes() == CONTENT


def test_a_failed_download_asks_for_a_fresh_url_once(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    shop.bad_downloads = 1  # the first transfer is corrupted: its hash does not match
    with client(shop.api) as c:
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert shop.url_requests == 2
    assert (tmp_path / "a.zip").read_bytes() == CONTENT


def test_two_failures_raise_and_leave_dest_untouched(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    shop.bad_downloads = 2
    dest = tmp_path / "a.zip"
    dest.write_bytes(b"the previous release")
    with client(shop.api) as c, pytest.raises(DownloadError, match="SHA-256 does not match"):
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, dest)
    assert shop.url_requests == 2
    assert dest.read_bytes() == b"the previous release"
    assert os.listdir(tmp_path) == ["a.zip"]


def test_refused_url_is_retried_with_a_fresh_one_then_reported(
    shop: VersionsServer, tmp_path: Path
) -> None:
    version = shop.add(content=CONTENT)
    shop.file_status = 403
    with client(shop.api) as c, pytest.raises(DownloadError, match="answered 403"):
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert shop.url_requests == 2
    assert not (tmp_path / "a.zip").exists()


def test_a_size_other_than_the_versions_is_refused_unread(
    shop: VersionsServer, tmp_path: Path
) -> None:
    version = shop.add(content=CONTENT)
    version.content = CONTENT + b"extra"  # serves more than the fileSize it reports... later
    real = version.json

    def lying() -> dict[str, Any]:
        body = real()
        body["fileSize"] = len(CONTENT)
        return body

    version.json = lying  # type: ignore[method-assign]
    with client(shop.api) as c, pytest.raises(DownloadError, match="announced"):
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")


def test_a_short_chunked_body_is_retried_then_reported(
    shop: VersionsServer, tmp_path: Path
) -> None:
    version = shop.add(content=CONTENT)
    shop.chunked, shop.truncate = True, 10  # no Content-Length to catch it early
    with client(shop.api) as c, pytest.raises(DownloadError, match="expected 300000"):
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert shop.url_requests == 2 and os.listdir(tmp_path) == []


def test_max_bytes_stops_reading_a_chunked_body(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    shop.forbid_metadata, shop.chunked = True, True
    with client(shop.api) as c, pytest.raises(DownloadError, match="more than max_bytes"):
        ProductVersionsApi(c).download_product_version(
            PRODUCT, version.id, tmp_path / "a.zip", max_bytes=100_000
        )
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("url", "match", "fresh_urls"),
    [
        pytest.param("ftp://127.0.0.1/x.zip", "not an http", 1, id="scheme"),
        pytest.param("", "no usable download URL", 2, id="empty"),
    ],
)
def test_an_unusable_url_is_refused(
    shop: VersionsServer, tmp_path: Path, url: str, match: str, fresh_urls: int
) -> None:
    version = shop.add(content=CONTENT)
    shop.url_override = url
    with client(shop.api) as c, pytest.raises(DownloadError, match=match):
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert shop.url_requests == fresh_urls


def test_a_redirect_loop_ends(shop: VersionsServer, tmp_path: Path, file_host: Loopback) -> None:
    version = shop.add(content=CONTENT)

    @file_host.route("GET", "/files/")
    def loop(rec: Any, _: Loopback) -> Reply:
        return Reply(307, headers={"Location": rec.path}, body=b"")

    with client(shop.api) as c, pytest.raises(DownloadError, match="more than 5 redirects"):
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert len(files_received(file_host)) == 12  # 6 hops per URL, two URLs


def test_max_bytes_bounds_a_file_of_unknown_size(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    shop.forbid_metadata = True  # no read scope: size and hash unknown
    with client(shop.api) as c, pytest.raises(DownloadError, match="max_bytes"):
        ProductVersionsApi(c).download_product_version(
            PRODUCT, version.id, tmp_path / "a.zip", max_bytes=1000
        )
    assert os.listdir(tmp_path) == []


def test_without_read_scope_the_file_is_downloaded_unchecked(
    shop: VersionsServer, tmp_path: Path
) -> None:
    version = shop.add(content=CONTENT)
    shop.forbid_metadata = True
    shop.bad_downloads = 1
    with client(shop.api) as c:
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert shop.url_requests == 1
    assert (tmp_path / "a.zip").read_bytes() != CONTENT  # nothing to check it against


def test_a_hash_of_unknown_kind_is_not_checked(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    version.file_hash = hashlib.md5(CONTENT).hexdigest()
    with client(shop.api) as c:
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert (tmp_path / "a.zip").read_bytes() == CONTENT


def test_the_deadline_stops_a_slow_download(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    shop.trickle = 0.2  # 5 chunks: a second
    started = time.monotonic()
    with client(shop.api) as c, pytest.raises(DownloadError, match="deadline"):
        ProductVersionsApi(c).download_product_version(
            PRODUCT, version.id, tmp_path / "a.zip", deadline=0.3
        )
    assert time.monotonic() - started < 0.9
    assert shop.url_requests == 1  # a fresh URL would not make it faster
    assert os.listdir(tmp_path) == []


def test_a_local_write_failure_is_a_download_error(
    shop: VersionsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = shop.add(content=CONTENT)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # a full disk cannot be had on demand
    with client(shop.api) as c, pytest.raises(DownloadError, match="No space left"):
        ProductVersionsApi(c).download_product_version(PRODUCT, version.id, tmp_path / "a.zip")
    assert os.listdir(tmp_path) == [] and shop.url_requests == 1


@pytest.mark.parametrize(
    ("dest", "kwargs", "error", "match"),
    [
        pytest.param(".", {}, gmodstore_sdk.ApiValueError, "is a directory", id="directory"),
        pytest.param(
            "missing/a.zip", {}, gmodstore_sdk.ApiValueError, "does not exist", id="folder"
        ),
        pytest.param(3, {}, gmodstore_sdk.ApiTypeError, "pathlib.Path", id="type"),
        pytest.param("a.zip", {"deadline": 0}, gmodstore_sdk.ApiValueError, "> 0", id="deadline"),
        pytest.param("a.zip", {"max_bytes": "1"}, gmodstore_sdk.ApiTypeError, "number", id="max"),
    ],
)
def test_bad_arguments_send_nothing(
    shop: VersionsServer, tmp_path: Path, dest: Any, kwargs: Any, error: Any, match: str
) -> None:
    target = tmp_path / dest if isinstance(dest, str) else dest
    with client(shop.api) as c, pytest.raises(error, match=match):
        ProductVersionsApi(c).download_product_version(PRODUCT, "v", target, **kwargs)
    assert shop.api.received == []


def test_unknown_version_raises_not_found(shop: VersionsServer, tmp_path: Path) -> None:
    with client(shop.api) as c, pytest.raises(gmodstore_sdk.NotFoundException):
        ProductVersionsApi(c).download_product_version(PRODUCT, "nope", tmp_path / "a.zip")
    assert shop.url_requests == 0


@pytest.mark.anyio
async def test_async_download_with_a_fresh_url(
    shop: VersionsServer, tmp_path: Path, file_host: Loopback
) -> None:
    version = shop.add(content=CONTENT)
    shop.bad_downloads = 1
    config = gmodstore_sdk.Configuration(host=shop.api.url, access_token="t0ken")
    async with gmodstore_sdk.AsyncApiClient(config) as c:
        path = await AsyncProductVersionsApi(c).download_product_version(
            PRODUCT, version.id, str(tmp_path / "a.zip")
        )
    assert path.read_bytes() == CONTENT and shop.url_requests == 2
    assert all("Authorization" not in r.headers for r in files_received(file_host))


@pytest.mark.anyio
async def test_async_redirect_without_read_scope(
    api_server: Loopback, file_host: Loopback, tmp_path: Path
) -> None:
    shop = VersionsServer(api_server, file_host, redirect_via=api_server, forbid_metadata=True)
    shop.install()
    version = shop.add(content=CONTENT)
    config = gmodstore_sdk.Configuration(host=api_server.url, access_token="t0ken")
    async with gmodstore_sdk.AsyncApiClient(config) as c:
        path = await AsyncProductVersionsApi(c).download_product_version(
            PRODUCT, version.id, tmp_path / "a.zip"
        )
    assert path.read_bytes() == CONTENT
    assert "Authorization" not in files_received(file_host)[0].headers


@pytest.mark.anyio
async def test_async_unusable_url(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    shop.url_override = "ftp://127.0.0.1/x.zip"
    config = gmodstore_sdk.Configuration(host=shop.api.url, access_token="t0ken")
    async with gmodstore_sdk.AsyncApiClient(config) as c:
        with pytest.raises(DownloadError, match="not an http"):
            await AsyncProductVersionsApi(c).download_product_version(
                PRODUCT, version.id, tmp_path / "a.zip"
            )


@pytest.mark.anyio
async def test_async_failures_raise(shop: VersionsServer, tmp_path: Path) -> None:
    version = shop.add(content=CONTENT)
    shop.file_status = 404
    config = gmodstore_sdk.Configuration(host=shop.api.url, access_token="t0ken")
    async with gmodstore_sdk.AsyncApiClient(config) as c:
        with pytest.raises(DownloadError, match="answered 404"):
            await AsyncProductVersionsApi(c).download_product_version(
                PRODUCT, version.id, tmp_path / "a.zip"
            )
    assert os.listdir(tmp_path) == []


# -- latest_product_version ---------------------------------------------------------------------


def test_latest_follows_every_page_and_compares_created_at(shop: VersionsServer) -> None:
    for i in range(230):  # three pages of 100; list order is not creation order
        shop.add("stable", minutes=(i * 37) % 230)
    newest = shop.add("stable", minutes=10_000)
    shop.versions.insert(150, shop.versions.pop())  # in the middle of page 2
    shop.add("beta", minutes=20_000)  # newer, but not stable
    with client(shop.api) as c:
        latest = ProductVersionsApi(c).latest_product_version(PRODUCT)
    assert latest is not None and latest.id == newest.id
    lists = [r for r in shop.api.received if "perPage=100" in r.path]
    assert len(lists) == 3 and all("filter[releaseType]=stable" in r.path for r in lists)


def test_latest_of_any_type_and_of_none(shop: VersionsServer) -> None:
    shop.add("stable", minutes=1)
    beta = shop.add("beta", minutes=2)
    with client(shop.api) as c:
        api = ProductVersionsApi(c)
        assert api.latest_product_version(PRODUCT, None).id == beta.id  # type: ignore[union-attr]
        assert api.latest_product_version(PRODUCT, "demo") is None


def test_latest_ignores_what_a_server_filter_let_through(shop: VersionsServer) -> None:
    stable = shop.add("stable", minutes=1)
    shop.add("beta", minutes=2)
    original = shop._list

    def no_filter(rec: Any, loop: Loopback) -> Any:
        rec.path = rec.path.split("&filter")[0]
        return original(rec, loop)

    shop.api.route("GET", BASE)(no_filter)  # replaces the list route
    with client(shop.api) as c:
        latest = ProductVersionsApi(c).latest_product_version(PRODUCT)
    assert latest is not None and latest.id == stable.id


def test_latest_stops_on_a_repeated_cursor(shop: VersionsServer) -> None:
    only = shop.add("stable")
    shop.repeat_cursor = True
    with client(shop.api) as c:
        latest = ProductVersionsApi(c).latest_product_version(PRODUCT)
    assert latest is not None and latest.id == only.id
    assert len(shop.api.received) == 2  # the first page, then cursor "0" once


@pytest.mark.parametrize(
    ("value", "error"),
    [("Stable", gmodstore_sdk.ApiValueError), (1, gmodstore_sdk.ApiTypeError)],
)
def test_latest_validates_release_type(shop: VersionsServer, value: Any, error: Any) -> None:
    with client(shop.api) as c, pytest.raises(error, match="release_type"):
        ProductVersionsApi(c).latest_product_version(PRODUCT, value)
    assert shop.api.received == []


@pytest.mark.anyio
async def test_async_latest(shop: VersionsServer) -> None:
    for i in range(120):
        shop.add("beta", minutes=i)
    shop.versions.reverse()
    config = gmodstore_sdk.Configuration(host=shop.api.url, access_token="t0ken")
    async with gmodstore_sdk.AsyncApiClient(config) as c:
        latest = await AsyncProductVersionsApi(c).latest_product_version(PRODUCT, "beta")
    assert latest is not None and latest.id == shop.versions[0].id


@pytest.mark.anyio
async def test_async_local_write_failure(
    shop: VersionsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = shop.add(content=CONTENT)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    config = gmodstore_sdk.Configuration(host=shop.api.url, access_token="t0ken")
    async with gmodstore_sdk.AsyncApiClient(config) as c:
        with pytest.raises(DownloadError, match="No space left"):
            await AsyncProductVersionsApi(c).download_product_version(
                PRODUCT, version.id, tmp_path / "a.zip"
            )
    assert os.listdir(tmp_path) == []
