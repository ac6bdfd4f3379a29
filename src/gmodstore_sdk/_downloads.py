"""Download a file from a one-time URL to disk: streamed, atomic, checked, with a deadline.

Used by `download_product_version` (`api/_extras/product_versions.py`):

>>> path = download_file(api_client, fetch_url, Path("addon.zip"),          # doctest: +SKIP
...                      expected=Expected(size=1048576, sha256="9f86d0..."))

- The file is written to a temporary file beside `dest` (same folder, so the final rename is
  atomic) and renamed over `dest` only once it is complete and checked; on any failure the
  temporary file is removed and `dest` is untouched.
- The size (`fileSize`) and SHA-256 (`fileHash`) are checked when known, the body is never read past
  the expected size (or `max_bytes`), and the whole download has a wall-clock `deadline`.
- `Authorization` (and `X-Tenant`) are only sent to the API's own origin (scheme, host and port),
  including on every redirect hop: a file host never sees the token.
- When the transfer fails (a refused or expired URL, a cut connection, a wrong size or hash), a
  fresh URL is asked for once (one-time URLs cannot be reused) and the download starts over.

The pure parts (`_Target`, `_next_request`) are shared; `download_file` / `adownload_file` are the
sync and async drivers, a few lines each.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

import httpx

from gmodstore_sdk._transfer_errors import DownloadError
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from gmodstore_sdk._base import BaseApiClient
    from gmodstore_sdk.api_client import ApiClient, AsyncApiClient

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "DownloadError",
    "DownloadProgress",
    "Expected",
    "adownload_file",
    "download_file",
]

logger = logging.getLogger("gmodstore_sdk")

DownloadProgress = Callable[[int, int | None], None]
"""`progress(received, total)`: bytes written so far, and the expected size (None if unknown)."""

DEFAULT_DEADLINE = 3600.0
"""Seconds a whole download may take (each attempt, URL requests included), unless told."""
DEFAULT_MAX_BYTES = 4 * 1024**3
"""The most bytes read when the file's size is not known in advance."""
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_CREDENTIALS = ("Authorization", "X-Tenant")
_ERROR_PREVIEW = 300  # bytes of an error body quoted in the message
_O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class _Retryable(Exception):
    """A failure of one attempt that a fresh URL may cure."""


class _Fatal(Exception):
    """A failure a fresh URL cannot cure (the deadline, an unusable URL)."""


class Expected:
    """What the file should be, when known: its size in bytes and SHA-256 hex digest.

    A hash that is not 64 hex digits is of unknown kind and not checked.
    """

    __slots__ = ("sha256", "size")

    def __init__(self, size: int | None = None, sha256: str | None = None) -> None:
        self.size = size if isinstance(size, int) and size >= 0 else None
        self.sha256 = sha256.lower() if sha256 and _SHA256_HEX.fullmatch(sha256) else None


def check_dest(dest: object) -> Path:
    """`dest` as a `Path` to a file in an existing folder (validated before anything is sent)."""
    if isinstance(dest, str):
        dest = Path(dest)
    if not isinstance(dest, os.PathLike):
        raise ApiTypeError(f"`dest` must be a pathlib.Path or str, not {type(dest).__name__}")
    path = Path(dest)
    if path.is_dir():
        raise ApiValueError(f"`dest` must be a file path, and {path} is a directory")
    if not path.parent.is_dir():
        raise ApiValueError(f"`dest`: the folder {path.parent} does not exist")
    return path


