"""`Configuration`: where the API is, how to authenticate, and how patient to be."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from gmodstore_sdk._version import __version__
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_RESPONSE_SIZE", "Configuration"]

DEFAULT_HOST = "https://www.gmodstore.com"
DEFAULT_MAX_RESPONSE_SIZE = 32 * 1024 * 1024
USER_AGENT = f"gmodstore-sdk-python/{__version__}"

# Hosts that serve the API at the root (`/v3/...`) instead of under `/api` (`/api/v3/...`).
_ROOT_API_HOST_PREFIXES = ("api.pivity", "api.gmodstore")


class Configuration:
    """Settings shared by every request of an `ApiClient` / `AsyncApiClient`.

    >>> config = Configuration(access_token="...")          # https://www.gmodstore.com/api/v3
    >>> Configuration(host="https://api.pivity.com").base_url
    'https://api.pivity.com/v3'
    >>> Configuration(host="http://127.0.0.1:8000", api_path="/v3").base_url
    'http://127.0.0.1:8000/v3'

    The client reads the configuration when it is created; later changes do not affect it.

    Args:
        host: scheme and host of the API, e.g. `"https://www.gmodstore.com"` (default), or a sandbox
            URL. Falls back to the `GMODSTORE_HOST` environment variable, then the default.
        access_token: a personal access token (sent as `Authorization: Bearer ...`). Falls back to
            the `GMODSTORE_TOKEN` environment variable. Surrounding whitespace (a trailing newline)
            is stripped. Never shown in reprs, logs or exceptions.
        api_path: the path prefix of the API. Default `"/api/v3"`, or `"/v3"` for hosts that serve
            the API at the root (`api.pivity.com`, `api.gmodstore.com`) or whose URL already ends
            in `/api`, or nothing when it already ends in `/v3`.
        tenant: restrict requests to one marketplace, e.g. `"gmodstore.com"` (sent as `X-Tenant`).
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for each read (and write) of a response.
        attempt_timeout: wall-clock seconds one attempt may take in all: connecting, sending and
            reading the whole answer, however slowly it trickles in (None: no limit). A retry
            gets its own.
        deadline: wall-clock seconds a whole call may take, retries, backoff, rate limit waits and
            recovery lookups included; past it (or when a wait would pass it) the call raises
            `ApiTimeoutError` (default None: no limit). Per call: `Timeout(total=...)`.
        max_response_size: the largest answer, in bytes, the client reads (default 32 MiB);
            a larger one is refused while streaming with `ApiResponseTooLargeError`.
        retries: how many times a failed request is retried (0 disables retries). See the README for
            which failures are retried per method.
        respect_rate_limit: wait for the rate limit window to reset instead of sending a request the
            server will refuse with 429.
        backoff_base: first retry delay in seconds, doubled per attempt (with jitter).
        backoff_max: longest retry delay computed by backoff.
        max_retry_wait: the longest wait the server can ask for (`Retry-After`, or the reset of
            a 429) that the client sleeps through; beyond it the error is raised. A pacing wait
            longer than this means the clocks disagree: the client then waits one window.
        rate_limit_window: the rate limit window in seconds (60 for GmodStore): waits longer than
            it are logged as warnings, and after a reset the next one is expected this much later.
        user_agent: prepended to the `User-Agent` header (`gmodstore-sdk-python/<version>`).
        verify: TLS verification, as for httpx (`True`, `False` or a CA bundle path).
        proxy: a proxy URL for every request.
    """

    def __init__(
        self,
        host: str | None = None,
        access_token: str | None = None,
        *,
        api_path: str | None = None,
        tenant: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        attempt_timeout: float | None = 60.0,
        deadline: float | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        retries: int = 2,
        respect_rate_limit: bool = True,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        max_retry_wait: float = 300.0,
        rate_limit_window: float = 60.0,
        user_agent: str | None = None,
        verify: bool | str = True,
        proxy: str | None = None,
    ) -> None:
        self.host = _check_host(host or os.environ.get("GMODSTORE_HOST") or DEFAULT_HOST)
        self.access_token = _check_token(access_token or os.environ.get("GMODSTORE_TOKEN"))
        self.api_path = _check_api_path(api_path) if api_path is not None else None
        self.tenant = _check_header_value("tenant", tenant)
        self.connect_timeout = _non_negative("connect_timeout", connect_timeout)
        self.read_timeout = _non_negative("read_timeout", read_timeout)
        self.attempt_timeout = _optional_positive("attempt_timeout", attempt_timeout)
        self.deadline = _optional_positive("deadline", deadline)
        if isinstance(max_response_size, bool) or not isinstance(max_response_size, int):
            raise ApiTypeError(
                f"`max_response_size` must be an int, not {type(max_response_size).__name__}"
            )
        if max_response_size < 1:
            raise ApiValueError(f"`max_response_size` must be >= 1, got {max_response_size}")
        self.max_response_size = max_response_size
        if isinstance(retries, bool) or not isinstance(retries, int):
            raise ApiTypeError(f"`retries` must be an int, not {type(retries).__name__}")
        self.retries = int(_non_negative("retries", retries))
        self.respect_rate_limit = respect_rate_limit
        self.backoff_base = _non_negative("backoff_base", backoff_base)
        self.backoff_max = _non_negative("backoff_max", backoff_max)
        self.max_retry_wait = _non_negative("max_retry_wait", max_retry_wait)
        self.rate_limit_window = _non_negative("rate_limit_window", rate_limit_window)
        self.user_agent = _check_header_value("user_agent", user_agent)
        self.verify = verify
        self.proxy = proxy

    @property
    def base_url(self) -> str:
        """`host` + the API path prefix, without a trailing slash."""
        return self.host + (
            self.api_path if self.api_path is not None else _default_path(self.host)
        )

    @property
    def user_agent_header(self) -> str:
        """The `User-Agent` the client sends."""
        return f"{self.user_agent} {USER_AGENT}" if self.user_agent else USER_AGENT

    def __repr__(self) -> str:
        token = "None" if self.access_token is None else "'***'"
        tenant = "" if self.tenant is None else f", tenant={self.tenant!r}"
        return (
            f"Configuration(host={self.host!r}, access_token={token}, "
            f"base_url={self.base_url!r}{tenant}, retries={self.retries})"
        )


def _default_path(host: str) -> str:
    parts = urlsplit(host)
    if parts.path.endswith("/v3"):
        return ""  # the whole API URL was given, e.g. GMODSTORE_HOST=https://api.pivity.com/v3
    if parts.path.endswith("/api"):
        return "/v3"
    if not parts.path and parts.netloc.startswith(_ROOT_API_HOST_PREFIXES):
        return "/v3"
    return "/api/v3"


def _check_host(host: object) -> str:
    if not isinstance(host, str):
        raise ApiTypeError(f"`host` must be a str, not {type(host).__name__}")
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiValueError(f"`host` must look like https://www.gmodstore.com, got {host!r}")
    return host.rstrip("/")


def _check_token(token: object) -> str | None:
    """The token, stripped of surrounding whitespace, or None; it is never put in a message.

    A token read from a file or an environment variable often ends in a newline. Sent as is, httpx
    refuses the header with an error that quotes the header value, token included.
    """
    if token is None:
        return None
    if not isinstance(token, str):
        raise ApiTypeError(f"`access_token` must be a str, not {type(token).__name__}")
    token = token.strip()
    if not token:
        return None
    if not _is_visible_ascii(token):
        raise ApiValueError(
            "`access_token` contains whitespace or non-ASCII characters, which cannot be sent in "
            "an HTTP header: check that it was copied whole (its value is not shown here)"
        )
    return token


def _check_header_value(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiTypeError(f"`{name}` must be a str, not {type(value).__name__}")
    if not _is_visible_ascii(value.replace(" ", "x")):
        raise ApiValueError(f"`{name}` must be printable ASCII (it is sent as a header): {value!r}")
    return value


def _is_visible_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable() and " " not in text


def _check_api_path(path: object) -> str:
    if not isinstance(path, str):
        raise ApiTypeError(f"`api_path` must be a str, not {type(path).__name__}")
    path = path.strip("/")
    return "/" + path if path else ""


def _non_negative(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiTypeError(f"`{name}` must be a number, not {type(value).__name__}")
    if value < 0:
        raise ApiValueError(f"`{name}` must be >= 0, got {value!r}")
    return value


def _optional_positive(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if _non_negative(name, value) == 0:
        raise ApiValueError(f"`{name}` must be > 0 (or None for no limit), got {value!r}")
    return value
