"""Wire schemas of the identity area: request payloads, query parsers and JSON renderers.

Payloads are pydantic models (strict); responses are plain dicts built from rows, as in the
purchase endpoints. Nothing here imports the SDK.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from .. import params
from ..exceptions import InvalidInput
from ..params import parse_uuid
from ..schemas import DEFAULT_PER_PAGE, MAX_PER_PAGE
from ..storage.tables import utcnow
from .defaults import DEFAULT_GROUP_ID
from .scopes import ALL_SCOPES

__all__ = [
    "BADGES",
    "MAX_BATCH",
    "BadgeCreate",
    "GroupCreate",
    "GroupUpdate",
    "ListQuery",
    "TeamCreate",
    "TeamUpdate",
    "TokenCreate",
    "TokenUpdate",
    "TotpExchange",
    "badge_dict",
    "ban_dict",
    "group_dict",
    "parse_body",
    "parse_ids",
    "parse_list",
    "product_dict",
    "team_dict",
    "team_user_dict",
    "token_dict",
    "user_dict",
]

MAX_BATCH = 100

BADGES: dict[str, tuple[str, str, str]] = {
    "aspiring": ("Aspiring", "Working towards their first release", "png"),
    "beta": ("Beta Tester", "Helped test the site before launch", "png"),
    "bought": ("Customer", "Bought a product", "png"),
    "coal": ("Coal", "Was naughty this year", "png"),
    "contribution": ("Contributor", "Contributed to the platform", "png"),
    "crown": ("Crown", "A top seller", "png"),
    "developer": ("Developer", "Sells products on the store", "png"),
    "discord-booster": ("Discord Booster", "Boosts the Discord server", "gif"),
    "download": ("Downloader", "Downloaded a free product", "png"),
    "ex-staff": ("Former Staff", "Was a member of staff", "png"),
    "favourites": ("Collector", "Favourited many products", "png"),
    "featured": ("Featured", "Had a product featured", "png"),
    "first-purchase": ("First Purchase", "Made their first purchase", "png"),
    "forum-post": ("Forum Poster", "Posted on the forums", "png"),
    "job": ("Job", "Completed a job", "png"),
    "kawaii": ("Kawaii", "Very cute", "gif"),
    "negotiated": ("Negotiator", "Negotiated a job", "png"),
    "product-submit": ("Submitter", "Submitted a product", "png"),
    "pug": ("Pug", "Loves pugs", "png"),
    "push": ("Push", "Pushed a product update", "png"),
    "received-message": ("Pen Pal", "Received a message", "png"),
    "shiba": ("Shiba", "Loves shibas", "png"),
    "sponsor": ("Sponsor", "Sponsors the platform", "png"),
    "staff": ("Staff", "A member of staff", "png"),
}
"""The spec's ``badge_id`` enum: name, description, image extension."""

BadgeId = Literal[
    "aspiring", "beta", "bought", "coal", "contribution", "crown", "developer",
    "discord-booster", "download", "ex-staff", "favourites", "featured", "first-purchase",
    "forum-post", "job", "kawaii", "negotiated", "product-submit", "pug", "push",
    "received-message", "shiba", "sponsor", "staff",
]  # fmt: skip
Scope = Literal[ALL_SCOPES]  # type: ignore[valid-type]


def _json_text(value: str | None) -> str | None:
    if value is not None:
        try:
            json.loads(value)
        except ValueError:
            raise ValueError("must be a JSON document") from None
    return value


