"""Recognise uploaded files by their first bytes, never by their names.

`image_info` reads the dimensions from the PNG, JPEG, GIF and WebP headers; `video_type` recognises
MP4 (ISO base media, an ``ftyp`` box first) and WebM (an EBML header); `is_zip` a ZIP archive.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["ImageInfo", "image_info", "is_zip", "video_type"]


@dataclass(frozen=True)
class ImageInfo:
    extension: str
    """``png``, ``jpg``, ``gif`` or ``webp``."""
    width: int
    height: int


def is_zip(head: bytes) -> bool:
    """A local file header, or the end record of an empty archive."""
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def video_type(head: bytes) -> str | None:
    """``mp4``, ``webm`` or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def image_info(head: bytes) -> ImageInfo | None:
    """The type and size of the image `head` starts, or None if it is none of the four."""
    for parse in (_png, _gif, _webp, _jpeg):
        try:
            info = parse(head)
        except (struct.error, IndexError):
            info = None
        if info is not None:
            return info if info.width > 0 and info.height > 0 else None
    return None


def _png(head: bytes) -> ImageInfo | None:
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return ImageInfo("png", width, height)


def _gif(head: bytes) -> ImageInfo | None:
    if head[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height = struct.unpack("<HH", head[6:10])
    return ImageInfo("gif", width, height)


def _webp(head: bytes) -> ImageInfo | None:
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8 ":  # lossy: frame tag (3), start code (3), then 14-bit sizes
        if head[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", head[26:30])
        return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":  # lossless: signature byte, then 14-bit (size - 1) fields
        if head[20] != 0x2F:
            return None
        bits = int.from_bytes(head[21:25], "little")
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":  # extended: 24-bit (size - 1) fields
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return ImageInfo("webp", width, height)
    return None


# Start-of-frame markers that carry the image size (not DHT C4, JPG C8, DAC CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(head: bytes) -> ImageInfo | None:
    if head[:3] != b"\xff\xd8\xff":
        return None
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", head[i + 2 : i + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", head[i + 5 : i + 9])
            return ImageInfo("jpg", width, height)
        if length < 2:
            return None
        i += 2 + length
    # The size was not within the bytes kept (a huge EXIF block first): not recognisable here.
    return None
