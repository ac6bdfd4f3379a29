"""The four product purchase routes: the pattern every resource area copies (see `deps`).

Each authenticates, checks access before reading a body, makes one service call, returns JSON
bytes.

Routes return a prebuilt `Response` (orjson bytes) instead of a ``response_model``: the service
already produces exactly the wire shape, and re-validating it would dominate the cost of a request.
The request schemas appear in ``/openapi.json`` through ``openapi_extra``. The body is read only
after authentication and authorization (401, 404, 403 before 413, 415 or 400), and parsed in a
worker thread, never on the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ..exceptions import InvalidInput
from ..ratelimit import RateState
from ..schemas import (
    ListParams,
    PurchaseCreate,
    PurchaseEnvelope,
    PurchasePage,
    PurchaseUpdate,
    dump_json,
    parse_create,
    parse_list_params,
    parse_update,
)
from ..service import READ, WRITE_SCOPE
from . import openapi
from .deps import authenticate, authorize, read_json, run_read, run_write, service_of

__all__ = ["router"]

router = APIRouter(tags=["Product Purchases"])

COLLECTION = "/products/{product}/purchases"
ITEM = "/products/{product}/purchases/{purchase}"


def _json(body: dict[str, Any], status: int, rate: RateState) -> Response:
    return Response(dump_json(body), status, rate.headers(), "application/json")


@router.get(
    COLLECTION,
    operation_id="listProductPurchases",
    summary="List all purchases for a product",
    response_model=None,
    responses=openapi.responses(200, PurchasePage, "a list of product purchases"),
    openapi_extra=openapi.extra(READ, parameters=openapi.LIST_PARAMETERS),
)
async def list_product_purchases(request: Request, product: str) -> Response:
    principal, rate = await authenticate(request)
    params: ListParams | InvalidInput
    try:
        params = parse_list_params(request.query_params.multi_items())
    except InvalidInput as exc:
        params = exc  # reported after the access check, like every input error
    body = await run_read(
        service_of(request).list_purchases, principal, product=product, params=params
    )
    return _json(body, 200, rate)


@router.post(
    COLLECTION,
    operation_id="createProductPurchase",
    summary="Create a purchase for a product",
    status_code=201,
    response_model=None,
    responses=openapi.responses(201, PurchaseEnvelope, "the newly created product purchase"),
    openapi_extra=openapi.extra(WRITE_SCOPE, body=PurchaseCreate),
)
async def create_product_purchase(request: Request, product: str) -> Response:
    service = service_of(request)
    principal, rate = await authorize(
        request, lambda p: service.authorize(p, product=product, scope=WRITE_SCOPE)
    )
    payload = await read_json(request, parse_create)
    body = await run_write(
        request, service.create_purchase, principal, product=product, payload=payload
    )
    return _json(body, 201, rate)


@router.get(
    ITEM,
    operation_id="getProductPurchase",
    summary="Show the specified purchase for a product",
    response_model=None,
    responses=openapi.responses(200, PurchaseEnvelope, "a single product purchase"),
    openapi_extra=openapi.extra(READ),
)
async def get_product_purchase(request: Request, product: str, purchase: str) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        service_of(request).get_purchase, principal, product=product, purchase=purchase
    )
    return _json(body, 200, rate)


@router.put(
    ITEM,
    operation_id="updateProductPurchase",
    summary="Update the specified purchase for a product",
    response_model=None,
    responses=openapi.responses(200, PurchaseEnvelope, "the product purchase with changes applied"),
    openapi_extra=openapi.extra(WRITE_SCOPE, body=PurchaseUpdate),
)
async def update_product_purchase(request: Request, product: str, purchase: str) -> Response:
    service = service_of(request)
    principal, rate = await authorize(
        request, lambda p: service.authorize(p, product=product, scope=WRITE_SCOPE)
    )
    payload = await read_json(request, parse_update)
    body = await run_write(
        request,
        service.update_purchase,
        principal,
        product=product,
        purchase=purchase,
        payload=payload,
    )
    return _json(body, 200, rate)
