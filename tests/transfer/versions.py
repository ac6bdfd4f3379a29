"""A loopback mimic of the product-version endpoints the download code uses.

`VersionsServer` serves `GET .../versions` (cursor pages, `filter[releaseType]`), `GET
.../versions/{v}` and `POST .../versions/{v}/download` (a one-time URL to `GET /files/<token>`),
with switches for the faults the tests need (the sandbox serves the real ones: `content` helper).
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .loopback import Loopback, Received, Reply

PRODUCT = "a7d3779e-8aab-4d34-875a-824be51b3ff7"
BASE = f"/api/v3/products/{PRODUCT}/versions"
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


@dataclass
class Version:
    id: str
    release_type: str
    created_at: datetime
    content: bytes = b""
    file_hash: str | None = None

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": f"v-{self.id[:8]}",
            "changelog": "",
            "releaseType": self.release_type,
            "fileSize": len(self.content),
            "fileHash": self.file_hash or hashlib.sha256(self.content).hexdigest(),
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.created_at.isoformat(),
        }


@dataclass
class VersionsServer:
    api: Loopback
    files: Loopback  # where the one-time URLs point (the API server itself, or another origin)
    versions: list[Version] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> version id; removed on use
    url_requests: int = 0
    bad_downloads: int = 0  # the next N downloads send corrupted bytes
    file_status: int | None = None  # answer every download with this status
    trickle: float = 0.0  # seconds between 64 KiB chunks of a download
    relative_urls: bool = False
    redirect_via: Loopback | None = None  # the URL points here, which redirects to `files`
    forbid_metadata: bool = False
    repeat_cursor: bool = False
    url_override: str | None = None  # the download URL to hand out instead of a real one
    chunked: bool = False  # send files without Content-Length
    truncate: int = 0  # send this many bytes fewer than the file has

    def add(self, release_type: str = "stable", minutes: int = 0, content: bytes = b"") -> Version:
        version = Version(str(uuid.uuid4()), release_type, T0 + timedelta(minutes=minutes), content)
        self.versions.append(version)
        return version

    def install(self) -> None:
        self.api.route("GET", BASE)(self._list)
        self.api.route("POST", BASE + "/")(self._download_url)
        self.files.route("GET", "/files/")(self._file)
        if self.redirect_via is not None:
            self.redirect_via.route("GET", "/files/")(self._redirect)

    def _find(self, rec: Received) -> Version | None:
        vid = urlsplit(rec.path).path.removeprefix(BASE + "/").split("/")[0]
        return next((v for v in self.versions if v.id == vid), None)

    def _list(self, rec: Received, _: Loopback) -> Reply:
        parts = urlsplit(rec.path)
        if parts.path != BASE:
            return self._one(rec)
        query = parse_qs(parts.query)
        per_page = int(query.get("perPage", ["24"])[0])
        start = int(query.get("cursor", ["0"])[0])
        kinds = query.get("filter[releaseType]", [""])[0].split(",")
        matching = [v for v in self.versions if kinds == [""] or v.release_type in kinds]
        chunk = matching[start : start + per_page]
        more = start + per_page < len(matching)
        nxt = str(start + per_page) if more else None
        if self.repeat_cursor:
            nxt = "0"
        body = {
            "data": [v.json() for v in chunk],
            "cursors": {"prev": None, "next": nxt},
            "connections": [],
            "meta": {"perPage": per_page},
        }
        return Reply(200, body)

    def _one(self, rec: Received) -> Reply:
        if self.forbid_metadata:
            return Reply(403, {"message": "This action is unauthorized."})
        version = self._find(rec)
        if version is None:
            return Reply(404, {"message": "No query results"})
        return Reply(200, {"data": version.json()})

    def _download_url(self, rec: Received, _: Loopback) -> Reply:
        version = self._find(rec)
        if version is None or not rec.path.endswith("/download"):
            return Reply(404, {"message": "No query results"})
        self.url_requests += 1
        token = secrets.token_urlsafe(8)
        self.tokens[token] = version.id
        host = self.redirect_via or self.files
        url = f"/files/{token}" if self.relative_urls else f"{host.url}/files/{token}"
        if self.url_override is not None:
            url = self.url_override
        return Reply(200, {"data": {"url": url}})

    def _redirect(self, rec: Received, _: Loopback) -> Reply:
        return Reply(302, headers={"Location": f"{self.files.url}{rec.path}"}, body=b"")

    def _file(self, rec: Received, _: Loopback) -> Reply:
        token = rec.path.removeprefix("/files/")
        vid = self.tokens.pop(token, None)  # one-time: a second use finds nothing
        version = next((v for v in self.versions if v.id == vid), None)
        if version is None:
            return Reply(410, {"message": "This download link has expired or was used."})
        if self.file_status is not None:
            return Reply(self.file_status, {"message": "refused"})
        content = version.content
        if self.bad_downloads:
            self.bad_downloads -= 1
            content = bytes([content[0] ^ 1]) + content[1:] if content else b"x"
        if self.truncate:
            content = content[: -self.truncate]
        if self.chunked:
            return Reply(200, body=self._chunks(content))
        return Reply(200, body=self._chunks(content), declared_length=len(content))

    def _chunks(self, content: bytes) -> Any:
        def gen() -> Iterator[bytes]:
            for offset in range(0, len(content), 1 << 16):
                if self.trickle:
                    time.sleep(self.trickle)
                yield content[offset : offset + (1 << 16)]

        return gen
