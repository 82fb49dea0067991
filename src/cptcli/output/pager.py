"""The pager: long output on a terminal goes through ``less`` (or the pager people choose).

Which pager (the command line beats the environment, which beats the settings file):

1. ``$CPT_PAGER`` (empty turns paging off),
2. ``$PAGER`` (empty turns paging off),
3. the ``pager`` value of the settings file,
4. ``less -FRX``.

``cat`` as any of them means no pager. ``--no-pager`` on the command line beats them all (the caller
does not ask for a pager then).

The command runs through the shell, as git runs its pager, so ``CPT_PAGER='less -S'``
and pipelines work; ``LESS=FRX`` is set for it unless ``LESS`` is already set, so that a
plain ``less`` keeps colours (``R``), leaves the text on the screen (``X``) and quits at
once when the text fits (``F``). A pager that quits before reading everything (``q``)
is normal, not an error; a pager that cannot be started leaves the caller to print the
text directly.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping

DEFAULT_PAGER = "less -FRX"
# Characters that make a command more than "program arguments...": such commands are
# left to the shell and judged by its exit status only.
_SHELL_SYNTAX = set("|&;<>()$`\\\"'*?[]{}~!#\n")
# Escape sequences (colours, links) take no room on the screen.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
NOT_FOUND = 127  # the shell's exit status for a command it cannot find


def pager_command(environ: Mapping[str, str], configured: str | None = None) -> str | None:
    """The pager command to run, or None for no pager (see the module docstring)."""
    for value in (environ.get("CPT_PAGER"), environ.get("PAGER"), configured):
        if value is not None:
            command = value.strip()
            return None if command in ("", "cat") else command
    return DEFAULT_PAGER


def is_default(command: str) -> bool:
    return command == DEFAULT_PAGER


def screen_lines(text: str, width: int) -> int:
    """How many rows of a ``width``-column screen the text takes (long lines wrap)."""
    from unicodedata import east_asian_width

    rows = 0
    for line in _ESCAPES.sub("", text).rstrip("\n").split("\n"):
        cells = len(line)
        if not line.isascii():
            cells = sum(2 if east_asian_width(c) in "WF" else 1 for c in line)
        rows += max(1, -(-cells // max(width, 1)))
    return rows


def missing_program(command: str) -> str | None:
    """The program of a simple command (``less -R``) when it is not on the PATH; None
    when it is there, or when the command uses shell syntax (the shell will tell)."""
    if any(char in _SHELL_SYNTAX for char in command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    while words and "=" in words[0]:  # VAR=value before the program
        words = words[1:]
    if not words:
        return None
    return None if shutil.which(words[0]) else words[0]


def pager_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The pager's environment: ours, with ``LESS`` and ``LV`` set as git sets them."""
    env = dict(environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    return env


def run_pager(command: str, text: str, environ: Mapping[str, str], encoding: str) -> bool:
    """Send ``text`` through the pager; False when the pager could not be run (nothing
    was shown and the caller should print the text itself).

    The pager writes to our standard output (the terminal). Ctrl-C belongs to the pager
    while it runs (less uses it to stop a search), so this process ignores it until the
    pager ends, as git does.
    """
    import signal

    if missing_program(command) is not None:
        return False
    try:
        process = subprocess.Popen(
            command, shell=True, stdin=subprocess.PIPE, env=pager_environment(environ)
        )
    except OSError:
        return False
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert process.stdin is not None
        # A pager that quit early (q) closed the pipe: the reader left, nothing is wrong.
        with contextlib.suppress(OSError):
            process.stdin.write(text.encode(encoding, errors="replace"))
        with contextlib.suppress(OSError):
            process.stdin.close()
        status = process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return status != NOT_FOUND


def terminal_height() -> int:
    """Rows of the terminal on standard output (``LINES`` wins, as for the width)."""
    return shutil.get_terminal_size((80, 24)).lines


def should_page(text: str, width: int, height: int | None = None) -> bool:
    """Whether the text is taller than the screen."""
    return screen_lines(text, width) > (height or terminal_height())
