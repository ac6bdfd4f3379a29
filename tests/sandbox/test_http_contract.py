"""The request schema is the contract (issue 10 §3): every deviation is a 400/415 naming the input.

Against the session sandbox (SQLite and PostgreSQL), on both URL prefixes.
"""

from __future__ import annotations

import base64
import struct
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, select

from gmodstore_sandbox.storage.tables import Purchase
from gmodstore_sandbox.testing import Sandbox

from .conftest import bearer, purchases_path

UUID = "6a0b57f1-3c6a-4d3e-9a59-3e8c1f0f7b2a"


def _errors(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"message", "errors"}
    errors: dict[str, list[str]] = body["errors"]
    return errors


def test_explicit_null_revoked_is_refused(
    http: httpx.Client, sandbox: Sandbox, prefix: str
) -> None:
    path = purchases_path(prefix, sandbox.ids.product_id, sandbox.ids.purchase_ids[0])
    assert set(_errors(http.put(path, json={"revoked": None}))) == {"revoked"}
    assert http.put(path, json={}).status_code == 200  # absent still means "no change"


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param("{" + UUID + "}", id="braced"),
        pytest.param("urn:uuid:" + UUID, id="urn"),
        pytest.param(UUID.replace("-", ""), id="undashed"),
        pytest.param(" " + UUID, id="padded"),
    ],
)
def test_body_user_id_accepts_only_the_canonical_spelling(
    http: httpx.Client, sandbox: Sandbox, prefix: str, spelling: str
) -> None:
    path = purchases_path(prefix, sandbox.ids.empty_product_id)
    assert set(_errors(http.post(path, json={"userId": spelling}))) == {"userId"}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        pytest.param("filter[userId]=", "filter.userId", id="empty-userId"),
        pytest.param("filter[revoked]=", "filter.revoked", id="empty-revoked"),
        pytest.param("filter=x", "filter", id="no-brackets"),
        pytest.param("filter[userId=x", "filter[userId", id="unclosed"),
        pytest.param("filter[nope]=1", "filter.nope", id="unknown"),
        pytest.param("filter[revoked]=true&filter[revoked]=false", "filter.revoked", id="rep-f"),
        pytest.param("perPage=200&perPage=5", "perPage", id="repeated-perPage"),
        pytest.param("cursor=a&cursor=b", "cursor", id="repeated-cursor"),
    ],
)
def test_list_query_is_strict(
    http: httpx.Client, sandbox: Sandbox, prefix: str, query: str, named: str
) -> None:
    url = purchases_path(prefix, sandbox.ids.product_id) + "?" + query
    assert named in _errors(http.get(url))


def test_json_body_with_another_content_type_is_415(
    http: httpx.Client, sandbox: Sandbox, prefix: str
) -> None:
    path = purchases_path(prefix, sandbox.ids.empty_product_id)
    body = b'{"userId": "%s"}' % sandbox.ids.free_user_ids[0].encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {} if content_type is None else {"content-type": content_type}
        response = http.post(path, content=body, headers=headers)
        assert response.status_code == 415, (content_type, response.text)
        assert set(response.json()) == {"message"}
    # JSON with parameters, or a +json type, is still JSON (a 400 here: the user id is fake).
    fake = b'{"userId": "%s"}' % UUID.encode()
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = http.post(path, content=fake, headers={"content-type": content_type})
        assert response.status_code == 400, (content_type, response.text)


def test_trailing_slash_is_a_json_404_not_a_redirect(
    http: httpx.Client, sandbox: Sandbox, prefix: str
) -> None:
    path = purchases_path(prefix, sandbox.ids.product_id) + "/"
    response = http.get(path, headers={"host": "evil.example"})
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json() == {"message": "Not Found."}
    assert "x-ratelimit-remaining" in response.headers


def test_head_works_wherever_get_does(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    item = purchases_path(prefix, sandbox.ids.product_id, sandbox.ids.purchase_ids[0])
    for path in (item, purchases_path(prefix, sandbox.ids.product_id), "/openapi.json"):
        got, head = http.get(path), http.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert int(head.headers["content-length"]) == len(got.content)
        assert "x-ratelimit-remaining" in head.headers
    assert http.head(item, headers={"authorization": ""}).status_code == 401


def test_cursor_does_not_show_the_sequence_number(http: httpx.Client, sandbox: Sandbox) -> None:
    response = http.get(purchases_path("/v3", sandbox.ids.product_id), params={"perPage": 2})
    body = response.json()
    raw = base64.urlsafe_b64decode(body["cursors"]["next"] + "=")
    engine = create_engine(sandbox.database_url)
    try:
        with engine.connect() as conn:
            last = uuid.UUID(body["data"][-1]["id"])
            seq = conn.execute(select(Purchase.seq).where(Purchase.id == last)).scalar_one()
    finally:
        engine.dispose()
    (sealed,) = struct.unpack(">Q", raw[1:9])
    assert sealed != seq
    assert seq.to_bytes(8, "big") not in raw and seq.to_bytes(4, "big") not in raw[1:9]
    following = http.get(
        purchases_path("/v3", sandbox.ids.product_id),
        params={"perPage": 2, "cursor": body["cursors"]["next"]},
    )
    assert following.status_code == 200
    assert following.json()["data"][0]["id"] == sandbox.ids.purchase_ids[2]


def test_wrong_token_with_a_body_is_401_without_reading_it(sandbox: Sandbox, prefix: str) -> None:
    with httpx.Client(base_url=sandbox.url, headers=bearer("nope"), timeout=10) as client:
        response = client.post(
            purchases_path(prefix, sandbox.ids.product_id), content=b"x" * 10, headers={}
        )
    assert response.status_code == 401
