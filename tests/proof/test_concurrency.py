"""Concurrent writers against a real sandbox, on SQLite and PostgreSQL.

- 100 concurrent creates of the same (product, user): exactly one 201, the rest 400 "already owns",
  exactly one row.
- Concurrent revoke / restore of one purchase: the final state equals the last acknowledged write.
  "Last" is the server's serialization order, which each acknowledgement carries as `updatedAt`
  (strictly increasing per change): after every round of concurrent PUTs, a GET must show the
  `revoked` and `updatedAt` of the acknowledgement with the greatest `updatedAt`, and every
  acknowledgement must report the value its request asked for.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

CREATES = 100
ROUNDS = 6
WRITERS = 16


def _headers(sb: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {sb.token}"}


def _purchases_url(sb: Any) -> str:
    return f"{sb.url}/api/v3/products/{sb.ids.product_id}/purchases"


def _rows_for(sb: Any, user_id: str) -> int:
    engine = create_engine(sb.database_url)
    try:
        with engine.connect() as conn:
            # Compare as text: SQLite stores the uuid as 32 hex digits, PostgreSQL as uuid.
            rows = conn.execute(text("SELECT user_id FROM purchases")).scalars().all()
    finally:
        engine.dispose()
    wanted = user_id.replace("-", "")
    return sum(1 for r in rows if str(r).replace("-", "") == wanted)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _fire(sb: Any, requests: list[tuple[str, str, Any]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(headers=_headers(sb), timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(
                *(client.request(method, url, json=body) for method, url, body in requests)
            )
        )


def test_hundred_concurrent_creates_make_exactly_one_purchase(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    user = sb.new_user()
    responses = asyncio.run(_fire(sb, [("POST", _purchases_url(sb), {"userId": user})] * CREATES))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(400) == CREATES - 1, statuses
    for r in responses:
        if r.status_code == 400:
            assert "userId" in r.json()["errors"], r.text
    listed = httpx.get(
        _purchases_url(sb), params={"filter[userId]": user}, headers=_headers(sb)
    ).json()["data"]
    assert [p["userId"] for p in listed] == [user]
    assert _rows_for(sb, user) == 1


def test_concurrent_creates_for_different_users_all_succeed(proof_sandbox: Any) -> None:
    """Writers queue on the database lock; none of them fails with a 5xx or 'database is locked'."""
    sb = proof_sandbox
    users = [sb.new_user() for _ in range(40)]
    responses = asyncio.run(_fire(sb, [("POST", _purchases_url(sb), {"userId": u}) for u in users]))
    assert [r.status_code for r in responses] == [201] * len(users), [
        r.text for r in responses if r.status_code != 201
    ]
    assert sorted(r.json()["data"]["userId"] for r in responses) == sorted(users)


@pytest.mark.anyio
async def test_sdk_concurrent_creates_one_winner(proof_sandbox: Any) -> None:
    """The same race through AsyncApiClient: one purchase returned, 99 BadRequestException."""
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi
    from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload

    sb = proof_sandbox
    user = sb.new_user()
    payload = NewProductPurchasePayload(user_id=user)
    config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token)
    async with gmodstore_sdk.AsyncApiClient(config) as client:
        api = AsyncProductPurchasesApi(client)
        results = await asyncio.gather(
            *(api.create_product_purchase(sb.ids.product_id, payload) for _ in range(CREATES)),
            return_exceptions=True,
        )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1, lost[:3]
    assert str(won[0].data.user_id) == user
    assert all(isinstance(e, gmodstore_sdk.BadRequestException) for e in lost), lost[:3]
    assert _rows_for(sb, user) == 1


def test_concurrent_revoke_restore_ends_at_the_last_acknowledged_write(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    user = sb.new_user()
    created = httpx.post(_purchases_url(sb), json={"userId": user}, headers=_headers(sb))
    assert created.status_code == 201, created.text
    url = f"{_purchases_url(sb)}/{created.json()['data']['id']}"
    rng = random.Random(1234)
    previous = _ts(created.json()["data"]["updatedAt"])
    for round_no in range(ROUNDS):
        wanted = [rng.choice([True, False]) for _ in range(WRITERS)]
        responses = asyncio.run(_fire(sb, [("PUT", url, {"revoked": w}) for w in wanted]))
        assert [r.status_code for r in responses] == [200] * WRITERS, [r.text for r in responses]
        acks = [r.json()["data"] for r in responses]
        for want, ack in zip(wanted, acks, strict=True):
            assert ack["revoked"] is want, f"round {round_no}: asked {want}, acknowledged {ack}"
        latest = max(_ts(a["updatedAt"]) for a in acks)
        last = [a for a in acks if _ts(a["updatedAt"]) == latest]
        assert len({a["revoked"] for a in last}) == 1, f"two different writes share {latest}"
        final = httpx.get(url, headers=_headers(sb)).json()["data"]
        assert _ts(final["updatedAt"]) == latest, (round_no, final, last[0])
        assert final["revoked"] is last[0]["revoked"], (round_no, final, last[0])
        assert latest >= previous
        previous = latest
    # And a write acknowledged after all others is, trivially, what a reader sees.
    ack = httpx.put(url, json={"revoked": not final["revoked"]}, headers=_headers(sb)).json()
    assert httpx.get(url, headers=_headers(sb)).json() == ack


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
