"""The creates that recover after a lost answer (issue 11 "write safety"), and how.

`_build.build` attaches `RECOVERIES[template](...)` to the `Operation` of a generated POST whose
path template is listed here; every other POST raises `ApiWriteUncertainError` after an ambiguous
failure (see `_operation.py`). Each lookup is the matching list operation (first page of 100; of
1 for a purchase), and only creates the server refuses to duplicate are listed (a resend after a
negative lookup can then never create a second row):

| operation               | lookup                                    | the row it created         |
|-------------------------|-------------------------------------------|----------------------------|
| `createProductPurchase` | `listProductPurchases`, `filter[userId]`, | the user's active purchase |
|                         | `filter[revoked]=false`                   | of the product (every row) |
| `createProductCoupon`   | `listProductCoupons`, `filter[code]`      | `code` equal (every row)   |
| `createUserBadge`       | `listUserBadges`                          | `id` equal to `badge_id`   |
| `createTicketTag`       | `listTicketTags`                          | `id` equal to `tag_id`     |

A coupon found that was created before the lost attempt began raises `AlreadyExistsException`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gmodstore_sdk._base import BaseApiClient
from gmodstore_sdk._operation import Recovery
from gmodstore_sdk._types import RequestTimeout

__all__ = ["RECOVERIES"]

Recover = Callable[[BaseApiClient, tuple[object, ...], Any, RequestTimeout], Recovery]


def _coupon(
    client: BaseApiClient, path_args: tuple[object, ...], body: Any, timeout: RequestTimeout
) -> Recovery:
    from gmodstore_sdk.api._build import build
    from gmodstore_sdk.api.product_coupons_api import _LIST_PRODUCT_COUPONS

    code = body.code
    lookup = build(
        client, _LIST_PRODUCT_COUPONS, path_args, (100, None, {"code": [code]}), None, timeout
    )

    def same_code(row: Any) -> bool:
        return bool(getattr(row, "code", None) == code)

    return Recovery(lookup=lookup, match=same_code)


def _purchase(
    client: BaseApiClient, path_args: tuple[object, ...], body: Any, timeout: RequestTimeout
) -> Recovery:
    from gmodstore_sdk.api._build import build
    from gmodstore_sdk.api._extras.product_purchases import purchase_recovery
    from gmodstore_sdk.api.product_purchases_api import _LIST_PRODUCT_PURCHASES
    from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter

    active_of_user = ProductPurchaseFilter(revoked=False, user_id=body.user_id)
    query = (1, None, active_of_user)
    lookup = build(client, _LIST_PRODUCT_PURCHASES, path_args, query, None, timeout)
    return purchase_recovery(lookup, str(path_args[0]), body.user_id)


def _by_id(wanted: str, module: str, endpoint: str) -> Recover:
    def recover(
        client: BaseApiClient, path_args: tuple[object, ...], body: Any, timeout: RequestTimeout
    ) -> Recovery:
        import importlib

        from gmodstore_sdk.api._build import build

        listing = getattr(importlib.import_module(f"gmodstore_sdk.api.{module}"), endpoint)
        key = str(getattr(body, wanted))
        lookup = build(client, listing, path_args, (100, None), None, timeout)

        def same_id(row: Any) -> bool:
            return str(getattr(row, "id", "")).lower() == key.lower()

        # No filter on these lists: any row is plausible, only the match matters.
        return Recovery(lookup=lookup, match=same_id, sane=lambda row: True)

    return recover


RECOVERIES: dict[str, Recover] = {
    "/products/{}/purchases": _purchase,
    "/products/{}/coupons": _coupon,
    "/users/{}/badges": _by_id("badge_id", "user_badges_api", "_LIST_USER_BADGES"),
    "/tickets/{}/tags": _by_id("tag_id", "ticket_tags_api", "_LIST_TICKET_TAGS"),
}
"""POST path template -> the recovery of that create, built from the call's validated body."""
