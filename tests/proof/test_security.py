"""Security: secrets stay secret, crafted paths stay on their route, teams stay apart.

- The token never appears in log records (DEBUG, every logger), exception text, tracebacks or
  reprs, across a full SDK session with errors, retries, pacing and the ambiguous-POST lookup.
- Path parameters with `/`, `..`, `%2F`, NUL, 10k characters or non-ASCII, sent as raw bytes to
  the sandbox, get a 4xx (never a 5xx, never a 200 of another resource), and the server stays up.
- The SDK percent-encodes every path segment: `../x` cannot climb to another route.
- A token of team A gets 403 on every endpoint of team B's product, in both path layouts.
"""

from __future__ import annotations

import json
import logging
import socket
import traceback
import uuid
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest

from ._faults import ACT_THEN_RST, STALL, Status, fault_server

sdk = pytest.importorskip("gmodstore_sdk")
api_mod = pytest.importorskip("gmodstore_sdk.api.product_purchases_api")
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload  # noqa: E402
from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter  # noqa: E402
from gmodstore_sdk.model.update_product_purchase_payload import (  # noqa: E402
    UpdateProductPurchasePayload,
)

FAST: dict[str, Any] = {"read_timeout": 0.3, "backoff_base": 0.01, "backoff_max": 0.02}


# --- the token never leaks ------------------------------------------------------------------------


