"""The generated SDK against the sandbox's content routes: every operation, sync and async."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import gmodstore_sdk
from gmodstore_sdk import exceptions
from gmodstore_sdk._facade import AsyncGmodStore, GmodStore

from .conftest import Content
from .files import mp4, png, zip_bytes


@pytest.fixture
def gs(content: Content) -> GmodStore:
    config = gmodstore_sdk.Configuration(host=content.sb.url, access_token=content.token)
    with GmodStore(config) as gs:
        yield gs  # type: ignore[misc]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_versions_round_trip(gs: GmodStore, content: Content, tmp_path: Path) -> None:
    product = content.sb.new_product(name="SDK addon")
    archive = tmp_path / "addon.zip"
    archive.write_bytes(zip_bytes(200_000))
    sent: list[int] = []
    api = gs.product_versions
    made = api.create_product_version(
        product,
        {"name": "1.0.0", "changelog": "First", "release_type": "stable"},
        archive,
        progress=lambda done, total: sent.append(done),
    ).data
    assert made.file_size == archive.stat().st_size
    assert made.file_hash == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert sent and sent[-1] >= archive.stat().st_size
    beta = api.create_product_version(
        product, {"name": "1.1.0-beta", "changelog": "Try", "release_type": "beta"}, zip_bytes()
    ).data
    assert api.get_product_version(product, made.id).data == made
    listed = api.list_product_versions(product, filter={"release_type": "beta"}).data
    assert [v.id for v in listed] == [beta.id]
    assert [v.id for v in api.iter_product_versions(product, per_page=1)] == [made.id, beta.id]
    latest = api.latest_product_version(product)
    assert latest is not None and latest.id == made.id
    newest = api.latest_product_version(product, release_type=None)
    assert newest is not None and newest.id == beta.id
    updated = api.update_product_version(product, made.id, {"release_type": "alpha"}).data
    assert updated.release_type == "alpha"
    dest = api.download_product_version(product, beta.id, tmp_path / "beta.zip")
    assert dest.read_bytes() == zip_bytes()
    url = api.get_product_download_url(product, made.id).data.url
    assert url.startswith(content.sb.url)
    deleted = api.delete_product_version(product, made.id).data
    assert deleted.id == made.id
    with pytest.raises(exceptions.NotFoundException):
        api.get_product_version(product, made.id)


def test_media_and_headers(gs: GmodStore, content: Content) -> None:
    product = content.sb.new_product(name="SDK media")
    api = gs.product_media
    medium = api.create_product_medium(
        product, {"title": "Shot", "type": "image"}, image=png(8, 8)
    ).data
    assert (medium.type, medium.extension) == ("image", "png")
    # (A YouTube medium has no file, and the SDK insists on one: tested over raw HTTP instead.)
    video = api.create_product_medium(product, {"title": "Clip", "type": "video"}, video=mp4()).data
    assert [m.id for m in api.list_product_media(product).data] == [medium.id, video.id]
    assert api.get_product_medium(product, medium.id).data == medium
    assert api.update_product_media(product, medium.id, {"title": "Menu"}).data.title == "Menu"
    assert api.delete_product_medium(product, medium.id).data.id == medium.id
    url = api.upload_product_listing_header(product, png(280, 120)).data.url
    assert url.endswith(".png")
    for upload, size in (
        (api.upload_product_background, (1920, 670)),
        (api.upload_product_page_header, (920, 260)),
        (api.upload_product_big_header, (900, 415)),
    ):
        assert upload(product, png(*size)).data.url.startswith(content.sb.url)
    with pytest.raises(exceptions.BadRequestException) as info:
        api.upload_product_background(product, png(10, 10))
    assert "1920 x 670px" in str(info.value.errors)


def test_coupons(gs: GmodStore, content: Content) -> None:
    product = content.sb.new_product(name="SDK coupons")
    api = gs.product_coupons
    expires = datetime.now(timezone.utc) + timedelta(days=3)
    user = content.sb.new_user()
    coupon = api.create_product_coupon(
        product,
        {
            "percent": 15,
            "code": "SDK15",
            "max_uses": 2,
            "expires_at": expires,
            "bound_user_id": user,
        },
    ).data
    assert (coupon.percent, coupon.code, coupon.bound_user_id) == (15, "SDK15", user)
    assert api.get_product_coupon(product, coupon.id).data == coupon
    assert [c.id for c in api.list_product_coupons(product, filter={"code": "sdk15"}).data] == [
        coupon.id
    ]
    assert api.update_product_coupon(product, coupon.id, {"percent": 20}).data.percent == 20
    with pytest.raises(exceptions.BadRequestException):
        api.create_product_coupon(
            product, {"percent": 15, "code": "SDK15", "max_uses": 2, "expires_at": expires}
        )
    assert api.delete_product_coupon(product, coupon.id).data.id == coupon.id
    assert api.list_product_coupons(product).data == []


def test_reviews(gs: GmodStore, content: Content) -> None:
    api = gs.product_reviews
    seeded = set(content.sb.ids.review_ids)
    low = [
        r
        for r in api.iter_product_reviews(content.product, filter={"rating": [1, 2]})
        if r.id in seeded
    ]
    assert sorted(r.rating for r in low) == [1, 1, 2, 2]
    one = api.get_product_review(content.product, content.sb.ids.review_ids[0]).data
    assert (one.rating, one.votes.total >= one.votes.helpful) == (5, True)


@pytest.mark.anyio
async def test_async_versions(content: Content, tmp_path: Path) -> None:
    config = gmodstore_sdk.Configuration(host=content.sb.url, access_token=content.token)
    product = content.sb.new_product(name="Async addon")
    async with AsyncGmodStore(config) as gs:
        api = gs.product_versions
        made = (
            await api.create_product_version(
                product,
                {"name": "2.0", "changelog": "x", "release_type": "stable"},
                zip_bytes(5000),
            )
        ).data
        latest = await api.latest_product_version(product)
        assert latest is not None and latest.id == made.id
        dest = await api.download_product_version(product, made.id, tmp_path / "a.zip")
        assert dest.read_bytes() == zip_bytes(5000)
        reviews = (await gs.product_reviews.list_product_reviews(content.product)).data
        assert reviews
