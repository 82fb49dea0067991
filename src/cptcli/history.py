"""Code history: codes deleted from the code set (with their replacements) and changes
already published for a coming year.

The bundled ``data/history.toml`` holds one ``[[code]]`` table per code::

    [[code]]
    code = "55700"
    deleted = 2026                # first code-set year without the code
    replaced_by = ["55707", ...]  # current codes that took over its services
    note = "One line in our own words."
    source = "Where the change was confirmed (body and year)."

A code may instead carry ``revised = 2027`` for a change of meaning. Entries dated
after the library's code-set year are announcements: the code is still current. An
optional ``[names]`` table gives plain names for replacement codes that have no record
in the library. The wheel build precompiles the file to JSON (like the records), so
reading it needs no TOML parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from cptcli.codeset import CODE_SET_YEAR

ENTRY_KEYS = ("code", "deleted", "revised", "replaced_by", "note", "source")
FIRST_YEAR, LAST_YEAR = 1990, 2100


class HistoryEntry(NamedTuple):
    code: str
    deleted: int | None
    revised: int | None
    replaced_by: tuple[str, ...]
    note: str
    source: str

    @property
    def year(self) -> int:
        return self.deleted or self.revised or 0

    @property
    def status(self) -> str:
        """``deleted``, ``revised``, or ``deleted_next``/``revised_next`` for a change
        published for a later code set than the library's."""
        kind = "deleted" if self.deleted else "revised"
        return kind if self.year <= CODE_SET_YEAR else f"{kind}_next"

    @property
    def current(self) -> bool:
        """Whether the code still exists in the library's code set."""
        return self.deleted is None or self.deleted > CODE_SET_YEAR

    def to_dict(self, names: dict[str, str | None]) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "deleted": self.deleted,
            "revised": self.revised,
            "replaced_by": [{"code": c, "name": names.get(c)} for c in self.replaced_by],
            "note": self.note,
            "source": self.source,
        }


class History(NamedTuple):
    entries: dict[str, HistoryEntry]
    names: dict[str, str]

    def get(self, code: str) -> HistoryEntry | None:
        return self.entries.get(code)


EMPTY = History({}, {})


def history_problems(data: dict[str, Any]) -> list[str]:
    """Every problem of a parsed history file (empty when it is valid)."""
    from cptcli.store import is_code

    problems: list[str] = []
    unknown = set(data) - {"code", "names"}
    if unknown:
        problems.append(f"unknown top-level key {sorted(unknown)[0]!r}; use [[code]] and [names]")
    entries = data.get("code", [])
    if not isinstance(entries, list):
        return [*problems, "'code' must be an array of tables ([[code]])"]
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        where = f"entry {i}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        code = entry.get("code")
        if not (isinstance(code, str) and is_code(code)):
            problems.append(f"{where}: 'code' must be a code such as 55700 (got {code!r})")
            continue
        where = f"{code}"
        if code in seen:
            problems.append(f"{where}: listed twice")
        seen.add(code)
        for key in entry:
            if key not in ENTRY_KEYS:
                problems.append(f"{where}: unknown key {key!r}")
        years = [entry.get(k) for k in ("deleted", "revised") if k in entry]
        if len(years) != 1:
            problems.append(f"{where}: give exactly one of 'deleted' and 'revised'")
        elif not (
            isinstance(years[0], int)
            and not isinstance(years[0], bool)
            and FIRST_YEAR <= years[0] <= LAST_YEAR
        ):
            problems.append(f"{where}: the year must be a whole number such as 2026")
        replaced = entry.get("replaced_by", [])
        if not (isinstance(replaced, list) and all(isinstance(c, str) for c in replaced)):
            problems.append(f"{where}: 'replaced_by' must be a list of codes")
        else:
            problems.extend(
                f"{where}: replacement {c!r} is not a valid code"
                for c in replaced
                if not is_code(c) or c == code
            )
        for key in ("note", "source"):
            value = entry.get(key)
            if not (isinstance(value, str) and value.strip()):
                problems.append(f"{where}: '{key}' must be a non-empty string")
    names = data.get("names", {})
    if not isinstance(names, dict):
        problems.append("'names' must be a table of code = \"plain name\"")
    else:
        for key, value in names.items():
            if not is_code(key) or not (isinstance(value, str) and value.strip()):
                problems.append(f"names: {key!r} must be a code with a non-empty name")
    return problems


def history_from_data(data: dict[str, Any]) -> History:
    entries = {}
    for entry in data.get("code", []):
        entries[entry["code"]] = HistoryEntry(
            code=entry["code"],
            deleted=entry.get("deleted"),
            revised=entry.get("revised"),
            replaced_by=tuple(entry.get("replaced_by", ())),
            note=entry["note"].strip(),
            source=entry["source"].strip(),
        )
    return History(entries, dict(data.get("names", {})))


def parse_history(raw: bytes, path: Path) -> dict[str, Any]:
    """The file's bytes decoded, parsed and checked (RecordError on the first problem)."""
    from cptcli.tables import parse_table

    return parse_table(raw, path, history_problems)


def load_history(path: Path, compiled: Path | None = None) -> History:
    """The table, from its precompiled copy when one matches the file. A missing file
    is an empty table; a broken one raises RecordError."""
    from cptcli.tables import load_table

    data = load_table(path, compiled, history_problems)
    return EMPTY if data is None else history_from_data(data)
