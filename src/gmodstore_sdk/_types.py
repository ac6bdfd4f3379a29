"""Small shared types: the `NOT_GIVEN` sentinel and the timeout argument."""

from __future__ import annotations

from typing import Final, TypeAlias, Union

__all__ = ["NOT_GIVEN", "NotGiven", "RequestTimeout"]


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

RequestTimeout: TypeAlias = Union[float, "tuple[float, float]", None, NotGiven]
"""`_request_timeout`: seconds for every phase, a `(connect, read)` tuple, or None for none."""
