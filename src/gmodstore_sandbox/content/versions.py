"""Product versions: upload, edit, delete, and one-time download links.

``fileHash`` is the SHA-256 hex digest of the uploaded archive, computed while it streams in.
A download link is ``<api>/downloads/<secret>``: served without a bearer token, valid for
``Settings.download_link_seconds`` (300 s by default) and for exactly one download.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from ..exceptions import InvalidInput
from ..schemas import parse_uuid
from ..service import Principal
from ..storage.tables import utcnow
from . import storage
from .events import emit
from .exceptions import LinkGone, LinkNotFound, VersionNotFound
from .multipart import Form
from .schemas import RELEASE_TYPES, VersionUpdate, version_dict
from .service import (
    VERSIONS_DOWNLOAD,
    VERSIONS_READ,
    VERSIONS_WRITE,
    Core,
    later,
    secret_hash,
    unwrap,
)
from .sniff import is_zip
from .tables import ProductVersion

__all__ = ["Download", "VersionService"]


@dataclass
class Download:
    """An open file ready to stream (opened before the response starts: a delete cannot cut it)."""

    file: IO[bytes]
    size: int
    filename: str


def _version_fields(form: Form) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields = form.fields
    name = fields.get("name", "").strip()
    changelog = fields.get("changelog")
    release_type = fields.get("releaseType", fields.get("release_type"))
    if not name:
        errors["name"] = ["The name field is required."]
    elif len(name) > 80 or "name" in form.oversized:
        errors["name"] = ["The name may not be greater than 80 characters."]
    if changelog is None:
        errors["changelog"] = ["The changelog field is required."]
    elif len(changelog) > 10000 or "changelog" in form.oversized:
        errors["changelog"] = ["The changelog may not be greater than 10000 characters."]
    if release_type is None:
        errors["releaseType"] = ["The release type field is required."]
    elif release_type not in RELEASE_TYPES:
        errors["releaseType"] = ["The selected release type is invalid."]
    if form.file is None:
        errors["file"] = ["The file field is required."]
    elif not is_zip(form.file.head):
        errors["file"] = ["The file must be a zip archive."]
    if errors:
        raise InvalidInput(errors)
    return {"name": name, "changelog": changelog, "release_type": release_type}


class VersionService(Core):
    """Versions of a product. `download_seconds`: lifetime of a one-time link."""

    download_seconds: float = 300.0

    def list(self, principal: Principal, *, product: str, query: Any) -> dict[str, Any]:
        return self.list_page(
            principal,
            table=ProductVersion,
            product=product,
            query=query,
            scope=VERSIONS_READ,
            to_dict=version_dict,
        )

    def get(self, principal: Principal, *, product: str, version: str) -> dict[str, Any]:
        return self.get_one(
            principal,
            table=ProductVersion,
            product=product,
            item=version,
            scope=VERSIONS_READ,
            missing=VersionNotFound,
            to_dict=version_dict,
        )

    def create(self, principal: Principal, *, product: str, form: Form) -> dict[str, Any]:
        """Record an uploaded version; the file is renamed into place inside the transaction."""
        moved = False
        try:
            values = _version_fields(form)
            assert form.file is not None
            version_id = uuid.uuid4()
            with self.write() as conn, conn.begin():
                access = self.check(conn, principal, product, VERSIONS_WRITE)
                now = utcnow()
                row = storage.insert_row(
                    conn,
                    ProductVersion,
                    {
                        "id": version_id,
                        "product_id": access.product_id,
                        **values,
                        "file_key": version_id.hex,
                        "file_size": form.file.size,
                        "file_hash": form.file.sha256,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                data = version_dict(row)
                emit(conn, "product_version.created", team_id=access.team_id, data=data, now=now)
                self.files.commit(form.file, "versions", version_id.hex)
                moved = True
        except BaseException:
            # No row (rolled back) and no file: neither the upload nor its renamed copy stays.
            form.discard()
            if moved:
                self.files.remove("versions", version_id.hex)
            raise
        return {"data": data}

    def update(
        self, principal: Principal, *, product: str, version: str, payload: Any
    ) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = self.check(conn, principal, product, VERSIONS_WRITE)
            update: VersionUpdate = unwrap(payload)
            release_type = update.release_type or update.releaseType
            if (
                update.release_type
                and update.releaseType
                and update.release_type != update.releaseType
            ):
                raise InvalidInput({"release_type": ["release_type and releaseType differ."]})
            row = storage.get_row(
                conn,
                ProductVersion,
                product_id=access.product_id,
                row_id=parse_uuid(version),
                for_update=True,
            )
            if row is None:
                raise VersionNotFound()
            changes = {
                key: value
                for key, value in (
                    ("name", update.name),
                    ("changelog", update.changelog),
                    ("release_type", release_type),
                )
                if value is not None and value != getattr(row, key)
            }
            if not changes:
                return {"data": version_dict(row)}
            now = later(row.updated_at, utcnow())
            row = storage.update_row(
                conn, ProductVersion, row_id=row.id, values={**changes, "updated_at": now}
            )
            data = version_dict(row)
            emit(conn, "product_version.updated", team_id=access.team_id, data=data, now=now)
        return {"data": data}

    def delete(self, principal: Principal, *, product: str, version: str) -> dict[str, Any]:
        """Delete the row (and its links), then the file once the transaction has committed."""
        with self.write() as conn, conn.begin():
            access = self.check(conn, principal, product, VERSIONS_WRITE)
            row = storage.get_row(
                conn,
                ProductVersion,
                product_id=access.product_id,
                row_id=parse_uuid(version),
                for_update=True,
            )
            if row is None:
                raise VersionNotFound()
            now = utcnow()
            storage.delete_row(conn, ProductVersion, row_id=row.id)
            data = version_dict(row, deleted_at=now)
            emit(conn, "product_version.deleted", team_id=access.team_id, data=data, now=now)
        # After the commit: a crash here leaves an orphan file, which the next start removes.
        self.files.remove("versions", row.file_key)
        return {"data": data}

    def download_link(
        self, principal: Principal, *, product: str, version: str, base_url: str
    ) -> dict[str, Any]:
        """``{"data": {"url"}}``: a new one-time link (`download_seconds` to use it)."""
        secret = secrets.token_urlsafe(32)
        with self.write() as conn, conn.begin():
            access = self.check(conn, principal, product, VERSIONS_DOWNLOAD)
            row = storage.get_row(
                conn, ProductVersion, product_id=access.product_id, row_id=parse_uuid(version)
            )
            if row is None:
                raise VersionNotFound()
            now = utcnow()
            storage.insert_link(
                conn,
                token_hash=secret_hash(secret),
                version_id=row.id,
                expires_at=now + timedelta(seconds=self.download_seconds),
                now=now,
            )
        return {"data": {"url": f"{base_url}/downloads/{secret}"}}

    def open_download(self, secret: str) -> Download:
        """Use up a link and open its file; `LinkNotFound` / `LinkGone` otherwise."""
        if not 20 <= len(secret) <= 100:
            raise LinkNotFound()
        digest = secret_hash(secret)
        with self.write() as conn, conn.begin():
            version_id = storage.claim_link(conn, token_hash=digest, now=utcnow())
            if version_id is None:
                raise LinkGone() if storage.link_exists(conn, token_hash=digest) else LinkNotFound()
            row = storage.version_file(conn, version_id=version_id)
            if row is None:
                raise LinkNotFound()
            try:
                handle = open(self.files.path("versions", row.file_key), "rb")  # noqa: SIM115
            except FileNotFoundError:
                raise LinkNotFound() from None
        return Download(handle, row.file_size, f"{row.name}.zip")
