"""A YouTube medium (a link, no file) through the generated ProductMediaApi, against the sandbox.

The spec requires no file part for `createProductMedium` (`title` and `type` only): the medium's
`type` says which part it needs, and a `youtube` medium sends its link as a form field.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import ApiValueError
from gmodstore_sdk.api.product_media_api import ProductMediaApi

SCOPES = ["product-media:read", "product-media:write"]


def test_a_youtube_medium_needs_no_file(sandbox: Any) -> None:
    product = sandbox.new_product()
    token = sandbox.new_token(scopes=SCOPES)
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=token)
    with gmodstore_sdk.GmodStore(config) as gs:
        created = gs.product_media.create_product_medium(
            product,
            {"title": "Trailer", "type": "youtube", "youtube": "https://youtu.be/dQw4w9WgXcQ"},
        ).data
        assert created.type == "youtube"
        assert created.media == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        again = gs.product_media.get_product_medium(product, created.id).data
        assert (again.id, again.title) == (created.id, "Trailer")


@pytest.mark.parametrize(
    ("payload", "files", "needs"),
    [
        pytest.param(
            {"title": "t", "type": "youtube"}, {}, "`youtube` field", id="youtube-no-link"
        ),
        pytest.param({"title": "t", "type": "image"}, {}, "`image` file", id="image-no-file"),
        pytest.param({"title": "t", "type": "video"}, {"image": b"x"}, "`video` file", id="wrong"),
    ],
)
def test_the_part_a_medium_type_needs_is_checked_before_sending(
    payload: dict[str, str], files: dict[str, bytes], needs: str
) -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    config = gmodstore_sdk.Configuration(host="http://api.test", access_token="t")
    with gmodstore_sdk.ApiClient(config, transport=httpx.MockTransport(record)) as client:
        with pytest.raises(ApiValueError, match=needs):
            ProductMediaApi(client).create_product_medium(
                "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51", payload, **files
            )
    assert sent == []
