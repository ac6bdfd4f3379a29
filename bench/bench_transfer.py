"""Benchmark: memory of a 200 MB upload and download through the SDK (issue 11 target: <= 30 MB).

Each transfer runs in a fresh client process that first does the same transfer with a 1 MB file
(imports, client, connection pool and validators all warmed up) and records its peak RSS then
("idle"); then it moves the 200 MB file and records the peak again. The figure is the difference.

- upload: `ProductVersionsApi.create_product_version(product, payload, Path)` (a streamed
  `MultipartBody`), to a server that reads and discards the body and answers with its size.
- download: `ProductVersionsApi.download_product_version(product, version, dest)` (the version's
  size and SHA-256, a one-time URL, streamed to a temporary file, checked, renamed), from a server
  that generates the bytes.

The server is a separate process (plain `http.server`), so only the client is measured.

    .venv/bin/python bench/bench_transfer.py                 # 200 MB, sync and async
    .venv/bin/python bench/bench_transfer.py --mb 50 --json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, Row, free_port, process, report  # noqa: E402

TARGET_MB = 30.0
BLOCK = bytes(range(256)) * 4096  # 1 MiB, the repeated content of every generated file


def file_sha256(mb: int) -> str:
    digest = hashlib.sha256()
    for _ in range(mb):
        digest.update(BLOCK)
    return digest.hexdigest()


# -- the server process ---------------------------------------------------------------------------

PRODUCT = "a7d3779e-8aab-4d34-875a-824be51b3ff7"
STAMP = "2024-01-01T00:00:00Z"


def version_id(mb: int) -> str:
    return f"00000000-0000-4000-8000-{mb:012d}"


def version_json(mb: int, size: int, sha256: str) -> dict[str, Any]:
    return {
        "id": version_id(mb),
        "name": "1.0.0",
        "changelog": "",
        "releaseType": "stable",
        "fileSize": size,
        "fileHash": sha256,
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hashes: dict[int, str] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _mb(self, segment: int) -> int:
        return int(self.path.split("/")[segment].rsplit("-", 1)[1])

    def do_GET(self) -> None:
        if self.path == "/health":
            self._json(200, {"ok": True})
        elif self.path.startswith("/files/"):
            mb = int(self.path.rsplit("/", 1)[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(mb * len(BLOCK)))
            self.end_headers()
            for _ in range(mb):
                self.wfile.write(BLOCK)
        else:  # /api/v3/products/<p>/versions/<version id>: the size and hash to check
            mb = self._mb(-1)
            if mb not in self.hashes:
                self.hashes[mb] = file_sha256(mb)
            self._json(200, {"data": version_json(mb, mb * len(BLOCK), self.hashes[mb])})

    def do_POST(self) -> None:
        left = int(self.headers["Content-Length"] or 0)
        size = left
        while left:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
        if self.path.endswith("/download"):  # .../versions/<version id>/download
            self._json(200, {"data": {"url": f"/files/{self._mb(-2)}"}})
        else:  # a new version: its "fileSize" is the multipart body's size, as received
            self._json(201, {"data": version_json(0, size - left, "")})


def serve(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


# -- the client process ---------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def client_run(url: str, kind: str, mb: int, workdir: Path, use_async: bool) -> dict[str, float]:
    import asyncio

    import gmodstore_sdk
    from gmodstore_sdk.api.product_versions_api import AsyncProductVersionsApi, ProductVersionsApi

    config = gmodstore_sdk.Configuration(host=url, access_token="bench")
    payload = {"name": "1.0.0", "changelog": "bench", "releaseType": "stable"}
    dest = workdir / "download.zip"

    def sync(size_mb: int) -> None:
        with gmodstore_sdk.ApiClient(config) as client:
            api = ProductVersionsApi(client)
            if kind == "upload":
                upload = workdir / f"upload-{size_mb}.zip"
                created = api.create_product_version(PRODUCT, payload, upload)
                assert created.data.file_size > upload.stat().st_size, created
            else:
                api.download_product_version(PRODUCT, version_id(size_mb), dest)
                assert dest.stat().st_size == size_mb * len(BLOCK)

    async def run_async(size_mb: int) -> None:
        async with gmodstore_sdk.AsyncApiClient(config) as client:
            api = AsyncProductVersionsApi(client)
            if kind == "upload":
                upload = workdir / f"upload-{size_mb}.zip"
                created = await api.create_product_version(PRODUCT, payload, upload)
                assert created.data.file_size > upload.stat().st_size, created
            else:
                await api.download_product_version(PRODUCT, version_id(size_mb), dest)
                assert dest.stat().st_size == size_mb * len(BLOCK)

    def once(size_mb: int) -> None:
        if use_async:
            asyncio.run(run_async(size_mb))
        else:
            sync(size_mb)

    once(1)
    idle = peak_mb()
    started = time.perf_counter()
    once(mb)
    elapsed = time.perf_counter() - started
    return {"idle_mb": idle, "peak_mb": peak_mb(), "seconds": elapsed}


def write_file(path: Path, mb: int) -> None:
    with path.open("wb") as f:
        for _ in range(mb):
            f.write(BLOCK)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="file size in MiB")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client", help=argparse.SUPPRESS)  # json: url, kind, dir, async
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.client:
        spec = json.loads(args.client)
        result = client_run(spec["url"], spec["kind"], args.mb, Path(spec["dir"]), spec["async"])
        print(json.dumps(result))
        return

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    rows: list[Row] = []
    cmd = [PYTHON, __file__, "--serve", str(port)]
    with tempfile.TemporaryDirectory() as tmp, process(cmd, ready_url=url + "/health"):
        work = Path(tmp)
        for n in (1, args.mb):
            write_file(work / f"upload-{n}.zip", n)
        for kind in ("upload", "download"):
            for use_async in (False, True):
                spec = json.dumps({"url": url, "kind": kind, "dir": tmp, "async": use_async})
                out = subprocess.run(
                    [PYTHON, __file__, "--client", spec, "--mb", str(args.mb)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                result = json.loads(out.strip().splitlines()[-1])
                grown = result["peak_mb"] - result["idle_mb"]
                name = f"{kind} {args.mb} MB ({'async' if use_async else 'sync'})"
                rows.append(
                    Row(
                        "transfer",
                        f"{name}: peak RSS - idle",
                        f"{grown:.1f} MB",
                        f"<= {TARGET_MB:.0f} MB",
                        grown <= TARGET_MB,
                    )
                )
                rate = args.mb / result["seconds"]
                rows.append(
                    Row(
                        "transfer",
                        f"{name}: idle / peak RSS, time",
                        f"{result['idle_mb']:.1f} / {result['peak_mb']:.1f} MB, "
                        f"{result['seconds']:.2f} s ({rate:.0f} MB/s)",
                    )
                )
    report(rows)


if __name__ == "__main__":
    main()
