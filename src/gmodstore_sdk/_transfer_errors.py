"""The two errors of file transfers, apart from `_uploads` / `_downloads` so that importing them
(`from gmodstore_sdk import DownloadError`) costs nothing."""

from __future__ import annotations

from gmodstore_sdk.exceptions import OpenApiException

__all__ = ["DownloadError", "UploadError"]


class DownloadError(OpenApiException):
    """A file could not be downloaded whole and intact, even from a fresh URL.

    The destination file was left untouched. The httpx or OS error, if any, is `__cause__`.
    """


class UploadError(OpenApiException):
    """A file could not be sent as given: it changed size while being read, or a file object that
    cannot seek back was to be sent a second time (a retry)."""
