"""Which URLs a webhook endpoint may have, checked once, when it is registered or changed.

http or https, a host, a port in 1..65535 if one is given, no ``user:password@`` (httpx would
send it as Basic auth to whoever the URL points at), no whitespace or control characters, at most
2000 characters. Loopback and private addresses are allowed on purpose: this is a local sandbox and
receivers usually run on the same machine.

>>> check_endpoint_url("http://127.0.0.1:8001/hook")
'http://127.0.0.1:8001/hook'
"""

from __future__ import annotations

import re

import httpx

__all__ = ["MAX_URL_LENGTH", "InvalidEndpointUrl", "check_endpoint_url"]

MAX_URL_LENGTH = 2000
"""The length of the ``webhook_endpoints.url`` column."""

_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
_PORT = re.compile(r"//[^/?#]*:(?P<port>[^/?#\]]*)(?:[/?#]|$)")


class InvalidEndpointUrl(ValueError):
    """The URL cannot be a webhook endpoint; the message says why and is meant for the user."""


def check_endpoint_url(url: str) -> str:
    """Return `url` unchanged if it can receive webhooks.

    Raises:
        InvalidEndpointUrl: see the module docstring for the rules.
    """
    if len(url) > MAX_URL_LENGTH:
        raise InvalidEndpointUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if _FORBIDDEN.search(url):
        raise InvalidEndpointUrl(f"the URL must not contain spaces or control characters: {url!r}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidEndpointUrl(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidEndpointUrl(f"the URL must be http:// or https:// with a host, not {url!r}")
    if parsed.userinfo:
        raise InvalidEndpointUrl(
            f"the URL must not contain a user name or password ({url!r}): it would be sent as"
            " Basic auth; receivers authenticate deliveries by their signature"
        )
    # httpx accepts ports 0 and above 65535 (and drops an empty one); the URL as written counts.
    match = _PORT.search(url)
    if match is not None:
        port = match.group("port")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise InvalidEndpointUrl(f"invalid port {port!r} in {url!r}: expected 1 to 65535")
    return url
