"""The SDK section of README.md runs against the sandbox, block by block, like a reader's session.

The examples use the reader's own ids (`product_id`, `purchase_id`, `user_id`, `token`) and take
the host and token from the environment; here those are a product, purchase and user created for
the test, and the sandbox's URL and token.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).parents[2] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- BEGIN sdk -->", 1)[1].split("<!-- END sdk -->", 1)[0]
    return re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)


def test_readme_has_sdk_examples() -> None:
    assert len(_blocks()) >= 5


def test_readme_examples_run(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gmodstore_sdk

    monkeypatch.setenv("GMODSTORE_HOST", sandbox.url)
    monkeypatch.setenv("GMODSTORE_TOKEN", sandbox.token)
    product_id = sandbox.new_product()
    config = gmodstore_sdk.Configuration()
    with gmodstore_sdk.ApiClient(config) as client:
        from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

        api = ProductPurchasesApi(client)
        purchase_id = api.create_product_purchase(
            product_id, {"userId": sandbox.new_user()}
        ).data.id
    namespace: dict[str, Any] = {
        "__name__": "readme_example",
        "product_id": product_id,
        "purchase_id": purchase_id,
        "user_id": sandbox.new_user(),
        "token": sandbox.token,
    }
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"README.md:sdk[{i}]", "exec"), namespace)
    out = capsys.readouterr().out
    assert "granted " in out
    assert "400 This user already owns this product." in out  # the errors example
    assert sandbox.token not in out
