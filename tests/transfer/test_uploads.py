"""`MultipartBody` sent through the shared request flow by both clients, to a loopback server.

The server records what arrives; the body is parsed back with the standard library's MIME parser
(an implementation independent of ours) to check the parts, names, filenames and content types.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gmodstore_sdk
from gmodstore_sdk import UploadError
from gmodstore_sdk._base import Operation
from gmodstore_sdk._models import BaseModel
from gmodstore_sdk._uploads import CHUNK_SIZE, MultipartBody, sniff

from .loopback import Loopback, Received, Reply, serve

ZIP = b"PK\x03\x04" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PATH = "/api/v3/products/p1/versions"


class Created(BaseModel):
    data: dict[str, Any]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server() -> Iterator[Loopback]:
    with serve() as loop:

        @loop.route("POST", PATH)
        def created(rec: Received, _: Loopback) -> Reply:
            return Reply(201, {"data": {"size": rec.size, "sha256": rec.sha256}})

        yield loop


def parts(rec: Received) -> list[Any]:
    assert rec.body is not None
    head = f"Content-Type: {rec.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + rec.body)
    assert message.is_multipart()
    return list(message.iter_parts())


def operation(client: gmodstore_sdk.ApiClient | gmodstore_sdk.AsyncApiClient, body: MultipartBody):
    path = client.base_path + "/products/p1/versions"
    return Operation(
        "POST",
        path,
        client.make_url(path, None),
        Created,
        scope="product-versions:write",
        content=body,
        headers=client.get_headers,
    )


def config(server: Loopback, **kw: Any) -> gmodstore_sdk.Configuration:
    return gmodstore_sdk.Configuration(host=server.url, access_token="t0ken", **kw)


def test_fields_and_file_arrive_as_multipart(server: Loopback, tmp_path: Path) -> None:
    archive = tmp_path / "addon-1.2.3.zip"
    archive.write_bytes(ZIP)
    body = MultipartBody({"name": "1.2.3", "releaseType": "stable"}, {"file": archive})
    with gmodstore_sdk.ApiClient(config(server)) as client:
        answer = client._request(operation(client, body))
    rec = server.received[-1]
    assert answer.status_code == 201
    assert rec.headers["Content-Type"] == body.content_type
    assert rec.headers["Content-Length"] == str(body.content_length) == str(rec.size)
    assert rec.headers["Authorization"] == "Bearer t0ken"
    name, release, file = parts(rec)
    assert (name.get_param("name", header="content-disposition"), name.get_content()) == (
        "name",
        "1.2.3",
    )
    assert release.get_content() == "stable"
    assert file.get_param("filename", header="content-disposition") == "addon-1.2.3.zip"
    assert file.get_content_type() == "application/zip"
    assert file.get_content() == ZIP


def test_body_is_sent_again_on_a_retry(server: Loopback, tmp_path: Path) -> None:
    calls = []

    @server.route("POST", PATH)
    def refuse_once(rec: Received, _: Loopback) -> Reply:
        calls.append(rec)
        if len(calls) == 1:
            return Reply(429, {"message": "slow down"}, headers={"Retry-After": "0"})
        return Reply(201, {"data": {}})

    archive = tmp_path / "a.zip"
    archive.write_bytes(ZIP)
    seen: list[tuple[int, int | None]] = []
    body = MultipartBody({}, {"file": archive}, progress=lambda s, t: seen.append((s, t)))
    with gmodstore_sdk.ApiClient(config(server, backoff_base=0)) as client:
        client._request(operation(client, body))
    assert len(calls) == 2
    assert calls[0].sha256 == calls[1].sha256 and calls[1].size == body.content_length
    assert parts(calls[1])[0].get_content() == ZIP
    # progress restarts at 0 for the resend and ends at the total each time
    starts = [i for i, (sent, _) in enumerate(seen) if sent == 0]
    assert len(starts) == 2
    assert seen[starts[1] - 1] == seen[-1] == (body.content_length, body.content_length)


def test_progress_is_monotonic_and_reaches_the_total(server: Loopback) -> None:
    seen: list[tuple[int, int | None]] = []
    data = os.urandom(5 * CHUNK_SIZE + 7)
    body = MultipartBody({"a": "b"}, {"file": data}, progress=lambda s, t: seen.append((s, t)))
    with gmodstore_sdk.ApiClient(config(server)) as client:
        client._request(operation(client, body))
    sent = [s for s, _ in seen]
    assert sent == sorted(sent) and sent[0] == 0 and sent[-1] == body.content_length
    assert {t for _, t in seen} == {body.content_length}
    assert parts(server.received[-1])[1].get_content() == data


@pytest.mark.anyio
async def test_async_client_streams_the_same_body(server: Loopback, tmp_path: Path) -> None:
    image = tmp_path / "shot.png"
    image.write_bytes(PNG)
    body = MultipartBody({"type": "image"}, {"file": image})
    async with gmodstore_sdk.AsyncApiClient(config(server)) as client:
        answer = await client._request(operation(client, body))
    rec = server.received[-1]
    assert answer.data.data == {"size": body.content_length, "sha256": rec.sha256}
    assert b"".join(body) == rec.body
    file = parts(rec)[1]
    assert (file.get_content_type(), file.get_content()) == ("image/png", PNG)


def test_seekable_file_object_is_read_from_its_position_and_rewound(server: Loopback) -> None:
    stream = io.BytesIO(b"skip" + ZIP)
    stream.seek(4)
    body = MultipartBody({}, {"file": stream})
    assert body.content_length is not None
    first, second = b"".join(body), b"".join(body)
    assert first == second and len(first) == body.content_length
    with gmodstore_sdk.ApiClient(config(server)) as client:
        client._request(operation(client, body))
    part = parts(server.received[-1])[0]
    assert part.get_content() == ZIP
    assert part.get_param("filename", header="content-disposition") == "file"


def test_unseekable_stream_is_sent_chunked_once(server: Loopback) -> None:
    read, write = os.pipe()
    os.write(write, ZIP)
    os.close(write)
    with open(read, "rb", buffering=0) as pipe:
        body = MultipartBody({"name": "x"}, {"file": pipe})
        assert body.content_length is None
        with gmodstore_sdk.ApiClient(config(server)) as client:
            client._request(operation(client, body))
        rec = server.received[-1]
        assert rec.chunked and "Content-Length" not in rec.headers
        assert parts(rec)[1].get_content() == ZIP
        # Sniffing would consume the pipe: the type is not guessed.
        assert parts(rec)[1].get_content_type() == "application/octet-stream"
        with pytest.raises(UploadError, match="cannot be sent again"):
            b"".join(body)


def test_chunks_stay_small_for_a_large_file(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(8 * 1024 * 1024)
    body = MultipartBody({}, {"file": big})
    digest, total, largest = hashlib.sha256(), 0, 0
    for chunk in body:
        digest.update(chunk)
        total += len(chunk)
        largest = max(largest, len(chunk))
    assert total == body.content_length
    assert largest <= CHUNK_SIZE


def test_a_slow_upload_stops_at_its_deadline(server: Loopback, tmp_path: Path) -> None:
    big = tmp_path / "big.zip"
    big.write_bytes(ZIP * 400)  # 4 MB: many chunks
    body = MultipartBody({}, {"file": big}, deadline=1e-6)
    with gmodstore_sdk.ApiClient(config(server)) as client:
        with pytest.raises(UploadError, match="deadline"):
            client._request(operation(client, body))
    with pytest.raises(gmodstore_sdk.ApiValueError, match="deadline"):
        MultipartBody({}, {"file": big}, deadline=0)


def test_file_that_changes_size_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(ZIP)
    body = MultipartBody({}, {"file": path})
    path.write_bytes(ZIP[:100])
    with pytest.raises(UploadError, match="shrank"):
        b"".join(body)
    path.write_bytes(ZIP + b"more")
    with pytest.raises(UploadError, match="grew"):
        b"".join(body)


@pytest.mark.parametrize(
    ("head", "filename", "expected"),
    [
        pytest.param(ZIP, None, "application/zip", id="zip"),
        pytest.param(b"PK\x05\x06" + b"\0" * 18, None, "application/zip", id="empty-zip"),
        pytest.param(PNG, "x.jpg", "image/png", id="png-by-content-not-name"),
        pytest.param(b"\xff\xd8\xff\xe0", None, "image/jpeg", id="jpeg"),
        pytest.param(b"GIF89a...", None, "image/gif", id="gif"),
        pytest.param(b"RIFF\0\0\0\0WEBPVP8 ", None, "image/webp", id="webp"),
        pytest.param(b"RIFF\0\0\0\0WAVE", None, "application/octet-stream", id="wav"),
        pytest.param(b"XXXX\0\0\0\0WEBP", None, "application/octet-stream", id="not-riff"),
        pytest.param(b"\0\0\0\x18ftypmp42", None, "video/mp4", id="mp4"),
        pytest.param(b"\x1a\x45\xdf\xa3\x01", None, "video/webm", id="webm"),
        pytest.param(b"just text", "notes.txt", "application/octet-stream", id="other"),
        pytest.param(b"", "release.ZIP", "application/zip", id="zip-by-name"),
    ],
)
def test_content_type_by_magic_bytes(head: bytes, filename: str | None, expected: str) -> None:
    assert sniff(head[:16], filename) == expected


def test_repr_names_the_parts_not_their_content() -> None:
    body = MultipartBody({"name": "secret-ish"}, {"file": b"PK\x03\x04"})
    assert (
        repr(body) == f"MultipartBody(parts=['name', 'file'], content_length={body.content_length})"
    )


def test_a_stream_whose_seekable_fails_is_sent_unsized() -> None:
    class Closed(io.BytesIO):
        def seekable(self) -> bool:
            raise ValueError("I/O operation on closed file")

    assert MultipartBody({}, {"file": Closed(ZIP)}).content_length is None


def test_names_are_quoted_in_the_part_header() -> None:
    body = MultipartBody({'a"b\r\n': "v"}, {})
    assert b'name="a%22b%0D%0A"' in b"".join(body)


@pytest.mark.parametrize(
    ("fields", "files", "error", "match"),
    [
        pytest.param(
            {}, {"file": "addon.zip"}, gmodstore_sdk.ApiTypeError, "pathlib.Path", id="str"
        ),
        pytest.param({}, {"file": 3}, gmodstore_sdk.ApiTypeError, "must be a pathlib", id="int"),
        pytest.param({"n": 1}, {}, gmodstore_sdk.ApiTypeError, "must be a str", id="field-int"),
        pytest.param({}, {1: b""}, gmodstore_sdk.ApiTypeError, "name must be a str", id="name"),
        pytest.param(
            {},
            {"file": Path("/nonexistent/x.zip")},
            gmodstore_sdk.ApiValueError,
            "cannot read",
            id="missing",
        ),
        pytest.param(
            {}, {"file": io.StringIO("text")}, gmodstore_sdk.ApiTypeError, "binary", id="text-io"
        ),
    ],
)
def test_bad_input_is_refused_before_sending(
    fields: Any, files: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        MultipartBody(fields, files)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(gmodstore_sdk.ApiValueError, match="directory"):
        MultipartBody({}, {"file": tmp_path})


def test_module_examples_run() -> None:
    import doctest

    from gmodstore_sdk import _uploads

    assert doctest.testmod(_uploads).failed == 0
