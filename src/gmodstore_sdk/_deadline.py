"""A wall-clock limit on each attempt, which httpx's per-phase timeouts cannot give.

httpx's `read` timeout bounds each socket read, so a server that sends one byte per second holds a
request forever. The clients install `DeadlineBackend` (or its async twin) under the httpx
transports they create: every connect, read and write of the connection is then capped by the
time left before `ATTEMPT_END` (a monotonic instant, set by the client around each attempt), and
fails with httpx's own timeout once it has passed. The headers, the body and a slow TLS handshake
are all covered, sync and async alike. Transports supplied by the caller are left alone; for
them the client checks the deadline between the chunks of the body only.
"""

from __future__ import annotations

import ssl
import time
import typing

import httpcore

from gmodstore_sdk._limits import ATTEMPT_END

# Imported by the clients when they create their httpx client, not with the package: httpx
# itself imports httpcore only then, and `import gmodstore_sdk` stays as cheap as it was.
__all__ = ["ATTEMPT_END", "AsyncDeadlineBackend", "DeadlineBackend", "install", "install_all"]

_SocketOptions = typing.Iterable[typing.Any] | None


def _cap(timeout: float | None, expired: type[Exception]) -> float | None:
    end = ATTEMPT_END.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise expired("the attempt's wall-clock deadline passed")
    return left if timeout is None or left < timeout else timeout


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, capped))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Wraps httpcore's sync backend: every I/O call is capped by `ATTEMPT_END`."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: _SocketOptions = None,
    ) -> httpcore.NetworkStream:
        """Connect within the time left; the stream caps each read and write the same way."""
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_tcp(host, port, capped, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: _SocketOptions = None
    ) -> httpcore.NetworkStream:
        """As `connect_tcp`, for a Unix socket."""
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_unix_socket(path, capped, socket_options))

    def sleep(self, seconds: float) -> None:
        """httpcore's own sleep (between connection retries), unchanged."""
        self._backend.sleep(seconds)


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _cap(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _cap(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._stream.start_tls(ssl_context, server_hostname, capped))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """The async twin of `DeadlineBackend` (asyncio and trio, as httpcore's own backend)."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: _SocketOptions = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect within the time left; the stream caps each read and write the same way."""
        capped = _cap(timeout, httpcore.ConnectTimeout)
        stream = await self._backend.connect_tcp(host, port, capped, local_address, socket_options)
        return _AsyncStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: _SocketOptions = None
    ) -> httpcore.AsyncNetworkStream:
        """As `connect_tcp`, for a Unix socket."""
        capped = _cap(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._backend.connect_unix_socket(path, capped, socket_options))

    async def sleep(self, seconds: float) -> None:
        """httpcore's own sleep (between connection retries), unchanged."""
        await self._backend.sleep(seconds)


def install(transport: object) -> bool:
    """Put the deadline backend under an httpx transport the SDK created; False if it can't.

    Reaches into `transport._pool._network_backend` (httpx's `HTTPTransport` keeps an httpcore
    pool there); another httpx may not, and the client then falls back to checking the deadline
    between body chunks.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
        return True
    if isinstance(backend, httpcore.AsyncNetworkBackend):
        pool._network_backend = AsyncDeadlineBackend(backend)  # type: ignore[union-attr]
        return True
    return False


def install_all(client: object) -> None:
    """`install` under every transport of an httpx client (its own and its proxy mounts)."""
    install(getattr(client, "_transport", None))
    for transport in getattr(client, "_mounts", {}).values():
        install(transport)
