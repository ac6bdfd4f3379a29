"""Streaming ``multipart/form-data`` reader: the file part goes straight to disk, never to memory.

Limits are checked before anything is buffered: a ``Content-Length`` over the limit is refused at
once (413), and a body without one (or lying about it) is counted as it arrives. Text fields are
capped at a few kilobytes each; only the configured file field is accepted as a file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header

from ..exceptions import InvalidInput, PayloadTooLarge
from .files import TooLarge, Upload

__all__ = ["FIELDS_ALLOWANCE", "Form", "check_content_length", "read_form"]

FIELDS_ALLOWANCE = 256 * 1024
"""Bytes allowed on top of the file limit for the text fields and the multipart framing."""
TEXT_FIELD_LIMIT = 64 * 1024
"""Bytes kept of any one text field (the longest documented one, a changelog, is 10,000 chars)."""
_MAX_PARTS = 32


@dataclass
class Form:
    """The text fields (first value of each name) and the uploaded file, if one was sent."""

    fields: dict[str, str] = field(default_factory=dict)
    file: Upload | None = None
    file_field: str | None = None
    file_name: str | None = None
    """The file part's ``filename`` (ticket attachments keep it as ``originalName``)."""
    oversized: set[str] = field(default_factory=set)
    """Text fields longer than `TEXT_FIELD_LIMIT` (their value is cut)."""

    def discard(self) -> None:
        if self.file is not None:
            self.file.discard()


def _malformed(message: str = "The request body is not valid multipart/form-data.") -> InvalidInput:
    return InvalidInput({"body": [message]})


def boundary_of(content_type: str | None) -> bytes:
    """The multipart boundary of a ``Content-Type``; raises `InvalidInput` for anything else."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise _malformed("The request body must be multipart/form-data.")
    return boundary


def check_content_length(value: str | None, limit: int) -> None:
    """Refuse (413) a declared body length above `limit` before reading any of it."""
    if value is not None and value.strip().isdigit() and int(value) > limit:
        raise PayloadTooLarge(limit)


class _Receiver:
    """The parser callbacks: collects text fields, streams file fields into uploads."""

    def __init__(self, file_fields: set[str], new_upload: Callable[[], Upload]) -> None:
        self.form = Form()
        self._file_fields = file_fields
        self._new_upload = new_upload
        self._headers: dict[bytes, bytes] = {}
        self._name = b""
        self._value = b""
        self._text: bytearray | None = None
        self._text_name = ""
        self._to_file = False
        self._skip = False
        self._parts = 0
        self.ended = False

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > _MAX_PARTS:
            raise _malformed(f"The request may not have more than {_MAX_PARTS} parts.")
        self._headers, self._name, self._value = {}, b"", b""
        self._text, self._to_file, self._skip = None, False, False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._name.strip().lower()] = self._value.strip()
        self._name, self._value = b"", b""

    def _headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise _malformed("Each part needs a Content-Disposition: form-data header with a name.")
        name = options[b"name"].decode("utf-8", "replace")
        form = self.form
        if name in self._file_fields and (b"filename" in options or name not in form.fields):
            if form.file is not None:
                raise InvalidInput({name: ["Only one file may be uploaded."]})
            form.file, form.file_field, self._to_file = self._new_upload(), name, True
            if b"filename" in options:
                form.file_name = options[b"filename"].decode("utf-8", "replace")
        elif name in form.fields or form.file_field == name:
            self._skip = True  # repeated field: the first value counts
        else:
            self._text, self._text_name = bytearray(), name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._to_file:
            assert self.form.file is not None
            self.form.file.write(data[start:end])
        elif self._text is not None and not self._skip:
            room = TEXT_FIELD_LIMIT - len(self._text)
            if end - start > room:
                self.form.oversized.add(self._text_name)
            self._text += data[start : start + max(0, min(room, end - start))]

    def _part_end(self) -> None:
        if self._text is not None and not self._skip:
            self.form.fields[self._text_name] = self._text.decode("utf-8", "replace")
        self._text, self._to_file = None, False

    def _end(self) -> None:
        self.ended = True


_URLENCODED = "application/x-www-form-urlencoded"


async def _read_urlencoded(chunks: AsyncIterator[bytes]) -> Form:
    """Text fields only (a YouTube medium, say): what HTML forms send when there is no file."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > FIELDS_ALLOWANCE:
            raise PayloadTooLarge(FIELDS_ALLOWANCE)
    form = Form()
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        form.fields.setdefault(name, value)
    return form


async def read_form(
    chunks: AsyncIterator[bytes],
    *,
    content_type: str | None,
    body_limit: int,
    file_fields: set[str],
    new_upload: Callable[[], Upload],
) -> Form:
    """Parse a multipart (or, without files, urlencoded) body from `chunks`.

    Raises `InvalidInput` (400) or `PayloadTooLarge` (413).

    On any failure (including the client going away) the partial upload is deleted.
    """
    if (content_type or "").split(";")[0].strip().lower() == _URLENCODED:
        return await _read_urlencoded(chunks)
    receiver = _Receiver(file_fields, new_upload)
    parser = MultipartParser(boundary_of(content_type), receiver.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in chunks:
            received += len(chunk)
            if received > body_limit:
                raise PayloadTooLarge(body_limit)
            parser.write(chunk)
        parser.finalize()
        if not receiver.ended:
            raise _malformed("The multipart body ended before its closing boundary.")
    except TooLarge as exc:
        receiver.form.discard()
        raise PayloadTooLarge(exc.limit) from None
    except BaseException as exc:
        receiver.form.discard()
        if type(exc).__module__.startswith("python_multipart"):
            raise _malformed() from None
        raise
    return receiver.form
