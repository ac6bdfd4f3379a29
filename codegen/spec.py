"""Load the OpenAPI document and fix its known defects, each in one commented patch.

The numbers are those of `../shared/reference/SPEC-NOTES.md`; `E1`... are defects found while
writing the generator that the notes do not list; `D1`... are where the documented SDK
(`ProductPurchasesApi.md`, whose surface is fixed) says more than the spec. Every patch takes the
whole document and edits it in place; `PATCHES` is the table `load_spec` applies, in order.
Defects that need no change to the document (they are handled by the naming rules or by the
hand-written core) are listed in `NOT_PATCHED` with the reason.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["NOT_PATCHED", "PATCHES", "SDK_ONLY", "LoadedSpec", "load_spec", "patch_spec"]

Spec = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch")
ERROR_REFS = {
    "400": "ErrorBadRequest",
    "401": "ErrorUnauthorized",
    "403": "ErrorForbidden",
    "404": "ErrorNotFound",
    "429": "ErrorTooManyRequests",
}
COUPON_CODE_PATTERN = "^[A-Za-z0-9_-]+$"
SDK_ONLY = "x-gmodstore-sdk-only"
"""Marks what a `D` patch adds: the docs' examples leave it out, so they stay valid for the spec."""


def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """`(path, method, operation)` for every operation, in document order."""
    for path, item in spec["paths"].items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _operation(spec: Spec, operation_id: str) -> dict[str, Any]:
    for _, _, op in operations(spec):
        if op.get("operationId") == operation_id:
            return op
    raise KeyError(operation_id)


def _json_schema(op: dict[str, Any], status: str) -> dict[str, Any]:
    schema: dict[str, Any] = op["responses"][status]["content"]["application/json"]["schema"]
    return schema


def drop_non_path_items(spec: Spec) -> None:
    """1. `paths["/v3/media/upload"]` is `[]`, not a path item: drop every such entry."""
    for path in [p for p, item in spec["paths"].items() if not isinstance(item, dict)]:
        del spec["paths"][path]


def add_common_errors(spec: Spec) -> None:
    """2. Every operation can answer 401, 403, 404 and 429, listed or not: add the missing ones."""
    for _, _, op in operations(spec):
        for status in ("401", "403", "404", "429"):
            op["responses"].setdefault(
                status, {"$ref": f"#/components/responses/{ERROR_REFS[status]}"}
            )


def _merge_all_of(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in schema["allOf"]:
        if "$ref" in part:
            part = components[part["$ref"].rsplit("/", 1)[1]]
        merged["properties"].update(part.get("properties", {}))
        merged["required"] += [r for r in part.get("required", []) if r not in merged["required"]]
    if "title" in schema:
        merged["title"] = schema["title"]
    return merged


def union_all_of(spec: Spec) -> None:
    """3. `allOf` parts each say `additionalProperties: false`, so no body satisfies the whole
    (the 400 body, every list page): read each `allOf` as the union of its parts' properties."""
    components = spec["components"]["schemas"]
    for response in spec["components"]["responses"].values():
        for media in response.get("content", {}).values():
            if "allOf" in media["schema"]:
                media["schema"] = _merge_all_of(media["schema"], components)
    for _, _, op in operations(spec):
        for response in op["responses"].values():
            for media in response.get("content", {}).values():
                if "allOf" in media.get("schema", {}):
                    media["schema"] = _merge_all_of(media["schema"], components)


def coupon_percent(spec: Spec) -> None:
    """4. `ProductCoupon` requires `percentage` but defines `percent` (as the payloads do)."""
    coupon = spec["components"]["schemas"]["ProductCoupon"]
    coupon["required"] = ["percent" if r == "percentage" else r for r in coupon["required"]]


def webhook_attempt_disabled(spec: Spec) -> None:
    """5. `TeamWebhookAttempt` requires `disabled`, which it does not define: not required."""
    attempt = spec["components"]["schemas"]["TeamWebhookAttempt"]
    attempt["required"] = [r for r in attempt["required"] if r in attempt["properties"]]


def _data_envelope(title: str, component: str) -> dict[str, Any]:
    return {
        "title": title,
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"$ref": f"#/components/schemas/{component}"}},
    }


