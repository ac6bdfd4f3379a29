"""Product media and header images over real HTTP: types by content, dimensions, limits, files."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from .conftest import CONTENT_SCOPES, LIMITS, Content
from .files import gif, jpeg, mp4, png, webm, webp_vp8, webp_vp8l, webp_vp8x

MEDIUM_FIELDS = {"id", "productId", "title", "media", "extension", "type", "displayOrder"}


@pytest.fixture
def product(content: Content) -> str:
    return content.sb.new_product(name="Pictured addon")


def add_medium(
    http: httpx.Client, product: str, kind: str, payload: bytes | str, **fields: str
) -> httpx.Response:
    data = {"title": fields.pop("title", "Screenshot"), "type": kind, **fields}
    if kind == "youtube":
        assert isinstance(payload, str)
        return http.post(f"/products/{product}/media", data={**data, "youtube": payload})
    assert isinstance(payload, bytes)
    files = {kind: ("upload.bin", payload, "application/octet-stream")}
    return http.post(f"/products/{product}/media", data=data, files=files)


def media_files(content: Content, folder: str = "media") -> set[str]:
    return {p.name for p in (content.sb.files_dir / folder).iterdir()}


@pytest.mark.parametrize(
    ("kind", "payload", "extension"),
    [
        pytest.param("image", png(64, 48), "png", id="png"),
        pytest.param("image", jpeg(640, 480), "jpg", id="jpeg"),
        pytest.param("image", jpeg(640, 480, exif=60_000), "jpg", id="jpeg-big-exif"),
        pytest.param("video", mp4(), "mp4", id="mp4"),
        pytest.param("video", webm(), "webm", id="webm"),
    ],
)
def test_file_media_are_stored_and_served_publicly(
    content: Content, product: str, kind: str, payload: bytes, extension: str
) -> None:
    response = add_medium(content.http, product, kind, payload, title="Main menu")
    assert response.status_code == 201, response.text
    medium = response.json()["data"]
    assert set(medium) == MEDIUM_FIELDS
    assert (medium["type"], medium["extension"], medium["title"]) == (kind, extension, "Main menu")
    assert medium["productId"] == product
    served = httpx.get(medium["media"])  # public, no token
    assert served.status_code == 200
    assert served.content == payload
    fetched = content.http.get(f"/products/{product}/media/{medium['id']}")
    assert fetched.json() == {"data": medium}


@pytest.mark.parametrize(
    "value",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://www.youtube.com/embed/dQw4w9WgXcQ?start=3",
        "dQw4w9WgXcQ",
    ],
)
def test_youtube_links(content: Content, product: str, value: str) -> None:
    response = add_medium(content.http, product, "youtube", value)
    assert response.status_code == 201, response.text
    medium = response.json()["data"]
    assert medium["media"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert (medium["type"], medium["extension"]) == ("youtube", "youtube")


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        pytest.param("image", b"GIF89a not really", "image", id="text-named-image"),
        pytest.param("image", gif(10, 10), "image", id="gif-not-listed-for-media"),
        pytest.param("image", mp4(), "image", id="video-as-image"),
        pytest.param("video", png(10, 10), "video", id="image-as-video"),
        pytest.param("youtube", "https://vimeo.com/1234", "youtube", id="not-youtube"),
        pytest.param("sound", b"x", "type", id="bad-type"),
    ],
)
def test_types_are_checked_by_content(
    content: Content, product: str, kind: str, payload: bytes | str, field: str
) -> None:
    before = media_files(content)
    response = add_medium(content.http, product, kind, payload)
    assert response.status_code == 400, response.text
    assert field in response.json()["errors"]
    assert media_files(content) == before


def test_a_type_needs_its_field(content: Content, product: str) -> None:
    response = content.http.post(
        f"/products/{product}/media",
        data={"title": "x", "type": "image"},
        files={"video": ("a.mp4", mp4(), "video/mp4")},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "image": ["The image field is required when type is image."]
    }
    missing = content.http.post(f"/products/{product}/media", data={"x": "1"})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"title", "type"}


def test_size_limits_per_kind(content: Content, product: str) -> None:
    big_image = png(8, 8) + b"\x00" * LIMITS["max_image_bytes"]
    assert add_medium(content.http, product, "image", big_image).status_code == 413
    video = mp4() + b"\x00" * (LIMITS["max_image_bytes"] + 1000)  # over images', under videos'
    assert add_medium(content.http, product, "video", video).status_code == 201
    assert not list((content.sb.files_dir / "tmp").rglob("*.part"))


def test_list_orders_by_display_order_and_pages(content: Content, product: str) -> None:
    ids = [
        add_medium(content.http, product, "image", png(4, 4)).json()["data"]["id"] for _ in range(3)
    ]
    page = content.http.get(f"/products/{product}/media", params={"perPage": 2}).json()
    assert [m["id"] for m in page["data"]] == ids[:2]
    assert [m["displayOrder"] for m in page["data"]] == [1, 2]
    rest = content.http.get(
        f"/products/{product}/media", params={"perPage": 2, "cursor": page["cursors"]["next"]}
    ).json()
    assert [m["id"] for m in rest["data"]] == ids[2:]
    bad = content.http.get(f"/products/{product}/media", params={"filter[type]": "image"})
    assert bad.status_code == 400


def test_update_title_and_tenant(content: Content, product: str) -> None:
    medium = add_medium(content.http, product, "image", png(4, 4)).json()["data"]
    url = f"/products/{product}/media/{medium['id']}"
    tenant = str(uuid.uuid4())
    response = content.http.put(url, json={"title": "Renamed", "tenantId": tenant})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {**medium, "title": "Renamed", "tenantId": tenant}
    cleared = content.http.put(url, json={"title": "Again", "tenantId": None}).json()["data"]
    assert "tenantId" not in cleared
    for body in ({}, {"title": ""}, {"title": "x" * 126}, {"title": "ok", "tenantId": "nope"}):
        assert content.http.put(url, json=body).status_code == 400, body


def test_delete_answers_the_medium_and_removes_the_file(content: Content, product: str) -> None:
    medium = add_medium(content.http, product, "image", png(4, 4)).json()["data"]
    key = medium["media"].rsplit("/", 1)[1]
    assert key in media_files(content)
    response = content.http.delete(f"/products/{product}/media/{medium['id']}")
    assert response.status_code == 200
    assert response.json() == {"data": medium}
    assert key not in media_files(content)
    assert httpx.get(medium["media"]).status_code == 404
    assert content.http.get(f"/products/{product}/media/{medium['id']}").status_code == 404
    assert content.http.delete(f"/products/{product}/media/{medium['id']}").status_code == 404


def test_media_access_rules(content: Content, product: str) -> None:
    url = f"/products/{product}/media"
    with content.client(None) as anonymous:
        assert anonymous.get(url).status_code == 401
    with content.client(content.sb.new_token(scopes=["product-media:read"])) as reader:
        assert reader.get(url).status_code == 200
        assert add_medium(reader, product, "image", png(4, 4)).status_code == 403
    with content.client(content.sb.new_token(scopes=CONTENT_SCOPES, team="b")) as foreign:
        assert foreign.get(url).status_code == 403
    assert content.http.get(f"/products/{uuid.uuid4()}/media").status_code == 404


def test_version_files_are_never_public(content: Content) -> None:
    for path in ("versions/abc.zip", "tmp/x.png", "media/../versions/x.png", "media/x.exe"):
        assert httpx.get(f"{content.sb.url}/v3/files/{path}").status_code == 404


# --- header images ------------------------------------------------------------------------------

HEADERS = {
    "background": (1920, 670),
    "page-header": (920, 260),
    "big-header": (900, 415),
    "listing-header": (280, 120),
}
ENCODERS: dict[str, Callable[[int, int], bytes]] = {
    "png": png,
    "jpg": jpeg,
    "gif": gif,
    "webp": webp_vp8x,
}


def upload_header(http: httpx.Client, product: str, kind: str, payload: bytes) -> httpx.Response:
    files = {"file": ("header.png", payload, "image/png")}
    return http.post(f"/products/{product}/media/{kind}", files=files)


@pytest.mark.parametrize("kind", list(HEADERS))
def test_each_header_takes_an_image_of_its_size(content: Content, product: str, kind: str) -> None:
    width, height = HEADERS[kind]
    response = upload_header(content.http, product, kind, png(width, height))
    assert response.status_code == 200, response.text
    url = response.json()["data"]["url"]
    assert httpx.get(url).content == png(width, height)
    wrong = upload_header(content.http, product, kind, png(width + 1, height))
    assert wrong.status_code == 400
    assert f"{width} x {height}px" in wrong.json()["errors"]["file"][0]


@pytest.mark.parametrize("extension", list(ENCODERS))
def test_header_formats(content: Content, product: str, extension: str) -> None:
    payload = ENCODERS[extension](280, 120)
    response = upload_header(content.http, product, "listing-header", payload)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["url"].endswith(f".{extension}")


@pytest.mark.parametrize("encoder", [webp_vp8, webp_vp8l, webp_vp8x])
def test_all_webp_variants_report_their_size(
    content: Content, product: str, encoder: Callable[[int, int], bytes]
) -> None:
    assert (
        upload_header(content.http, product, "listing-header", encoder(280, 120)).status_code == 200
    )
    assert (
        upload_header(content.http, product, "listing-header", encoder(281, 120)).status_code == 400
    )


def test_replacing_a_header_removes_the_old_file(content: Content, product: str) -> None:
    first = upload_header(content.http, product, "background", png(1920, 670)).json()["data"]["url"]
    second = upload_header(content.http, product, "background", jpeg(1920, 670)).json()["data"][
        "url"
    ]
    assert first != second
    assert httpx.get(first).status_code == 404
    assert httpx.get(second).status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"just text", id="text"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="truncated-png"),
        pytest.param(jpeg(0, 0), id="zero-size"),
    ],
)
def test_headers_must_be_images(content: Content, product: str, payload: bytes) -> None:
    response = upload_header(content.http, product, "background", payload)
    assert response.status_code == 400
    assert "errors" in response.json()


def test_header_without_file_or_over_limit(content: Content, product: str) -> None:
    missing = content.http.post(f"/products/{product}/media/background", files={"other": b"1"})
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"file": ["The file field is required."]}
    big = png(1920, 670) + b"\x00" * LIMITS["max_header_bytes"]
    assert upload_header(content.http, product, "background", big).status_code == 413


def test_header_access(content: Content, product: str) -> None:
    with content.client(content.sb.new_token(scopes=["product-media:read"])) as reader:
        response = upload_header(reader, product, "background", png(1920, 670))
    assert response.status_code == 403