class _Payload(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class TeamCreate(_Payload):
    """``NewTeamPayload``."""

    name: Annotated[str, StringConstraints(min_length=3, max_length=50)]
    description: str | None = None

    def model_post_init(self, _context: Any) -> None:
        _json_text(self.description)


class TeamUpdate(_Payload):
    """``UpdateTeamPayload``."""

    name: Annotated[str | None, StringConstraints(min_length=3, max_length=50)] = None
    description: str | None = None

    def model_post_init(self, _context: Any) -> None:
        _json_text(self.description)


class TokenCreate(_Payload):
    """``NewPersonalAccessTokenPayload``."""

    name: Annotated[str, StringConstraints(min_length=3, max_length=100)]
    abilities: Annotated[list[Scope], Field(min_length=1, max_length=len(ALL_SCOPES))]
    expires_at: datetime | None = Field(default=None, alias="expiresAt", strict=False)


class TokenUpdate(_Payload):
    """Body of ``updatePersonalAccessToken`` (the spec gives none; every field optional)."""

    name: Annotated[str | None, StringConstraints(min_length=3, max_length=100)] = None
    abilities: Annotated[list[Scope] | None, Field(min_length=1)] = None
    expires_at: datetime | None = Field(default=None, alias="expiresAt", strict=False)


class GroupCreate(_Payload):
    """``NewPermissionGroupPayload``."""

    title: Annotated[str, StringConstraints(min_length=3, max_length=100)]
    permissions: str

    def model_post_init(self, _context: Any) -> None:
        _json_text(self.permissions)


class GroupUpdate(_Payload):
    """``UpdatePermissionGroupPayload``."""

    title: Annotated[str | None, StringConstraints(min_length=3, max_length=100)] = None
    permissions: str | None = None

    def model_post_init(self, _context: Any) -> None:
        _json_text(self.permissions)


class BadgeCreate(_Payload):
    """``NewUserBadgePayload`` (snake_case ``badge_id``, as the spec has it)."""

    badge_id: BadgeId


class TotpExchange(_Payload):
    """``ExchangeTotpPayload``."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


def parse_body(model: type[_Payload], body: bytes, *, allow_empty: bool = False) -> Any:
    """Validate a JSON body against `model`; raises `InvalidInput` (``errors`` per field)."""
    if allow_empty and not body.strip():
        body = b"{}"
    try:
        return model.model_validate_json(body or b"null")
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors(include_url=False):
            if error["type"] == "json_invalid":
                raise InvalidInput(
                    {"body": ["The request body must be valid JSON."]}, "Malformed JSON."
                ) from None
            loc = [str(part) for part in error["loc"]]
            name = loc[0] if loc else "body"
            message = (
                "The request body must be a JSON object."
                if not loc
                else f"The {name} field is required."
                if error["type"] == "missing"
                else f"The {name} field is invalid: {error['msg'].removeprefix('Value error, ')}."
            )
            errors.setdefault(name, []).append(message)
        raise InvalidInput(errors) from None


# --- query strings ---------------------------------------------------------------------------

FilterKind = Literal["uuid", "int", "bool", "str"]


@dataclass(frozen=True)
class ListQuery:
    """A parsed list query: page size, cursor and the filters present (wire names)."""

    per_page: int = DEFAULT_PER_PAGE
    cursor: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)

    def binding_parts(self) -> list[str]:
        return [f"{k}={sorted(map(str, v)) if isinstance(v, tuple) else v!r}"
                for k, v in sorted(self.filters.items())]  # fmt: skip


def _parse_filter(name: str, kind: FilterKind, value: str) -> Any:
    """One ``filter[name]`` value (already known and non-empty); raises `InvalidInput`."""
    field = f"filter.{name}"
    if kind == "bool":
        return params.parse_bool_list(field, value)
    if kind == "uuid":
        return params.parse_uuid_list(field, value)
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    if len(items) > params.MAX_FILTER_VALUES:
        limit = params.MAX_FILTER_VALUES
        raise InvalidInput({field: [f"The {field} filter accepts at most {limit} values."]})
    if kind == "int":
        # int64, as the columns: 19 digits reach past 2**63 - 1 (the query failed: a 500).
        if not all(i.isascii() and i.isdigit() and len(i) <= 19 and int(i) < 2**63 for i in items):
            raise InvalidInput({field: [f"Each {field} value must be an integer."]})
        return tuple(int(i) for i in items)
    return items


def parse_list(
    items: Iterable[tuple[str, str]], filters: Mapping[str, FilterKind] | None = None
) -> ListQuery:
    """``perPage``, ``cursor`` and the allowed ``filter[...]`` keys; raises `InvalidInput`.

    Strict like every list (`gmodstore_sandbox.params`): a repeated parameter, a malformed,
    unknown or empty filter is a 400 naming it.
    """
    query = params.unique_query(items)
    allowed = filters or {}
    errors: dict[str, list[str]] = {}
    per_page = DEFAULT_PER_PAGE
    try:
        per_page = params.parse_per_page(
            query.get("perPage"), default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE
        )
    except InvalidInput as exc:
        errors.update(exc.errors)
    found: dict[str, Any] = {}
    try:
        raw = params.filters(query, known=allowed)
    except InvalidInput as exc:
        errors.update(exc.errors)
        raw = {}
    for name, value in raw.items():
        try:
            parsed = _parse_filter(name, allowed[name], value)
        except InvalidInput as exc:
            errors.update(exc.errors)
            continue
        if parsed is not None:
            found[name] = parsed
    if errors:
        raise InvalidInput(errors)
    return ListQuery(per_page, query.get("cursor") or None, found)


def parse_ids(items: Iterable[tuple[str, str]]) -> tuple[uuid.UUID, ...]:
    """The ``ids[]`` of a batch request (1 to 100 UUIDs, no duplicates); raises InvalidInput."""
    raw = [value for key, value in items if key == "ids[]"]
    if not raw:
        raise InvalidInput({"ids": ["The ids field is required."]})
    if len(raw) > MAX_BATCH:
        raise InvalidInput({"ids": [f"The ids field must not have more than {MAX_BATCH} items."]})
    parsed = [parse_uuid(value) for value in raw]
    if any(p is None for p in parsed):
        raise InvalidInput({"ids": ["Each id must be a valid UUID."]})
    return tuple(dict.fromkeys(p for p in parsed if p is not None))


# --- renderers -------------------------------------------------------------------------------


def user_dict(
    row: Any, *, ban_properties: Iterable[str], teams_count: int, with_email: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "steamId": row.steam_id,
        "slug": row.slug,
        "name": row.name or row.slug,
        "countryCode": row.country_code,
        "avatarUrl": row.avatar_url,
        "bio": row.bio,
        "lastActionAt": row.last_action_at,
        "createdAt": row.created_at,
        "banProperties": sorted(ban_properties),
        "teamsCount": teams_count,
        "permissionGroupId": row.permission_group_id or DEFAULT_GROUP_ID,
    }
    if with_email:
        data["email"] = row.email
    return data


def team_dict(row: Any, *, counts: tuple[int, int], member: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "productsCount": counts[0],
        "usersCount": counts[1],
    }
    if member:
        data["settings"] = row.settings
    return data


def team_user_dict(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "teamId": row.team_id,
        "userId": row.user_id,
        "primary": row.role == "owner",
    }
    if row.percentage is not None:
        data["percentage"] = row.percentage
    return data


def _money(cents: int, currency: str) -> dict[str, str]:
    return {"amount": str(cents), "currency": currency}


def product_dict(row: Any) -> dict[str, Any]:
    base = f"https://media.sandbox.invalid/products/{row.id}"
    return {
        "id": row.id,
        "teamId": row.team_id,
        "slug": row.slug,
        "name": row.name,
        "shortDescription": row.short_description,
        "description": row.description,
        "tabs": [],
        "collapsibles": [],
        "price": {
            "raw": row.price_cents,
            "original": _money(row.price_cents, row.currency),
            "purchase": _money(row.price_cents, row.currency),
        },
        "images": {
            name: f"{base}/{name}.png"
            for name in ("background", "bigspot", "page", "listing", "listingSmall")
        },
        "views": row.views,
        "active": row.active,
        "activeTenants": row.active_tenants.split(),
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def token_dict(row: Any) -> dict[str, Any]:
    held = set(row.scopes.split())
    return {
        "id": row.public_id,
        "name": row.name or "",
        "abilities": [s for s in ALL_SCOPES if s in held],
        "lastUsedAt": row.last_used_at,
        "expiresAt": row.expires_at,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def group_dict(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "title": row.title,
        "displayOrder": row.display_order,
        "default": row.is_default,
        "editable": row.editable,
        "hoisted": row.hoisted,
        "permissions": row.permissions,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }
    if row.commission_rate is not None:
        data["commissionRate"] = row.commission_rate
    return data


def badge_dict(badge_id: str) -> dict[str, Any]:
    name, description, extension = BADGES[badge_id]
    return {"id": badge_id, "name": name, "description": description, "extension": extension}


def ban_dict(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "userId": row.user_id,
        "properties": sorted(set(row.properties.split())),
        "start": row.start,
        "end": row.end,
    }
    optional = {
        "reason": row.reason,
        "bannerId": row.banner_id,
        "unbanId": row.unban_id,
        "unbanReason": row.unban_reason,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    return data


def now() -> datetime:
    return utcnow()
