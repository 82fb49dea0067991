"""What ``cpt search``, ``cpt show`` and the other lookup commands share: the bundled
tables (history, modifiers, families), lines read from standard input, and codes as
written on a bill.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Any, Optional

from cptcli.cli.base import (
    err,
    warn,
)
from cptcli.errors import CptError


def _bundled_table(module: str, what: str) -> Any:
    """A bundled reference table (history, modifiers or families); a broken file is a
    warning and an empty table, never a failed command."""
    import importlib

    from cptcli import paths

    table = importlib.import_module(f"cptcli.{module}")
    try:
        return getattr(table, f"load_{module}")(
            getattr(paths, f"{module}_file")(), paths.bundled_compiled_dir()
        )
    except CptError as exc:
        warn(f"{what} not loaded: {exc}")
        return table.EMPTY


def load_history() -> Any:
    return _bundled_table("history", "code history")


def load_modifiers() -> Any:
    return _bundled_table("modifiers", "modifier reference")


def load_families() -> Any:
    return _bundled_table("families", "code families")


def stdin_lines() -> Any:
    """(line number, text) of each line of standard input that says something: blank
    lines and # comments are skipped."""
    import sys

    for number, line in enumerate(sys.stdin, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            yield number, text


def parse_billed(text: str, reference: Any, decorated_only: bool = False) -> Optional[list[Any]]:
    """Codes as written on a bill, each restored leading zero noted on stderr; None when
    the text is not made of codes (or, with ``decorated_only``, is bare codes that the
    search reads as they are)."""
    from cptcli.billed import is_decorated, parse_codes

    refs = parse_codes(text, reference.by_code if len(reference) else None)
    if refs is None or (decorated_only and not is_decorated(refs, text)):
        return None
    for ref in refs:
        if ref.padded:
            err(f"note: read {ref.written} as {ref.code} (spreadsheets drop leading zeros)")
    return refs
