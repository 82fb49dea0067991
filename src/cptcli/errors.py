"""Exit codes and the exception hierarchy of the core.

The core raises these; only ``cli.py`` turns them into exit codes. Every message is
written for the person at the terminal and says what to do next.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1  # nothing found, or validation problems
    USAGE = 2
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM: 128 + 15, what a shell reports for a process it ended


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it unwinds like Ctrl-C: every
    ``finally`` runs (temporary files removed, worker processes ended, the progress bar
    stopped and the cursor shown again)."""


class CptError(Exception):
    """Base class of every error the core reports to users."""

    exit_code: ExitCode = ExitCode.NOT_FOUND


class NotFoundError(CptError):
    """A code, or any search result, that does not exist."""


class UsageError(CptError):
    """The request itself is malformed (unknown section, bad code format, ...)."""

    exit_code = ExitCode.USAGE


class RecordError(CptError):
    """A record file that cannot be read or does not follow the record format."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class ImportPageError(CptError):
    """A procedure page that cannot be turned into a record."""


_OS_ERRORS = {
    "ENOSPC": "no space left on the device",
    "EDQUOT": "the disk quota is exceeded",
    "EFBIG": "the file is too large for the file system",
    "EIO": "an input/output error on the device",
    "EROFS": "the file system is read-only",
    "EACCES": "permission denied",
    "EPERM": "operation not permitted",
}


def describe_os_error(exc: OSError) -> str:
    """Why a file operation failed, in plain words ("no space left on the device")."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    if name in _OS_ERRORS:
        return _OS_ERRORS[name]
    reason = exc.strerror or str(exc) or type(exc).__name__
    return reason[:1].lower() + reason[1:]
