"""Routes of the content area: authenticate, parse, one service call, JSON bytes out.

Uploads are checked for access before their body is read, then streamed to disk by
`multipart.read_form` under the kind's size limit. JSON bodies are read under
``Limits.json_body``. Two routes take no bearer token and are left out of ``/openapi.json``: the
one-time download links and the public files of media and headers.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..api.deps import authenticate, authorize, read_json, run_read, run_write, stream_body
from ..exceptions import InvalidInput, NotFound
from ..ratelimit import RateState
from ..schemas import dump_json
from . import docs
from .coupons import CouponService, ReviewService
from .media import HEADER_SIZES, MediaService
from .multipart import FIELDS_ALLOWANCE, Form, read_form
from .schemas import (
    CouponCreate,
    CouponUpdate,
    MediumUpdate,
    VersionUpdate,
    bound_users_filter,
    codes_filter,
    parse_body,
    parse_list_query,
    ratings_filter,
    release_types_filter,
)
from .service import (
    COUPONS_READ,
    COUPONS_WRITE,
    MEDIA_READ,
    MEDIA_WRITE,
    REVIEWS_READ,
    VERSIONS_DOWNLOAD,
    VERSIONS_READ,
    VERSIONS_WRITE,
    Core,
)
from .versions import VersionService

__all__ = ["router"]

router = APIRouter()

VERSIONS = "/products/{product}/versions"
VERSION = VERSIONS + "/{version}"
MEDIA = "/products/{product}/media"
MEDIUM = MEDIA + "/{medium}"
COUPONS = "/products/{product}/coupons"
COUPON = COUPONS + "/{coupon}"
REVIEWS = "/products/{product}/reviews"
_CHUNK = 1024 * 1024


def _state(request: Request) -> Any:
    return request.app.state.content


def _json(body: dict[str, Any], status: int, rate: RateState) -> Response:
    return Response(dump_json(body), status, rate.headers(), "application/json")


def api_base(request: Request) -> str:
    """The public API root this request came through (``.../api/v3`` or ``.../v3``)."""
    prefix = "/api/v3" if request.url.path.startswith("/api/v3/") else "/v3"
    return str(request.base_url).rstrip("/") + prefix


def _query(request: Request, parsers: dict[str, Any]) -> Any:
    """The parsed list query, or the `InvalidInput` to report after the access checks."""
    try:
        return parse_list_query(request.query_params.multi_items(), parsers)
    except InvalidInput as exc:
        return exc


async def _with_body(
    request: Request, service: Core, product: str, scope: str, model: type[Any]
) -> tuple[Any, RateState, Any]:
    """Authorise (before a byte is read), then read and parse a JSON body (415/413/400)."""
    principal, rate = await authorize(
        request, functools.partial(service.authorize, product=product, scope=scope)
    )
    payload = await read_json(request, functools.partial(parse_body, model))
    return principal, rate, payload


async def _form(
    request: Request, service: Core, product: str, scope: str, fields: set[str], limit: int
) -> tuple[Any, RateState, Form]:
    """Authorise, then stream the multipart body to disk (file limit `limit`, 413 past it)."""
    principal, rate = await authorize(
        request, functools.partial(service.authorize, product=product, scope=scope)
    )
    body_limit = limit + FIELDS_ALLOWANCE
    form = await read_form(
        stream_body(request, limit=body_limit),
        content_type=request.headers.get("content-type"),
        body_limit=body_limit,
        file_fields=fields,
        new_upload=lambda: service.files.new_upload(limit=limit),
    )
    return principal, rate, form


async def _read(
    rate: RateState, fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any
) -> Response:
    return _json(await run_read(fn, *args, **kwargs), 200, rate)


async def _write(
    request: Request,
    rate: RateState,
    status: int,
    fn: Callable[..., dict[str, Any]],
    *args: Any,
    **kwargs: Any,
) -> Response:
    return _json(await run_write(request, fn, *args, **kwargs), status, rate)


# --- versions -------------------------------------------------------------------------------------

_VERSION_FILTERS = {"releaseType": release_types_filter}
_NEW_VERSION = docs.multipart(
    "NewProductVersionPayload",
    "Payload to create a new product version",
    {
        "name": {"type": "string", "maxLength": 80},
        "changelog": {"type": "string", "maxLength": 10000},
        "file": {"format": "binary", "type": "string"},
        "releaseType": {"enum": ["stable", "beta", "alpha", "private", "demo"], "type": "string"},
    },
    ["name", "changelog", "file", "releaseType"],
)


@router.get(
    VERSIONS,
    operation_id="listProductVersions",
    summary="List all versions for a product",
    response_model=None,
    responses=docs.ok(200, "version", "a list of product versions", page=True),
    openapi_extra=docs.extra(
        VERSIONS_READ, parameters=docs.list_parameters("ProductVersionFilter")
    ),
)
async def list_product_versions(request: Request, product: str) -> Response:
    principal, rate = await authenticate(request)
    query = _query(request, _VERSION_FILTERS)
    service: VersionService = _state(request).versions
    return await _read(rate, service.list, principal, product=product, query=query)


@router.post(
    VERSIONS,
    operation_id="createProductVersion",
    summary="Create a version for a product",
    status_code=201,
    response_model=None,
    responses=docs.ok(201, "version", "the newly created product version"),
    openapi_extra=docs.extra(VERSIONS_WRITE, request_body=_NEW_VERSION),
)
async def create_product_version(request: Request, product: str) -> Response:
    service: VersionService = _state(request).versions
    principal, rate, form = await _form(
        request, service, product, VERSIONS_WRITE, {"file"}, service.limits.version
    )
    return await _write(request, rate, 201, service.create, principal, product=product, form=form)


@router.get(
    VERSION,
    operation_id="getProductVersion",
    summary="Show the specified version for a product",
    response_model=None,
    responses=docs.ok(200, "version", "a single product version"),
    openapi_extra=docs.extra(VERSIONS_READ),
)
async def get_product_version(request: Request, product: str, version: str) -> Response:
    principal, rate = await authenticate(request)
    service: VersionService = _state(request).versions
    return await _read(rate, service.get, principal, product=product, version=version)


@router.put(
    VERSION,
    operation_id="updateProductVersion",
    summary="Update the specified version for a product",
    response_model=None,
    responses=docs.ok(200, "version", "the product version with changes applied"),
    openapi_extra=docs.extra(
        VERSIONS_WRITE,
        request_body=docs.body(VersionUpdate, "Payload to update an existing product version"),
    ),
)
async def update_product_version(request: Request, product: str, version: str) -> Response:
    service: VersionService = _state(request).versions
    principal, rate, payload = await _with_body(
        request, service, product, VERSIONS_WRITE, VersionUpdate
    )
    return await _write(
        request,
        rate,
        200,
        service.update,
        principal,
        product=product,
        version=version,
        payload=payload,
    )


@router.delete(
    VERSION,
    operation_id="deleteProductVersion",
    summary="Delete the specified version for a product",
    response_model=None,
    responses=docs.ok(200, "version", "the deleted product version"),
    openapi_extra=docs.extra(VERSIONS_WRITE),
)
async def delete_product_version(request: Request, product: str, version: str) -> Response:
    principal, rate = await authenticate(request)
    service: VersionService = _state(request).versions
    return await _write(
        request, rate, 200, service.delete, principal, product=product, version=version
    )


@router.post(
    VERSION + "/download",
    operation_id="getProductDownloadUrl",
    summary="Get a one time use url for downloading a product",
    response_model=None,
    responses=docs.ok(200, "url", "a one-time download URL"),
    openapi_extra=docs.extra(VERSIONS_DOWNLOAD),
)
async def get_product_download_url(request: Request, product: str, version: str) -> Response:
    principal, rate = await authenticate(request)
    service: VersionService = _state(request).versions
    return await _write(
        request,
        rate,
        200,
        service.download_link,
        principal,
        product=product,
        version=version,
        base_url=api_base(request),
    )


@router.get("/downloads/{secret}", include_in_schema=False)
async def download(request: Request, secret: str) -> Response:
    """A one-time link: no bearer token; the first request gets the file, later ones 410."""
    service: VersionService = _state(request).versions
    opened = await run_in_threadpool(service.open_download, secret)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while chunk := await run_in_threadpool(opened.file.read, _CHUNK):
                yield chunk
        finally:
            opened.file.close()

    headers = {
        "Content-Length": str(opened.size),
        "Content-Disposition": f'attachment; filename="{_safe_name(opened.filename)}"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(chunks(), 200, headers, media_type="application/zip")


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in name)[:120] or "download.zip"


# --- media ----------------------------------------------------------------------------------------

_NEW_MEDIUM = docs.multipart(
    "NewProductMediumPayload",
    "Payload to create a new product medium",
    {
        "title": {"type": "string", "maxLength": 125},
        "tenantId": {"format": "uuid", "type": ["string", "null"]},
        "type": {"enum": ["image", "youtube", "video"], "type": "string"},
        "youtube": {"type": ["string", "null"], "maxLength": 125},
        "image": {"format": "binary", "type": ["string", "null"]},
        "video": {"format": "binary", "type": ["string", "null"]},
    },
    ["title", "type"],
)
_NEW_UPLOAD = docs.multipart(
    "NewMediaUploadPayload",
    "Payload to create a new media upload",
    {"file": {"format": "binary", "type": "string"}},
    ["file"],
)


@router.get(
    MEDIA,
    operation_id="listProductMedia",
    summary="List all media for a product",
    response_model=None,
    responses=docs.ok(200, "medium", "a list of product media", page=True),
    openapi_extra=docs.extra(MEDIA_READ, parameters=docs.list_parameters(None)),
)
async def list_product_media(request: Request, product: str) -> Response:
    principal, rate = await authenticate(request)
    query = _query(request, {})
    service: MediaService = _state(request).media
    return await _read(
        rate, service.list, principal, product=product, query=query, base_url=api_base(request)
    )


@router.post(
    MEDIA,
    operation_id="createProductMedium",
    summary="Create a medium for a product",
    status_code=201,
    response_model=None,
    responses=docs.ok(201, "medium", "the newly created product medium"),
    openapi_extra=docs.extra(MEDIA_WRITE, request_body=_NEW_MEDIUM),
)
async def create_product_medium(request: Request, product: str) -> Response:
    service: MediaService = _state(request).media
    limit = max(service.limits.image, service.limits.video)
    principal, rate, form = await _form(
        request, service, product, MEDIA_WRITE, {"image", "video"}, limit
    )
    return await _write(
        request,
        rate,
        201,
        service.create,
        principal,
        product=product,
        form=form,
        base_url=api_base(request),
    )


@router.get(
    MEDIUM,
    operation_id="getProductMedium",
    summary="Get the specified medium for a product",
    response_model=None,
    responses=docs.ok(200, "medium", "a single product medium"),
    openapi_extra=docs.extra(MEDIA_READ),
)
async def get_product_medium(request: Request, product: str, medium: str) -> Response:
    principal, rate = await authenticate(request)
    service: MediaService = _state(request).media
    return await _read(
        rate,
        service.get,
        principal,
        product=product,
        medium=medium,
        base_url=api_base(request),
    )


@router.put(
    MEDIUM,
    operation_id="updateProductMedia",
    summary="Update the specified medium for a product",
    response_model=None,
    responses=docs.ok(200, "medium", "the product medium with changes applied"),
    openapi_extra=docs.extra(
        MEDIA_WRITE,
        request_body=docs.body(MediumUpdate, "Payload to update an existing product medium"),
    ),
)
async def update_product_media(request: Request, product: str, medium: str) -> Response:
    service: MediaService = _state(request).media
    principal, rate, payload = await _with_body(
        request, service, product, MEDIA_WRITE, MediumUpdate
    )
    return await _write(
        request,
        rate,
        200,
        service.update,
        principal,
        product=product,
        medium=medium,
        payload=payload,
        base_url=api_base(request),
    )


@router.delete(
    MEDIUM,
    operation_id="deleteProductMedium",
    summary="Delete the specified medium for a product",
    response_model=None,
    responses=docs.ok(200, "deleted_medium", "the deleted product medium"),
    openapi_extra=docs.extra(MEDIA_WRITE),
)
async def delete_product_medium(request: Request, product: str, medium: str) -> Response:
    principal, rate = await authenticate(request)
    service: MediaService = _state(request).media
    return await _write(
        request,
        rate,
        200,
        service.delete,
        principal,
        product=product,
        medium=medium,
        base_url=api_base(request),
    )


def _header_route(kind: str, operation_id: str, summary: str) -> None:
    async def upload(request: Request, product: str) -> Response:
        service: MediaService = _state(request).media
        principal, rate, form = await _form(
            request, service, product, MEDIA_WRITE, {"file"}, service.limits.header
        )
        return await _write(
            request,
            rate,
            200,
            service.upload_header,
            principal,
            product=product,
            kind=kind,
            form=form,
            base_url=api_base(request),
        )

    router.add_api_route(
        f"{MEDIA}/{kind}",
        upload,
        methods=["POST"],
        operation_id=operation_id,
        summary=summary,
        response_model=None,
        responses=docs.ok(200, "url", "the URL of the uploaded image"),
        openapi_extra=docs.extra(MEDIA_WRITE, request_body=_NEW_UPLOAD),
    )


for _kind, _operation, _summary in (
    ("background", "uploadProductBackground", "Upload/replace the background image for a product."),
    (
        "page-header",
        "uploadProductPageHeader",
        "Upload/replace the page header image for a product.",
    ),
    ("big-header", "uploadProductBigHeader", "Upload/replace the big header image for a product."),
    (
        "listing-header",
        "uploadProductListingHeader",
        "Upload/replace the listing image for a product.",
    ),
):
    assert _kind in HEADER_SIZES
    _header_route(_kind, _operation, _summary)

_MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}


@router.get("/files/{folder}/{name}", include_in_schema=False)
async def public_file(request: Request, folder: str, name: str) -> Response:
    """Media and header files are public, as on the store's CDN (version archives are not)."""
    stem, _, extension = name.partition(".")
    if folder not in ("media", "headers") or not stem.isalnum() or extension not in _MEDIA_TYPES:
        raise NotFound()
    path = cast(Core, _state(request).media).files.path(folder, name)  # type: ignore[arg-type]
    if not await run_in_threadpool(path.is_file):
        raise NotFound()
    return FileResponse(path, media_type=_MEDIA_TYPES[extension])


