"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half.

The data goes to a temporary file in the same folder, is flushed to disk, and is then
renamed over the target. Without ``replace`` an existing target is never touched: the
temporary file is hard-linked into place, which fails if the target exists, even if it
appeared a moment ago.

A process killed while writing (SIGKILL, a power cut) leaves its temporary file behind.
Temporary files are named ``.TARGET.cpt-PID-RANDOM.tmp``, so that the next write to the
same folder can recognise the ones that are ours and stale (their writer is gone, or they
have not changed for ten minutes) and remove them, and only them.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

STALE_AFTER = 600  # seconds without a change after which a temporary file is abandoned
_OURS = re.compile(r"\..+\.cpt-(?P<pid>[0-9]+)-[a-z0-9_]+\.tmp")
# What versions before the writer's process id was in the name left behind.
_OURS_BEFORE = re.compile(r"\.(index-[0-9a-f]+\.bin|.+\.toml)\.[a-z0-9_]{8}\.tmp")


def write_atomically(
    path: Path, data: bytes | Iterable[bytes | memoryview], replace: bool = True
) -> None:
    """Write ``data`` (bytes, or chunks written in turn) to ``path``. Raises
    FileExistsError when ``replace`` is False and the file exists; any other failure
    (an OSError naming ``path``) leaves the previous file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not replace and path.exists():
        raise FileExistsError(path)
    remove_stale_temporary_files(path.parent)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.cpt-{os.getpid()}-", suffix=".tmp"
    )
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
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.filename is None:  # a failed write says nothing of where
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
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


def remove_stale_temporary_files(folder: Path) -> list[Path]:
    """Remove the temporary files that an interrupted write of ours left in ``folder``:
    named as :func:`write_atomically` names them, regular files of this user, and
    either their writer has ended or they have not changed for :data:`STALE_AFTER`
    seconds. Anything else is left alone. Returns what was removed."""
    removed: list[Path] = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(".tmp")]
    except OSError:
        return removed
    now = time.time()
    for name in names:
        ours = _OURS.fullmatch(name)
        if ours is None and _OURS_BEFORE.fullmatch(name) is None:
            continue
        path = folder / name
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or not _mine(st):
            continue
        abandoned = now - st.st_mtime > STALE_AFTER
        if not abandoned and ours is not None:
            abandoned = not _running(int(ours["pid"]))
        if abandoned:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _mine(st: os.stat_result) -> bool:
    """Whether this user owns the file (always, where there are no owners)."""
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # no cheap check: rely on the age alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True