def delete_token_answer(spec: Spec) -> None:
    """6. `deletePersonalAccessToken` documents a `Team` as its answer: it is the token."""
    op = _operation(spec, "deletePersonalAccessToken")
    op["responses"]["200"]["content"]["application/json"]["schema"] = _data_envelope(
        "DeletePersonalAccessTokenResponse", "PersonalAccessToken"
    )


def log_upload_summary(spec: Spec) -> None:
    """7. `uploadLogToTicket`'s summary is copied from the message list."""
    _operation(spec, "uploadLogToTicket")["summary"] = "Upload a log file to a log request"


MULTIPART_FIXES = (
    "uploadProductBackground",
    "uploadProductPageHeader",
    "uploadProductBigHeader",
    "uploadProductListingHeader",
    "uploadLogToTicket",
)


def uploads_are_multipart(spec: Spec) -> None:
    """8. The header uploads and `uploadLogToTicket` declare JSON bodies holding a binary file: a
    file is sent as `multipart/form-data`, as the other uploads declare."""
    for operation_id in MULTIPART_FIXES:
        content = _operation(spec, operation_id)["requestBody"]["content"]
        content["multipart/form-data"] = content.pop("application/json")


def flatten_ticket_filter_enums(spec: Spec) -> None:
    """10. `TicketFilter` enum values are nested arrays (`[["open", "locked"]]`): flatten them."""
    for prop in spec["components"]["schemas"]["TicketFilter"]["properties"].values():
        if "enum" in prop and prop["enum"] and isinstance(prop["enum"][0], list):
            prop["enum"] = [value for group in prop["enum"] for value in group]


def coupon_code_pattern(spec: Spec) -> None:
    """11. The coupon `code` pattern `[aA-zZ_\\-0-9]+` has a broken range (it admits `[`, `\\`,
    `]`, `^`, `` ` ``; the filter's copy is even wrapped in `/.../`): letters, digits, `_`, `-`."""
    for operation_id in ("createProductCoupon", "updateProductCoupon"):
        body = _operation(spec, operation_id)["requestBody"]["content"]["application/json"]
        body["schema"]["properties"]["code"]["pattern"] = COUPON_CODE_PATTERN
    code = spec["components"]["schemas"]["ProductCouponFilter"]["properties"]["code"]
    code["items"]["pattern"] = COUPON_CODE_PATTERN


def ticket_filter_deep_object(spec: Spec) -> None:
    """E1. `listProductTickets`' `filter` lacks `style: deepObject`, which every other filter has
    (the API reads `filter[field]=...` everywhere)."""
    for _, _, op in operations(spec):
        for param in op.get("parameters", []):
            if param.get("name") == "filter" and param.get("in") == "query":
                param["style"] = "deepObject"
                param["explode"] = True


def restore_message_answer(spec: Spec) -> None:
    """E2. `restoreTicketMessage` documents a `ProductVersion` answer: it is the ticket message."""
    op = _operation(spec, "restoreTicketMessage")
    op["responses"]["200"]["content"]["application/json"]["schema"] = _data_envelope(
        "RestoreTicketMessageResponse", "TicketMessage"
    )


def delete_medium_answer(spec: Spec) -> None:
    """E3. `deleteProductMedium` documents a `Team` answer (as 6): it is the product medium."""
    op = _operation(spec, "deleteProductMedium")
    op["responses"]["200"]["content"]["application/json"]["schema"] = _data_envelope(
        "DeleteProductMediumResponse", "ProductMedium"
    )