def check_limits(deadline: object, max_bytes: object) -> None:
    for name, value in (("deadline", deadline), ("max_bytes", max_bytes)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ApiTypeError(f"`{name}` must be a number, not {type(value).__name__}")
        if value <= 0:
            raise ApiValueError(f"`{name}` must be > 0, got {value!r}")


class _Target:
    """One attempt's temporary file: written chunk by chunk, checked, then renamed to `dest`."""

    def __init__(
        self,
        dest: Path,
        expected: Expected,
        max_bytes: int,
        progress: DownloadProgress | None,
        ends_at: float,
    ) -> None:
        self.dest = dest
        self.expected = expected
        self.limit = expected.size if expected.size is not None else max_bytes
        self.progress = progress
        self.ends_at = ends_at
        self.received = 0
        self.digest = hashlib.sha256()
        self.file: IO[bytes] | None = None
        self.temp: Path | None = None

    def check_time(self) -> None:
        if time.monotonic() > self.ends_at:
            raise _Fatal("the download took longer than its deadline")

    def begin(self, response: httpx.Response, body: bytes | None) -> None:
        """Check the answer's status and announced size, and open the temporary file."""
        if not response.is_success:
            preview = (body or b"")[:_ERROR_PREVIEW].decode("utf-8", "replace").strip()
            raise _Retryable(f"the download URL answered {response.status_code} {preview}".strip())
        announced = response.headers.get("content-length")
        if announced is not None and announced.isdigit():
            size = int(announced)
            if self.expected.size is not None and size != self.expected.size:
                raise _Retryable(f"the server announced {size} bytes, expected {self.limit}")
            if size > self.limit:
                raise _Fatal(f"the file is {size} bytes, more than max_bytes={self.limit}")
        # Created like a plain open() would (mode 0666 minus the umask), but never over an
        # existing file; `mkstemp` would make it 0600, and reading the umask means changing it.
        temp = self.dest.parent / f".{self.dest.name}.{secrets.token_hex(6)}.part"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
        self.temp = temp
        self.file = os.fdopen(fd, "wb")
        if self.progress is not None:
            self.progress(0, self.expected.size)

    def write(self, chunk: bytes) -> None:
        assert self.file is not None
        self.received += len(chunk)
        if self.received > self.limit:
            what = "the expected size" if self.expected.size is not None else "max_bytes"
            raise _Retryable(f"the server sent more than {what} ({self.limit} bytes)")
        self.digest.update(chunk)
        self.file.write(chunk)
        if self.progress is not None:
            self.progress(self.received, self.expected.size)
        self.check_time()

    def finish(self) -> Path:
        """Check size and hash, make the file durable, and rename it over `dest`."""
        assert self.file is not None and self.temp is not None
        expected = self.expected
        if expected.size is not None and self.received != expected.size:
            raise _Retryable(f"got {self.received} bytes, expected {expected.size}")
        if expected.sha256 is not None and self.digest.hexdigest() != expected.sha256:
            raise _Retryable("the file's SHA-256 does not match the version's fileHash")
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.temp, self.dest)
        self.temp = None
        _sync_folder(self.dest.parent)
        return self.dest

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None


def _sync_folder(folder: Path) -> None:
    """Make the rename durable too, where folders can be opened (POSIX); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default


def _download_request(
    client: BaseApiClient, url: httpx.URL, timeout: httpx.Timeout
) -> httpx.Request:
    """A GET of `url` carrying the API credentials only when `url` is on the API's own origin."""
    if url.scheme not in ("http", "https") or not url.host:
        raise _Fatal(f"the download URL {url} is not an http(s) URL")
    headers = dict(client.get_headers or {})
    headers.update({"Accept": "*/*", "Accept-Encoding": "identity"})
    request = client._http.build_request("GET", url, headers=headers, timeout=timeout)
    if _origin(url) != _origin(httpx.URL(client.base_url)):
        for name in _CREDENTIALS:
            request.headers.pop(name, None)
    return request


def _next_request(
    client: BaseApiClient, response: httpx.Response, timeout: httpx.Timeout, hops: int
) -> httpx.Request | None:
    """The request that follows a redirect (credentials re-decided per hop), or None."""
    if response.status_code not in _REDIRECTS or "location" not in response.headers:
        return None
    if hops >= MAX_REDIRECTS:
        raise _Retryable(f"more than {MAX_REDIRECTS} redirects")
    url = response.request.url.join(response.headers["location"])
    return _download_request(client, url, timeout)


