"""Every code example of the documented SDK runs against the sandbox, unchanged but for names.

The examples come from ../shared/reference/ProductPurchasesApi.md. Only the distribution name is
turned into the import name (`gmodstore-sdk` -> `gmodstore_sdk`) and the placeholders into real
ids. The host comes from `GMODSTORE_HOST`, because each example's second `Configuration(...)`
(the token) replaces the first (the host).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).parents[2].parent / "shared" / "reference" / "ProductPurchasesApi.md"
BLOCK = re.compile(r"^# \*\*(\w+)\*\*$.*?^```python\n(.*?)^```$", re.M | re.S)


def _examples() -> dict[str, str]:
    if not DOC.exists():
        return {}
    return dict(BLOCK.findall(DOC.read_text(encoding="utf-8")))


EXAMPLES = _examples()


def test_every_documented_method_has_an_example() -> None:
    if not DOC.exists():
        pytest.skip(f"{DOC} not found (the shared reference lives next to the repository)")
    assert sorted(EXAMPLES) == [
        "create_product_purchase",
        "get_product_purchase",
        "list_product_purchases",
        "update_product_purchase",
    ]


def _placeholders(name: str, sb: Any, api: Any) -> dict[str, str | None]:
    """Real values for the placeholders of one example (writes go to a product of its own)."""
    ids = sb.ids
    if name == "create_product_purchase":
        return {"product_example": sb.new_product(), "user_id_example": sb.new_user()}
    if name == "update_product_purchase":
        product = sb.new_product()
        created = api.create_product_purchase(product, {"userId": sb.new_user()})
        return {"product_example": product, "purchase_example": created.data.id}
    # get / list: read only. The example filter is revoked=True plus a user and a product, so
    # use a revoked purchase and its owner, which that filter matches. A cursor is only valid with
    # the filter it was issued for, and this filter matches a single purchase: there is no next
    # page, so the cursor is the one that filter yields (None, the first page).
    revoked = ids.revoked_purchase_ids[0]
    owner = ids.owner_user_ids[ids.purchase_ids.index(revoked)]
    only = {"revoked": True, "userId": owner, "productId": ids.product_id}
    cursor = api.list_product_purchases(ids.product_id, per_page=24, filter=only).cursors.next
    return {
        "product_example": ids.product_id,
        "purchase_example": revoked,
        "user_id_example": owner,
        "product_id_example": ids.product_id,
        "cursor_example": cursor,
    }


def _substitute(code: str, values: dict[str, str | None], token: str) -> str:
    code = code.replace("gmodstore-sdk", "gmodstore_sdk")
    code = code.replace("'YOUR_BEARER_TOKEN'", repr(token))
    for placeholder, value in values.items():
        code = code.replace(f'"{placeholder}"', repr(value))
    assert "_example" not in code, "a placeholder was left unreplaced"
    return code


@pytest.mark.parametrize("name", sorted(EXAMPLES) or ["(no examples)"])
def test_doc_example_runs(
    name: str,
    sandbox: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not EXAMPLES:
        pytest.skip(f"{DOC} not found (the shared reference lives next to the repository)")
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    monkeypatch.setenv("GMODSTORE_HOST", sandbox.url)
    monkeypatch.delenv("GMODSTORE_TOKEN", raising=False)
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=sandbox.token)
    with gmodstore_sdk.ApiClient(config) as client:
        values = _placeholders(name, sandbox, ProductPurchasesApi(client))
    code = _substitute(EXAMPLES[name], values, sandbox.token)

    exec(compile(code, f"{DOC.name}:{name}", "exec"), {"__name__": f"doc_example_{name}"})

    out = capsys.readouterr().out
    failures = [line for line in out.splitlines() if "Exception when calling" in line]
    if name == "create_product_purchase":
        # The example's first call sends no payload, and the API requires `userId`: the server
        # answers 400, which the example prints. The second call, with the payload, must succeed.
        assert len(failures) == 1, out
        assert "create_product_purchase: (400) Bad Request: " in failures[0]
        assert str(values["user_id_example"]) in out  # the created purchase was printed
    else:
        assert failures == [], out
        assert "ProductPurchase(" in out
