"""`ProductVersionsExtras` / `AsyncProductVersionsExtras`: downloads and "the latest version".

Mixed into the generated `ProductVersionsApi` / `AsyncProductVersionsApi`; the methods only call
generated methods of `self` (typed by the `_VersionsApi` protocols below) and `_downloads`.

>>> api = product_versions_api.ProductVersionsApi(api_client)              # doctest: +SKIP
>>> latest = api.latest_product_version(product_id)                      # doctest: +SKIP
>>> api.download_product_version(product_id, latest.id, Path("addon.zip"))  # doctest: +SKIP
PosixPath('addon.zip')
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from gmodstore_sdk._downloads import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DownloadProgress,
    Expected,
    adownload_file,
    check_dest,
    check_limits,
    download_file,
)
from gmodstore_sdk._limits import phase_timeout
from gmodstore_sdk._types import NOT_GIVEN, RequestTimeout
from gmodstore_sdk.api._operations import timeout as to_timeout
from gmodstore_sdk.api_client import ApiClient, AsyncApiClient
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError, ForbiddenException

__all__ = ["RELEASE_TYPES", "AsyncProductVersionsExtras", "ProductVersionsExtras"]

logger = logging.getLogger("gmodstore_sdk")

RELEASE_TYPES = ("stable", "beta", "alpha", "private", "demo")
_PER_PAGE = 100


class _Version(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def release_type(self) -> object: ...
    @property
    def file_size(self) -> int: ...
    @property
    def file_hash(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


V = TypeVar("V", bound=_Version)
V_co = TypeVar("V_co", bound=_Version, covariant=True)


class _One(Protocol[V_co]):
    @property
    def data(self) -> V_co: ...


class _Url(Protocol):
    @property
    def url(self) -> str: ...


class _UrlAnswer(Protocol):
    @property
    def data(self) -> _Url: ...


class _Cursors(Protocol):
    @property
    def next(self) -> str | None: ...


class _Page(Protocol[V_co]):
    @property
    def data(self) -> Sequence[V_co]: ...
    @property
    def cursors(self) -> _Cursors: ...


class _VersionsApi(Protocol[V_co]):
    """The generated methods of `ProductVersionsApi` these extras call."""

    @property
    def api_client(self) -> ApiClient: ...
    def get_product_version(
        self, product: str, version: str, *, _request_timeout: RequestTimeout = ...
    ) -> _One[V_co]: ...
    def get_product_download_url(
        self, product: str, version: str, *, _request_timeout: RequestTimeout = ...
    ) -> _UrlAnswer: ...
    def list_product_versions(
        self,
        product: str,
        per_page: int | None = ...,
        cursor: str | None = ...,
        filter: Any = ...,
        *,
        _request_timeout: RequestTimeout = ...,
    ) -> _Page[V_co]: ...


class _AsyncVersionsApi(Protocol[V_co]):
    """The generated methods of `AsyncProductVersionsApi` these extras call."""

    @property
    def api_client(self) -> AsyncApiClient: ...
    def get_product_version(
        self, product: str, version: str, *, _request_timeout: RequestTimeout = ...
    ) -> Awaitable[_One[V_co]]: ...
    def get_product_download_url(
        self, product: str, version: str, *, _request_timeout: RequestTimeout = ...
    ) -> Awaitable[_UrlAnswer]: ...
    def list_product_versions(
        self,
        product: str,
        per_page: int | None = ...,
        cursor: str | None = ...,
        filter: Any = ...,
        *,
        _request_timeout: RequestTimeout = ...,
    ) -> Awaitable[_Page[V_co]]: ...


def _release_filter(release_type: object) -> dict[str, list[str]] | None:
    if release_type is None:
        return None
    if not isinstance(release_type, str):
        raise ApiTypeError(f"`release_type` must be a str, not {type(release_type).__name__}")
    if release_type not in RELEASE_TYPES:
        raise ApiValueError(
            f"`release_type` must be one of {', '.join(RELEASE_TYPES)} (or None), "
            f"got {release_type!r}"
        )
    return {"releaseType": [release_type]}


class _Latest:
    """Keeps the newest version seen (by `createdAt`, not list order) while pages come in."""

    def __init__(self, release_type: str | None) -> None:
        self.release_type = release_type
        self.best: Any = None
        self.cursors: set[str] = set()

    def add(self, page: _Page[Any]) -> str | None:
        """Take in one page; return the cursor of the next (None when the walk is over)."""
        for version in page.data:
            kind = getattr(version.release_type, "value", version.release_type)
            if self.release_type is not None and kind != self.release_type:
                continue  # the filter is the server's job; a server that ignores it is not trusted
            if self.best is None or version.created_at > self.best.created_at:
                self.best = version
        cursor = page.cursors.next
        if cursor is None or cursor in self.cursors:
            return None  # a server that hands back a cursor already followed would loop forever
        self.cursors.add(cursor)
        return cursor


def _expected(version: _Version) -> Expected:
    return Expected(size=version.file_size, sha256=version.file_hash)


def _timeout(client: ApiClient | AsyncApiClient, request_timeout: RequestTimeout) -> httpx.Timeout:
    timeout = phase_timeout(client._http.timeout, to_timeout(request_timeout), client._timeout)
    assert timeout is not None  # the default is one
    return timeout


class ProductVersionsExtras:
    """Downloads and the latest version, for `ProductVersionsApi`."""

    def download_product_version(
        self: _VersionsApi[Any],
        product: str,
        version: str,
        dest: Path | str,
        *,
        progress: DownloadProgress | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int | None = None,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> Path:
        """Download a version's file to `dest`, atomically; returns `dest`.

        >>> api.download_product_version(                                   # doctest: +SKIP
        ...     product_id, version_id, Path("addon.zip"), progress=lambda got, total: print(got))

        Gets the version (`fileSize`, `fileHash`: SHA-256), then a one-time URL, and streams the
        file to a temporary file beside `dest`, renamed over it once its size and hash match.
        `Authorization` is never sent to another host than the API's, redirects included. If the
        transfer fails, a fresh URL is asked for once. Needs `product-versions:download` (and
        `product-versions:read` for the checks: without it the file is downloaded unchecked).

        Args:
            product: the product id.
            version: the version id.
            dest: the file to write (its folder must exist; an existing file is replaced).
            progress: called with `(bytes received, expected size or None)`.
            deadline: seconds the whole download may take (checked between chunks; each read is
                bounded by the read timeout too).
            max_bytes: the most bytes accepted when the size is not known (default 4 GiB).

        Raises:
            DownloadError: the file could not be downloaded whole and intact; `dest` is untouched.
            ApiException: the API refused the version or its download URL (e.g. 404, 403).
        """
        path = check_dest(dest)
        check_limits(deadline, max_bytes)
        try:
            expected = _expected(
                self.get_product_version(product, version, _request_timeout=_request_timeout).data
            )
        except ForbiddenException:
            logger.info("no product-versions:read scope: downloading without size/hash checks")
            expected = Expected()

        def fetch_url() -> str:
            answer = self.get_product_download_url(
                product, version, _request_timeout=_request_timeout
            )
            return answer.data.url

        return download_file(
            self.api_client,
            fetch_url,
            path,
            expected=expected,
            progress=progress,
            timeout=_timeout(self.api_client, _request_timeout),
            deadline=deadline,
            max_bytes=max_bytes or DEFAULT_MAX_BYTES,
        )

    def latest_product_version(
        self: _VersionsApi[V],
        product: str,
        release_type: str | None = "stable",
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> V | None:
        """The most recently created version of `release_type` (None: any type), or None.

        >>> api.latest_product_version(product_id).name                   # doctest: +SKIP
        '1.2.3'

        Follows every page (`filter[releaseType]`, 100 per page) and compares `createdAt`: list
        order is not relied on.
        """
        wanted = _release_filter(release_type)
        latest = _Latest(release_type)
        cursor: str | None = None
        while True:
            page = self.list_product_versions(
                product, _PER_PAGE, cursor, wanted, _request_timeout=_request_timeout
            )
            cursor = latest.add(page)
            if cursor is None:
                best: V | None = latest.best
                return best


class AsyncProductVersionsExtras:
    """The async twin of `ProductVersionsExtras`, for `AsyncProductVersionsApi`."""

    async def download_product_version(
        self: _AsyncVersionsApi[Any],
        product: str,
        version: str,
        dest: Path | str,
        *,
        progress: DownloadProgress | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int | None = None,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> Path:
        """See `ProductVersionsExtras.download_product_version`."""
        path = check_dest(dest)
        check_limits(deadline, max_bytes)
        try:
            answer = await self.get_product_version(
                product, version, _request_timeout=_request_timeout
            )
            expected = _expected(answer.data)
        except ForbiddenException:
            logger.info("no product-versions:read scope: downloading without size/hash checks")
            expected = Expected()

        async def fetch_url() -> str:
            answer = await self.get_product_download_url(
                product, version, _request_timeout=_request_timeout
            )
            return answer.data.url

        return await adownload_file(
            self.api_client,
            fetch_url,
            path,
            expected=expected,
            progress=progress,
            timeout=_timeout(self.api_client, _request_timeout),
            deadline=deadline,
            max_bytes=max_bytes or DEFAULT_MAX_BYTES,
        )

    async def latest_product_version(
        self: _AsyncVersionsApi[V],
        product: str,
        release_type: str | None = "stable",
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> V | None:
        """See `ProductVersionsExtras.latest_product_version`."""
        wanted = _release_filter(release_type)
        latest = _Latest(release_type)
        cursor: str | None = None
        while True:
            page = await self.list_product_versions(
                product, _PER_PAGE, cursor, wanted, _request_timeout=_request_timeout
            )
            cursor = latest.add(page)
            if cursor is None:
                best: V | None = latest.best
                return best