def _everything_said(caplog: pytest.LogCaptureFixture, errors: list[BaseException]) -> str:
    said = [caplog.text]
    for record in caplog.records:
        said += [record.getMessage(), repr(record.args), str(record.__dict__)]
    for exc in errors:
        said += [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
        said += [repr(getattr(exc, name, None)) for name in ("body", "headers", "message")]
    return "\n".join(said)


def _session(config: Any, product: str, purchase: str, user: str) -> list[BaseException]:
    """Every public method, the paginator and a few failing calls; returns what was raised."""
    errors: list[BaseException] = []
    client = sdk.ApiClient(config)
    api = api_mod.ProductPurchasesApi(client)
    calls = [
        lambda: api.create_product_purchase(product, NewProductPurchasePayload(user_id=user)),
        lambda: api.create_product_purchase(product, NewProductPurchasePayload(user_id=user)),
        lambda: api.get_product_purchase(product, purchase),
        lambda: api.get_product_purchase(product, str(uuid.uuid4())),
        lambda: api.list_product_purchases(
            product, per_page=5, filter=ProductPurchaseFilter(revoked=[True, False])
        ),
        lambda: api.list_product_purchases(product, cursor="tampered"),
        lambda: list(api.iter_product_purchases(product, per_page=2)),
        lambda: api.has_active_purchase(product, user),
        lambda: api.update_product_purchase(
            product, purchase, UpdateProductPurchasePayload(revoked=True)
        ),
        lambda: api.get_product_purchase(str(uuid.uuid4()), purchase),
        lambda: api.list_product_purchases(product, per_page=1000),
        lambda: repr(client) + repr(api) + repr(client.rate_limit),
    ]
    with client:
        for call in calls:
            try:
                call()
            except sdk.OpenApiException as exc:
                errors.append(exc)
    return errors


def _reprs(config: Any) -> str:
    client = sdk.ApiClient(config)
    aclient = sdk.AsyncApiClient(config)
    try:
        parts = [repr(config), str(config), repr(client), str(client), repr(aclient)]
        parts += [repr(api_mod.ProductPurchasesApi(client))]
        parts += [repr(api_mod.AsyncProductPurchasesApi(aclient))]
    finally:
        client.close()
    return "\n".join(parts)


def test_token_never_in_logs_errors_or_reprs_against_the_sandbox(
    proof_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sb = proof_sandbox
    caplog.set_level(logging.DEBUG)  # root: the SDK, httpx and httpcore all at DEBUG
    user = sb.new_user()
    config = sdk.Configuration(host=sb.url, access_token=sb.token, **FAST)
    errors = _session(config, sb.ids.product_id, sb.ids.purchase_ids[0], user)
    # A wrong-team and an invalid token, too: their 401/403 errors must not echo them either.
    errors += _session(
        sdk.Configuration(host=sb.url, access_token=sb.other_team_token, **FAST),
        sb.ids.product_id,
        sb.ids.purchase_ids[0],
        user,
    )
    bogus = "gms_" + uuid.uuid4().hex
    errors += _session(
        sdk.Configuration(host=sb.url, access_token=bogus, **FAST),
        sb.ids.product_id,
        sb.ids.purchase_ids[0],
        user,
    )
    assert errors, "the session was meant to include failures"
    assert {type(e).__name__ for e in errors} >= {
        "BadRequestException",
        "NotFoundException",
        "ForbiddenException",
        "UnauthorizedException",
    }
    said = _everything_said(caplog, errors) + _reprs(config)
    for secret in (sb.token, sb.other_team_token, bogus):
        assert secret not in said
    assert caplog.records, "the SDK logs nothing at DEBUG?"


def test_token_never_in_logs_through_retries_timeouts_and_recovery(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "proof-secret-" + uuid.uuid4().hex
    script = [Status(503), STALL, Status(429, (("Retry-After", "0"),)), ACT_THEN_RST]
    errors: list[BaseException] = []
    with fault_server(*script, *script, *[Status(500)] * 6, *[STALL] * 6) as srv:
        config = sdk.Configuration(host=srv.url, access_token=token, **FAST)
        user = str(uuid.uuid4())
        for _ in range(3):
            errors += _session(config, srv.product_id, srv.purchase_id, user)
        assert any(s.headers.get("authorization") == f"Bearer {token}" for s in srv.seen)
    said = _everything_said(caplog, errors) + _reprs(config)
    out, err = capfd.readouterr()
    assert token not in said + out + err
    kinds = {type(e).__name__ for e in errors}
    assert kinds & {"ServiceException", "ApiTimeoutError"}, kinds


def test_token_from_the_environment_is_hidden_too(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "proof-env-" + uuid.uuid4().hex
    monkeypatch.setenv("GMODSTORE_TOKEN", token)
    config = sdk.Configuration(host="http://127.0.0.1:9")
    assert config.access_token == token
    assert token not in _reprs(config)


# --- crafted paths against the sandbox ------------------------------------------------------------


def _raw(sb: Any, target: bytes, token: str) -> tuple[int | None, bytes]:
    """Send one request with `target` exactly as given; return (status or None, body)."""
    port = sb.port
    request = (
        b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    if not data.startswith(b"HTTP/1.1 "):
        return None, data
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _crafted(sb: Any) -> list[tuple[str, bytes]]:
    p, q = sb.ids.product_id, sb.ids.other_team_product_id
    x, y = sb.ids.purchase_ids[0], sb.ids.other_team_purchase_ids[0]
    long_id = "A" * 10_000
    cases: list[tuple[str, str | bytes]] = [
        ("dot-dot raw", f"/products/{p}/purchases/../../{q}/purchases/{y}"),
        ("dot-dot encoded slash", f"/products/{p}/purchases/..%2F..%2F{q}%2Fpurchases%2F{y}"),
        ("dot-dot all encoded", f"/products/{p}/purchases/%2E%2E%2F%2E%2E%2F{q}%2Fpurchases%2F{y}"),
        ("purchase ..", f"/products/{p}/purchases/.."),
        ("purchase %2E%2E", f"/products/{p}/purchases/%2E%2E"),
        ("purchase .", f"/products/{p}/purchases/."),
        ("product with slash", f"/products/{q}%2F..%2F{p}/purchases/{x}"),
        ("product dot-dot", f"/products/{q}/../{p}/purchases/{x}"),
        ("purchase then ..", f"/products/{p}/purchases/{y}/.."),
        ("purchase %2F ..", f"/products/{p}/purchases/{y}%2F.."),
        ("other team's purchase under own product", f"/products/{p}/purchases/{y}"),
        ("double-encoded slash", f"/products/{p}/purchases/..%252F{y}"),
        ("backslashes", f"/products/{p}\\..\\{q}/purchases/{y}"),
        ("semicolon", f"/products/{p}/purchases/{y};{x}"),
        ("NUL in purchase", f"/products/{p}/purchases/{x}%00"),
        ("NUL in product", f"/products/{p}%00/purchases"),
        ("NUL before id", f"/products/{p}/purchases/%00{x}"),
        ("10k purchase id", f"/products/{p}/purchases/{long_id}"),
        ("10k product id", f"/products/{long_id}/purchases"),
        ("non-ASCII encoded", f"/products/{p}/purchases/%C3%A9%F0%9F%98%80"),
        ("non-ASCII raw bytes", f"/products/{p}/purchases/".encode() + "é😀".encode()),
        ("invalid UTF-8", f"/products/{p}/purchases/%FF%FE"),
        ("uuid with braces", f"/products/{p}/purchases/%7B{x}%7D"),
        ("uuid urn", f"/products/{p}/purchases/urn:uuid:{x}"),
        ("uuid without dashes", f"/products/{p}/purchases/{x.replace('-', '')}"),
        ("uppercase uuid of other team", f"/products/{p}/purchases/{y.upper()}"),
        ("filter by other product", f"/products/{p}/purchases?filter[productId]={q}"),
        ("query in id", f"/products/{p}/purchases/{y}%3Ffilter[productId]={q}"),
    ]
    out: list[tuple[str, bytes]] = []
    for prefix in ("/api/v3", "/v3"):
        for name, path in cases:
            raw = path if isinstance(path, bytes) else path.encode()
            out.append((f"{prefix} {name}", prefix.encode() + raw))
    out.append(("double slash", f"//api/v3/products/{p}/purchases/{y}".encode()))
    out.append(("absolute-form", f"http://127.0.0.1:{sb.port}/v3/products/{q}/purchases".encode()))
    return out


def _leaks(body: bytes, own_product: str, allowed_id: str | None) -> str | None:
    """What a 200 body reveals that it should not (None: nothing)."""
    try:
        data = json.loads(body)["data"]
    except (ValueError, KeyError, TypeError):
        return "a 200 without a purchases body"
    items = data if isinstance(data, list) else [data]
    for item in items:
        if item.get("productId") != own_product:
            return f"purchase of another product: {item}"
    if isinstance(data, dict) and data.get("id") != allowed_id:
        return f"another purchase than the one addressed: {data}"
    return None


def test_crafted_paths_never_escape_their_route_or_crash_the_server(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    p, x = sb.ids.product_id, sb.ids.purchase_ids[0]
    health = f"/api/v3/products/{p}/purchases/{x}".encode()
    problems: list[str] = []
    for name, target in _crafted(sb):
        status, body = _raw(sb, target, sb.token)
        if status is None:
            problems.append(f"{name}: no HTTP response ({body[:80]!r})")
        elif status >= 500:
            problems.append(f"{name}: {status} {body[:200]!r}")
        elif status == 200:
            allowed = x if "uuid" in name and "other" not in name else None
            leak = _leaks(body, p, allowed)
            if leak and not (name.endswith("filter by other product") and b'"data":[]' in body):
                problems.append(f"{name}: 200 {leak}")
        elif not 400 <= status < 500:
            problems.append(f"{name}: unexpected {status}")
        ok, _ = _raw(sb, health, sb.token)
        if ok != 200:
            problems.append(f"after {name}: the server answers {ok} to a plain GET")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("where", ["path", "filter[userId]", "cursor", "body"])
def test_nul_and_oversized_input_is_a_4xx(proof_sandbox: Any, where: str) -> None:
    """PostgreSQL rejects NUL in text; the sandbox must turn that into a 400/404, not a 500."""
    sb = proof_sandbox
    headers = {"Authorization": f"Bearer {sb.token}"}
    base = f"{sb.url}/api/v3/products/{sb.ids.product_id}/purchases"
    evil = ["\x00", "a\x00b", "A" * 10_000, "é" * 3000, "\ud800".encode("utf-8", "surrogatepass")]
    with httpx.Client(headers=headers, timeout=30) as client:
        for value in evil:
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            if where == "path":
                r = client.get(f"{base}/{quote(text, safe='', errors='surrogatepass')}")
            elif where == "body":
                raw = json.dumps({"userId": text}).encode()
                r = client.post(base, content=raw, headers={"Content-Type": "application/json"})
                assert r.status_code == 400, (value, r.status_code, r.text[:200])
                r = client.put(
                    f"{base}/{sb.ids.purchase_ids[0]}",
                    content=json.dumps({"revoked": text}).encode(),
                    headers={"Content-Type": "application/json"},
                )
            else:
                r = client.get(base, params={where: text})
            assert 400 <= r.status_code < 500, (where, value[:20], r.status_code, r.text[:200])


# --- the SDK's own encoding -----------------------------------------------------------------------

EVIL_IDS = [
    "../x",
    "..",
    ".",
    "a/b",
    "%2F",
    "..%2F..%2Fx",
    "x?filter[revoked]=true",
    "x#fragment",
    "x y",
    "é😀",
    "A" * 10_000,
    "\\..\\x",
]


@pytest.mark.parametrize("evil", EVIL_IDS, ids=lambda v: v[:12])
def test_sdk_percent_encodes_path_segments(evil: str) -> None:
    with fault_server() as srv:
        config = sdk.Configuration(host=srv.url, access_token="t", retries=0)
        with sdk.ApiClient(config) as client:
            api = api_mod.ProductPurchasesApi(client)
            calls = [
                (lambda: api.get_product_purchase(srv.product_id, evil), [srv.product_id, evil]),
                (lambda: api.get_product_purchase(evil, srv.purchase_id), [evil, srv.purchase_id]),
                (lambda: api.list_product_purchases(evil), [evil]),
                (
                    lambda: api.update_product_purchase(
                        srv.product_id, evil, UpdateProductPurchasePayload(revoked=True)
                    ),
                    [srv.product_id, evil],
                ),
            ]
            for call, expected in calls:
                before = len(srv.seen)
                try:
                    call()
                except (sdk.ApiValueError, sdk.ApiTypeError):
                    assert len(srv.seen) == before, "rejected input must not be sent"
                    continue
                except sdk.ApiException:
                    pass
                seen = srv.seen[-1]
                raw_path = seen.target.split("?", 1)[0]
                assert "?" not in unquote(
                    seen.target.split("?", 1)[1] if "?" in seen.target else ""
                )
                segments = raw_path.split("/")
                # ['', 'api', 'v3', 'products', P, 'purchases', X?]
                assert segments[:4] == ["", "api", "v3", "products"], seen.target
                ids = [segments[4]] + segments[6:]
                assert segments[5] == "purchases", seen.target
                assert [unquote(s) for s in ids] == expected, seen.target
                assert all(s not in (".", "..") for s in segments), seen.target
                assert "#" not in seen.target


def test_sdk_path_escape_attempts_against_the_sandbox_are_404(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    y, q = sb.ids.other_team_purchase_ids[0], sb.ids.other_team_product_id
    config = sdk.Configuration(host=sb.url, access_token=sb.token, retries=0)
    with sdk.ApiClient(config) as client:
        api = api_mod.ProductPurchasesApi(client)
        for evil in [f"../../{q}/purchases/{y}", "..", f"{y}/..", "%2E%2E", f"..%2F{y}"]:
            with pytest.raises((sdk.NotFoundException, sdk.ApiValueError)):
                api.get_product_purchase(sb.ids.product_id, evil)
            with pytest.raises((sdk.NotFoundException, sdk.ApiValueError)):
                api.update_product_purchase(
                    sb.ids.product_id, evil, UpdateProductPurchasePayload(revoked=True)
                )
        with pytest.raises((sdk.NotFoundException, sdk.ApiValueError, sdk.ForbiddenException)):
            api.list_product_purchases(f"{sb.ids.product_id}/../{q}")


# --- team isolation -------------------------------------------------------------------------------


def _every_endpoint(product: str, purchase: str, user: str) -> list[tuple[str, str, Any]]:
    return [
        ("GET", f"/products/{product}/purchases", None),
        ("GET", f"/products/{product}/purchases?perPage=100&filter[revoked]=true,false", None),
        ("GET", f"/products/{product}/purchases/{purchase}", None),
        ("GET", f"/products/{product}/purchases/{uuid.uuid4()}", None),
        ("POST", f"/products/{product}/purchases", {"userId": user}),
        ("POST", f"/products/{product}/purchases", {"userId": "not-a-uuid"}),
        ("PUT", f"/products/{product}/purchases/{purchase}", {"revoked": True}),
        ("PUT", f"/products/{product}/purchases/{purchase}", {"revoked": "bad"}),
        ("PUT", f"/products/{product}/purchases/{uuid.uuid4()}", {"revoked": False}),
    ]


@pytest.mark.parametrize("prefix", ["/api/v3", "/v3"])
def test_a_team_token_gets_403_on_every_endpoint_of_another_team(
    proof_sandbox: Any, prefix: str
) -> None:
    sb = proof_sandbox
    pairs = [
        (sb.token, sb.ids.other_team_product_id, sb.ids.other_team_purchase_ids[0]),
        (sb.other_team_token, sb.ids.product_id, sb.ids.purchase_ids[0]),
    ]
    problems = []
    with httpx.Client(base_url=sb.url + prefix, timeout=30) as client:
        for token, product, purchase in pairs:
            before = client.get(
                f"{sb.url}/api/v3/products/{product}/purchases/{purchase}",
                headers={"Authorization": f"Bearer {_owner(sb, token)}"},
            ).json()
            user = sb.new_user()
            for method, path, body in _every_endpoint(product, purchase, user):
                r = client.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                if r.status_code != 403 or "data" in r.json():
                    problems.append(f"{method} {prefix}{path}: {r.status_code} {r.text[:120]}")
            after = client.get(
                f"{sb.url}/api/v3/products/{product}/purchases/{purchase}",
                headers={"Authorization": f"Bearer {_owner(sb, token)}"},
            ).json()
            assert after == before, "a refused write changed the purchase"
            listed = client.get(
                f"{sb.url}/api/v3/products/{product}/purchases",
                params={"filter[userId]": user},
                headers={"Authorization": f"Bearer {_owner(sb, token)}"},
            ).json()
            assert listed["data"] == [], "a refused create created a purchase"
    assert not problems, "\n".join(problems)


def _owner(sb: Any, token: str) -> str:
    """The token of the team that owns the product the other token was refused on."""
    return sb.other_team_token if token == sb.token else sb.token


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_origin_never_carries_the_token(status: int) -> None:
    token = "proof-redirect-" + uuid.uuid4().hex
    with fault_server() as elsewhere:
        target = f"{elsewhere.url}/api/v3/products/{elsewhere.product_id}/purchases/x"
        with fault_server(*[Status(status, (("Location", target),))] * 3) as srv:
            config = sdk.Configuration(host=srv.url, access_token=token, retries=0)
            with sdk.ApiClient(config) as client:
                api = api_mod.ProductPurchasesApi(client)
                try:
                    api.get_product_purchase(srv.product_id, srv.purchase_id)
                except sdk.OpenApiException as exc:
                    assert token not in str(exc)
        leaked = [s for s in elsewhere.seen if token in json.dumps(s.headers)]
        assert not leaked, "the token followed a redirect to another origin"
