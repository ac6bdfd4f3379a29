"""Hand-written extras of `UsersApi`: a user by SteamID64, and "does this user own a product?".

Neither trusts a filtered answer: a row that is not the user / purchase asked about means the
server ignored the filter, and raises `ApiResponseValidationError` rather than answer wrongly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from gmodstore_sdk._types import NOT_GIVEN, RequestTimeout
from gmodstore_sdk.exceptions import ApiResponseValidationError, ApiTypeError

if TYPE_CHECKING:
    from gmodstore_sdk.api_client import ApiClient, AsyncApiClient
    from gmodstore_sdk.model.user import User

__all__ = ["AsyncUsersExtras", "UsersExtras"]


class _Users(Protocol):
    @property
    def api_client(self) -> ApiClient: ...

    def list_users(
        self,
        per_page: int | None = ...,
        cursor: str | None = ...,
        filter: Any = ...,
        *,
        _request_timeout: RequestTimeout = ...,
    ) -> Any: ...


class _AsyncUsers(Protocol):
    @property
    def api_client(self) -> AsyncApiClient: ...

    async def list_users(
        self,
        per_page: int | None = ...,
        cursor: str | None = ...,
        filter: Any = ...,
        *,
        _request_timeout: RequestTimeout = ...,
    ) -> Any: ...


def _steam_id(value: object) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiTypeError(f"`steam_id` must be a SteamID64 (int), not {type(value).__name__}")
    return value


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _user_of(page: Any, steam_id: int) -> User | None:
    for user in page.data:
        if user.steam_id != steam_id:
            raise ApiResponseValidationError(
                f"GET .../users?filter[steamId]={steam_id} returned user {user.id} (steamId "
                f"{user.steam_id}): the server ignored the filter; not trusting the answer"
            )
    return page.data[0] if page.data else None


def _owns(page: Any, user: str, product: str) -> bool:
    for p in page.data:
        if not (_same(p.user_id, user) and _same(p.product_id, product)) or p.revoked:
            raise ApiResponseValidationError(
                f"GET .../users/{user}/purchases?filter[productId]={product}&filter[revoked]=false "
                f"returned purchase {p.id} (user {p.user_id}, product {p.product_id}, revoked="
                f"{p.revoked}): the server ignored the filter; not trusting the answer"
            )
    return bool(page.data)


def _purchase_filter(product: str) -> dict[str, Any]:
    return {"productId": product, "revoked": False}


class UsersExtras:
    """`find_user_by_steam_id` and `owns`, on `UsersApi`."""

    def find_user_by_steam_id(
        self: _Users, steam_id: int | str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> User | None:
        """The user with this SteamID64, or None. One request (`filter[steamId]`).

        >>> gs.users.find_user_by_steam_id(76561197960287930).name          # doctest: +SKIP
        """
        wanted = _steam_id(steam_id)
        page = self.list_users(
            per_page=1, filter={"steamId": [wanted]}, _request_timeout=_request_timeout
        )
        return _user_of(page, wanted)

    def owns(
        self: _Users, user: str, product: str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> bool:
        """Does `user` (an id) own `product`, not revoked? One request (`list_user_purchases`).

        Needs scope `user-purchases:read`.

        >>> gs.users.owns(user.id, product_id)                               # doctest: +SKIP
        True
        """
        from gmodstore_sdk.api.user_product_purchases_api import UserProductPurchasesApi

        page = UserProductPurchasesApi(self.api_client).list_user_purchases(
            user, per_page=1, filter=_purchase_filter(product), _request_timeout=_request_timeout
        )
        return _owns(page, user, product)


class AsyncUsersExtras:
    """`find_user_by_steam_id` and `owns`, on `AsyncUsersApi` (coroutines)."""

    async def find_user_by_steam_id(
        self: _AsyncUsers, steam_id: int | str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> User | None:
        """See `UsersExtras.find_user_by_steam_id`."""
        wanted = _steam_id(steam_id)
        page = await self.list_users(
            per_page=1, filter={"steamId": [wanted]}, _request_timeout=_request_timeout
        )
        return _user_of(page, wanted)

    async def owns(
        self: _AsyncUsers, user: str, product: str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> bool:
        """See `UsersExtras.owns`."""
        from gmodstore_sdk.api.user_product_purchases_api import AsyncUserProductPurchasesApi

        page = await AsyncUserProductPurchasesApi(self.api_client).list_user_purchases(
            user, per_page=1, filter=_purchase_filter(product), _request_timeout=_request_timeout
        )
        return _owns(page, user, product)
