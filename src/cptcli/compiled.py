"""Bundled records precompiled to JSON, so that showing one needs no TOML parser.

Parsing a record takes well under a millisecond, but importing a TOML parser costs
about 3 ms on every ``cpt show``, a quarter of what the command may add to the
interpreter's start-up. The wheel build (``hatch_build.py``) therefore writes, for each
bundled ``CODE.toml`` that validates, a ``CODE.json`` into the package's
``data/compiled`` folder::

    {"format": 1, "version": "<cptcli version>", "source": "<digest of the TOML bytes>",
     "record": {...the parsed record...}}

A compiled record is used only when its format and version match and its digest matches
the TOML file as it is now, so an edited, missing or damaged compiled file simply means
the TOML is parsed as usual. It is plain JSON: loading it runs no code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cptcli import __version__
from cptcli.digest import Digest

FORMAT = 1


def source_digest(data: bytes) -> str:
    """A checksum of a record file's bytes (change detection, not security)."""
    return Digest(data).hexdigest()


def compiled_record(folder: Path | None, stem: str, raw: bytes) -> dict[str, Any] | None:
    """The parsed record compiled from exactly these TOML bytes, if there is one."""
    if folder is None:
        return None
    from cptcli.library.reading import COMPILED_LIMIT, ReadError, read_bytes

    try:
        text = read_bytes(folder / f"{stem}.json", limit=COMPILED_LIMIT, what="compiled record")
    except ReadError:
        return None
    import json

    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # includes bytes that are not UTF-8
        return None
    if (
        isinstance(doc, dict)
        and doc.get("format") == FORMAT
        and doc.get("version") == __version__
        and doc.get("source") == source_digest(raw)
        and isinstance(doc.get("record"), dict)
    ):
        return doc["record"]
    return None


def compile_folder(source: Path, target: Path) -> tuple[int, list[str]]:
    """Write ``target/CODE.json`` for every valid record in ``source``.

    Returns how many were written and a message for each file left out (it will be
    parsed, and its problem reported, when it is read).
    """
    from cptcli.errors import RecordError
    from cptcli.store import parse_record, read_bytes

    target.mkdir(parents=True, exist_ok=True)
    written, skipped = 0, []
    for path in sorted(source.glob("*.toml")):
        try:
            raw = read_bytes(path)
            data = parse_record(raw, path)
        except RecordError as exc:
            skipped.append(str(exc))
            continue
        _write(target, path.stem, raw, data)
        written += 1
    return written, skipped


def compile_table(path: Path, target: Path) -> str | None:
    """Write ``target/NAME.json`` from one of the bundled reference tables (the code
    history, the modifiers, the code families); a message if it is left out (it is then
    parsed, and its problem reported, when it is read)."""
    from cptcli.errors import RecordError
    from cptcli.families import parse_families
    from cptcli.history import parse_history
    from cptcli.modifiers import parse_modifiers

    parse = {
        "history": parse_history,
        "modifiers": parse_modifiers,
        "families": parse_families,
    }[path.stem]
    from cptcli.library.reading import TABLE_LIMIT
    from cptcli.store import read_bytes

    if not path.is_file():
        return "no such file"
    try:
        raw = read_bytes(path, TABLE_LIMIT, "table")
        data = parse(raw, path)
    except RecordError as exc:
        return str(exc)
    target.mkdir(parents=True, exist_ok=True)
    _write(target, path.stem, raw, data)
    return None


def _write(target: Path, stem: str, raw: bytes, data: dict[str, Any]) -> None:
    import json

    doc = {"format": FORMAT, "version": __version__, "source": source_digest(raw), "record": data}
    (target / f"{stem}.json").write_text(
        json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
