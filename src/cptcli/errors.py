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
    INTERRUPTED = 130


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