# --- coupons and reviews --------------------------------------------------------------------------

_COUPON_FILTERS = {"code": codes_filter, "boundUserId": bound_users_filter}


@router.get(
    COUPONS,
    operation_id="listProductCoupons",
    summary="List all coupons for a product",
    response_model=None,
    responses=docs.ok(200, "coupon", "a list of product coupons", page=True),
    openapi_extra=docs.extra(COUPONS_READ, parameters=docs.list_parameters("ProductCouponFilter")),
)
async def list_product_coupons(request: Request, product: str) -> Response:
    principal, rate = await authenticate(request)
    query = _query(request, _COUPON_FILTERS)
    service: CouponService = _state(request).coupons
    return await _read(rate, service.list, principal, product=product, query=query)


@router.post(
    COUPONS,
    operation_id="createProductCoupon",
    summary="Create a coupon for a product",
    status_code=201,
    response_model=None,
    responses=docs.ok(201, "coupon", "the newly created product coupon"),
    openapi_extra=docs.extra(
        COUPONS_WRITE,
        request_body=docs.body(CouponCreate, "Payload to create a new product coupon"),
    ),
)
async def create_product_coupon(request: Request, product: str) -> Response:
    service: CouponService = _state(request).coupons
    principal, rate, payload = await _with_body(
        request, service, product, COUPONS_WRITE, CouponCreate
    )
    return await _write(
        request, rate, 201, service.create, principal, product=product, payload=payload
    )


