"""``/openapi.json``, ``/docs`` and ``/redoc``, served with the ``X-RateLimit-*`` headers.

FastAPI's built-in documentation routes answer without them, and the API promises the headers on
every response. These are public documents: the headers report the uncounted window.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

from ..schemas import dump_json
from .deps import limiter_of

__all__ = ["OPENAPI_URL", "router"]

OPENAPI_URL = "/openapi.json"

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
    title = f"{request.app.title} - Swagger UI"
    return _with_rate_headers(request, get_swagger_ui_html(openapi_url=OPENAPI_URL, title=title))


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    title = f"{request.app.title} - ReDoc"
    return _with_rate_headers(request, get_redoc_html(openapi_url=OPENAPI_URL, title=title))
