"""Small shared types: the `NOT_GIVEN` sentinel and the timeout argument."""

from __future__ import annotations

from typing import Final, TypeAlias, Union

__all__ = ["NOT_GIVEN", "NotGiven", "RequestTimeout", "Timeout"]


class NotGiven:
    """The type of `NOT_GIVEN`, the default of arguments where `None` means something.

    `_request_timeout=None` disables timeouts for one call; leaving it out (`NOT_GIVEN`) uses the
    client's timeouts. A plain `None` default could not tell the two apart.

    >>> NOT_GIVEN
    NOT_GIVEN
    >>> bool(NOT_GIVEN)
    False
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class Timeout:
    """Time limits of one call, for `_request_timeout=`; a limit left out is the client's.

    >>> Timeout(total=10)                      # the whole call: retries and waits included
    Timeout(total=10)
    >>> Timeout(connect=2, read=5, attempt=8)
    Timeout(connect=2, read=5, attempt=8)

    The short forms of `_request_timeout` mean: `t` (seconds) is `Timeout(connect=t, read=t,
    attempt=t)`; `(c, r)` is `Timeout(connect=c, read=r, attempt=c + r)`; `None` is no limit but the
    client's `deadline`. An upload (a streamed body) is only cut by an explicit `attempt` or `total`
    (it has its own deadline per sending), never by `attempt_timeout` or the short forms.

    Args:
        connect: seconds to wait for a connection (None: no limit).
        read: seconds to wait for each read of the answer (None: no limit).
        attempt: wall-clock seconds for one attempt: connecting, sending and reading the whole
            answer, however slowly it trickles in (None: no limit).
        total: wall-clock seconds for the whole call, retries, backoff, rate limit waits and
            recovery lookups included; past it the call raises `ApiTimeoutError` (None: no limit).
    """

    __slots__ = ("attempt", "connect", "read", "total")

    def __init__(
        self,
        *,
        connect: float | None | NotGiven = NOT_GIVEN,
        read: float | None | NotGiven = NOT_GIVEN,
        attempt: float | None | NotGiven = NOT_GIVEN,
        total: float | None | NotGiven = NOT_GIVEN,
    ) -> None:
        self.connect = connect
        self.read = read
        self.attempt = attempt
        self.total = total

    def __repr__(self) -> str:
        given = [
            f"{name}={getattr(self, name)!r}"
            for name in ("connect", "read", "attempt", "total")
            if not isinstance(getattr(self, name), NotGiven)
        ]
        return f"Timeout({', '.join(given)})"


RequestTimeout: TypeAlias = Union[float, "tuple[float, float]", Timeout, None, NotGiven]
"""`_request_timeout`: seconds, a `(connect, read)` tuple, a `Timeout`, or None (no limits)."""
