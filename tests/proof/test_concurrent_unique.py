"""Concurrent creates of the same unique thing, over HTTP, on SQLite and PostgreSQL.

The resources beyond purchases that carry a uniqueness rule: a coupon code is unique per product
regardless of case, a user holds a badge at most once, a ticket holds a tag at most once (adding
it again is not an error: all 201, one link, one event) and a two-factor nonce authorises one token
only. (Teams, tokens, versions and media
have no uniqueness rule, so concurrent creates of those are all meant to succeed; the last test
checks that they do, with no 5xx.) N simultaneous requests: exactly one 201, the rest 400 with the
field's error, exactly one row.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from sqlalchemy import create_engine, text

WRITERS = 40


async def _fire(
    token: str, requests: list[tuple[str, Any]], extra: dict[str, str] | None = None
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {token}", **(extra or {})}
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as client:
        return list(await asyncio.gather(*(client.post(url, json=body) for url, body in requests)))


def _count(sb: Any, sql: str, **params: Any) -> int:
    engine = create_engine(sb.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar_one())
    finally:
        engine.dispose()


def _holders(sb: Any, badge: str) -> list[str]:
    """User ids (as 32 hex digits: SQLite stores them so, PostgreSQL as uuid) holding `badge`."""
    engine = create_engine(sb.database_url)
    try:
        with engine.connect() as conn:
            sql = text("SELECT user_id FROM user_badges WHERE badge_id = :badge")
            rows = conn.execute(sql, {"badge": badge}).scalars().all()
    finally:
        engine.dispose()
    return [str(r).replace("-", "") for r in rows]


def _one_winner(responses: list[httpx.Response], field: str) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(400) == len(responses) - 1, statuses
    for r in responses:
        if r.status_code == 400:
            assert field in r.json()["errors"], r.text


def _expires() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()


def test_concurrent_coupons_with_one_code_in_any_case_make_exactly_one(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    product = sb.new_product(name="Coupon race")
    url = f"{sb.url}/v3/products/{product}/coupons"
    code = f"race{uuid.uuid4().hex[:8]}"
    spellings = [code.upper(), code.lower(), code.capitalize()]
    bodies = [
        {"percent": 10, "code": spellings[i % 3], "maxUses": 5, "expiresAt": _expires()}
        for i in range(WRITERS)
    ]
    responses = asyncio.run(_fire(sb.token, [(url, body) for body in bodies]))
    _one_winner(responses, "code")
    listed = httpx.get(url, headers={"Authorization": f"Bearer {sb.token}"}).json()["data"]
    assert [c["code"].lower() for c in listed] == [code.lower()]
    rows = _count(
        sb, "SELECT count(*) FROM product_coupons WHERE lower(code) = :code", code=code.lower()
    )
    assert rows == 1


def test_concurrent_awards_of_one_badge_make_exactly_one(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    user = sb.new_user()
    url = f"{sb.url}/v3/users/{user}/badges"
    responses = asyncio.run(_fire(sb.staff_token, [(url, {"badge_id": "shiba"})] * WRITERS))
    _one_winner(responses, "badge_id")
    listed = httpx.get(url, headers={"Authorization": f"Bearer {sb.token}"}).json()["data"]
    assert len(listed) == 1, listed
    assert _holders(sb, "shiba").count(user.replace("-", "")) == 1


def test_concurrent_creates_without_a_uniqueness_rule_all_succeed(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    product = sb.new_product(name="Coupon crowd")
    coupons = f"{sb.url}/v3/products/{product}/coupons"
    teams = f"{sb.url}/v3/teams"
    requests: list[tuple[str, Any]] = []
    for i in range(WRITERS // 2):
        body = {"percent": 5, "code": f"c{i}{uuid.uuid4().hex[:6]}", "expiresAt": _expires()}
        requests += [(coupons, body | {"maxUses": 1}), (teams, {"name": "Same name"})]
    responses = asyncio.run(_fire(sb.token, requests))
    assert sorted({r.status_code for r in responses}) == [201], [r.text for r in responses][:3]
    made = {r.json()["data"]["id"] for r in responses}
    assert len(made) == WRITERS


def test_concurrent_adds_of_one_tag_to_a_ticket_make_one_link_and_one_event(
    proof_sandbox: Any,
) -> None:
    """Adding a tag is idempotent (every answer 201), but the ticket holds it once and one
    ``ticket.tagged`` event is written."""
    sb = proof_sandbox
    ticket = sb.ids.ticket_ids[1]
    tag = sb.new_ticket_tag(f"race {uuid.uuid4().hex[:6]}")
    url = f"{sb.url}/v3/tickets/{ticket}/tags"
    responses = asyncio.run(_fire(sb.token, [(url, {"tagId": tag})] * WRITERS))
    assert sorted({r.status_code for r in responses}) == [201], [r.text for r in responses][:3]
    listed = httpx.get(url, headers={"Authorization": f"Bearer {sb.token}"}).json()["data"]
    assert [t["id"] for t in listed].count(tag) == 1
    links = _count(
        sb, "SELECT count(*) FROM ticket_tag_links WHERE tag_id = :tag", tag=_db_id(sb, tag)
    )
    assert links == 1
    events = _count(
        sb,
        "SELECT count(*) FROM outbox WHERE event_type = 'ticket.tagged' "
        "AND CAST(payload AS TEXT) LIKE :tag",
        tag=f"%{tag}%",
    )
    assert events == 1


def test_concurrent_token_creates_with_one_nonce_make_exactly_one(proof_sandbox: Any) -> None:
    """A two-factor nonce is single use: N creates racing on one nonce make one token."""
    sb = proof_sandbox
    user = sb.new_member(name="Nonce racer")
    token = sb.user_token(user, ["*"])
    exchanged = httpx.post(
        f"{sb.url}/v3/2fa/nonces/totp/exchange",
        json={"code": sb.totp_code(user)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert exchanged.status_code == 200, exchanged.text
    nonce = exchanged.json()["data"]["token"]
    url = f"{sb.url}/v3/me/personal-access-tokens"
    body = {"name": "raced", "abilities": ["users:read"]}
    responses = asyncio.run(_fire(token, [(url, body)] * WRITERS, {"X-Two-Factor-Nonce": nonce}))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert all(400 <= s < 500 for s in statuses if s != 201), statuses
    made = _count(
        sb,
        "SELECT count(*) FROM access_tokens WHERE user_id = :user AND name = 'raced'",
        user=_db_id(sb, user),
    )
    assert made == 1


def _db_id(sb: Any, value: str) -> str:
    """A uuid as the database stores it: 32 hex digits on SQLite, the uuid on PostgreSQL."""
    return value if sb.database_url.startswith("postgres") else value.replace("-", "")
