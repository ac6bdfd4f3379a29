"""README's "The whole API" section runs, block by block, against a real sandbox.

The reader's ids (`product_id`, `ticket_id`, `user_id`, `other_user_ids`) are made for the test: a
fresh product of the token's team with a buyer found by SteamID, a 2-star review, a ticket, and
250 users for the batch. (`tests/sdk/test_spec_readme.py` runs the same blocks against answers
made from the spec, checking every request against it.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gmodstore_sandbox.testing import Sandbox

README = Path(__file__).parents[2] / "README.md"
STEAM_ID = 76561197960287930  # the README's example SteamID64


def _blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- BEGIN whole-api -->", 1)[1].split("<!-- END whole-api -->", 1)[0]
    return re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)


def _reader_ids(sandbox: Sandbox) -> dict[str, Any]:
    import gmodstore_sdk
    from gmodstore_sandbox.content.admin import create_review

    product_id = sandbox.new_product(name="Whole API product")
    with gmodstore_sdk.GmodStore() as gs:
        user = gs.users.find_user_by_steam_id(STEAM_ID)
        buyer = user.id if user else sandbox.new_user("Gabe", steam_id=STEAM_ID)
        gs.product_purchases.create_product_purchase(product_id, {"userId": buyer})
    customer = sandbox.new_user("Customer")
    create_review(sandbox._engine, product_id=product_id, user_id=customer, rating=2, title="Meh")
    ticket_id = sandbox.open_ticket(
        product=product_id, user=customer, subject="Crash", body="It crashes on load"
    )
    return {
        "product_id": product_id,
        "ticket_id": ticket_id,
        "user_id": customer,
        "other_user_ids": [sandbox.new_user() for _ in range(249)],
    }


@pytest.mark.parametrize("sandbox", ["sqlite"], indirect=True)
def test_the_whole_api_examples_run_against_the_sandbox(
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import zipfile

    monkeypatch.setenv("GMODSTORE_HOST", sandbox.url)
    monkeypatch.setenv("GMODSTORE_TOKEN", sandbox.token)
    monkeypatch.chdir(tmp_path)
    with zipfile.ZipFile(tmp_path / "addon.zip", "w") as archive:
        archive.writestr("lua/autorun/addon.lua", "print('hello')\n")
    namespace: dict[str, Any] = {"__name__": "readme_whole_api", **_reader_ids(sandbox)}
    blocks = _blocks()
    assert len(blocks) == 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md:whole-api[{i}]", "exec"), namespace)
    out = capsys.readouterr().out.splitlines()
    assert "Gabe owns it" in out
    assert "coupon SPRING_25" in out
    assert any(
        re.fullmatch(r"product Whole API product by .+ \([1-9]\d* members\)", x) for x in out
    )
    assert any(re.fullmatch(r"\d+ webhook endpoints, [1-9]\d* tokens", x) for x in out)
    assert "review 2 Meh" in out
    assert "0 versions; 250 users" in out  # the release comes in the next block
    assert (tmp_path / "latest.zip").read_bytes() == (tmp_path / "addon.zip").read_bytes()
    assert sandbox.token not in "\n".join(out)
