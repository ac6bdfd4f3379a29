"""``gmodstore sandbox demo``: the SDK's main job, end to end, against a throwaway sandbox.

Starts a sandbox on a free loopback port with a fresh SQLite file, seeds demo data, then walks
through grant -> get -> list with filters -> revoke -> restore -> paginate -> export with the SDK,
printing each step. Everything (server, database, export file) is gone when it returns.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from gmodstore_cli import render
from gmodstore_sdk import ApiClient, BadRequestException, Configuration
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter
from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload

# Requests per minute per token, as on the real API; the whole demo needs about 15.
RATE_LIMIT = 60


class _Demo:
    """The walkthrough; one method per step so each stays readable."""

    def __init__(self, console: Console, api: ProductPurchasesApi, product: str, user: str) -> None:
        self.console = console
        self.api = api
        self.product = product
        self.user = user
        self.step = 0

    def heading(self, title: str, code: str) -> None:
        self.step += 1
        self.console.print()
        self.console.rule(Text(f"{self.step}. {title}", style="bold"), align="left")
        self.console.print(Text(f">>> {code}", style="cyan"), soft_wrap=True)

    def ok(self, message: str) -> None:
        self.console.print(Text.assemble(("✓ ", "green"), message), soft_wrap=True)

    def table(self, purchases: Sequence[ProductPurchase]) -> None:
        rows = [purchase.model_dump(mode="json", by_alias=True) for purchase in purchases]
        self.console.print(render.short_purchase_table(rows))

    def grant(self) -> str:
        self.heading(
            "Grant the product to a new customer",
            "api.create_product_purchase(product, NewProductPurchasePayload(user_id=user))",
        )
        payload = NewProductPurchasePayload(user_id=self.user)
        created = self.api.create_product_purchase(self.product, payload).data
        self.ok(f"purchase {created.id} created for user {created.user_id}")
        try:
            self.api.create_product_purchase(self.product, payload)
        except BadRequestException as exc:
            reasons = "; ".join(" ".join(m) for m in exc.errors.values()) or exc.message
            self.ok(f"granting again is refused, never duplicated: 400 {reasons}")
        return created.id

    def get(self, purchase_id: str) -> None:
        self.heading("Read it back", "api.get_product_purchase(product, purchase_id)")
        self.table([self.api.get_product_purchase(self.product, purchase_id).data])

    def list_filtered(self) -> None:
        self.heading(
            "List with filters",
            "api.list_product_purchases(product, per_page=5, "
            "filter=ProductPurchaseFilter(revoked=True))",
        )
        page = self.api.list_product_purchases(
            self.product, per_page=5, filter=ProductPurchaseFilter(revoked=True)
        )
        self.table(page.data)
        mine = self.api.list_product_purchases(
            self.product, filter=ProductPurchaseFilter(user_id=self.user)
        ).data
        self.ok(f"filter user_id={self.user[:8]}…: {len(mine)} purchase")

    def revoke_and_restore(self, purchase_id: str) -> None:
        for revoked, title in ((True, "Revoke it (e.g. a chargeback)"), (False, "Restore it")):
            self.heading(
                title,
                f"api.update_product_purchase(product, purchase_id, "
                f"UpdateProductPurchasePayload(revoked={revoked}))",
            )
            payload = UpdateProductPurchasePayload(revoked=revoked)
            updated = self.api.update_product_purchase(self.product, purchase_id, payload).data
            active = self.api.has_active_purchase(self.product, self.user)
            state = "revoked" if updated.revoked else "active"
            self.ok(f"purchase is {state}; has_active_purchase(product, user) -> {active}")

    def paginate(self) -> None:
        self.heading("Page through every purchase", "api.list_product_purchases(..., cursor=...)")
        cursor: str | None = None
        total = pages = 0
        while True:
            page = self.api.list_product_purchases(self.product, per_page=20, cursor=cursor)
            pages += 1
            total += len(page.data)
            nxt = page.cursors.next
            self.ok(f"page {pages}: {len(page.data)} purchases, next cursor {nxt or 'none'}")
            if nxt is None:
                break
            cursor = nxt
        self.ok(f"{total} purchases in {pages} pages")

    def export(self, path: Path) -> None:
        self.heading(
            "Export every purchase to CSV (streamed)",
            f"api.iter_product_purchases(product) -> {path.name}",
        )
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = render.RowWriter(render.OutputFormat.csv, (), render.PURCHASE_FIELDS, out=out)
            for purchase in self.api.iter_product_purchases(self.product):
                writer.write(purchase.model_dump(mode="json", by_alias=True))
            writer.close()
        lines = path.read_text(encoding="utf-8").splitlines()
        self.ok(f"{writer.count} rows, {path.stat().st_size:,} bytes; first lines:")
        for line in lines[:3]:
            self.console.print(Text(f"    {line}", style="dim"), soft_wrap=True)


def _seed(database_url: str) -> tuple[str, str, list[str], int]:
    """Seed the database directly: token, a new customer, product ids, purchase count."""
    from gmodstore_sandbox.admin import create_user, seed_demo
    from gmodstore_sandbox.storage.db import create_tables, make_engine

    engine = make_engine(database_url, pool_size=1)
    try:
        create_tables(engine)
        seed = seed_demo(engine)
        newcomer = create_user(engine, name="New customer")
    finally:
        engine.dispose()
    return seed.token, newcomer, seed.product_ids, seed.purchase_count


def run_demo() -> None:
    """Run the whole walkthrough; raises on any unexpected error (so the exit code says so)."""
    from gmodstore_sandbox.testing import run_sandbox

    console = Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="gmodstore-demo-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
        token, newcomer, products, count = _seed(database_url)
        with run_sandbox(database_url, rate_limit=RATE_LIMIT, seed=False) as sb:
            console.rule(Text("GmodStore sandbox demo", style="bold magenta"))
            console.print(f"Sandbox API at {sb.url}/api/v3 (SQLite file in {tmp})", soft_wrap=True)
            console.print(
                f"Seeded a team, 3 products, 50 customers and {count} purchases; "
                f"token {token[:10]}… (every ability but *, {RATE_LIMIT} requests/minute)",
                soft_wrap=True,
            )
            configuration = Configuration(host=sb.url, access_token=token)
            with ApiClient(configuration) as client:
                demo = _Demo(console, ProductPurchasesApi(client), products[0], newcomer)
                purchase_id = demo.grant()
                demo.get(purchase_id)
                demo.list_filtered()
                demo.revoke_and_restore(purchase_id)
                demo.paginate()
                demo.export(Path(tmp) / "purchases.csv")
                limit = client.rate_limit
                if limit is not None:
                    console.print()
                    demo.ok(f"rate limit: {limit.remaining} of {limit.limit} requests left")
        console.print()
        console.rule(Text("Done: sandbox stopped, database and export removed", style="bold green"))
