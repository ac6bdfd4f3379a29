"""Sandbox file storage: uploads stream to a private temporary folder, then are renamed into place.

Layout under the root (``Settings.files_dir``; by default a folder beside the SQLite file)::

    tmp/<process id>/        one folder per server process, locked while the process lives
    versions/<key>           product version archives
    media/<key>.<ext>        gallery images and videos
    headers/<key>.<ext>      background and header images
    tickets/<key>            ticket attachments and uploaded logs (gmodstore_sandbox.tickets)

An upload is written to ``tmp/<process>/<key>.part`` and only renamed into its final folder, after
an fsync, inside the database transaction that records it. A process killed mid-upload leaves only
its ``.part`` file in a folder whose lock died with it: the next server start removes such folders.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import IO, Literal

try:  # POSIX; elsewhere stale temporary folders are recognised by age alone.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileStore", "Kind", "TooLarge", "Upload", "default_files_dir"]

Kind = Literal["versions", "media", "headers", "tickets"]
KINDS: tuple[Kind, ...] = ("versions", "media", "headers", "tickets")
HEAD_BYTES = 256 * 1024
"""How much of the start of each upload is kept in memory to check its type."""
_STALE_SECONDS = 24 * 3600
_BUFFER = 1024 * 1024


class TooLarge(Exception):
    """An upload passed its size limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The file may not be greater than {limit} bytes.")
        self.limit = limit


def default_files_dir(database_url: str) -> Path:
    """``<dir of the SQLite file>/<its stem>-files``; ``./sandbox-files`` for other databases."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1].split("?", 1)[0]
        if path:
            db = Path(path)
            return db.with_name(db.stem + "-files")
    return Path("sandbox-files")


class Upload:
    """A file being received: counted against `limit`, hashed (SHA-256) and written as it comes."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.size = 0
        self.head = b""
        self._sha = hashlib.sha256()
        self._file: IO[bytes] | None = open(path, "xb", buffering=_BUFFER)  # noqa: SIM115

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def write(self, data: bytes) -> None:
        """Append `data`; raises `TooLarge` (and stops writing) once past the limit."""
        if not data:
            return
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge(self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self._sha.update(data)
        assert self._file is not None
        self._file.write(data)

    def finish(self) -> None:
        """Flush and fsync: after this the bytes are on disk (blocking: call from a thread)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def discard(self) -> None:
        """Close and delete the temporary file (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


class FileStore:
    """The files of one sandbox. `open` before use (it claims a temporary folder), `close` after.

    >>> store = FileStore(Path("sandbox-files")); store.open()
    >>> upload = store.new_upload(limit=1024); upload.write(b"PK..."); upload.finish()
    >>> store.commit(upload, "versions", "3f2a...")
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp: Path | None = None
        self._lock: int | None = None

    def open(self) -> None:
        """Create the folders, remove the temporary folders of dead processes, claim one."""
        for kind in KINDS:
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        tmp_root = self.root / "tmp"
        tmp_root.mkdir(exist_ok=True)
        self._sweep_tmp(tmp_root)
        tmp = tmp_root / uuid.uuid4().hex
        tmp.mkdir()
        fd = os.open(tmp / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._tmp, self._lock = tmp, fd

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @staticmethod
    def _sweep_tmp(tmp_root: Path) -> None:
        for folder in tmp_root.iterdir():
            if folder.is_dir() and not _in_use(folder):
                shutil.rmtree(folder, ignore_errors=True)

    def new_upload(self, *, limit: int) -> Upload:
        if self._tmp is None:
            raise RuntimeError("FileStore.open() was not called")
        return Upload(self._tmp / f"{uuid.uuid4().hex}.part", limit)

    def path(self, kind: Kind, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"bad file key {key!r}")
        return self.root / kind / key

    def commit(self, upload: Upload, kind: Kind, key: str) -> Path:
        """Move a finished upload to its final name atomically (and make the rename durable)."""
        upload.finish()
        final = self.path(kind, key)
        os.replace(upload.path, final)
        _fsync_dir(final.parent)
        return final

    def remove(self, kind: Kind, key: str | None) -> None:
        if key is not None:
            self.path(kind, key).unlink(missing_ok=True)

    def sweep_orphans(self, kind: Kind, known: set[str], *, older_than: float = 600.0) -> int:
        """Delete files of `kind` that no row names (a crash between rename and commit).

        Only files older than `older_than` seconds: a younger one may belong to a transaction that
        another server process on the same folder is about to commit.
        """
        removed = 0
        cutoff = time.time() - older_than
        for path in (self.root / kind).iterdir():
            if path.name not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _in_use(folder: Path) -> bool:
    lock = folder / ".lock"
    if fcntl is None:
        try:
            return time.time() - lock.stat().st_mtime < _STALE_SECONDS
        except FileNotFoundError:
            return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        # A folder without its lock is either being created right now or left half-made.
        return time.time() - folder.stat().st_mtime < 60
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
