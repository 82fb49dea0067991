"""Bundled reference tables: the code history, the modifier reference and the code
families. Each is a TOML file checked by its own rules and, like the records,
precompiled to JSON in the wheel (see compiled.py), so that reading one at run time
needs no TOML parser. This module holds the reading they share.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Problems = Callable[[dict[str, Any]], list[str]]


def parse_table(raw: bytes, path: Path, problems: Problems) -> dict[str, Any]:
    """A table file's bytes decoded, parsed and checked; RecordError on the first
    problem."""
    from cptcli.errors import RecordError
    from cptcli.store import decode_text, parse_toml

    data = parse_toml(decode_text(raw, str(path)), str(path))
    found = problems(data)
    if found:
        raise RecordError(str(path), None, found[0])
    return data


def load_table(path: Path, compiled: Path | None, problems: Problems) -> dict[str, Any] | None:
    """A table's data, from its precompiled copy when one was made from exactly these
    bytes; None when the file does not exist. A broken file raises RecordError."""
    from cptcli.compiled import compiled_record
    from cptcli.library.reading import TABLE_LIMIT
    from cptcli.store import read_bytes

    if not path.is_file():
        return None
    raw = read_bytes(path, TABLE_LIMIT, "table")
    data = compiled_record(compiled, path.stem, raw)
    return data if data is not None else parse_table(raw, path, problems)
