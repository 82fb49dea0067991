"""Looking codes up: a record, or the history of a code the code set no longer has.

``lookup_codes`` answers each requested code with a :class:`Found` (a record, possibly
with a published change for a coming year, or a deleted code with its replacements) or
a typed error. It never prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cptcli.codeset import CODE_SET
from cptcli.errors import CptError, NotFoundError
from cptcli.history import History, HistoryEntry
from cptcli.models import Match, Procedure
from cptcli.paths import DataFolder, bundled_procedures_dir
from cptcli.store import Library, normalize_code, system_for

if TYPE_CHECKING:  # imported where used: a plain `cpt show` needs neither
    from cptcli.billed import CodeRef
    from cptcli.families import Families, Place


class Found(NamedTuple):
    """One answer: ``record`` is None for a code that was deleted (see ``change``)."""

    code: str
    record: Procedure | None
    change: HistoryEntry | None
    names: dict[str, str | None]  # names of the replacement codes
    billed: CodeRef | None = None  # the code as written, when it carried more than a code

    def to_dict(self, sections: list[str] | None = None) -> dict[str, Any]:
        if self.record is not None:
            out = self.record.to_dict(sections)
            if self.change is not None and not self.change.current:
                out["status"] = "deleted"
            out["history"] = self.change.to_dict(self.names) if self.change else None
            self._add_billed(out)
            return out
        assert self.change is not None
        out = {
            "code": self.code,
            "system": system_for(self.code),
            "code_set": CODE_SET,
            **self.change.to_dict(self.names),
        }
        self._add_billed(out)
        return out

    def _add_billed(self, out: dict[str, Any]) -> None:
        if self.billed is not None:
            out["billed"] = {
                "written": self.billed.written,
                "modifiers": list(self.billed.modifiers),
                "units": self.billed.units,
                "leading_zeros_restored": self.billed.padded,
            }


class Origin(NamedTuple):
    """Where a record that is not bundled was read from."""

    path: str
    replaces_bundled: bool  # the bundled library has a record of the same code


def record_origin(record: Procedure) -> Origin | None:
    """The file of a record read from a user folder (None for a bundled record)."""
    from cptcli.paths import bundled_record_file

    if not record.source or Path(record.source).parent == bundled_procedures_dir():
        return None
    return Origin(record.source, bundled_record_file(record.code) is not None)


def replacement_names(
    library: Library, history: History, entry: HistoryEntry
) -> dict[str, str | None]:
    """Each replacement code's name: its record's, else the history file's, else None."""
    return {code: library.name_of(code) or history.names.get(code) for code in entry.replaced_by}


def lookup(library: Library, history: History, text: str) -> Found:
    """The answer for one code as typed; raises NotFoundError or UsageError."""
    code = normalize_code(text)
    entry = history.get(code) if code else None
    try:
        record = library.get(text)
    except NotFoundError:
        if entry is None or entry.current:
            raise
        return Found(entry.code, None, entry, replacement_names(library, history, entry))
    if entry is not None:
        return Found(record.code, record, entry, replacement_names(library, history, entry))
    return Found(record.code, record, None, {})


class Absent(NamedTuple):
    """A valid code the library has no record for: where it sits in the code set, and
    the library's codes in its family (or, without a family, its subsection)."""

    code: str
    place: Place
    nearby: list[tuple[str, str]]  # (code, name)
    suggestions: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "system": system_for(self.code),
            "code_set": CODE_SET,
            "found": False,
            "family": self.place.to_dict(),
            "nearby": [{"code": c, "name": n} for c, n in self.nearby],
            "suggestions": self.suggestions,
        }


def absent(library: Library, families: Families, code: str, limit: int = 30) -> Absent | None:
    """The answer for a valid code that has no record, or None when the text is not a
    valid code."""
    normal = normalize_code(code)
    if normal is None:
        return None
    place = families.place(normal)
    scope = place.family or place.subsection
    codes = library.codes()
    members = families.members(scope, codes) if scope else []
    nearby = []
    for member in members[:limit]:
        name = library.name_of(member)
        if name is not None:
            nearby.append((member, name))
    return Absent(normal, place, nearby, library.closest_codes(normal))


def lookup_codes(
    folders: list[DataFolder], history: History, codes: Sequence[str | CodeRef]
) -> tuple[Library, list[tuple[str, Found | CptError]]]:
    """Every code answered in order, each with the text asked for; the library is
    returned for its problems. A code given as a :class:`CodeRef` with modifiers, units or
    restored zeros is answered with it (``Found.billed``)."""
    from cptcli.billed import CodeRef

    library = Library(folders)
    answers: list[tuple[str, Found | CptError]] = []
    # A column of codes from a claim export repeats codes: each is looked up once.
    known: dict[str, Found | CptError] = {}
    for item in codes:
        text = item.code if isinstance(item, CodeRef) else item
        if text not in known:
            try:
                known[text] = lookup(library, history, text)
            except CptError as exc:
                known[text] = exc
        answer = known[text]
        if isinstance(answer, CptError):
            answers.append((text, answer))
            continue
        if isinstance(item, CodeRef) and (item.modifiers or item.units or item.padded):
            answer = answer._replace(billed=item)
        answers.append((text, answer))
    return library, answers


def deleted_in_query(history: History, query: str) -> list[HistoryEntry]:
    """The deleted codes a code query names (``cpt search 55700``), in query order."""
    from cptcli.search import parse_code_query

    parsed = parse_code_query(query)
    if parsed is None:
        return []
    entries = [history.get(code) for code in parsed.exact]
    return [e for e in entries if e is not None and not e.current]


def replacement_matches(index: Any, entries: Sequence[HistoryEntry]) -> list[Match]:
    """The library's records for the replacements of deleted codes, as search results."""
    position = {code: i for i, code in enumerate(index.codes)}
    out, seen = [], set()
    for entry in entries:
        for code in entry.replaced_by:
            i = position.get(code)
            if i is None or code in seen:
                continue
            seen.add(code)
            text = f"replaces {entry.code}, deleted in {entry.year}"
            out.append(
                Match(
                    code=code,
                    name=index.names[i],
                    category=index.categories[i],
                    score=100.0,
                    matched_field="history",
                    matched_text=text,
                    highlights=((9, 9 + len(entry.code)),),
                    system=index.systems[i],
                )
            )
    return out


def prefix_place(families: Families, prefix: str) -> Place | None:
    """Where the codes starting with a prefix sit (``cpt search 121``): the narrowest
    ranges holding both the first and the last code the prefix can stand for."""
    from cptcli.families import Place

    if not prefix or len(prefix) >= 5:
        return None
    low, high = prefix.ljust(5, "0"), prefix.ljust(5, "9")
    first, last = families.place(low), families.place(high)
    levels = [
        first.section if first.section == last.section else None,
        first.subsection if first.subsection == last.subsection else None,
        first.family if first.family == last.family else None,
    ]
    place = Place(*levels)
    return place if place.narrowest is not None else None
