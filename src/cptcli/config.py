"""The settings file (``config.toml``): defaults a person sets once.

Keys, all optional::

    limit = 20                        # search results shown (a whole number, at least 1)
    sections = ["summary", "risks"]   # what `cpt show` prints when no --section is given
    pager = "less -R"                 # the command long output goes through ("" for none)
    color = "auto"                    # "auto" (colour on a terminal), "always" or "never"
    brief = false                     # `cpt show` prints the short view by default

The file is ``paths.config_file()``: ``$CPT_CONFIG``, else
``$XDG_CONFIG_HOME/cptcli/config.toml`` (``~/.config/cptcli/config.toml``).

Core only: :func:`load` reads and checks the file and returns the values with every
problem found; it never prints or exits. A problem (a TOML syntax error, a value of the
wrong type, an unknown key, a file that is not a regular file or is too big) names the
file and, where it can, the line; the values that are fine still apply. The command line
beats the environment, which beats this file: :func:`terminal_layout` and
:func:`use_color` apply that order to colour; commands apply it to their options.

A file that does not exist costs one failed ``open`` and nothing else (no TOML parser is
imported), so commands that read a setting start as fast as before.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NamedTuple

DEFAULT_LIMIT = 10
COLORS = ("auto", "always", "never")

# Key -> what it holds, in the words of a warning.
KEYS = {
    "limit": "a whole number of at least 1",
    "sections": 'a list of section names, such as ["summary", "risks"]',
    "pager": 'a command, such as "less -R" ("" for none)',
    "color": '"auto", "always" or "never"',
    "brief": "true or false",
}


class Problem(NamedTuple):
    """Something wrong in the settings file; ``line`` is 1-based, None when unknown."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class Settings(NamedTuple):
    """The settings in effect: each value from the file, or the built-in default."""

    path: Path
    origin: str  # "CPT_CONFIG" or "platformdirs", as `cpt paths` reports folders
    exists: bool
    limit: int = DEFAULT_LIMIT
    sections: tuple[str, ...] | None = None  # canonical keys; None: every section
    pager: str | None = None  # None: not set (the pager's own default applies)
    color: str = "auto"
    brief: bool = False
    problems: tuple[Problem, ...] = ()


def load(path: Path | None = None, origin: str | None = None) -> Settings:
    """The settings of the file ``path`` (default: ``paths.config_file()``)."""
    if path is None:
        from cptcli.paths import config_file

        path, origin = config_file()
    origin = origin or "argument"
    if os.path.abspath(path) == os.path.abspath(os.devnull):
        return Settings(path, origin, exists=True)  # CPT_CONFIG=/dev/null: no settings
    text, problem, exists = _read(path)
    if text is None:
        if problem is None and not exists and origin == "CPT_CONFIG":
            problem = Problem(path, None, "does not exist (named by CPT_CONFIG)")
        return Settings(path, origin, exists, problems=(problem,) if problem else ())
    return parse(text, path, origin)


