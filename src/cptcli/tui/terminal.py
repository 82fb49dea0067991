"""The terminal the picker draws on, even when its output is captured.

``code=$(cpt pick knee)`` captures standard output, and ``cpt pick < codes.txt`` replaces
standard input, yet the picker still needs the terminal, as fzf does. Textual's driver
reads keys from ``sys.__stdin__``, draws on ``sys.__stderr__`` and asks the size of
``sys.__stdout__``; :func:`attached_terminal` points whichever of them is not a terminal
at ``/dev/tty`` for the length of the run, and puts them back afterwards. Without any
terminal it raises :class:`NoTerminalError`. Textual is not imported here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO

from cptcli.errors import UsageError

TTY_PATH = "/dev/tty"  # the controlling terminal (tests point it elsewhere)
# The names of the streams Textual's driver uses, and whether each is read.
_STREAMS = (
    ("__stdin__", "stdin", True),
    ("__stdout__", "stdout", False),
    ("__stderr__", "stderr", False),
)


class NoTerminalError(UsageError):
    """The picker was started without a terminal to draw on."""


def _is_tty(stream: Any) -> bool:
    try:
        return stream is not None and bool(stream.isatty())
    except (ValueError, OSError):  # a closed stream
        return False


def _open_tty(reading: bool) -> TextIO:
    return open(TTY_PATH, "r" if reading else "w", encoding="utf-8")


@contextmanager
def attached_terminal() -> Iterator[None]:
    """Run the body with Textual's streams on a terminal (see the module docstring)."""
    if os.name == "nt":  # Textual's Windows driver uses the console handles directly
        yield
        return
    replaced: dict[str, Any] = {}
    opened: list[TextIO] = []
    try:
        for original, current, reading in _STREAMS:
            if _is_tty(getattr(sys, original)) and _is_tty(getattr(sys, current)):
                continue
            try:
                stream = _open_tty(reading)
            except OSError:
                raise NoTerminalError(
                    "cpt pick needs a terminal to draw its list on, and there is none "
                    "(no terminal on standard input or error, and /dev/tty cannot be "
                    "opened). Use `cpt search` in scripts."
                ) from None
            opened.append(stream)
            replaced[original] = getattr(sys, original)
            setattr(sys, original, stream)
        # A COLUMNS or LINES in the environment would fix the size and hide resizes.
        sizes = {key: os.environ.pop(key) for key in ("COLUMNS", "LINES") if key in os.environ}
        try:
            yield
        finally:
            os.environ.update(sizes)
    finally:
        for name, stream in replaced.items():
            setattr(sys, name, stream)
        for stream in opened:
            with suppress(OSError):
                stream.close()