def _absolute(client: BaseApiClient, url: object) -> httpx.URL:
    if not isinstance(url, str) or not url:
        raise _Retryable(f"the API returned no usable download URL ({url!r})")
    return httpx.URL(client.base_url).join(url)


def _fail(reason: str) -> DownloadError:
    return DownloadError(f"download failed: {reason}")


def download_file(
    client: ApiClient,
    fetch_url: Callable[[], str],
    dest: Path,
    *,
    expected: Expected,
    progress: DownloadProgress | None = None,
    timeout: httpx.Timeout,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Path:
    """Stream the file at `fetch_url()` to `dest`; after a failure, once more with a fresh URL."""
    ends_at = time.monotonic() + deadline
    for attempt in (1, 2):
        target = _Target(dest, expected, max_bytes, progress, ends_at)
        try:
            request = _download_request(client, _absolute(client, fetch_url()), timeout)
            return _send_sync(client, request, target, timeout)
        except (_Retryable, httpx.HTTPError) as exc:
            if attempt == 2:
                raise _fail(str(exc) or type(exc).__name__) from exc
            logger.info("download failed (%s); asking for a fresh URL", exc or type(exc).__name__)
        except _Fatal as exc:
            raise _fail(str(exc)) from None
        except OSError as exc:  # the local side: a full disk, a folder that is not writable
            raise _fail(f"cannot write {dest} ({exc.strerror or exc})") from exc
        finally:
            target.discard()
    raise AssertionError("unreachable")  # pragma: no cover


def _send_sync(
    client: ApiClient, request: httpx.Request, target: _Target, timeout: httpx.Timeout
) -> Path:
    for hops in range(MAX_REDIRECTS + 1):
        target.check_time()
        response = client._http.send(request, stream=True, follow_redirects=False)
        try:
            following = _next_request(client, response, timeout, hops)
            if following is not None:
                request = following
                continue
            body = None if response.is_success else next(response.iter_raw(), b"")
            target.begin(response, body)
            for chunk in response.iter_raw(_CHUNK):
                target.write(chunk)
            return target.finish()
        finally:
            response.close()
    raise AssertionError("unreachable")  # pragma: no cover


async def adownload_file(
    client: AsyncApiClient,
    fetch_url: Callable[[], Awaitable[str]],
    dest: Path,
    *,
    expected: Expected,
    progress: DownloadProgress | None = None,
    timeout: httpx.Timeout,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Path:
    """The async twin of `download_file` (the file is written with plain blocking writes)."""
    ends_at = time.monotonic() + deadline
    for attempt in (1, 2):
        target = _Target(dest, expected, max_bytes, progress, ends_at)
        try:
            request = _download_request(client, _absolute(client, await fetch_url()), timeout)
            return await _send_async(client, request, target, timeout)
        except (_Retryable, httpx.HTTPError) as exc:
            if attempt == 2:
                raise _fail(str(exc) or type(exc).__name__) from exc
            logger.info("download failed (%s); asking for a fresh URL", exc or type(exc).__name__)
        except _Fatal as exc:
            raise _fail(str(exc)) from None
        except OSError as exc:  # the local side: a full disk, a folder that is not writable
            raise _fail(f"cannot write {dest} ({exc.strerror or exc})") from exc
        finally:
            target.discard()
    raise AssertionError("unreachable")  # pragma: no cover


async def _send_async(
    client: AsyncApiClient, request: httpx.Request, target: _Target, timeout: httpx.Timeout
) -> Path:
    for hops in range(MAX_REDIRECTS + 1):
        target.check_time()
        response = await client._http.send(request, stream=True, follow_redirects=False)
        try:
            following = _next_request(client, response, timeout, hops)
            if following is not None:
                request = following
                continue
            body = None
            if not response.is_success:
                async for chunk in response.aiter_raw():
                    body = chunk
                    break
            target.begin(response, body)
            async for chunk in response.aiter_raw(_CHUNK):
                target.write(chunk)
            return target.finish()
        finally:
            await response.aclose()
    raise AssertionError("unreachable")  # pragma: no cover
