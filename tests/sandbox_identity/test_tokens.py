"""Personal access tokens under /v3/me and the two-factor nonce exchange."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

from .conftest import NONCE, client, error, nonce, ok, walk

TOKENS = "/v3/me/personal-access-tokens"


def _create(c: httpx.Client, sb: Sandbox, user_id: str | None, **body: Any) -> httpx.Response:
    body.setdefault("name", "my bot")
    body.setdefault("abilities", ["users:read"])
    return c.post(TOKENS, json=body, headers={NONCE: nonce(c, sb, user_id)})


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def test_create_returns_the_plain_token_once_and_it_works(
    owner: httpx.Client, sandbox: Sandbox
) -> None:
    created = ok(_create(owner, sandbox, None, abilities=["users:read", "teams:read"]), 201)
    plain = created["data"]["plainTextToken"]
    token = created["data"]["personalAccessToken"]
    assert plain.startswith("gms_") and token["abilities"] == ["teams:read", "users:read"]
    fetched = ok(owner.get(f"{TOKENS}/{token['id']}"))["data"]
    assert fetched == token
    assert plain not in owner.get(TOKENS, params={"perPage": 100}).text
    with client(sandbox, plain) as bot:
        me = ok(bot.get("/v3/me"))["data"]
        assert me["personalAccessToken"]["id"] == token["id"]
        assert me["personalAccessToken"]["lastUsedAt"] is not None
        ok(bot.get("/v3/teams"))
        body = error(bot.get(f"/v3/teams/{sandbox.ids.team_id}/users"), 403)
        assert "team-users:read" in body["message"]


def test_create_needs_a_fresh_single_use_nonce(owner: httpx.Client, sandbox: Sandbox) -> None:
    body = {"name": "my bot", "abilities": ["users:read"]}
    assert NONCE in error(owner.post(TOKENS, json=body), 403)["message"]
    code = nonce(owner, sandbox)
    ok(owner.post(TOKENS, json=body, headers={NONCE: code}), 201)
    error(owner.post(TOKENS, json=body, headers={NONCE: code}), 403)  # used up
    stolen = nonce(owner, sandbox)
    with client(sandbox, sandbox.other_team_token) as c:  # another user's nonce
        error(c.post(TOKENS, json=body, headers={NONCE: stolen}), 403)


def test_bad_body_does_not_use_up_the_nonce(owner: httpx.Client, sandbox: Sandbox) -> None:
    code = nonce(owner, sandbox)
    error(owner.post(TOKENS, json={"name": "x"}, headers={NONCE: code}), 400)
    body = {"name": "my bot", "abilities": ["users:read"]}
    ok(owner.post(TOKENS, json=body, headers={NONCE: code}), 201)


@pytest.mark.parametrize("code", ["000000", "12345", "abcdef", "", None, 123456])
def test_wrong_totp_code_is_400(owner: httpx.Client, sandbox: Sandbox, code: object) -> None:
    real = sandbox.totp_code()
    if code == real:
        pytest.skip("the random code happened to be the real one")
    body = {} if code is None else {"code": code}
    response = owner.post("/v3/2fa/nonces/totp/exchange", json=body)
    assert "code" in error(response, 400)["errors"]


def test_totp_needs_a_token(sandbox: Sandbox) -> None:
    response = httpx.post(f"{sandbox.url}/v3/2fa/nonces/totp/exchange", json={"code": "123456"})
    error(response, 401)


def test_a_token_cannot_grant_what_it_lacks(sandbox: Sandbox) -> None:
    owner_id = sandbox.ids.owner_user_id
    narrow = sandbox.token_for(owner_id, ["personal-access-tokens:write", "users:read"])
    with client(sandbox, narrow) as c:
        body = error(_create(c, sandbox, owner_id, abilities=["users:read", "teams:write"]), 403)
        assert "teams:write" in body["message"]
        error(_create(c, sandbox, owner_id, abilities=["*"]), 403)
        ok(_create(c, sandbox, owner_id, abilities=["users:read"]), 201)


def test_wildcard_needs_wildcard(
    owner: httpx.Client, staff: httpx.Client, sandbox: Sandbox
) -> None:
    error(_create(owner, sandbox, None, abilities=["*"]), 403)  # 38 named abilities, no "*"
    created = ok(_create(staff, sandbox, sandbox.ids.staff_user_id, abilities=["*"]), 201)
    assert created["data"]["personalAccessToken"]["abilities"] == ["*"]


def test_expiry_rules(sandbox: Sandbox, owner: httpx.Client) -> None:
    now = datetime.now(timezone.utc)
    error(_create(owner, sandbox, None, expiresAt=_iso(now - timedelta(minutes=1))), 400)
    error(_create(owner, sandbox, None, expiresAt="tomorrow"), 400)
    error(_create(owner, sandbox, None, expiresAt="2030-01-01T00:00:00"), 400)  # no zone
    owner_id = sandbox.ids.owner_user_id
    short = sandbox.token_for(owner_id, expires_at=now + timedelta(hours=1))
    with client(sandbox, short) as c:
        body = error(_create(c, sandbox, owner_id), 400)  # never-expiring would outlive it
        assert "expiresAt" in body["errors"]
        error(_create(c, sandbox, owner_id, expiresAt=_iso(now + timedelta(hours=2))), 400)
        ok(_create(c, sandbox, owner_id, expiresAt=_iso(now + timedelta(minutes=30))), 201)


def test_update_token(owner: httpx.Client, sandbox: Sandbox) -> None:
    created = ok(_create(owner, sandbox, None, abilities=["users:read", "teams:read"]), 201)
    token_id = created["data"]["personalAccessToken"]["id"]
    plain = created["data"]["plainTextToken"]
    path = f"{TOKENS}/{token_id}"
    later = _iso(datetime.now(timezone.utc) + timedelta(days=1))
    updated = ok(owner.put(path, json={"name": "renamed", "abilities": ["teams:read"],
                                       "expiresAt": later}))["data"]  # fmt: skip
    assert (updated["name"], updated["abilities"]) == ("renamed", ["teams:read"])
    assert updated["expiresAt"] is not None
    assert ok(owner.put(path))["data"] == updated  # no body: no change
    error(owner.put(path, json={"abilities": ["*"]}), 403)
    error(owner.put(path, json={"name": "x"}), 400)
    with client(sandbox, plain) as bot:
        error(bot.get("/v3/users"), 403)  # users:read was taken away, at once
        ok(bot.get("/v3/teams"))


def test_deleted_token_gets_401_at_once(owner: httpx.Client, sandbox: Sandbox) -> None:
    created = ok(_create(owner, sandbox, None), 201)["data"]
    with client(sandbox, created["plainTextToken"]) as bot:
        ok(bot.get("/v3/users"))  # now cached by the server
        deleted = ok(owner.delete(f"{TOKENS}/{created['personalAccessToken']['id']}"))["data"]
        assert deleted["id"] == created["personalAccessToken"]["id"]
        error(bot.get("/v3/users"), 401)
        error(bot.get(f"/v3/products/{sandbox.ids.product_id}/purchases"), 401)
    error(owner.get(f"{TOKENS}/{deleted['id']}"), 404)


def test_other_users_tokens_are_not_found(owner: httpx.Client, other: httpx.Client) -> None:
    theirs = walk(other, TOKENS)
    assert theirs and all(t["name"] for t in theirs)
    mine = {t["id"] for t in walk(owner, TOKENS, perPage=2)}
    assert not mine & {t["id"] for t in theirs}
    for verb in ("get", "put", "delete"):
        missing = owner.request(verb.upper(), f"{TOKENS}/{theirs[0]['id']}")
        assert error(missing, 404) == {"message": "The personal access token could not be found."}
    error(owner.get(f"{TOKENS}/not-a-uuid"), 404)
