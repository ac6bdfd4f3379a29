"""Product reviews: the seeded ones over HTTP, the rating filter, and the admin commands."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from gmodstore_sandbox.cli import app

from .conftest import CONTENT_SCOPES, Content

runner = CliRunner()
SEEDED_RATINGS = [5, 4, 3, 2, 1, 5, 4, 3, 2, 1]
REVIEW_FIELDS = {
    "id",
    "userId",
    "title",
    "body",
    "rating",
    "version",
    "votes",
    "createdAt",
    "updatedAt",
}


def reviews(content: Content, product: str, **params: Any) -> list[dict[str, Any]]:
    response = content.http.get(f"/products/{product}/reviews", params={"perPage": 100, **params})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def sandbox_cli(content: Content, *args: str) -> str:
    result = runner.invoke(app, [*args, "--database-url", content.sb.database_url])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_the_seed_has_ten_reviews(content: Content) -> None:
    seeded = [r for r in reviews(content, content.product) if r["id"] in content.sb.ids.review_ids]
    assert [r["id"] for r in seeded] == content.sb.ids.review_ids
    assert [r["rating"] for r in seeded] == SEEDED_RATINGS
    first = seeded[0]
    assert set(first) == REVIEW_FIELDS
    assert first["userId"] == content.sb.ids.owner_user_ids[0]
    assert set(first["votes"]) == {"helpful", "total"}
    assert json.loads(first["body"])["type"] == "doc"
    assert content.http.get(f"/products/{content.product}/reviews/{first['id']}").json() == {
        "data": first
    }


@pytest.mark.parametrize(
    ("rating", "expected"), [("1", [1, 1]), ("1,2", [2, 1, 2, 1]), ("5,4,3,2,1", SEEDED_RATINGS)]
)
def test_filter_by_rating(content: Content, rating: str, expected: list[int]) -> None:
    seeded = set(content.sb.ids.review_ids)
    found = [
        r["rating"]
        for r in reviews(content, content.product, **{"filter[rating]": rating})
        if r["id"] in seeded
    ]
    assert found == expected


@pytest.mark.parametrize("rating", ["0", "6", "x", "1.5"])
def test_bad_rating_filter(content: Content, rating: str) -> None:
    response = content.http.get(
        f"/products/{content.product}/reviews", params={"filter[rating]": rating}
    )
    assert response.status_code == 400
    assert "filter.rating" in response.json()["errors"]


def test_pagination(content: Content) -> None:
    url = f"/products/{content.product}/reviews"
    first = content.http.get(url, params={"perPage": 4}).json()
    second = content.http.get(url, params={"perPage": 4, "cursor": first["cursors"]["next"]}).json()
    assert len(first["data"]) == 4
    assert not {r["id"] for r in first["data"]} & {r["id"] for r in second["data"]}


def test_admin_commands_add_edit_delete(content: Content) -> None:
    product = content.sb.new_product(name="Reviewed")
    user = content.sb.new_user("Critic")
    review = sandbox_cli(
        content,
        "reviews",
        "add",
        "--product",
        product,
        "--user",
        user,
        "--rating",
        "4",
        "--title",
        "Nice",
        "--body",
        "Good addon",
    )
    uuid.UUID(review)
    (listed,) = reviews(content, product)
    assert (listed["id"], listed["rating"], listed["title"], listed["userId"]) == (
        review,
        4,
        "Nice",
        user,
    )
    assert "Good addon" in listed["body"]
    sandbox_cli(content, "reviews", "edit", review, "--rating", "2", "--title", "Meh")
    edited = content.http.get(f"/products/{product}/reviews/{review}").json()["data"]
    assert (edited["rating"], edited["title"], edited["body"]) == (2, "Meh", listed["body"])
    assert edited["updatedAt"] > listed["updatedAt"]
    assert [r["id"] for r in reviews(content, product, **{"filter[rating]": "2"})] == [review]
    sandbox_cli(content, "reviews", "delete", review)
    assert content.http.get(f"/products/{product}/reviews/{review}").status_code == 404
    assert reviews(content, product) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "--product", str(uuid.uuid4()), "--user", str(uuid.uuid4()), "--rating", "3"],
            "no product",
        ),
        (["add", "--product", "x", "--user", "y", "--rating", "3"], "is not a UUID"),
        (
            ["add", "--product", str(uuid.uuid4()), "--user", str(uuid.uuid4()), "--rating", "9"],
            "rating",
        ),
        (["edit", str(uuid.uuid4()), "--rating", "3"], "no review"),
        (["delete", str(uuid.uuid4())], "no review"),
    ],
)
def test_admin_command_errors(content: Content, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["reviews", *args, "--database-url", content.sb.database_url])
    assert result.exit_code != 0
    assert message in result.output


def test_review_access(content: Content) -> None:
    url = f"/products/{content.product}/reviews"
    review = content.sb.ids.review_ids[0]
    with content.client(None) as anonymous:
        assert anonymous.get(url).status_code == 401
    with content.client(content.sb.new_token()) as no_scope:  # purchase scopes only
        assert no_scope.get(f"{url}/{review}").status_code == 403
    with content.client(content.sb.new_token(scopes=CONTENT_SCOPES, team="b")) as foreign:
        assert foreign.get(url).status_code == 403
    other = content.sb.new_product(name="Unreviewed")
    assert content.http.get(f"/products/{other}/reviews/{review}").status_code == 404
    assert content.http.get(f"{url}/{uuid.uuid4()}").status_code == 404
    assert content.http.post(url, json={}).status_code == 405


def test_the_sandbox_cli_makes_tokens_with_content_scopes(content: Content) -> None:
    user = content.sb.new_user()
    token = sandbox_cli(
        content, "token", "create", "--user", user, "--scopes", "product-reviews:read"
    )
    with content.client(token) as client:
        # the user is in no team: the scope is accepted, the product is still not theirs
        assert client.get(f"/products/{content.product}/reviews").status_code == 403


def test_the_demo_seed_has_reviews_and_a_token_for_them(tmp_path: Path) -> None:
    from gmodstore_sandbox.admin import seed_demo
    from gmodstore_sandbox.storage.db import create_tables, make_engine
    from gmodstore_sandbox.testing import run_sandbox

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url, pool_size=1)
    create_tables(engine)
    demo = seed_demo(engine, users=20)
    engine.dispose()
    with run_sandbox(url, seed=False) as sb, httpx.Client(base_url=sb.url + "/v3") as client:
        client.headers["Authorization"] = f"Bearer {demo.token}"
        for product in demo.product_ids:
            response = client.get(f"/products/{product}/reviews")
            assert response.status_code == 200
            assert len(response.json()["data"]) == 5
        assert client.get(f"/products/{demo.product_ids[0]}/versions").status_code == 200
