"""`UsersExtras` / `AsyncUsersExtras`: from a SteamID64 to "does this player own my products?".

Mixed into the generated `UsersApi` / `AsyncUsersApi` (and so `gs.users`). The most common bot:

>>> api = users_api.UsersApi(api_client)                                # doctest: +SKIP
>>> api.owns(76561198012345678, [product_a, product_b])                 # doctest: +SKIP
{'6f1c...': True, '0b7e...': False}

`owns` sends at most one user lookup plus one purchase list per 100 products (``filter[productId]``
holds at most 100 ids), follows every page of each, ignores revoked purchases and checks every
row's user and product itself rather than trusting the server's filter.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from gmodstore_sdk._types import NOT_GIVEN, RequestTimeout
from gmodstore_sdk.api_client import ApiClient, AsyncApiClient
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

__all__ = ["MAX_PRODUCTS_PER_REQUEST", "AsyncUsersExtras", "UsersExtras"]

MAX_PRODUCTS_PER_REQUEST = 100
"""``filter[productId]`` takes at most this many ids."""
_INT64_MAX = 2**63 - 1


class _User(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def steam_id(self) -> int: ...


class _UserPage(Protocol):
    @property
    def data(self) -> Sequence[_User]: ...


class _UsersApi(Protocol):
    @property
    def api_client(self) -> ApiClient: ...
    def list_users(
        self,
        per_page: int | None = ...,
        cursor: str | None = ...,
        filter: Any = ...,
        *,
        _request_timeout: RequestTimeout = ...,
    ) -> _UserPage: ...


class _AsyncUsersApi(Protocol):
    @property
    def api_client(self) -> AsyncApiClient: ...
    def list_users(
        self,
        per_page: int | None = ...,
        cursor: str | None = ...,
        filter: Any = ...,
        *,
        _request_timeout: RequestTimeout = ...,
    ) -> Awaitable[_UserPage]: ...


def _steam_id(value: object) -> int:
    """A SteamID64 given as an int or a string of digits; raises before any request."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ApiTypeError(f"`steam_id` must be an int or a str, not {type(value).__name__}")
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= _INT64_MAX:
        raise ApiValueError(f"`steam_id` must be a positive 64-bit integer, not {value!r}")
    return int(text)


def _uuid(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ApiTypeError(f"`{name}` must be a str (a UUID), not {type(value).__name__}")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiValueError(f"`{name}` must be a UUID, not {value!r}") from None


def _is_steam_id(value: object) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


def _product_ids(product_ids: Iterable[str]) -> list[str]:
    if isinstance(product_ids, str):
        raise ApiTypeError("`product_ids` must be an iterable of UUIDs, not a single str")
    return list(dict.fromkeys(_uuid(p, "product_ids") for p in product_ids))


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), MAX_PRODUCTS_PER_REQUEST):
        yield ids[start : start + MAX_PRODUCTS_PER_REQUEST]


def _match(users: Sequence[_User], steam_id: int) -> _User | None:
    # The server's filter is not trusted: only a row with this very SteamID64 counts.
    return next((user for user in users if user.steam_id == steam_id), None)


def _owned(row: Any, user_id: str, chunk: set[str]) -> str | None:
    """The product id of a purchase row that proves ownership, else None."""
    if row.revoked or _norm(row.user_id) != user_id:
        return None
    product = _norm(row.product_id)
    return product if product in chunk else None


def _norm(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _purchase_filter(chunk: list[str]) -> dict[str, Any]:
    return {"product_id": chunk, "revoked": False}


class UsersExtras:
    """Hand-written additions to `UsersApi`: `find_user_by_steam_id` and `owns`."""

    def find_user_by_steam_id(
        self: _UsersApi, steam_id: int | str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> Any:
        """The user with this SteamID64, or None; one request (``filter[steamId]``).

        >>> user = api.find_user_by_steam_id(76561198012345678)           # doctest: +SKIP

        Raises:
            ApiTypeError, ApiValueError: `steam_id` is not a positive 64-bit integer.
        """
        wanted = _steam_id(steam_id)
        page = self.list_users(2, None, {"steam_id": [wanted]}, _request_timeout=_request_timeout)
        return _match(page.data, wanted)

    def owns(
        self: _UsersApi,
        user_or_steam_id: str | int,
        product_ids: Iterable[str],
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> dict[str, bool]:
        """Which of `product_ids` the user owns (a purchase that is not revoked), in input order.

        Args:
            user_or_steam_id: a user id (UUID) or a SteamID64 (int or digits; looked up first:
                one request, and every product is False if no user has it).
            product_ids: product UUIDs; one purchase list per 100 of them, every page followed.

        Only the purchases the token may see count: a seller's token sees a user's purchases of
        its own teams' products.
        """
        from gmodstore_sdk.api.user_product_purchases_api import UserProductPurchasesApi

        products = _product_ids(product_ids)
        user_id = _resolve_input(user_or_steam_id)
        result = dict.fromkeys(products, False)
        if not products:
            return result
        if user_id is None:
            user = UsersExtras.find_user_by_steam_id(
                self, user_or_steam_id, _request_timeout=_request_timeout
            )
            if user is None:
                return result
            user_id = _norm(user.id)
        purchases = UserProductPurchasesApi(self.api_client)
        for chunk in _chunks(products):
            wanted = set(chunk)
            rows = purchases.iter_user_purchases(
                user_id, 100, _purchase_filter(chunk), _request_timeout=_request_timeout
            )
            for row in rows:
                product = _owned(row, user_id, wanted)
                if product is not None:
                    result[product] = True
        return result


class AsyncUsersExtras:
    """Hand-written additions to `AsyncUsersApi`: `find_user_by_steam_id` and `owns`."""

    async def find_user_by_steam_id(
        self: _AsyncUsersApi, steam_id: int | str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> Any:
        """The user with this SteamID64, or None (see `UsersExtras.find_user_by_steam_id`)."""
        wanted = _steam_id(steam_id)
        page = await self.list_users(
            2, None, {"steam_id": [wanted]}, _request_timeout=_request_timeout
        )
        return _match(page.data, wanted)

    async def owns(
        self: _AsyncUsersApi,
        user_or_steam_id: str | int,
        product_ids: Iterable[str],
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> dict[str, bool]:
        """Which of `product_ids` the user owns (see `UsersExtras.owns`)."""
        from gmodstore_sdk.api.user_product_purchases_api import AsyncUserProductPurchasesApi

        products = _product_ids(product_ids)
        user_id = _resolve_input(user_or_steam_id)
        result = dict.fromkeys(products, False)
        if not products:
            return result
        if user_id is None:
            user = await AsyncUsersExtras.find_user_by_steam_id(
                self, user_or_steam_id, _request_timeout=_request_timeout
            )
            if user is None:
                return result
            user_id = _norm(user.id)
        purchases = AsyncUserProductPurchasesApi(self.api_client)
        for chunk in _chunks(products):
            wanted = set(chunk)
            rows: AsyncIterator[Any] = purchases.iter_user_purchases(
                user_id, 100, _purchase_filter(chunk), _request_timeout=_request_timeout
            )
            async for row in rows:
                product = _owned(row, user_id, wanted)
                if product is not None:
                    result[product] = True
        return result


def _resolve_input(value: object) -> str | None:
    """The user id if `value` is a UUID; None if it is a SteamID64 (validated) to look up."""
    if _is_steam_id(value):
        _steam_id(value)
        return None
    return _uuid(value, "user_or_steam_id")
