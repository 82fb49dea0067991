"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half.

The data goes to a temporary file in the same folder, is flushed to disk, and is then
renamed over the target. Without ``replace`` an existing target is never touched: the
temporary file is hard-linked into place, which fails if the target exists, even if it
appeared a moment ago.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomically(
    path: Path, data: bytes | Iterable[bytes | memoryview], replace: bool = True
) -> None:
    """Write ``data`` (bytes, or chunks written in turn) to ``path``. Raises
    FileExistsError when ``replace`` is False and the file exists; any other failure
    leaves the previous file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not replace and path.exists():
        raise FileExistsError(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                with contextlib.suppress(OSError):  # a file system without modes
                    os.fchmod(handle.fileno(), _mode_for(path))
            for chunk in [data] if isinstance(data, bytes) else data:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise
            except OSError:  # no hard links on this file system
                if path.exists():
                    raise FileExistsError(path) from None
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _mode_for(path: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else what
    a newly created file gets under the umask (temporary files start as 0600)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask
