"""What the picker shows, without the screen: the query read as ``cpt search`` reads it,
the records behind the results, and the renderables of the preview.

:class:`PickerSearch` answers each query with :class:`Hit` rows using the same index and
ranking as ``cpt search`` (lay words, typos, codes, prefixes and ranges, codes written as
on a bill such as ``99214-25``, deleted codes answered by their replacements, and
modifier questions such as ``modifier 59``). It never prints and does not import
Textual, so it is tested and benchmarked on its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from cptcli.models import Procedure, clean
from cptcli.sections import SECTIONS

if TYPE_CHECKING:
    from rich.console import RenderableType

    from cptcli.billed import CodeRef
    from cptcli.history import History
    from cptcli.modifiers import Modifier, Modifiers
    from cptcli.search import SearchableIndex
    from cptcli.store import Library

MAX_QUERY = 500  # characters, as in ``cpt search``
# Rows the picker lists: more than a screen, few enough to lay out on every keystroke.
LIMIT = 50
# The preview's section choices, in order: None is the whole record.
SECTION_CYCLE: tuple[str | None, ...] = (None, *(spec.key for spec in SECTIONS))


class Hit(NamedTuple):
    """One row of the results: a record (``kind`` "record") or a modifier."""

    code: str
    name: str
    confidence: str  # exact, strong, partial, weak; "modifier" for a modifier
    kind: str = "record"
    billed: CodeRef | None = None  # the code as the query wrote it (modifiers, units)


class Answer(NamedTuple):
    """The rows for one query, how many matched in all, and notes on how it was read."""

    query: str
    hits: list[Hit]
    total: int
    notes: tuple[str, ...] = ()


class PickerSearch:
    """The search and the records behind the picker, for one library.

    ``index`` is the search index (``index.open_index(...).current()``), ``library``
    reads the records, ``modifiers`` and ``history`` are the bundled reference tables
    (empty tables are fine). Answers and records are kept, so that going back to an
    earlier query (Backspace) or record costs nothing.
    """

    def __init__(
        self,
        index: SearchableIndex,
        library: Library,
        modifiers: Modifiers | None = None,
        history: History | None = None,
        limit: int = LIMIT,
    ) -> None:
        self.index = index
        self.library = library
        self.modifiers = modifiers
        self.history = history
        self.limit = limit
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._records: dict[str, Procedure | None] = {}
        self._names: dict[str, str] | None = None

    # --- searching -------------------------------------------------------------------

    def search(self, query: str) -> Answer:
        """The rows for a query, best first (at most ``limit``)."""
        text = " ".join(query.split())[:MAX_QUERY]
        known = self._answers.get(text)
        if known is not None:
            self._answers.move_to_end(text)
            return known._replace(query=query)
        answer = self._search(text)
        self._answers[text] = answer
        if len(self._answers) > 256:
            self._answers.popitem(last=False)
        return answer._replace(query=query)

    def _search(self, text: str) -> Answer:
        from cptcli.search import SearchOptions, find

        if not text:
            return Answer(text, [], 0)
        if self.modifiers is not None and len(self.modifiers):
            from cptcli.modifiers import asks_for_modifiers, find_modifiers

            if asks_for_modifiers(text):
                found = find_modifiers(self.modifiers, text, self.limit)
                hits = [Hit(m.code, m.name, "modifier", kind="modifier") for m in found]
                return Answer(text, hits, len(hits))
        asked, billed = text, {}
        if any(c.isdigit() for c in text):
            refs = self._billed(text)
            if refs:
                asked = " ".join(ref.code for ref in refs)
                billed = {ref.code: ref for ref in refs}
        results = find(self.index, asked, SearchOptions(self.limit))
        matches = list(results.matches)
        notes = list(results.notes)
        if self.history is not None:
            matches, deleted = self._with_replacements(asked, matches)
            notes += deleted
        hits = [Hit(m.code, m.name, m.confidence, billed=billed.get(m.code)) for m in matches]
        return Answer(text, hits, max(results.total, len(hits)), tuple(notes))

    def _billed(self, text: str) -> list[CodeRef]:
        """The codes of a query written as on a bill ("99214-25", "CPT 80053"), or []
        when it is plain codes or words (searched as they are)."""
        from cptcli.billed import is_decorated, parse_codes

        known = self.modifiers
        refs = parse_codes(text, known.by_code if known is not None and len(known) else None)
        if refs is None or not is_decorated(refs, text):
            return []
        return refs

    def _with_replacements(self, asked: str, matches: list[Any]) -> tuple[list[Any], list[str]]:
        """Matches with the replacements of deleted codes the query names added, and a
        note for each deleted code."""
        from cptcli.lookup import deleted_in_query, replacement_matches
        from cptcli.search import parse_code_query

        assert self.history is not None
        if parse_code_query(asked) is None:
            return matches, []
        entries = deleted_in_query(self.history, asked)
        if not entries:
            return matches, []
        shown = {m.code for m in matches}
        extra = [m for m in replacement_matches(self.index, entries) if m.code not in shown]
        notes = []
        for entry in entries:
            replaced = ", ".join(entry.replaced_by) or "no single code"
            notes.append(f"{entry.code} was deleted in {entry.year}; replaced by {replaced}")
        return (matches + extra)[: self.limit], notes

    # --- records and previews --------------------------------------------------------

    def record(self, code: str) -> Procedure | None:
        if code not in self._records:
            self._records[code] = self.library.find(code)
        return self._records[code]

    def modifier(self, code: str) -> Modifier | None:
        return self.modifiers.get(code) if self.modifiers is not None else None

    def names(self) -> dict[str, str]:
        """Every indexed code's name (for the similar codes of a record)."""
        if self._names is None:
            self._names = dict(zip(self.index.codes, self.index.names))
        return self._names

    def sections_of(self, hit: Hit) -> list[str]:
        """The section keys the hit's record has, in canonical order."""
        record = self.record(hit.code) if hit.kind == "record" else None
        if record is None:
            return []
        return [spec.key for spec in SECTIONS if spec.key in record.sections]

    def preview(
        self, hit: Hit, section: str | None = None, width: int = 80, header: bool = True
    ) -> list[RenderableType]:
        """The hit rendered as ``cpt show`` renders it: the whole record, or only one
        section of it (``section``), for a pane ``width`` columns wide."""
        from rich.text import Text

        from cptcli import render

        width = max(30, width)
        if hit.kind == "modifier":
            modifier = self.modifier(hit.code)
            if modifier is None:
                return [Text(f"Modifier {clean(hit.code)}")]
            return render.rich_blocks(render.modifier_blocks([modifier]), width)
        record = self.record(hit.code)
        if record is None:
            return [Text(f"{clean(hit.code)}: the record could not be read.", style="yellow")]
        wanted = None if section is None else [section]
        names = self.names()
        similar = {c: names[c] for c in record.similar_codes if c in names}
        blocks = render.layout(record, wanted, similar)
        if hit.billed is not None and section is None:
            blocks += render.billed_blocks(record, hit.billed, self.modifiers)
        change = self.history.get(record.code) if self.history is not None else None
        out = render.rich_procedure(
            record, blocks, header=header, notice=False, width=width, change=change
        )
        if section is not None and not blocks:
            title = render.section_title(section)
            out.insert(1, Text(f"This record has no {title} section.", style="dim italic"))
        return out


def next_section(current: str | None, step: int = 1) -> str | None:
    """The section after ``current`` in the preview's cycle (None: the whole record)."""
    cycle: Sequence[str | None] = SECTION_CYCLE
    position = cycle.index(current) if current in cycle else 0
    return cycle[(position + step) % len(cycle)]
