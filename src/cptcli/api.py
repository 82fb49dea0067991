"""The library API: the common cases of the command line in two functions.

    from cptcli import lookup, search

    record = lookup("85230")              # a Procedure; record.to_dict() is the JSON shape
    for match in search("knee replacement"):
        print(match.code, match.confidence, match.name)

Both read the same folders as ``cpt`` (the bundled library, the user's folder,
``CPT_DATA_PATH``) plus any ``data_dirs`` given, later folders winning. Errors are
:class:`cptcli.errors.CptError` subclasses whose messages say what is wrong without
referring to the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cptcli.errors import NotFoundError, UsageError
from cptcli.history import HistoryEntry
from cptcli.models import Match, Procedure
from cptcli.paths import DataFolder

__all__ = ["DeletedCodeError", "lookup", "search"]


class DeletedCodeError(NotFoundError):
    """The code was deleted from the code set; ``entry`` names its replacements."""

    def __init__(self, message: str, entry: HistoryEntry) -> None:
        super().__init__(message)
        self.entry = entry


def _folders(data_dirs: Sequence[str | Path]) -> list[DataFolder]:
    from cptcli.paths import data_folders

    return data_folders([Path(d) for d in data_dirs])


def lookup(code: str, data_dirs: Sequence[str | Path] = ()) -> Procedure:
    """The record for a code ("85230", also as written on a bill: "CPT 85230",
    "99214-25"). Raises NotFoundError (DeletedCodeError for a deleted code) or
    UsageError when the text is not a code."""
    from cptcli.billed import parse_codes
    from cptcli.history import load_history
    from cptcli.paths import bundled_compiled_dir, history_file
    from cptcli.store import Library, normalize_code

    refs = parse_codes(code)
    wanted = refs[0].code if refs and len(refs) == 1 else normalize_code(code)
    if wanted is None:
        raise UsageError(f"{code!r} is not a procedure code such as 85230, 0001F or J7189.")
    library = Library(_folders(data_dirs))
    record = library.find(wanted)
    if record is not None:
        return record
    entry = load_history(history_file(), bundled_compiled_dir()).get(wanted)
    if entry is not None and not entry.current:
        replaced = ", ".join(entry.replaced_by) or "no single code"
        raise DeletedCodeError(
            f"{wanted} was deleted in {entry.year}; replaced by {replaced}.", entry
        )
    close = library.closest_codes(wanted)
    hint = f" Closest codes: {', '.join(close)}." if close else ""
    raise NotFoundError(f"No procedure {wanted} in the library.{hint}")


def search(
    query: str,
    limit: int = 10,
    field: str = "all",
    category: str | None = None,
    min_score: float = 40.0,
    data_dirs: Sequence[str | Path] = (),
    use_cache: bool = True,
) -> list[Match]:
    """Matches for words, a code, a prefix or a range, best first (at most ``limit``).
    ``field`` is one of all, name, aliases, indications, text. Each Match carries its
    score, ``confidence`` and ``to_dict()``."""
    from cptcli.index import load_or_build
    from cptcli.search import FIELD_CHOICES, SearchOptions, find

    if field not in FIELD_CHOICES:
        raise UsageError(f"field must be one of {', '.join(FIELD_CHOICES)}, not {field!r}.")
    if not query.strip():
        raise UsageError("give words or a code to search for.")
    index = load_or_build(_folders(data_dirs), use_cache=use_cache)
    options = SearchOptions(limit, FIELD_CHOICES[field], category, min_score)
    return find(index, query, options).matches
