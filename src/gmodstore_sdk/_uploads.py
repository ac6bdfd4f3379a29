"""`MultipartBody`: a `multipart/form-data` request body streamed from disk, for the upload calls.

>>> body = MultipartBody({"name": "1.2.3", "releaseType": "stable"}, {"file": Path("addon.zip")})
...                                                                    # doctest: +SKIP
>>> body.content_type, body.content_length                             # doctest: +SKIP
('multipart/form-data; boundary=...', 1048917)

The body is read in 64 KiB chunks each time it is iterated, so memory stays flat whatever the file's
size, and a retry sends it again from the start (files are reopened or rewound). It is an httpx
byte stream for both the sync and the async client: `Operation(content=MultipartBody(...))` is
sent as is by `ApiClient` and `AsyncApiClient` (`_base.BaseApiClient._build`).
"""

from __future__ import annotations

import io
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, Union

import httpx

from gmodstore_sdk._transfer_errors import UploadError
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_DEADLINE",
    "FileInput",
    "MultipartBody",
    "UploadError",
    "UploadProgress",
    "sniff",
]

FileInput = Union["os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]
"""What an upload accepts as its file: a path (`pathlib.Path`), bytes, or a binary file object."""
UploadProgress = Callable[[int, int | None], None]
"""`progress(sent, total)`: bytes of the body sent so far, and its size (None when unknown)."""

CHUNK_SIZE = 64 * 1024
DEFAULT_DEADLINE = 3600.0
"""Seconds one sending of a body may take: a server that reads slowly is not waited on forever."""

# Magic bytes -> content type. Versions are zip files (the spec's encoding for
# createProductVersion), media images or videos; the sandbox too checks types by content.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"PK\x03\x04", 0, "application/zip"),
    (b"PK\x05\x06", 0, "application/zip"),  # an empty archive
    (b"PK\x07\x08", 0, "application/zip"),  # a spanned archive
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),  # after "RIFF" and the chunk size
    (b"ftyp", 4, "video/mp4"),  # an ISO base media file: its first box
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),  # an EBML header
)
_SNIFF_BYTES = 16
_DEFAULT_TYPE = "application/octet-stream"


def sniff(head: bytes, filename: str | None = None) -> str:
    """The content type of a file starting with `head`: zip and images by their magic bytes.

    >>> sniff(b"PK\\x03\\x04..."), sniff(b"\\x89PNG\\r\\n\\x1a\\n..."), sniff(b"hello")
    ('application/zip', 'image/png', 'application/octet-stream')
    >>> sniff(b"", "release.zip")
    'application/zip'
    """
    for magic, offset, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and not head.startswith(b"RIFF"):
                continue
            return content_type
    if filename is not None and filename.lower().endswith(".zip"):
        return "application/zip"
    return _DEFAULT_TYPE


def _quote(value: str) -> str:
    # Quoting of names in Content-Disposition, as browsers do it (the HTML form-data rules).
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


class _Source:
    """One file part's bytes: where they come from, how many there are, how to read them again."""

    __slots__ = ("_data", "_path", "_reads", "_start", "_stream", "filename", "head", "size")

    def __init__(self, name: str, value: object) -> None:
        self._path: Path | None = None
        self._data: memoryview | None = None
        self._stream: BinaryIO | None = None
        self._start = 0
        self._reads = 0
        self.size: int | None
        if isinstance(value, (bytes, bytearray, memoryview)):
            self._data = memoryview(value).cast("B")
            self.size = self._data.nbytes
            self.filename = name
            self.head = bytes(self._data[:_SNIFF_BYTES])
        elif isinstance(value, os.PathLike):
            self._path = Path(value)
            self._init_path(name)
        elif isinstance(value, str):
            raise ApiTypeError(
                f"file `{name}` is a str: pass pathlib.Path({value!r}) for a file on disk, "
                "or bytes for its content"
            )
        elif hasattr(value, "read"):
            self._init_stream(name, value)  # type: ignore[arg-type]
        else:
            raise ApiTypeError(
                f"file `{name}` must be a pathlib.Path, bytes or a binary file object, "
                f"not {type(value).__name__}"
            )

    def _init_path(self, name: str) -> None:
        assert self._path is not None
        try:
            with self._path.open("rb") as file:
                self.size = os.fstat(file.fileno()).st_size
                self.head = file.read(_SNIFF_BYTES)
        except IsADirectoryError:
            raise ApiValueError(f"file `{name}`: {self._path} is a directory") from None
        except OSError as exc:
            raise ApiValueError(f"file `{name}`: cannot read {self._path} ({exc})") from None
        self.filename = self._path.name

    def _init_stream(self, name: str, stream: BinaryIO) -> None:
        self._stream = stream
        raw_name = getattr(stream, "name", None)
        self.filename = os.path.basename(raw_name) if isinstance(raw_name, str) else name
        try:
            seekable = stream.seekable()
        except (AttributeError, ValueError):
            seekable = False
        if not seekable:
            self.size = None
            self.head = b""
            return
        self._start = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        self.size = max(0, end - self._start)
        stream.seek(self._start)
        head = stream.read(_SNIFF_BYTES)
        if not isinstance(head, bytes):
            raise ApiTypeError(f"file `{name}` must be opened in binary mode ('rb')")
        self.head = head
        stream.seek(self._start)

    def chunks(self) -> Iterator[bytes]:
        """The part's bytes, from the start, in chunks of at most `CHUNK_SIZE`."""
        self._reads += 1
        if self._data is not None:
            data = self._data
            for offset in range(0, data.nbytes, CHUNK_SIZE):
                yield bytes(data[offset : offset + CHUNK_SIZE])
            return
        if self._path is not None:
            with self._path.open("rb") as file:
                yield from self._read_sized(file, self.filename)
            return
        stream = self._stream
        assert stream is not None
        if self.size is None:
            if self._reads > 1:
                raise UploadError(
                    f"file `{self.filename}` cannot be sent again (a retry): its file object "
                    "cannot seek back; pass a pathlib.Path or bytes to allow retries"
                )
            while chunk := stream.read(CHUNK_SIZE):
                yield chunk
            return
        stream.seek(self._start)
        yield from self._read_sized(stream, self.filename)

    def _read_sized(self, file: BinaryIO, label: str) -> Iterator[bytes]:
        # Content-Length was announced from the size measured up front: a file that grows or
        # shrinks meanwhile would make the server read a wrong body, so that is an error.
        assert self.size is not None
        left = self.size
        while left > 0:
            chunk = file.read(min(CHUNK_SIZE, left))
            if not chunk:
                raise UploadError(f"file `{label}` shrank while being uploaded")
            left -= len(chunk)
            yield chunk
        if file.read(1):
            raise UploadError(f"file `{label}` grew while being uploaded")


class MultipartBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A `multipart/form-data` body: text fields, then files, streamed in chunks.

    >>> body = MultipartBody({"name": "1.2.3"}, {"file": b"PK\\x03\\x04 a zip"})
    >>> body.content_length, body.content_type.startswith("multipart/form-data; boundary=")
    (271, True)

    Args:
        fields: text fields (`name` -> value), sent first, in order.
        files: file parts (`name` -> a `pathlib.Path`, bytes, or a binary file object, read from
            its current position). Each part's filename is the path's or file object's base name
            (else the field name); its content type is found from its first bytes: zip archives
            `application/zip`, PNG/JPEG/GIF/WebP images `image/*`, MP4/WebM `video/*`, anything
            else `application/octet-stream`.
        progress: called with `(bytes sent, total bytes or None)` as the body is sent, starting
            from 0 again when a retry resends it.
        deadline: seconds each sending of the body may take (each write is also bounded by the
            client's timeout); past it the upload stops with `UploadError`.

    Raises:
        ApiTypeError: a value of the wrong type (a file given as `str` must be a `Path`).
        ApiValueError: a path that cannot be read.
    """

    def __init__(
        self,
        fields: Mapping[str, str],
        files: Mapping[str, FileInput],
        *,
        progress: UploadProgress | None = None,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline <= 0:
            raise ApiValueError(f"`deadline` must be a number of seconds > 0, got {deadline!r}")
        self.boundary = secrets.token_hex(16)
        self._progress = progress
        self._deadline = deadline
        self._parts: list[tuple[bytes, _Source | None]] = []
        for name, value in fields.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise ApiTypeError(
                    f"multipart field `{name}` must be a str, not {type(value).__name__}"
                )
            header = self._header(name, None, None)
            self._parts.append((header + value.encode() + b"\r\n", None))
        for name, file in files.items():
            if not isinstance(name, str):
                raise ApiTypeError(f"multipart file name must be a str, not {type(name).__name__}")
            source = _Source(name, file)
            content_type = sniff(source.head, source.filename)
            self._parts.append((self._header(name, source.filename, content_type), source))
        self._closing = f"--{self.boundary}--\r\n".encode()
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self.content_length = self._length()

    def _header(self, name: str, filename: str | None, content_type: str | None) -> bytes:
        lines = [f"--{self.boundary}", f'Content-Disposition: form-data; name="{_quote(name)}"']
        if filename is not None:
            lines[-1] += f'; filename="{_quote(filename)}"'
            lines.append(f"Content-Type: {content_type}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def _length(self) -> int | None:
        total = len(self._closing)
        for head, source in self._parts:
            total += len(head)
            if source is not None:
                if source.size is None:
                    return None
                total += source.size + 2  # the part's bytes and its CRLF
        return total

    @property
    def headers(self) -> dict[str, str]:
        """`Content-Type`, plus `Content-Length` when known (else the body is sent chunked)."""
        if self.content_length is None:
            return {"Content-Type": self.content_type, "Transfer-Encoding": "chunked"}
        return {"Content-Type": self.content_type, "Content-Length": str(self.content_length)}

    def _chunks(self) -> Iterator[bytes]:
        for head, source in self._parts:
            if source is None:
                yield head
                continue
            yield head
            yield from source.chunks()
            yield b"\r\n"
        yield self._closing

    def __iter__(self) -> Iterator[bytes]:
        progress, total, sent = self._progress, self.content_length, 0
        ends_at = time.monotonic() + self._deadline
        if progress is not None:
            progress(0, total)
        for chunk in self._chunks():
            yield chunk
            if progress is not None:
                sent += len(chunk)
                progress(sent, total)
            if time.monotonic() > ends_at:
                raise UploadError(
                    f"the upload took longer than its deadline ({self._deadline:g} s)"
                )

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Files are read with plain blocking reads of 64 KiB, as httpx's own multipart stream does
        # in its async iterator: a local disk answers such reads faster than a thread hop would.
        for chunk in self:
            yield chunk

    def __repr__(self) -> str:
        names = [head.split(b'name="', 1)[1].split(b'"', 1)[0].decode() for head, _ in self._parts]
        return f"MultipartBody(parts={names!r}, content_length={self.content_length})"
