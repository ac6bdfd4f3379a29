"""In-process tests with ``TestClient(create_app(...))``: OpenAPI, error handling, fuzzing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _reference import reference_file
from gmodstore_sandbox import Settings, create_app
from gmodstore_sandbox.admin import SandboxSeed, seed_testing
from gmodstore_sandbox.storage.db import create_tables, make_engine

REFERENCE_NAME = "product-purchases.openapi.json"
OPERATIONS = {
    ("/v3/products/{product}/purchases", "get"): "listProductPurchases",
    ("/v3/products/{product}/purchases", "post"): "createProductPurchase",
    ("/v3/products/{product}/purchases/{purchase}", "get"): "getProductPurchase",
    ("/v3/products/{product}/purchases/{purchase}", "put"): "updateProductPurchase",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, SandboxSeed]:
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'db.sqlite'}"
    engine = make_engine(url, pool_size=1)
    create_tables(engine)
    seed = seed_testing(engine)
    engine.dispose()
    return url, seed


@pytest.fixture(scope="module")
def client(seeded: tuple[str, SandboxSeed]) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=seeded[0], rate_limit=0))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {seeded[1].tokens.token}"
        yield client


def test_openapi_document(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    found = {
        (path, method): op["operationId"]
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }
    # Other areas (content, identity) document their own operations too.
    assert found.items() >= OPERATIONS.items()
    assert doc["components"]["securitySchemes"] == {
        "PersonalAccessToken": {"type": "http", "scheme": "bearer"}
    }
    for path, method in OPERATIONS:
        op = doc["paths"][path][method]
        assert set(op["responses"]) >= {"400", "401", "403", "404", "429"}
        assert "422" not in op["responses"]
        scope = "read" if method == "get" else "write"
        assert op["security"] == [{"PersonalAccessToken": [f"product-purchases:{scope}"]}]
    list_op = doc["paths"]["/v3/products/{product}/purchases"]["get"]
    per_page = next(p for p in list_op["parameters"] if p["name"] == "perPage")
    assert (per_page["schema"]["minimum"], per_page["schema"]["maximum"]) == (1, 100)
    assert per_page["schema"]["default"] == 24
    purchase = doc["components"]["schemas"]["ProductPurchase"]
    assert set(purchase["required"]) == {
        "id",
        "userId",
        "productId",
        "revoked",
        "createdAt",
        "updatedAt",
    }
    assert purchase["additionalProperties"] is False
    assert doc["components"]["schemas"]["Error"]["required"] == ["message"]
    assert not any(path.startswith("/api/") for path in doc["paths"])
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        section, name = ref.split("/")[2:]
        assert name in doc["components"][section], ref


def test_openapi_matches_reference_shapes(client: TestClient) -> None:
    ours = client.get("/openapi.json").json()
    ref = json.loads(reference_file(REFERENCE_NAME).read_text())
    assert set(ours["paths"]) >= set(ref["paths"])
    for path, ops in ref["paths"].items():
        for method, op in ops.items():
            assert ours["paths"][path][method]["operationId"] == op["operationId"]
            assert ours["paths"][path][method]["security"] == op["security"]
    for name in ("ProductPurchase", "Error", "ValidationErrors", "ProductPurchaseFilter"):
        ours_schema = ours["components"]["schemas"][name]
        ref_schema = ref["components"]["schemas"][name]
        assert set(ours_schema["properties"]) == set(ref_schema["properties"])
        assert ours_schema.get("additionalProperties") == ref_schema.get("additionalProperties")


_NOT_COMPARED = ("title", "description", "example")


def _resolved(node: Any, doc: dict[str, Any]) -> Any:
    """`node` with every ``$ref`` inlined, ``allOf`` merged, and `_NOT_COMPARED` keys dropped."""
    if isinstance(node, list):
        return [_resolved(item, doc) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = doc
        for part in node["$ref"].split("/")[1:]:
            target = target[part]
        return _resolved(target, doc)
    if "allOf" in node:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in _resolved(node["allOf"], doc):
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
            if part.get("additionalProperties") is False:
                merged["additionalProperties"] = False
        node = merged
    out = {k: _resolved(v, doc) for k, v in node.items() if k not in _NOT_COMPARED}
    if isinstance(out.get("required"), list):
        out["required"] = sorted(out["required"])
    return out


def test_openapi_equivalent_to_reference(client: TestClient) -> None:
    """Parameters, request bodies and every documented response resolve to the same schemas
    and headers as the reference (names, titles and examples aside)."""
    ours = client.get("/openapi.json").json()
    ref = json.loads(reference_file(REFERENCE_NAME).read_text())
    for path, ops in ref["paths"].items():
        for method, op in ops.items():
            mine = ours["paths"][path][method]
            for key in ("parameters", "requestBody"):
                assert _resolved(mine.get(key), ours) == _resolved(op.get(key), ref), key
            for status, response in op["responses"].items():
                expected = _resolved(response, ref)
                assert _resolved(mine["responses"][status], ours) == expected, (path, status)
            body = mine.get("requestBody")
            assert body is None or body["description"] == op["requestBody"]["description"]


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc"])
def test_documentation_routes_carry_rate_headers(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Authorization": ""})
    assert response.status_code == 200
    assert int(response.headers["x-ratelimit-limit"]) == int(
        response.headers["x-ratelimit-remaining"]
    )
    assert "x-ratelimit-reset" in response.headers
    refused = client.post(path)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"
    assert "x-ratelimit-remaining" in refused.headers


def test_openapi_has_no_python_docstrings(client: TestClient) -> None:
    assert "``" not in client.get("/openapi.json").text


def test_unexpected_error_is_json_500(
    client: TestClient, seeded: tuple[str, SandboxSeed], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "get_purchase", broken)
    ids = seeded[1].ids
    response = client.get(f"/v3/products/{ids.product_id}/purchases/{ids.purchase_ids[0]}")
    assert response.status_code == 500
    assert response.json() == {"message": "Server Error."}
    assert "x-ratelimit-limit" in response.headers


def test_rate_limit_disabled_headers(client: TestClient, seeded: tuple[str, SandboxSeed]) -> None:
    response = client.get(f"/v3/products/{seeded[1].ids.product_id}/purchases")
    assert response.status_code == 200
    limit = int(response.headers["x-ratelimit-limit"])
    assert limit >= 1_000_000 and int(response.headers["x-ratelimit-remaining"]) < limit


def test_lowercase_bearer_scheme(client: TestClient, seeded: tuple[str, SandboxSeed]) -> None:
    ids = seeded[1].ids
    response = client.get(
        f"/api/v3/products/{ids.product_id}/purchases",
        headers={"Authorization": f"bearer {seeded[1].tokens.read_token}"},
    )
    assert response.status_code == 200


def test_docs_available(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200


SEGMENT = st.text(min_size=1, max_size=60).map(lambda s: quote(s, safe=""))
OK = {200, 201, 400, 401, 403, 404, 405, 413, 415}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    product=st.one_of(SEGMENT, st.just("PRODUCT")),
    purchase=st.one_of(SEGMENT, st.just("PURCHASE")),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    item=st.booleans(),
    query=st.dictionaries(
        st.sampled_from(["perPage", "cursor", "filter[revoked]", "filter[userId]", "filter[x]"]),
        st.text(max_size=80),
        max_size=3,
    ),
    body=st.one_of(
        st.none(),
        st.binary(max_size=60),
        st.dictionaries(
            st.sampled_from(["userId", "revoked", "x"]),
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=40)),
        ).map(lambda d: json.dumps(d).encode()),
    ),
)
def test_never_500(
    client: TestClient,
    seeded: tuple[str, SandboxSeed],
    product: str,
    purchase: str,
    method: str,
    item: bool,
    query: dict[str, str],
    body: bytes | None,
) -> None:
    ids = seeded[1].ids
    product = ids.product_id if product == "PRODUCT" else product
    purchase = ids.purchase_ids[-1] if purchase == "PURCHASE" else purchase
    path = f"/v3/products/{product}/purchases" + (f"/{purchase}" if item else "")
    response = client.request(method, path, params=query, content=body)
    assert response.status_code in OK, (response.status_code, response.text)
    assert "message" in response.json() or response.status_code < 300
    assert "x-ratelimit-remaining" in response.headers


def test_settings_rewrite_postgres_url() -> None:
    assert (
        Settings(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    )
    assert Settings(database_url="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    assert Settings(rate_limit=None).rate_limit == 0


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite:///:memory:"])
def test_settings_refuse_in_memory_sqlite_with_a_clear_message(url: str) -> None:
    with pytest.raises(ValueError, match="in-memory SQLite.*sqlite:///./sandbox.db"):
        Settings(database_url=url)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMODSTORE_SANDBOX_RATE_LIMIT", "7")
    monkeypatch.setenv("GMODSTORE_SANDBOX_DATABASE_URL", "sqlite:///x.db")
    settings = Settings()
    assert (settings.rate_limit, settings.database_url) == (7, "sqlite:///x.db")
