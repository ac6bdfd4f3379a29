"""Product versions over real HTTP: upload, list, get, update, delete, limits and access."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import CONTENT_SCOPES, LIMITS, Content
from .files import zip_bytes

VERSION_FIELDS = {
    "id",
    "name",
    "changelog",
    "releaseType",
    "fileSize",
    "fileHash",
    "createdAt",
    "updatedAt",
}


def upload(
    http: httpx.Client,
    product: str,
    data: bytes,
    *,
    name: str = "1.0.0",
    changelog: str = "First release",
    release_type: str = "stable",
    prefix: str = "",
) -> httpx.Response:
    fields = {"name": name, "changelog": changelog, "releaseType": release_type}
    files = {"file": ("addon.zip", data, "application/zip")}
    return http.post(f"{prefix}/products/{product}/versions", data=fields, files=files)


def created(content: Content, product: str | None = None, **kw: Any) -> dict[str, Any]:
    response = upload(content.http, product or content.product, kw.pop("data", zip_bytes()), **kw)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.fixture
def product(content: Content) -> str:
    """A fresh team A product (so lists only hold what the test created)."""
    return content.sb.new_product(name="Versioned addon")


def stored_files(content: Content) -> set[str]:
    return {p.name for p in (content.sb.files_dir / "versions").iterdir()}


def tmp_files(content: Content) -> list[str]:
    return [p.name for p in (content.sb.files_dir / "tmp").rglob("*.part")]


def test_create_returns_the_version_with_sha256_of_the_file(content: Content, product: str) -> None:
    data = zip_bytes(5000)
    version = created(
        content, product, data=data, name="1.2.3", changelog="Fixes", release_type="beta"
    )
    assert set(version) == VERSION_FIELDS
    assert (version["name"], version["changelog"], version["releaseType"]) == (
        "1.2.3",
        "Fixes",
        "beta",
    )
    assert version["fileSize"] == len(data)
    assert version["fileHash"] == hashlib.sha256(data).hexdigest()
    assert version["createdAt"] == version["updatedAt"]
    assert uuid.UUID(version["id"]).hex in stored_files(content)
    fetched = content.http.get(f"/products/{product}/versions/{version['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == {"data": version}


def test_both_url_layouts_serve_versions(content: Content, product: str, prefix: str) -> None:
    http = httpx.Client(base_url=content.sb.url, headers=content.http.headers, timeout=30)
    with http:
        response = upload(http, product, zip_bytes(), prefix=prefix)
        assert response.status_code == 201, response.text
        listed = http.get(f"{prefix}/products/{product}/versions").json()["data"]
    assert response.json()["data"]["id"] in [v["id"] for v in listed]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"name": ""}, "name", "The name field is required.", id="empty-name"),
        pytest.param({"name": "x" * 81}, "name", "may not be greater than 80", id="long-name"),
        pytest.param({"changelog": "x" * 10001}, "changelog", "10000", id="long-changelog"),
        pytest.param({"release_type": "gold"}, "releaseType", "invalid", id="bad-release"),
    ],
)
def test_invalid_fields_are_400_and_store_nothing(
    content: Content, product: str, fields: dict[str, str], field: str, message: str
) -> None:
    before = stored_files(content)
    response = upload(content.http, product, zip_bytes(), **fields)  # type: ignore[arg-type]
    assert response.status_code == 400, response.text
    assert message in response.json()["errors"][field][0]
    assert stored_files(content) == before
    assert tmp_files(content) == []
    assert content.http.get(f"/products/{product}/versions").json()["data"] == []


def test_missing_fields_and_file(content: Content, product: str) -> None:
    response = content.http.post(
        f"/products/{product}/versions", data={"x": "y"}, files={"y": b"1"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "changelog", "releaseType", "file"}


def test_file_must_be_a_zip_by_content_not_name(content: Content, product: str) -> None:
    response = upload(content.http, product, b"not a zip at all" * 10)
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["The file must be a zip archive."]}


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        pytest.param({"Content-Type": "application/json"}, b"{}", id="json"),
        pytest.param({"Content-Type": "multipart/form-data"}, b"--x--", id="no-boundary"),
        pytest.param(
            {"Content-Type": "multipart/form-data; boundary=abc"},
            b"--abc\r\nbroken",
            id="cut-short",
        ),
        pytest.param(
            {"Content-Type": "multipart/form-data; boundary=abc"},
            b"--abc\r\nContent-Type: text/plain\r\n\r\nhi\r\n--abc--\r\n",
            id="no-disposition",
        ),
    ],
)
def test_bodies_that_are_not_multipart_are_400(
    content: Content, product: str, headers: dict[str, str], body: bytes
) -> None:
    response = content.http.post(f"/products/{product}/versions", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"message", "errors"}
    assert tmp_files(content) == []


def test_declared_length_over_the_limit_is_413_before_reading(
    content: Content, product: str
) -> None:
    # Headers only, over a raw socket: the answer comes without a single body byte sent.
    length = LIMITS["max_version_bytes"] * 10
    head = (
        f"POST /v3/products/{product}/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {content.token}\r\n"
        f"Content-Type: multipart/form-data; boundary=abc\r\nContent-Length: {length}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", content.sb.port), timeout=5) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["message"].startswith("The request body is larger than the limit")


def test_streamed_file_over_the_limit_is_413_and_leaves_nothing(
    content: Content, product: str
) -> None:
    before = stored_files(content)
    big = b"PK\x03\x04" + os.urandom(LIMITS["max_version_bytes"] + 10)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'--abc\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]
        yield b"\r\n--abc--\r\n"

    response = content.http.post(
        f"/products/{product}/versions",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=abc"},
    )
    assert response.status_code == 413
    assert stored_files(content) == before
    assert tmp_files(content) == []
    assert content.http.get(f"/products/{product}/versions").json()["data"] == []


def test_a_file_at_the_limit_is_accepted(content: Content, product: str) -> None:
    data = zip_bytes(LIMITS["max_version_bytes"] - 200)
    assert len(data) <= LIMITS["max_version_bytes"]
    assert created(content, product, data=data)["fileSize"] == len(data)


def test_list_filters_by_release_type_and_pages(content: Content, product: str) -> None:
    kinds = ["stable", "beta", "alpha", "private", "demo", "stable", "beta"]
    ids = [
        created(content, product, name=f"v{i}", release_type=k)["id"] for i, k in enumerate(kinds)
    ]
    url = f"/products/{product}/versions"
    stable_beta = content.http.get(url, params={"filter[releaseType]": "stable,beta"}).json()
    assert [v["id"] for v in stable_beta["data"]] == [ids[i] for i in (0, 1, 5, 6)]
    seen: list[str] = []
    params: dict[str, Any] = {"perPage": 3}
    while True:
        page = content.http.get(url, params=params).json()
        assert page["meta"] == {"perPage": 3}
        seen += [v["id"] for v in page["data"]]
        if page["cursors"]["next"] is None:
            break
        params["cursor"] = page["cursors"]["next"]
    assert seen == ids
    back = content.http.get(url, params={"perPage": 3, "cursor": page["cursors"]["prev"]}).json()
    assert [v["id"] for v in back["data"]] == ids[3:6]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"filter[releaseType]": "gold"}, "filter.releaseType", id="bad-type"),
        pytest.param({"filter[name]": "x"}, "filter.name", id="unknown-filter"),
        pytest.param({"perPage": "0"}, "perPage", id="per-page"),
        pytest.param({"cursor": "nope"}, "cursor", id="cursor"),
    ],
)
def test_bad_list_queries_are_400(
    content: Content, product: str, params: dict[str, str], field: str
) -> None:
    response = content.http.get(f"/products/{product}/versions", params=params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_cursor_of_another_filter_is_refused(content: Content, product: str) -> None:
    for i in range(3):
        created(content, product, name=f"c{i}")
    url = f"/products/{product}/versions"
    nxt = content.http.get(url, params={"perPage": 1}).json()["cursors"]["next"]
    response = content.http.get(url, params={"cursor": nxt, "filter[releaseType]": "beta"})
    assert response.status_code == 400


def test_update_applies_release_type_in_either_spelling(content: Content, product: str) -> None:
    version = created(content, product)
    url = f"/products/{product}/versions/{version['id']}"
    snake = content.http.put(url, json={"release_type": "beta", "name": "1.0.1"})
    assert snake.status_code == 200, snake.text
    body = snake.json()["data"]
    assert (body["releaseType"], body["name"], body["fileHash"]) == (
        "beta",
        "1.0.1",
        version["fileHash"],
    )
    assert body["updatedAt"] > version["updatedAt"]
    camel = content.http.put(url, json={"releaseType": "alpha", "changelog": "Changed"})
    assert (camel.json()["data"]["releaseType"], camel.json()["data"]["changelog"]) == (
        "alpha",
        "Changed",
    )
    unchanged = content.http.put(url, json={})
    assert unchanged.json() == camel.json()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"release_type": "gold"}, id="release-type"),
        pytest.param({"name": "x" * 81}, id="name"),
        pytest.param({"name": 5}, id="name-type"),
        pytest.param([1], id="not-object"),
        pytest.param({"release_type": "beta", "releaseType": "alpha"}, id="spellings-differ"),
    ],
)
def test_bad_updates_are_400(content: Content, product: str, body: object) -> None:
    version = created(content, product)
    response = content.http.put(f"/products/{product}/versions/{version['id']}", json=body)
    assert response.status_code == 400, response.text


def test_update_body_over_1mb_is_413(content: Content, product: str) -> None:
    version = created(content, product)
    response = content.http.put(
        f"/products/{product}/versions/{version['id']}",
        content=b'{"name": "' + b"x" * 1_100_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_delete_returns_it_removes_the_file_and_then_404(content: Content, product: str) -> None:
    version = created(content, product)
    url = f"/products/{product}/versions/{version['id']}"
    key = uuid.UUID(version["id"]).hex
    assert key in stored_files(content)
    response = content.http.delete(url)
    assert response.status_code == 200
    body = response.json()["data"]
    assert {k: v for k, v in body.items() if k != "deletedAt"} == version
    assert body["deletedAt"] >= version["createdAt"]
    assert key not in stored_files(content)
    assert content.http.get(url).status_code == 404
    assert content.http.delete(url).status_code == 404
    assert content.http.put(url, json={"name": "x"}).status_code == 404


def test_unknown_or_foreign_versions_are_404(content: Content, product: str) -> None:
    other = created(content, content.sb.new_product(name="Another"))
    for version in (str(uuid.uuid4()), "not-a-uuid", other["id"]):
        response = content.http.get(f"/products/{product}/versions/{version}")
        assert response.status_code == 404
        assert response.json() == {"message": "The version could not be found."}


def test_access_rules(content: Content, product: str) -> None:
    sb = content.sb
    version = created(content, product)
    url = f"/products/{product}/versions"
    with content.client(None) as anonymous:
        assert anonymous.get(url).status_code == 401
        assert upload(anonymous, product, zip_bytes()).status_code == 401
    with content.client(sb.expired_token) as expired:
        assert expired.get(url).status_code == 401
    other_team = sb.new_token(scopes=CONTENT_SCOPES, team="b")
    with content.client(other_team) as foreign:
        response = upload(foreign, product, zip_bytes())
        assert response.status_code == 403
        assert foreign.get(f"{url}/{version['id']}").status_code == 403
    read_only = sb.new_token(scopes=["product-versions:read"])
    with content.client(read_only) as reader:
        assert reader.get(url).status_code == 200
        assert upload(reader, product, zip_bytes()).status_code == 403
        assert reader.delete(f"{url}/{version['id']}").status_code == 403
        assert reader.post(f"{url}/{version['id']}/download").status_code == 403
    with content.client(sb.new_token()) as purchases_only:  # sb.token holds every ability
        response = purchases_only.get(url)
        assert response.status_code == 403
        assert "product-versions:read" in response.json()["message"]
    unknown = content.http.get(f"/products/{uuid.uuid4()}/versions")
    assert unknown.status_code == 404


def test_an_unauthorised_upload_is_refused_before_its_body_is_read(
    content: Content, product: str
) -> None:
    read_only = content.sb.new_token(scopes=["product-versions:read"])
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'--abc\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'
        for _ in range(200):
            sent += 65536
            yield b"\x00" * 65536

    with content.client(read_only) as reader:
        response = reader.post(
            f"/products/{product}/versions",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=abc"},
        )
    assert response.status_code == 403
    assert tmp_files(content) == []


def test_a_cut_off_upload_leaves_no_row_and_no_file(content: Content, product: str) -> None:
    head = (
        f"POST /v3/products/{product}/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {content.token}\r\n"
        "Content-Type: multipart/form-data; boundary=cut\r\nContent-Length: 1500000\r\n\r\n"
        '--cut\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'
    )
    with socket.create_connection(("127.0.0.1", content.sb.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"PK\x03\x04" + b"\x00" * 1_200_000)
        deadline = time.monotonic() + 10
        while not tmp_files(content):  # the upload has reached the disk
            assert time.monotonic() < deadline
            time.sleep(0.01)
    # The client is gone: the server notices at its next read and drops the partial file.
    deadline = time.monotonic() + 10
    while tmp_files(content):
        assert time.monotonic() < deadline, "the partial upload was not removed"
        time.sleep(0.02)
    assert content.http.get(f"/products/{product}/versions").json()["data"] == []


def test_multipart_limits(content: Content, product: str) -> None:
    url = f"/products/{product}/versions"
    many = {f"f{i}": "x" for i in range(40)}
    response = content.http.post(url, data=many, files={"file": ("a.zip", zip_bytes(), "x")})
    assert response.status_code == 400
    assert "parts" in response.json()["message"]
    huge_name = {"name": "x" * 70_000, "changelog": "c", "releaseType": "stable"}
    response = content.http.post(url, data=huge_name, files={"file": ("a.zip", zip_bytes(), "x")})
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
    two_files = [("file", ("a.zip", zip_bytes(), "x")), ("file", ("b.zip", zip_bytes(), "x"))]
    response = content.http.post(
        url, data={"name": "1", "changelog": "c", "releaseType": "stable"}, files=two_files
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["Only one file may be uploaded."]}
    assert tmp_files(content) == []