@router.get(
    COUPON,
    operation_id="getProductCoupon",
    summary="Show the specified coupon for a product",
    response_model=None,
    responses=docs.ok(200, "coupon", "a single product coupon"),
    openapi_extra=docs.extra(COUPONS_READ),
)
async def get_product_coupon(request: Request, product: str, coupon: str) -> Response:
    principal, rate = await authenticate(request)
    service: CouponService = _state(request).coupons
    return await _read(rate, service.get, principal, product=product, coupon=coupon)


@router.put(
    COUPON,
    operation_id="updateProductCoupon",
    summary="Update the specified coupon for a product",
    response_model=None,
    responses=docs.ok(200, "coupon", "the product coupon with changes applied"),
    openapi_extra=docs.extra(
        COUPONS_WRITE,
        request_body=docs.body(CouponUpdate, "Payload to update an existing product coupon"),
    ),
)
async def update_product_coupon(request: Request, product: str, coupon: str) -> Response:
    service: CouponService = _state(request).coupons
    principal, rate, payload = await _with_body(
        request, service, product, COUPONS_WRITE, CouponUpdate
    )
    return await _write(
        request,
        rate,
        200,
        service.update,
        principal,
        product=product,
        coupon=coupon,
        payload=payload,
    )


@router.delete(
    COUPON,
    operation_id="deleteProductCoupon",
    summary="Delete the specified coupon for a product",
    response_model=None,
    responses=docs.ok(200, "coupon", "the deleted product coupon"),
    openapi_extra=docs.extra(COUPONS_WRITE),
)
async def delete_product_coupon(request: Request, product: str, coupon: str) -> Response:
    principal, rate = await authenticate(request)
    service: CouponService = _state(request).coupons
    return await _write(
        request, rate, 200, service.delete, principal, product=product, coupon=coupon
    )


@router.get(
    REVIEWS,
    operation_id="listProductReviews",
    summary="List all reviews for a product",
    response_model=None,
    responses=docs.ok(200, "review", "a list of product reviews", page=True),
    openapi_extra=docs.extra(REVIEWS_READ, parameters=docs.list_parameters("ProductReviewFilter")),
)
async def list_product_reviews(request: Request, product: str) -> Response:
    principal, rate = await authenticate(request)
    query = _query(request, {"rating": ratings_filter})
    service: ReviewService = _state(request).reviews
    return await _read(rate, service.list, principal, product=product, query=query)


@router.get(
    REVIEWS + "/{review}",
    operation_id="getProductReview",
    summary="Show the specified review for a product",
    response_model=None,
    responses=docs.ok(200, "review", "a single product review"),
    openapi_extra=docs.extra(REVIEWS_READ),
)
async def get_product_review(request: Request, product: str, review: str) -> Response:
    principal, rate = await authenticate(request)
    service: ReviewService = _state(request).reviews
    return await _read(rate, service.get, principal, product=product, review=review)
