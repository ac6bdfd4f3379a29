"""``/openapi.json``, ``/docs`` and ``/redoc``, served with the ``X-RateLimit-*`` headers.

FastAPI's built-in documentation routes answer without them, and the API promises the headers on
every response. These are public documents: the headers report the uncounted window.

The pages work offline: their scripts, styles and icon are the copies the ``fastapi-offline``
package ships (a dependency of the ``sandbox`` extra), served from ``/docs-assets/``, and ReDoc
goes without its web fonts.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse

from ..schemas import dump_json
from .deps import limiter_of

__all__ = ["ASSETS_URL", "OPENAPI_URL", "router"]

OPENAPI_URL = "/openapi.json"
ASSETS_URL = "/docs-assets"
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}

router = APIRouter(include_in_schema=False)


def _with_rate_headers(request: Request, response: Response) -> Response:
    response.headers.update(limiter_of(request).peek().headers())
    return response


@router.get(OPENAPI_URL)
async def openapi_document(request: Request) -> Response:
    body = dump_json(request.app.openapi())
    return _with_rate_headers(request, Response(body, media_type="application/json"))


@router.get("/docs")
async def swagger_ui(request: Request) -> Response:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
    )
    return _with_rate_headers(request, page)


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    page = get_redoc_html(
        openapi_url=OPENAPI_URL,
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )
    return _with_rate_headers(request, page)


@router.get(ASSETS_URL + "/{name}")
def docs_asset(request: Request, name: str) -> Response:
    media = _ASSETS.get(name)
    if media is None:
        raise HTTPException(status_code=404)  # the usual {"message": ...} 404 (errors.py)
    path = resources.files("fastapi_offline") / "static" / name
    headers = {"Cache-Control": "public, max-age=86400"}
    return _with_rate_headers(request, FileResponse(str(path), media_type=media, headers=headers))
