"""Product media (gallery images, videos, YouTube links) and the four header images.

Files are recognised by content (`sniff`): gallery images must be PNG or JPEG (the types the API
lists), videos MP4 or WebM, header images PNG, JPEG, GIF or WebP of exactly the documented size.
A stored file is served publicly at ``<api>/files/<media|headers>/<key>``, as the store's CDN would.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ..exceptions import InvalidInput, PayloadTooLarge
from ..schemas import parse_uuid
from ..service import Principal
from ..storage.tables import utcnow
from . import storage
from .exceptions import MediumNotFound
from .files import Kind
from .multipart import Form
from .schemas import MediumUpdate, medium_dict
from .service import MEDIA_READ, MEDIA_WRITE, Core, unwrap
from .sniff import image_info, video_type
from .tables import ProductMedium

__all__ = ["HEADER_SIZES", "MediaService"]

HEADER_SIZES: dict[str, tuple[int, int]] = {
    "background": (1920, 670),
    "page-header": (920, 260),
    "big-header": (900, 415),
    "listing-header": (280, 120),
}
"""Width and height each header upload must have (the operations' descriptions)."""
MEDIUM_TYPES = ("image", "youtube", "video")
Errors = dict[str, list[str]]
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_URL = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?(?:youtube\.com/(?:watch\?v=|embed/|shorts/)|youtu\.be/)"
    r"([A-Za-z0-9_-]{11})(?:[?&#].*)?"
)


def youtube_id(value: str) -> str | None:
    """The video id of a YouTube URL (watch, embed, shorts, youtu.be) or of a bare id."""
    value = value.strip()
    if _YOUTUBE_ID.fullmatch(value):
        return value
    match = _YOUTUBE_URL.fullmatch(value)
    return None if match is None else match.group(1)


class MediaService(Core):
    """Gallery media and header images of a product. `base_url` is the API's public base URL."""

    def _to_dict(self, base_url: str) -> Any:
        def to_dict(row: Any) -> dict[str, Any]:
            if row.type == "youtube":
                url = f"https://www.youtube.com/watch?v={row.youtube_id}"
            else:
                url = f"{base_url}/files/media/{row.file_key}"
            return medium_dict(row, url)

        return to_dict

    def list(
        self, principal: Principal, *, product: str, query: Any, base_url: str
    ) -> dict[str, Any]:
        return self.list_page(
            principal,
            table=ProductMedium,
            product=product,
            query=query,
            scope=MEDIA_READ,
            to_dict=self._to_dict(base_url),
        )

    def get(
        self, principal: Principal, *, product: str, medium: str, base_url: str
    ) -> dict[str, Any]:
        return self.get_one(
            principal,
            table=ProductMedium,
            product=product,
            item=medium,
            scope=MEDIA_READ,
            missing=MediumNotFound,
            to_dict=self._to_dict(base_url),
        )

    def _medium_values(self, form: Form) -> dict[str, Any]:
        fields, errors = form.fields, Errors()
        title = fields.get("title", "").strip()
        kind = fields.get("type")
        if not title:
            errors["title"] = ["The title field is required."]
        elif len(title) > 125 or "title" in form.oversized:
            errors["title"] = ["The title may not be greater than 125 characters."]
        tenant = fields.get("tenantId") or None
        tenant_id = None if tenant is None else parse_uuid(tenant)
        if tenant is not None and tenant_id is None:
            errors["tenantId"] = ["The tenant id must be a valid UUID."]
        values: dict[str, Any] = {"title": title, "type": kind, "tenant_id": tenant_id}
        if kind not in MEDIUM_TYPES:
            errors["type"] = [
                "The type field is required." if kind is None else "The selected type is invalid."
            ]
        elif kind == "youtube":
            video = youtube_id(fields.get("youtube", ""))
            if video is None:
                errors["youtube"] = ["The youtube field must be a YouTube video URL or id."]
            values.update(youtube_id=video, extension="youtube", file_key=None)
        else:
            values.update(self._file_values(form, kind, errors))
        if errors:
            raise InvalidInput(errors)
        return values

    def _file_values(self, form: Form, kind: str, errors: Errors) -> dict[str, Any]:
        upload = form.file if form.file_field == kind else None
        if upload is None:
            errors[kind] = [f"The {kind} field is required when type is {kind}."]
            return {}
        limit = self.limits.image if kind == "image" else self.limits.video
        if upload.size > limit:
            raise PayloadTooLarge(limit)
        if kind == "image":
            info = image_info(upload.head)
            extension = info.extension if info and info.extension in ("png", "jpg") else None
            if extension is None:
                errors["image"] = ["The image must be a PNG or JPEG image."]
        else:
            extension = video_type(upload.head)
            if extension is None:
                errors["video"] = ["The video must be an MP4 or WebM video."]
        return {"extension": extension or "", "file_key": f"{uuid.uuid4().hex}.{extension}"}

    def create(
        self, principal: Principal, *, product: str, form: Form, base_url: str
    ) -> dict[str, Any]:
        moved: str | None = None
        try:
            values = self._medium_values(form)
            with self.write() as conn, conn.begin():
                access = self.check(conn, principal, product, MEDIA_WRITE)
                order = storage.next_display_order(conn, product_id=access.product_id)
                row = storage.insert_row(
                    conn,
                    ProductMedium,
                    {
                        "id": uuid.uuid4(),
                        "product_id": access.product_id,
                        "display_order": order,
                        "created_at": utcnow(),
                        **values,
                    },
                )
                if values["file_key"] is not None:
                    assert form.file is not None
                    self.files.commit(form.file, "media", values["file_key"])
                    moved = values["file_key"]
        except BaseException:
            form.discard()
            if moved is not None:
                self.files.remove("media", moved)
            raise
        form.discard()  # an extra file part sent with a YouTube link
        return {"data": self._to_dict(base_url)(row)}

    def update(
        self, principal: Principal, *, product: str, medium: str, payload: Any, base_url: str
    ) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = self.check(conn, principal, product, MEDIA_WRITE)
            update: MediumUpdate = unwrap(payload)
            row = storage.get_row(
                conn,
                ProductMedium,
                product_id=access.product_id,
                row_id=parse_uuid(medium),
                for_update=True,
            )
            if row is None:
                raise MediumNotFound()
            values: dict[str, Any] = {"title": update.title}
            if "tenantId" in update.model_fields_set:
                values["tenant_id"] = update.tenantId
            row = storage.update_row(conn, ProductMedium, row_id=row.id, values=values)
        return {"data": self._to_dict(base_url)(row)}

    def delete(
        self, principal: Principal, *, product: str, medium: str, base_url: str
    ) -> dict[str, Any]:
        """Delete a medium; answers the deleted medium. (The reference documents a `Team`, a slip
        like SPEC-NOTES 6; the SDK's generator reads it as the medium too.)"""
        with self.write() as conn, conn.begin():
            access = self.check(conn, principal, product, MEDIA_WRITE)
            row = storage.get_row(
                conn,
                ProductMedium,
                product_id=access.product_id,
                row_id=parse_uuid(medium),
                for_update=True,
            )
            if row is None:
                raise MediumNotFound()
            storage.delete_row(conn, ProductMedium, row_id=row.id)
        self.files.remove("media", row.file_key)
        return {"data": self._to_dict(base_url)(row)}

    def upload_header(
        self, principal: Principal, *, product: str, kind: str, form: Form, base_url: str
    ) -> dict[str, Any]:
        """Store (or replace) a header image; ``{"data": {"url"}}``."""
        folder: Kind = "headers"
        moved: str | None = None
        try:
            key = self._header_key(form, kind)
            assert form.file is not None
            with self.write() as conn, conn.begin():
                access = self.check(conn, principal, product, MEDIA_WRITE)
                old = storage.replace_header(
                    conn, product_id=access.product_id, kind=kind, file_key=key, now=utcnow()
                )
                self.files.commit(form.file, folder, key)
                moved = key
        except BaseException:
            form.discard()
            if moved is not None:
                self.files.remove(folder, moved)
            raise
        self.files.remove(folder, old)
        return {"data": {"url": f"{base_url}/files/headers/{key}"}}

    def _header_key(self, form: Form, kind: str) -> str:
        if form.file is None:
            raise InvalidInput({"file": ["The file field is required."]})
        info = image_info(form.file.head)
        if info is None:
            raise InvalidInput({"file": ["The file must be a PNG, JPEG, GIF or WebP image."]})
        width, height = HEADER_SIZES[kind]
        if (info.width, info.height) != (width, height):
            raise InvalidInput(
                {
                    "file": [
                        f"The image must be {width} x {height}px"
                        f" (this one is {info.width} x {info.height}px)."
                    ]
                }
            )
        return f"{uuid.uuid4().hex}.{info.extension}"
