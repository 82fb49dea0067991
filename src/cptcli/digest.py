"""A cheap checksum for change detection (not security).

CRC-32 and Adler-32 together, with the length: 64 bits that tell one file or listing
from another. zlib is loaded at start-up anyway, where hashlib would load OpenSSL.
"""

from __future__ import annotations

import zlib


class Digest:
    def __init__(self, data: bytes = b"") -> None:
        self.crc, self.adler, self.size = 0, 1, 0
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.adler = zlib.adler32(data, self.adler)
        self.size += len(data)

    def hexdigest(self) -> str:
        return f"{self.crc:08x}{self.adler:08x}{self.size:x}"
