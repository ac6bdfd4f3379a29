"""Fixtures for the ``gmodstore`` command tests: every test talks to the real sandbox server."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from gmodstore_cli.main import app
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk import ApiClient, Configuration
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload

_DEFAULT: Any = object()


@dataclass
class Shop:
    """A fresh product of team A: 3 active purchases, 2 revoked, 3 users without one."""

    product: str
    active: dict[str, ProductPurchase] = field(default_factory=dict)
    """user id -> active purchase"""
    revoked: dict[str, ProductPurchase] = field(default_factory=dict)
    """user id -> revoked purchase"""
    free_users: list[str] = field(default_factory=list)

    @property
    def purchases(self) -> dict[str, ProductPurchase]:
        """purchase id -> purchase, every purchase of the product."""
        return {p.id: p for p in [*self.active.values(), *self.revoked.values()]}


Invoke = Callable[..., Result]


@pytest.fixture
def gm(sandbox: Sandbox) -> Invoke:
    """Run ``gmodstore ARGS...`` against the sandbox; ``token=None`` runs without a token."""
    runner = CliRunner()

    def invoke(
        *args: str, token: str | None = _DEFAULT, input: str | None = None, **env: str
    ) -> Result:
        environment: dict[str, str | None] = {
            "GMODSTORE_HOST": sandbox.url,
            "GMODSTORE_TOKEN": sandbox.token if token is _DEFAULT else token,
            "NO_COLOR": "1",
            **env,
        }
        return runner.invoke(app, list(args), env=environment, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[ProductPurchasesApi]:
    """The SDK on the sandbox, to set up and verify state independently of the command."""
    with ApiClient(Configuration(host=sandbox.url, access_token=sandbox.token)) as client:
        yield ProductPurchasesApi(client)


@pytest.fixture
def shop(sandbox: Sandbox, api: ProductPurchasesApi) -> Shop:
    shop = Shop(product=sandbox.new_product(name="CLI test product"))
    for index in range(5):
        user = sandbox.new_user()
        payload = NewProductPurchasePayload(user_id=user)
        purchase = api.create_product_purchase(shop.product, payload).data
        if index >= 3:
            update = UpdateProductPurchasePayload(revoked=True)
            purchase = api.update_product_purchase(shop.product, purchase.id, update).data
            shop.revoked[user] = purchase
        else:
            shop.active[user] = purchase
    shop.free_users = [sandbox.new_user() for _ in range(3)]
    return shop


def all_purchases(api: ProductPurchasesApi, product: str) -> dict[str, ProductPurchase]:
    """purchase id -> purchase, as the server has them now."""
    return {p.id: p for p in api.iter_product_purchases(product)}


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def parse_jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line]


def flat(text: str) -> str:
    """``text`` with rich's panel borders removed and whitespace collapsed (for usage errors)."""
    for char in "│╭╮╰╯─":
        text = text.replace(char, " ")
    return " ".join(text.split())
