"""Image width and height from the file header (JPEG, PNG, BMP, GIF), never decoding pixels."""

from __future__ import annotations

import struct
from pathlib import Path

from trackbench.errors import InputFileError

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(path: str | Path) -> tuple[int, int]:
    """Return (width, height) read from the header of ``path``."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(32)
            if head[:8] == b"\x89PNG\r\n\x1a\n":
                width, height = struct.unpack(">II", head[16:24])
                return int(width), int(height)
            if head[:6] in (b"GIF87a", b"GIF89a"):
                width, height = struct.unpack("<HH", head[6:10])
                return int(width), int(height)
            if head[:2] == b"BM":
                width, height = struct.unpack("<ii", head[18:26])
                return int(width), abs(int(height))
            if head[:2] == b"\xff\xd8":
                handle.seek(2)
                return _jpeg_size(handle, path)
    except OSError as exc:
        raise InputFileError(path, f"cannot read image: {exc.strerror or exc}") from exc
    raise InputFileError(path, "not a JPEG, PNG, GIF or BMP image (unknown header)")


def _jpeg_size(handle, path: Path) -> tuple[int, int]:
    while True:
        marker = handle.read(2)
        if len(marker) < 2:
            break
        if marker[0] != 0xFF:
            raise InputFileError(path, "corrupt JPEG: marker expected")
        kind = marker[1]
        while kind == 0xFF:  # fill bytes
            kind = handle.read(1)[0]
        if kind in (0xD8, 0x01) or 0xD0 <= kind <= 0xD7:
            continue
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            break
        (length,) = struct.unpack(">H", length_bytes)
        if kind in _JPEG_SOF:
            data = handle.read(5)
            height, width = struct.unpack(">HH", data[1:5])
            return int(width), int(height)
        handle.seek(length - 2, 1)
    raise InputFileError(path, "corrupt or truncated JPEG: no frame header found")
