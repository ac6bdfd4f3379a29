"""One-time download links: no bearer token, exactly one use, expiry, concurrency, byte equality."""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from gmodstore_sandbox.content.tables import DownloadLink
from gmodstore_sandbox.storage.db import make_engine
from gmodstore_sandbox.storage.tables import utcnow

from .conftest import Content
from .files import zip_bytes
from .test_versions import created


def link(content: Content, product: str, version: str, prefix: str = "/v3") -> str:
    response = httpx.post(
        f"{content.sb.url}{prefix}/products/{product}/versions/{version}/download",
        headers=content.http.headers,
    )
    assert response.status_code == 200, response.text
    assert set(response.json()["data"]) == {"url"}
    url: str = response.json()["data"]["url"]
    return url


@pytest.fixture
def version(content: Content) -> tuple[str, str, bytes]:
    data = zip_bytes(300_000)
    return content.product, created(content, data=data, name="Release 2.0")["id"], data


def test_the_link_serves_the_uploaded_bytes_once_without_a_token(
    content: Content, version: tuple[str, str, bytes]
) -> None:
    product, version_id, data = version
    url = link(content, product, version_id)
    assert url.startswith(f"{content.sb.url}/v3/downloads/")
    first = httpx.get(url)  # no Authorization header
    assert first.status_code == 200
    assert first.content == data
    assert (
        hashlib.sha256(first.content).hexdigest()
        == content.http.get(f"/products/{product}/versions/{version_id}").json()["data"]["fileHash"]
    )
    assert first.headers["content-type"] == "application/zip"
    assert first.headers["content-length"] == str(len(data))
    assert 'filename="Release 2.0.zip"' in first.headers["content-disposition"]
    again = httpx.get(url)
    assert again.status_code == 410
    assert again.json() == {"message": "This download link has already been used or has expired."}


def test_each_request_makes_a_new_link(content: Content, version: tuple[str, str, bytes]) -> None:
    product, version_id, data = version
    urls = {link(content, product, version_id) for _ in range(3)}
    assert len(urls) == 3
    assert all(httpx.get(url).content == data for url in urls)


def test_the_link_follows_the_layout_it_was_asked_through(
    content: Content, version: tuple[str, str, bytes]
) -> None:
    product, version_id, data = version
    url = link(content, product, version_id, prefix="/api/v3")
    assert url.startswith(f"{content.sb.url}/api/v3/downloads/")
    assert httpx.get(url).content == data


def test_an_expired_link_is_410(content: Content, version: tuple[str, str, bytes]) -> None:
    product, version_id, _ = version
    url = link(content, product, version_id)
    engine = make_engine(content.sb.database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(DownloadLink)
                .where(DownloadLink.version_id == uuid.UUID(version_id))
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
    finally:
        engine.dispose()
    assert httpx.get(url).status_code == 410


def test_a_link_expires_after_the_configured_lifetime() -> None:
    from gmodstore_sandbox.testing import run_sandbox

    from .conftest import CONTENT_SCOPES

    with run_sandbox(download_link_seconds=2.0) as sb:
        token = sb.new_token(scopes=CONTENT_SCOPES)
        fresh = Content(
            sb,
            httpx.Client(base_url=sb.url + "/v3", headers={"Authorization": f"Bearer {token}"}),
            token,
        )
        with fresh.http:
            version_id = created(fresh)["id"]
            early, late = (
                link(fresh, fresh.product, version_id),
                link(fresh, fresh.product, version_id),
            )
            assert httpx.get(early).status_code == 200
            threading.Event().wait(2.2)
            assert httpx.get(late).status_code == 410


def test_exactly_one_of_two_simultaneous_downloads_succeeds(
    content: Content, version: tuple[str, str, bytes]
) -> None:
    product, version_id, data = version
    lock = threading.Lock()

    def fetch(url: str, barrier: threading.Barrier, results: list[httpx.Response]) -> None:
        with httpx.Client(timeout=30) as client:
            request = client.build_request("GET", url)
            barrier.wait()
            response = client.send(request)
        with lock:
            results.append(response)

    for _ in range(8):
        url = link(content, product, version_id)
        barrier = threading.Barrier(2)
        results: list[httpx.Response] = []
        threads = [threading.Thread(target=fetch, args=(url, barrier, results)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(r.status_code for r in results) == [200, 410]
        assert next(r for r in results if r.status_code == 200).content == data


def test_unknown_links_are_404(content: Content) -> None:
    for secret in ("x" * 43, "short", "a" * 200):
        response = httpx.get(f"{content.sb.url}/v3/downloads/{secret}")
        assert response.status_code == 404


def test_a_link_to_a_deleted_version_is_404(content: Content) -> None:
    version_id = created(content)["id"]
    url = link(content, content.product, version_id)
    assert (
        content.http.delete(f"/products/{content.product}/versions/{version_id}").status_code == 200
    )
    assert httpx.get(url).status_code == 404


def test_asking_for_a_link_to_an_unknown_version_is_404(content: Content) -> None:
    response = content.http.post(f"/products/{content.product}/versions/nope/download")
    assert response.status_code == 404
