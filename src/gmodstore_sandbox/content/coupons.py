"""Product coupons (the spec's rules) and product reviews (read-only through the API).

Coupon rules: ``percent`` 1-90, ``maxUses`` 1-100, ``code`` letters, digits, ``_`` and ``-`` (at
most 64), unique per product regardless of case, ``expiresAt`` in the future and at most two weeks
ahead (the schema's "a future date less than 2 weeks from today"), ``boundUserId`` an existing user.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from ..exceptions import InvalidInput
from ..schemas import parse_uuid
from ..service import Principal
from ..storage import repository as repo
from ..storage.tables import utcnow
from . import storage
from .exceptions import CouponNotFound, ReviewNotFound
from .schemas import CouponCreate, CouponUpdate, coupon_dict, review_dict
from .service import COUPONS_READ, COUPONS_WRITE, REVIEWS_READ, Core, later, unwrap
from .tables import ProductCoupon, ProductReview

__all__ = ["MAX_COUPON_LIFETIME", "CouponService", "ReviewService"]

MAX_COUPON_LIFETIME = timedelta(days=14)
_TAKEN = {"code": ["This code is already used by another coupon of this product."]}


def _check_expiry(expires_at: datetime, now: datetime, errors: dict[str, list[str]]) -> datetime:
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    if expires_at <= now:
        errors["expiresAt"] = ["The expires at must be a date in the future."]
    elif expires_at > now + MAX_COUPON_LIFETIME:
        errors["expiresAt"] = ["The expires at must be a date less than 2 weeks from now."]
    return expires_at


def _values(conn: Connection, payload: CouponUpdate, now: datetime) -> dict[str, Any]:
    """Column values of the fields the payload set, after the checks that need the database."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    given = payload.model_fields_set
    if payload.percent is not None:
        values["percent"] = payload.percent
    if payload.maxUses is not None:
        values["max_uses"] = payload.maxUses
    if payload.code is not None:
        values["code"], values["code_key"] = payload.code, payload.code.lower()
    if payload.expiresAt is not None:
        values["expires_at"] = _check_expiry(payload.expiresAt, now, errors)
    elif "expiresAt" in given:
        errors["expiresAt"] = ["The expires at field is required."]
    if "boundUserId" in given:
        user = payload.boundUserId
        if user is not None and not repo.user_exists(conn, user_id=user):
            errors["boundUserId"] = ["The selected bound user id is invalid."]
        values["bound_user_id"] = user
    for name in ("percent", "maxUses", "code"):
        if name in given and getattr(payload, name) is None:
            errors[name] = [f"The {name} field must not be null."]
    if errors:
        raise InvalidInput(errors)
    return values


class CouponService(Core):
    def list(self, principal: Principal, *, product: str, query: Any) -> dict[str, Any]:
        return self.list_page(
            principal,
            table=ProductCoupon,
            product=product,
            query=query,
            scope=COUPONS_READ,
            to_dict=coupon_dict,
        )

    def get(self, principal: Principal, *, product: str, coupon: str) -> dict[str, Any]:
        return self.get_one(
            principal,
            table=ProductCoupon,
            product=product,
            item=coupon,
            scope=COUPONS_READ,
            missing=CouponNotFound,
            to_dict=coupon_dict,
        )

    def create(self, principal: Principal, *, product: str, payload: Any) -> dict[str, Any]:
        try:
            with self.write() as conn, conn.begin():
                access = self.check(conn, principal, product, COUPONS_WRITE)
                parsed: CouponCreate = unwrap(payload)
                now = utcnow()
                values = _values(conn, parsed, now)
                if storage.coupon_code_taken(
                    conn, product_id=access.product_id, code_key=values["code_key"]
                ):
                    raise InvalidInput(_TAKEN)
                row = storage.insert_row(
                    conn,
                    ProductCoupon,
                    {
                        "bound_user_id": None,
                        **values,
                        "id": uuid.uuid4(),
                        "product_id": access.product_id,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
        except IntegrityError:
            raise InvalidInput(_TAKEN) from None  # a concurrent create took the code
        return {"data": coupon_dict(row)}

    def update(
        self, principal: Principal, *, product: str, coupon: str, payload: Any
    ) -> dict[str, Any]:
        try:
            with self.write() as conn, conn.begin():
                access = self.check(conn, principal, product, COUPONS_WRITE)
                parsed: CouponUpdate = unwrap(payload)
                row = storage.get_row(
                    conn,
                    ProductCoupon,
                    product_id=access.product_id,
                    row_id=parse_uuid(coupon),
                    for_update=True,
                )
                if row is None:
                    raise CouponNotFound()
                now = utcnow()
                values = _values(conn, parsed, now)
                if "code_key" in values and storage.coupon_code_taken(
                    conn,
                    product_id=access.product_id,
                    code_key=values["code_key"],
                    except_id=row.id,
                ):
                    raise InvalidInput(_TAKEN)
                changes = {k: v for k, v in values.items() if getattr(row, k) != v}
                if changes:
                    changes["updated_at"] = later(row.updated_at, now)
                    row = storage.update_row(conn, ProductCoupon, row_id=row.id, values=changes)
        except IntegrityError:
            raise InvalidInput(_TAKEN) from None
        return {"data": coupon_dict(row)}

    def delete(self, principal: Principal, *, product: str, coupon: str) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = self.check(conn, principal, product, COUPONS_WRITE)
            row = storage.get_row(
                conn,
                ProductCoupon,
                product_id=access.product_id,
                row_id=parse_uuid(coupon),
                for_update=True,
            )
            if row is None:
                raise CouponNotFound()
            storage.delete_row(conn, ProductCoupon, row_id=row.id)
        return {"data": coupon_dict(row)}


class ReviewService(Core):
    def list(self, principal: Principal, *, product: str, query: Any) -> dict[str, Any]:
        return self.list_page(
            principal,
            table=ProductReview,
            product=product,
            query=query,
            scope=REVIEWS_READ,
            to_dict=review_dict,
        )

    def get(self, principal: Principal, *, product: str, review: str) -> dict[str, Any]:
        return self.get_one(
            principal,
            table=ProductReview,
            product=product,
            item=review,
            scope=REVIEWS_READ,
            missing=ReviewNotFound,
            to_dict=review_dict,
        )
