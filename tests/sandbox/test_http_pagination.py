"""Keyset pagination and filters over real HTTP, with hypothesis choosing page sizes and filters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmodstore_sandbox.testing import Sandbox

from .conftest import grant, list_all, purchases_path

ROWS = 37
HYPOTHESIS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def paged(sandbox: Sandbox, http: httpx.Client) -> dict[str, object]:
    """A product of team A with `ROWS` purchases, every 4th revoked, created through the API."""
    product = sandbox.new_product(name="Paged")
    rows = []
    for i in range(ROWS):
        data = grant(http, product, sandbox.new_user())
        if i % 4 == 1:
            path = purchases_path("/v3", product, str(data["id"]))
            data = http.put(path, json={"revoked": True}).json()["data"]
        rows.append(data)
    return {"product": product, "rows": rows}


def pages(
    http: httpx.Client, product: str, per_page: int, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every page body, following `next`."""
    bodies = []
    query: dict[str, str | int] = {"perPage": per_page, **(params or {})}
    while True:
        body = http.get(purchases_path("/v3", product), params=query).json()
        bodies.append(body)
        if body["cursors"]["next"] is None:
            return bodies
        query["cursor"] = body["cursors"]["next"]


@HYPOTHESIS
@given(per_page=st.integers(1, 100))
def test_every_row_exactly_once(http: httpx.Client, paged: dict[str, Any], per_page: int) -> None:
    bodies = pages(http, paged["product"], per_page)
    ids = [row["id"] for body in bodies for row in body["data"]]
    assert ids == [row["id"] for row in paged["rows"]]
    assert all(len(body["data"]) == per_page for body in bodies[:-1])
    assert 1 <= len(bodies[-1]["data"]) <= per_page
    assert bodies[0]["cursors"]["prev"] is None
    assert all(body["cursors"]["prev"] is not None for body in bodies[1:])
    assert all(body["meta"] == {"perPage": per_page} for body in bodies)


@HYPOTHESIS
@given(
    per_page=st.integers(1, 100),
    revoked=st.sampled_from([None, "true", "false", "true,false", "0", "1"]),
    users=st.sets(st.integers(0, ROWS - 1), max_size=6),
    unknown_users=st.integers(0, 2),
    product_filter=st.sampled_from([None, "self", "other", "both"]),
)
def test_filters(
    http: httpx.Client,
    sandbox: Sandbox,
    paged: dict[str, Any],
    per_page: int,
    revoked: str | None,
    users: set[int],
    unknown_users: int,
    product_filter: str | None,
) -> None:
    rows = paged["rows"]
    params: dict[str, str] = {}
    expected = list(rows)
    if revoked is not None:
        params["filter[revoked]"] = revoked
        wanted = {"true": {True}, "1": {True}, "false": {False}, "0": {False}}.get(
            revoked, {True, False}
        )
        expected = [r for r in expected if r["revoked"] in wanted]
    if users or unknown_users:
        chosen = [rows[i]["userId"] for i in sorted(users)]
        chosen += [str(uuid.uuid4()) for _ in range(unknown_users)]
        params["filter[userId]"] = ",".join(chosen)
        expected = [r for r in expected if r["userId"] in chosen]
    if product_filter is not None:
        values = {
            "self": [paged["product"]],
            "other": [sandbox.ids.product_id],
            "both": [sandbox.ids.product_id, paged["product"]],
        }[product_filter]
        params["filter[productId]"] = ",".join(values)
        if product_filter == "other":
            expected = []
    got = list_all(http, paged["product"], per_page=per_page, params=params)
    assert [r["id"] for r in got] == [r["id"] for r in expected]


@HYPOTHESIS
@given(per_page=st.integers(1, 40), data=st.data())
def test_prev_cursors_walk_back(
    http: httpx.Client, paged: dict[str, Any], per_page: int, data: st.DataObject
) -> None:
    forward = pages(http, paged["product"], per_page)
    start = data.draw(st.integers(0, len(forward) - 1), label="start page")
    # Walk back from page `start` with `prev`: the same pages, in reverse, down to the first.
    body = forward[start]
    index = start
    while body["cursors"]["prev"] is not None:
        prev = body["cursors"]["prev"]
        body = http.get(
            purchases_path("/v3", paged["product"]), params={"perPage": per_page, "cursor": prev}
        ).json()
        index -= 1
        assert body["data"] == forward[index]["data"]
        # ...and `next` of a page reached backwards leads forwards again.
        again = http.get(
            purchases_path("/v3", paged["product"]),
            params={"perPage": per_page, "cursor": body["cursors"]["next"]},
        ).json()
        assert again["data"] == forward[index + 1]["data"]
    assert index == 0


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    per_page=st.integers(1, 12),
    inserts=st.lists(st.integers(0, 4), min_size=1, max_size=10),
)
def test_inserts_while_paging(
    http: httpx.Client, sandbox: Sandbox, per_page: int, inserts: list[int]
) -> None:
    """Rows created between page requests never cause duplicates or skip pre-existing rows."""
    product = sandbox.new_product(name="Growing")
    before = [grant(http, product, sandbox.new_user())["id"] for _ in range(12)]
    seen: list[object] = []
    query: dict[str, str | int] = {"perPage": per_page}
    step = 0
    while True:
        body = http.get(purchases_path("/v3", product), params=query).json()
        seen += [row["id"] for row in body["data"]]
        # Bounded: with more inserts than perPage at every step the walk would never end.
        for _ in range(inserts[step] if step < len(inserts) else 0):
            grant(http, product, sandbox.new_user())
        step += 1
        if body["cursors"]["next"] is None:
            break
        query["cursor"] = body["cursors"]["next"]
    assert len(seen) == len(set(seen))
    assert seen[: len(before)] == before


def test_page_boundaries(http: httpx.Client, paged: dict[str, Any]) -> None:
    """perPage equal to the row count: one full page, no `next`."""
    body = http.get(purchases_path("/v3", paged["product"]), params={"perPage": ROWS}).json()
    assert len(body["data"]) == ROWS
    assert body["cursors"] == {"prev": None, "next": None}


def test_filter_values_are_trimmed_and_deduplicated(
    http: httpx.Client, paged: dict[str, Any]
) -> None:
    user = paged["rows"][0]["userId"]
    got = list_all(
        http,
        paged["product"],
        params={"filter[userId]": f" {user} ,{user},", "filter[revoked]": "true,false"},
    )
    assert [r["id"] for r in got] == [paged["rows"][0]["id"]]


def test_filter_product_of_other_team_is_just_empty(
    http: httpx.Client, sandbox: Sandbox, paged: dict[str, Any]
) -> None:
    """The productId filter narrows the product in the path; it never widens access."""
    got = list_all(
        http, paged["product"], params={"filter[productId]": sandbox.ids.other_team_product_id}
    )
    assert got == []
