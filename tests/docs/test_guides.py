"""Every Python block of the documentation site runs, in order, against a real sandbox.

Each page is one reader's session: its blocks share a namespace, the environment holds what the
page tells the reader to export (host, token, product ids, a webhook secret), and a block that
starts with `# name.py` can then be imported as `name` by later blocks. When a page shows the
output (```text blocks), what the blocks print must be exactly that.
"""

from __future__ import annotations

import base64
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from gmodstore_sandbox.testing import Sandbox

DOCS = Path(__file__).parents[2] / "docs"
PAGES = sorted(
    str(p.relative_to(DOCS)) for p in [DOCS / "index.md", *(DOCS / "guides").glob("*.md")]
)
_FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```$", re.M | re.S)
_MODULE = re.compile(r"\A# (\w+)\.py\n")
OWNER_STEAM_ID = 76561198012345678  # the player of the ownership bot guide
TRIAGE_PAGE = "guides/ticket-triage-bot.md"
# The tickets the triage guide's customers open (its `gmodstore sandbox tickets open` lines).
TRIAGE_TICKETS = (
    ("Addon crashes on startup", "Lua error in hud.lua since the update"),
    ("Wrong addon", "I bought the wrong one, can I get a refund?"),
)


def _blocks(page: str, language: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return [body for lang, body in _FENCE.findall(text) if lang == language]


def test_every_guide_has_runnable_code() -> None:
    assert "guides/ownership-bot.md" in PAGES and TRIAGE_PAGE in PAGES
    assert len(PAGES) >= 7
    for page in PAGES:
        assert _blocks(page, "python"), page
    shell = "".join(_blocks(TRIAGE_PAGE, "sh"))
    for subject, body in TRIAGE_TICKETS:  # what the test's customers do is what the page shows
        assert f'--subject "{subject}" --body "{body}"' in shell


@pytest.fixture
def reader_env(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> dict[str, str]:
    import gmodstore_sdk

    product = sandbox.new_product(name="Guide product")
    other = sandbox.new_product(name="Another guide product")
    customer = sandbox.new_user()
    env = {
        "GMODSTORE_HOST": sandbox.url,
        "GMODSTORE_TOKEN": sandbox.token,
        "GMODSTORE_PRODUCT": product,
        "GMODSTORE_PRODUCTS": f"{product},{other}",
        "GMODSTORE_CUSTOMER": customer,
        "GMODSTORE_WEBHOOK_SECRET": "whsec_"
        + base64.b64encode(b"guide-secret-32-bytes-long-.....").decode(),
        # The seeded team A's tag catalogue (bug, question, refund); the products are team A's.
        "GMODSTORE_TICKET_TAGS": ",".join(
            f"{name}={tag}"
            for name, tag in zip(
                ("bug", "question", "refund"), sandbox.ids.ticket_tag_ids, strict=True
            )
        ),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_REF_NAME", raising=False)
    # The ownership bot's player owns one of the two products (created once per session).
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=sandbox.token)
    with gmodstore_sdk.GmodStore(config) as gs:
        user = gs.users.find_user_by_steam_id(OWNER_STEAM_ID)
        user_id = user.id if user else sandbox.new_user("Player", steam_id=OWNER_STEAM_ID)
        gs.product_purchases.create_product_purchase(product, {"userId": user_id})
    if request.node.callspec.params.get("page") == TRIAGE_PAGE:
        for subject, body in TRIAGE_TICKETS:
            sandbox.open_ticket(product=product, user=customer, subject=subject, body=body)
    return env


# The first page's sandbox already exists; a page that starts its own (the testing guide) is the
# one slow case, about as slow as starting the fixture.
@pytest.mark.parametrize("sandbox", ["sqlite"], indirect=True)
@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs(
    page: str,
    reader_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace: dict[str, Any] = {"__name__": f"docs_{Path(page).stem.replace('-', '_')}"}
    for i, block in enumerate(_blocks(page, "python")):
        exec(compile(block, f"docs/{page}:python[{i}]", "exec"), namespace)
        named = _MODULE.match(block)
        if named:
            module = types.ModuleType(named.group(1))
            module.__dict__.update({k: v for k, v in namespace.items() if k != "__name__"})
            monkeypatch.setitem(sys.modules, named.group(1), module)
    out = capsys.readouterr().out
    expected = "".join(_blocks(page, "text"))
    if expected:
        assert out == expected
    assert reader_env["GMODSTORE_TOKEN"] not in out
