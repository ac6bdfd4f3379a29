"""The Python blocks of the documentation site run against a real sandbox, page by page.

Like the README's examples, the pages use the reader's own ids (`product_id`, `user_id`) and take
the host and token from the environment; here those are a product and user created for the test,
and the sandbox's URL and token. The guide that needs Redis runs on GMODSTORE_TEST_REDIS_URL.
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

SITE = Path(__file__).parents[2] / "docs" / "site"


def _blocks(page: str) -> list[str]:
    text = (SITE / page).read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```$", text, re.M | re.S)


def _run(page: str, namespace: dict[str, Any]) -> None:
    for i, block in enumerate(_blocks(page)):
        exec(compile(block, f"{page}[{i}]", "exec"), namespace)


def _reader(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("GMODSTORE_HOST", sandbox.url)
    monkeypatch.setenv("GMODSTORE_TOKEN", sandbox.token)
    return {
        "__name__": "docs_example",
        "product_id": sandbox.new_product(),
        "user_id": sandbox.new_user(),
    }


def test_every_page_in_the_nav_exists() -> None:
    nav = re.findall(r":\s*(\S+\.md)$", (SITE.parents[1] / "mkdocs.yml").read_text(), re.M)
    assert nav and all((SITE / page).is_file() for page in nav)


def test_quickstart_runs(sandbox: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    assert len(_blocks("quickstart.md")) == 4
    namespace = _reader(sandbox, monkeypatch)
    _run("quickstart.md", namespace)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "does not own it"
    assert out[1].startswith("granted ")
    assert f"{namespace['user_id']} active" in out
    assert out[-1] == "400 already owns it"


def test_many_processes_guide_runs(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import redis

    from gmodstore_sdk import webhooks
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    url = os.environ.get("GMODSTORE_TEST_REDIS_URL")
    if not url:
        pytest.skip("the guide needs Redis: set GMODSTORE_TEST_REDIS_URL (.ci/run sets it)")
    db_url = url.rsplit("/", 1)[0] + "/15"  # the guide's default key names, in a db of its own
    monkeypatch.setenv("REDIS_URL", db_url)
    namespace = _reader(sandbox, monkeypatch)
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    namespace["WEBHOOK_SECRET"] = secret
    try:
        _run("guides/many-processes.md", namespace)
        assert capsys.readouterr().out.splitlines() == ["buy the product first"] * 2
        # The purchase arrives by webhook: the cache answers from it at once.
        api: ProductPurchasesApi = namespace["api"]
        purchase = api.create_product_purchase(
            namespace["product_id"], {"userId": namespace["user_id"]}
        ).data
        body = json.dumps(
            {
                "eventType": "product_purchase.created",
                "data": purchase.model_dump(by_alias=True, mode="json"),
            }
        ).encode()
        headers = webhooks.sign(body, secret=secret, webhook_id=f"msg_{uuid.uuid4().hex}")
        assert namespace["handle_webhook"](body, headers) == 204
        assert namespace["handle_webhook"](body, {**headers, "webhook-id": "forged"}) == 400
        assert namespace["on_command"](namespace["user_id"]) == "role granted"
        assert namespace["cache"].misses == 1  # one request for three checks
        assert namespace["client"].rate_limit is not None  # paced through Redis
    finally:
        namespace.get("client") and namespace["client"].close()
        raw = redis.Redis.from_url(db_url, socket_timeout=2.0)
        keys = list(raw.scan_iter(match="gmodstore:*"))
        if keys:
            raw.delete(*keys)
        raw.close()
