"""The one door every file the tool reads goes through, and the one TOML parser.

Records, imported pages, the bundled tables, the vocabulary, the precompiled records and
the search cache are all opened here, and only here:

* opened without blocking (a named pipe where a record should be cannot hang a search),
  then checked on the opened descriptor: regular files only, so a link to
  ``/dev/zero`` or a device is refused before a byte is read;
* read up to a size limit per kind of file (:data:`RECORD_LIMIT`, :data:`PAGE_LIMIT`,
  ...), so an 8 GB sparse file costs nothing;
* decoded as UTF-8 (a byte-order mark allowed) with undecodable bytes reported with the
  file and line;
* parsed as TOML only after a cheap scan of the nesting depth outside strings and
  comments, so no file can reach the parser's recursion limit, and with every other
  parser failure turned into a :class:`RecordError` naming the file and line.

A failure is a :class:`ReadError` (a :class:`RecordError`) whose message names the file.
``transient`` tells a failure of the operating system (permission denied, file moved
away, I/O error), which may be gone on the next run, from a property of the file itself
(its kind, its size, its bytes), which stays until the file changes.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import IO, Any, Union

from cptcli.errors import RecordError

KB = 1024
MB = 1024 * KB
RECORD_LIMIT = 256 * KB  # a record file (the largest bundled one is under 7 KB)
PAGE_LIMIT = 2 * MB  # a page for `cpt import`, from a file or standard input
TABLE_LIMIT = 1 * MB  # a bundled table: vocabulary, history, modifiers, families
COMPILED_LIMIT = 1 * MB  # a precompiled record or table (JSON)
CONFIG_LIMIT = 64 * KB  # the settings file (a few lines)
CACHE_LIMIT = 1024 * MB  # the search cache (about 25 MB for 20,000 records)
MAX_DEPTH = 32  # arrays and inline tables nested inside one another

PathLike = Union[str, Path]

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a named pipe opens at once instead of waiting
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class ReadError(RecordError):
    """A file that could not be read: missing, not permitted, not a regular file, too
    large, or not text. ``transient`` is True when the operating system refused (the
    same file may read fine next time)."""

    def __init__(
        self, path: str, line: int | None, message: str, *, transient: bool = False
    ) -> None:
        super().__init__(path, line, message)
        self.transient = transient


def size_text(size: int) -> str:
    """A size in words: 256 KB, 2 MB, 8.0 GB."""
    for unit, factor in (("GB", 1 << 30), ("MB", MB), ("KB", KB)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def os_problem(exc: OSError) -> str:
    """What the operating system said, for a message."""
    return exc.strerror or str(exc)


def open_regular(path: PathLike, *, limit: int, what: str) -> int:
    """A read-only descriptor of ``path`` once it is known to be a regular file of at
    most ``limit`` bytes. Raises OSError when it cannot be opened, ReadError when it is
    not a regular file or too large (the descriptor is then closed)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(
                str(path),
                None,
                f"not a regular file ({_kind(info.st_mode)}); a {what} must be a plain file",
            )
        if info.st_size > limit:
            raise too_large(str(path), what, limit, info.st_size)
    except BaseException:
        os.close(fd)
        raise
    return fd


def too_large(
    path: str, what: str, limit: int, size: int | None = None, noun: str = "file"
) -> ReadError:
    """The error for a file (or, with ``noun="input"``, a stream) over its limit."""
    found = f" ({size_text(size)})" if size is not None else ""
    return ReadError(
        path,
        None,
        f"the {noun} is larger than {size_text(limit)}{found}, the most a {what} may be "
        "(see Reliability in the README)",
    )


def read_bytes(path: PathLike, *, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ReadError otherwise."""
    try:
        fd = open_regular(path, limit=limit, what=what)
        with open(fd, "rb", closefd=True) as handle:
            data = handle.read(limit + 1)  # never more, even if the file grows meanwhile
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(
            str(path), None, f"cannot read the file ({os_problem(exc)})", transient=True
        ) from exc
    if len(data) > limit:
        raise too_large(str(path), what, limit)
    return data


def read_stream(stream: IO[bytes], *, limit: int, what: str, name: str) -> bytes:
    """At most ``limit`` bytes from a stream (standard input); ReadError beyond."""
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise ReadError(name, None, f"cannot read ({os_problem(exc)})", transient=True) from exc
    if len(data) > limit:
        raise too_large(name, what, limit, noun="input")
    return data


def decode_text(raw: bytes, path: str) -> str:
    """A data file's text. Accepts a UTF-8 byte-order mark; anything that is not UTF-8
    (an encoded lone surrogate included) is a RecordError with its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RecordError(path, line, "file is not valid UTF-8 text; save it as UTF-8") from exc


def read_text(path: PathLike, *, limit: int, what: str) -> str:
    return decode_text(read_bytes(path, limit=limit, what=what), str(path))


# --- TOML ----------------------------------------------------------------------------

_STRING_OR_COMMENT: list[re.Pattern[str]] = []  # compiled on first use: start-up matters


def _skippable() -> re.Pattern[str]:
    if not _STRING_OR_COMMENT:
        _STRING_OR_COMMENT.append(
            re.compile(
                r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""(?:""?)?'  # multi-line basic string
                r"|'''(?:[^']|'(?!''))*'''(?:''?)?"  # multi-line literal string
                r'|"(?:[^"\\\n]|\\.)*"'  # basic string
                r"|'[^'\n]*'"  # literal string
                r"|#[^\n]*"  # comment
            )
        )
    return _STRING_OR_COMMENT[0]


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The line on which arrays and inline tables nest deeper than ``limit``, or None.

    Brackets inside strings and comments do not count. Cheap: most files have too few
    brackets in all to be that deep, and the others are scanned with two regular
    expressions and one pass over what is left of them.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    # Strings and comments blanked out (their line breaks kept, for the line number).
    code = _skippable().sub(lambda m: "\n" * m.group().count("\n"), text)
    brackets = re.sub(r"[^\[\]{}\n]+", "", code)
    if brackets.count("[") + brackets.count("{") <= limit:
        return None
    depth, line = 0, 1
    for char in brackets:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif depth:
            depth -= 1
    return None


def parse_toml(text: str, path: str) -> dict[str, Any]:
    """A TOML document; any failure is a RecordError with the file and, where known,
    the line."""
    # Imported here: a search served from the index never parses TOML.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib

    deep = too_deep(text)
    if deep is not None:
        raise RecordError(
            path,
            deep,
            f"values are nested more than {MAX_DEPTH} levels deep (arrays or inline tables "
            "inside one another); a record needs two at most",
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        message = str(getattr(exc, "msg", "") or exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        if found:
            line = line or int(found.group(1))
            message = message[: found.start()].strip()
        elif line is None and "end of document" in message:
            line = text.count("\n") + 1
        raise RecordError(path, line, f"TOML syntax error: {message}") from exc
    except RecursionError as exc:  # the depth scan should make this unreachable
        raise RecordError(path, None, "values are nested too deeply to read") from exc
    except ValueError as exc:  # an integer of more than 4,300 digits, for one
        found = re.search(r"\d{4000}", text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        message = "a number has too many digits" if found else f"a value cannot be read ({exc})"
        raise RecordError(path, line, message) from exc