def token_dates_nullable(spec: Spec) -> None:
    """E4. `PersonalAccessToken` requires `expiresAt` and `lastUsedAt` as non-null date-times, but
    a token may never expire (`NewPersonalAccessTokenPayload.expiresAt` is nullable) and a new one
    has never been used: both are `date-time | null`."""
    props = spec["components"]["schemas"]["PersonalAccessToken"]["properties"]
    for name in ("expiresAt", "lastUsedAt"):
        props[name]["type"] = ["string", "null"]


def purchase_filter_on_get(spec: Spec) -> None:
    """D1. The documented SDK (`../shared/reference/ProductPurchasesApi.md`) gives
    `get_product_purchase` an optional `filter` (a `ProductPurchaseFilter` the purchase must match),
    which the full spec does not list: add it, exactly as the list operation declares its own."""
    listing = _operation(spec, "listProductPurchases")
    documented = next(p for p in listing["parameters"] if p.get("name") == "filter")
    op = _operation(spec, "getProductPurchase")
    if not any(p.get("name") == "filter" for p in op.get("parameters", [])):
        op.setdefault("parameters", []).append({**copy.deepcopy(documented), SDK_ONLY: True})


NONCE_HEADER = "X-Two-Factor-Nonce"
NONCE_OPERATIONS = ("createPersonalAccessToken", "deleteTeam")


def two_factor_nonce_header(spec: Spec) -> None:
    """D2. `exchangeTotpForNonce` trades a TOTP code for a nonce that other operations need, but
    the spec names neither those operations nor how the nonce travels, so no SDK call could pass
    one. The SDK sends it as the `X-Two-Factor-Nonce` header on the two operations that act on a
    caller's credentials (creating a token, deleting a team), which is also where the sandbox asks
    for it: an optional `two_factor_nonce` argument, marked SDK-only."""
    for operation_id in NONCE_OPERATIONS:
        op = _operation(spec, operation_id)
        params = op.setdefault("parameters", [])
        if not any(p.get("name") == NONCE_HEADER for p in params):
            params.append(
                {"name": NONCE_HEADER, "in": "header", "required": False,
                 "schema": {"type": "string", "minLength": 1}, SDK_ONLY: True}
            )  # fmt: skip


PATCHES: tuple[Callable[[Spec], None], ...] = (
    drop_non_path_items,
    add_common_errors,
    union_all_of,
    coupon_percent,
    webhook_attempt_disabled,
    delete_token_answer,
    log_upload_summary,
    uploads_are_multipart,
    flatten_ticket_filter_enums,
    coupon_code_pattern,
    ticket_filter_deep_object,
    restore_message_answer,
    delete_medium_answer,
    token_dates_nullable,
    purchase_filter_on_get,
    two_factor_nonce_header,
)

NOT_PATCHED = {
    9: "snake_case keys (`release_type`, `badge_id`) stay on the wire as documented; the Python "
    "names are snake_case anyway and the generated models give such fields an explicit alias",
    12: "rate-limit headers are read by the hand-written core (`_retry.py`), not generated",
    13: "`User.steamId` is a Python int: no precision is lost",
    14: "scopes without an operation stay in `PersonalAccessTokenScope` (tokens can hold them)",
    15: "sandbox setup, not the SDK's concern",
}


class LoadedSpec:
    """The patched document plus what the generated package records about the original."""

    def __init__(self, document: Spec, sha256: str) -> None:
        self.document = document
        self.sha256 = sha256
        self.version: str = document["info"]["version"]


def patch_spec(document: Spec) -> Spec:
    """Return a patched deep copy of `document` (the original is left alone)."""
    patched = copy.deepcopy(document)
    for patch in PATCHES:
        patch(patched)
    return patched


def load_spec(path: str | Path) -> LoadedSpec:
    raw = Path(path).read_bytes()
    return LoadedSpec(patch_spec(json.loads(raw)), hashlib.sha256(raw).hexdigest())