def parse(text: str, path: Path, origin: str = "argument") -> Settings:
    """The settings in ``text``, the content of the file ``path``."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]

    from cptcli.library.reading import MAX_DEPTH, too_deep

    deep = too_deep(text)
    if deep is not None:  # the parser recurses: data must not reach its limit
        message = f"values are nested more than {MAX_DEPTH} levels deep, so no setting applies"
        return Settings(path, origin, exists=True, problems=(Problem(path, deep, message),))
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        line, message = _syntax_error(exc, text)
        problem = Problem(path, line, f"not valid TOML, so no setting applies: {message}")
        return Settings(path, origin, exists=True, problems=(problem,))
    lines = text.splitlines()
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        line = key_line(lines, key)
        if key not in KEYS:
            problems.append(Problem(path, line, _unknown_key(key)))
            continue
        try:
            values[key] = _check(key, value, lines, line, problems, path)
        except ValueError:
            problems.append(
                Problem(path, line, f"{key} must be {KEYS[key]}, not {_shown(value)}; ignored")
            )
    return Settings(path, origin, exists=True, problems=tuple(problems), **values)


# --- reading -------------------------------------------------------------------------


def _read(path: Path) -> tuple[str | None, Problem | None, bool]:
    """(text, problem, exists) of the file, read through the one reading door
    (library/reading.py): regular files only (a named pipe or a device is reported, never
    waited on), at most 64 KB, UTF-8 with the line of a bad byte."""
    from cptcli.errors import RecordError
    from cptcli.library import reading

    try:
        raw = reading.read_bytes(path, limit=reading.CONFIG_LIMIT, what="settings file")
        return reading.decode_text(raw, str(path)), None, True
    except reading.ReadError as exc:
        if isinstance(exc.__cause__, (FileNotFoundError, NotADirectoryError)):
            return None, None, False
        return None, Problem(path, exc.line, f"{exc.message}; ignored"), True
    except RecordError as exc:
        return None, Problem(path, exc.line, f"{exc.message}; ignored"), True


def _syntax_error(exc: Exception, text: str) -> tuple[int | None, str]:
    """The line of a TOML syntax error and its message without the position."""
    message = str(exc)
    line = getattr(exc, "lineno", None)
    found = re.search(r"\s*\(at line (\d+), column \d+\)", message)
    if found:
        line = line or int(found.group(1))
        message = message[: found.start()] + message[found.end() :]
    elif "(at end of document)" in message:
        line = line or text.count("\n") + 1
        message = message.replace(" (at end of document)", " at the end of the file")
    return line, message


def key_line(lines: list[str], key: str) -> int | None:
    """The 1-based line that sets the top-level ``key`` (or opens its table)."""
    quoted = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    assignment = re.compile(rf"\s*{quoted}\s*[=.]")
    header = re.compile(rf"\s*\[\[?\s*{quoted}\s*[\].]")
    top_level = True
    for number, line in enumerate(lines, 1):
        if header.match(line):
            return number
        if line.lstrip().startswith("["):
            top_level = False
        elif top_level and assignment.match(line):
            return number
    return None


def _item_line(lines: list[str], start: int | None, item: str) -> int | None:
    """The line, from ``start`` on, that holds the string ``item`` of an array."""
    if start is None:
        return None
    for number in range(start, len(lines) + 1):
        text = lines[number - 1]
        if f'"{item}"' in text or f"'{item}'" in text:
            return number
    return start


# --- checking ------------------------------------------------------------------------


def _check(
    key: str, value: Any, lines: list[str], line: int | None, problems: list[Problem], path: Path
) -> Any:
    """The value of ``key`` as the program uses it; ValueError when it has the wrong type."""
    if key == "limit":
        if type(value) is not int or value < 1:  # bool is an int too: not a limit
            raise ValueError
        return value
    if key == "color":
        if not isinstance(value, str) or value.strip().lower() not in COLORS:
            raise ValueError
        return value.strip().lower()
    if key == "brief":
        if not isinstance(value, bool):
            raise ValueError
        return value
    if key == "pager":
        if not isinstance(value, str):
            raise ValueError
        return value
    # sections
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError
    from cptcli.errors import CptError
    from cptcli.sections import resolve_section

    keys: list[str] = []
    for name in value:
        try:
            keys.append(resolve_section(name))
        except CptError as exc:
            where = _item_line(lines, line, name)
            problems.append(Problem(path, where, f"sections: {exc} Skipped."))
    from cptcli.sections import SECTION_KEYS

    # Canonical order, as --section gives it; an empty list shows every section.
    return tuple(k for k in SECTION_KEYS if k in keys) or None


def _unknown_key(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"unknown setting {key!r}; ignored.{hint} Settings: {', '.join(KEYS)}."


def _shown(value: Any) -> str:
    """A value as written in TOML, briefly (for messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
