"""The interactive picker of ``cpt pick``: a Textual app over :mod:`cptcli.tui.engine`.

The query box searches on every keystroke, in a worker thread that always takes the
newest query (keys typed while a search runs are never queued behind it); the results
list shows code, confidence and name; the preview renders the highlighted record as
``cpt show`` does, whole or one section at a time. Enter ends the app with the chosen
codes (:attr:`App.return_value`), Esc and Ctrl-C with none. Imported only by ``cpt pick``.
"""

from __future__ import annotations

import queue
import time
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from cptcli.models import clean
from cptcli.render import THEME
from cptcli.tui.engine import Answer, Hit, PickerSearch, next_section

HINT = (
    "Type words or a code: lay words (knee replacement), typos (colonscopy), codes and "
    "prefixes (992), ranges (99211-99215), codes as on a bill (99214-25)."
)
CONFIDENCE_WIDTH = 8


class ResultsReady(Message):
    """A search finished (posted from the search thread)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer


def hit_prompt(hit: Hit, selected: bool) -> Text:
    """One row of the results list: selection mark, code, confidence, name."""
    label = hit.confidence if hit.kind == "record" else "modifier"
    return Text.assemble(
        ("● " if selected else "  ", "bold yellow"),
        (f"{clean(hit.code):<6}", THEME["code"]),
        (f"{label:<{CONFIDENCE_WIDTH}}", THEME.get(hit.confidence, THEME["field"])),
        clean(hit.name),
        no_wrap=True,
        overflow="ellipsis",
    )


class ResultList(ScrollView):
    """The results: one line a hit, the highlighted one in the cursor style. Only the
    visible lines are drawn, and a new answer changes no layout (unlike a list of
    widgets), so that typing stays quick."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"result-list--cursor"}
    DEFAULT_CSS = """
    ResultList > .result-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    """
    can_focus = False

    class Highlighted(Message):
        """A row was highlighted with the mouse."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[Text] = []
        self.highlighted: int | None = None
        self._strips: dict[tuple[int, int], Strip] = {}  # (row, width): the row drawn

    def set_rows(self, rows: list[Text]) -> None:
        self.rows = rows
        self._strips.clear()
        self.highlighted = 0 if rows else None
        self.virtual_size = Size(self.scrollable_content_region.width, len(rows))
        self.scroll_home(animate=False)
        self.refresh()

    def replace_row(self, index: int, row: Text) -> None:
        self.rows[index] = row
        self._strips.clear()
        self.refresh()

    def move(self, step: int) -> None:
        if self.highlighted is None:
            return
        self.highlighted = min(max(self.highlighted + step, 0), len(self.rows) - 1)
        height = self.scrollable_content_region.height
        top = round(self.scroll_offset.y)
        if self.highlighted < top:
            self.scroll_to(y=self.highlighted, animate=False)
        elif height and self.highlighted >= top + height:
            self.scroll_to(y=self.highlighted - height + 1, animate=False)
        self.refresh()

    def page(self, step: int) -> None:
        self.move(step * max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_offset.y) + event.y
        if 0 <= index < len(self.rows):
            self.highlighted = index
            self.refresh()
            self.post_message(self.Highlighted())

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get((index, width))
        if strip is None:
            line = self.rows[index].copy()
            line.truncate(width, overflow="ellipsis", pad=True)
            strip = self._strips[index, width] = Strip(line.render(self.app.console, end=""), width)
        if index == self.highlighted:
            strip = strip.apply_style(self.get_component_rich_style("result-list--cursor"))
        return strip.apply_style(self.rich_style)


class Preview(ScrollView):
    """The highlighted record, rendered once per record, section and width into lines
    of which only the visible ones are drawn (a whole record is a hundred lines or
    more, and laying it out as one widget on every keystroke would be slow)."""

    can_focus = False

    def __init__(self, engine: PickerSearch, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self.hit: Hit | None = None
        self.section: str | None = None
        self._lines: list[Strip] = []
        self._cache: dict[tuple[Any, str | None, int], list[Strip]] = {}

    def show(self, hit: Hit | None, section: str | None) -> None:
        moved = hit != self.hit or section != self.section
        self.hit, self.section = hit, section
        self.refresh_body()
        if moved:
            self.scroll_home(animate=False)

    def refresh_body(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out yet: on_resize renders it
        hit = self.hit
        key = (hit and (hit.kind, hit.code, hit.billed), self.section, width)
        lines = self._cache.get(key)
        if lines is None:
            lines = self._render_lines(width)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = lines
        self._lines = lines
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def _render_lines(self, width: int) -> list[Strip]:
        if self.hit is None:
            renderable: Any = Text(HINT, style="dim")
        else:
            renderable = Group(*self.engine.preview(self.hit, self.section, max(30, width)))
        console = self.app.console
        options = console.options.update_width(width)
        lines = console.render_lines(renderable, options, style=self.rich_style)
        return [Strip(line, width) for line in lines]

    def on_resize(self) -> None:
        self.refresh_body()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        return self._lines[index]

    def text(self) -> str:
        """What the preview shows, as plain text (for tests)."""
        return "\n".join(strip.text.rstrip() for strip in self._lines)


class RecordScreen(Screen[None]):
    """One record in full, scrollable; Esc goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", priority=True),
        Binding("q", "back", "Back", show=False),
        Binding("ctrl+c", "app.cancel", "Quit", show=False, priority=True),
    ]

    def __init__(self, engine: PickerSearch, hit: Hit) -> None:
        super().__init__()
        self.engine, self.hit = engine, hit

    def compose(self) -> ComposeResult:
        yield Preview(self.engine, id="record")
        yield Footer()

    def on_mount(self) -> None:
        record = self.query_one("#record", Preview)
        record.can_focus = True
        record.focus()
        record.show(self.hit, None)

    def action_back(self) -> None:
        self.app.pop_screen()


class PickerScreen(Screen[None]):
    """The query box, the results and the preview."""

    # Priority bindings: they act while the query box has focus (it always has).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "accept", "Print", priority=True),
        Binding("up", "move(-1)", "Up", show=False, priority=True),
        Binding("down", "move(1)", "Down", show=False, priority=True),
        Binding("ctrl+p", "move(-1)", "Up", show=False, priority=True),
        Binding("ctrl+n", "move(1)", "Down", show=False, priority=True),
        Binding("pageup", "page(-1)", "Page up", show=False, priority=True),
        Binding("pagedown", "page(1)", "Page down", show=False, priority=True),
        Binding("tab", "toggle(1)", "Select", priority=True),
        Binding("shift+tab", "toggle(-1)", "Select", show=False, priority=True),
        Binding("ctrl+s", "section(1)", "Section", priority=True),
        Binding("ctrl+r", "section(-1)", "Section back", show=False, priority=True),
        Binding("ctrl+o", "open", "Open", priority=True),
        Binding("ctrl+y", "copy", "Copy", priority=True),
        Binding("escape", "app.cancel", "Quit", priority=True),
        Binding("ctrl+c", "app.cancel", "Quit", show=False, priority=True),
    ]

    def __init__(self, engine: PickerSearch, query: str = "") -> None:
        super().__init__()
        self.engine = engine
        self.initial = query
        self.answer: Answer | None = None  # the answer shown
        self.selected: list[str] = []  # codes marked with Tab, in the order marked
        self.section: str | None = None  # the preview's section (None: all)
        self.shown = 0  # answers shown so far, the last at shown_at (for benchmarks)
        self.shown_at = 0.0
        self._queries: queue.Queue[str | None] = queue.Queue()

    def compose(self) -> ComposeResult:
        yield Input(value=self.initial, placeholder="Search procedures", id="query")
        with Horizontal(id="main"):
            yield ResultList(id="results")
            yield Preview(self.engine, id="preview")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()
        self._search_loop()
        self._request(self.initial)

    def on_unmount(self) -> None:
        self._queries.put(None)

    # --- searching -------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        self._request(event.value)

    def _request(self, query: str) -> None:
        self._queries.put(query)

    @work(thread=True, group="search", exit_on_error=True)
    def _search_loop(self) -> None:
        """Answer queries one at a time, skipping to the newest one queued."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                query = self._queries.get(timeout=0.2)
            except queue.Empty:
                continue
            while True:
                try:
                    query = self._queries.get_nowait()
                except queue.Empty:
                    break
            if query is None:
                return
            answer = self.engine.search(query)
            self.post_message(ResultsReady(answer))

    def on_results_ready(self, message: ResultsReady) -> None:
        if message.answer.query != self.query_one("#query", Input).value:
            return  # typed on since: a newer answer is coming
        self.answer = message.answer
        chosen = set(self.selected)
        self.query_one("#results", ResultList).set_rows(
            [hit_prompt(hit, hit.code in chosen) for hit in message.answer.hits]
        )
        self._update_status()
        self.shown += 1
        self.shown_at = time.perf_counter()
        # The list is drawn first; the preview (a whole record to lay out) right after.
        self.call_after_refresh(self._update_preview)

    # --- the highlighted row and its preview -------------------------------------------

    @property
    def highlighted(self) -> Hit | None:
        index = self.query_one("#results", ResultList).highlighted
        if self.answer is None or index is None or index >= len(self.answer.hits):
            return None
        return self.answer.hits[index]

    def on_result_list_highlighted(self, _: ResultList.Highlighted) -> None:
        self._update_preview()

    def _update_preview(self) -> None:
        self.query_one("#preview", Preview).show(self.highlighted, self.section)

    def _update_status(self) -> None:
        parts = []
        answer = self.answer
        if answer is not None and answer.query.strip():
            if answer.hits:
                shown = len(answer.hits)
                count = f"{shown} of {answer.total}" if shown < answer.total else f"{shown}"
                parts.append(f"{count} match{'es' if answer.total != 1 else ''}")
            else:
                parts.append("no match: try fewer or other words")
        if self.selected:
            parts.append(f"{len(self.selected)} selected: {' '.join(self.selected)}")
        from cptcli.render import section_title

        shown_section = section_title(self.section) if self.section else "whole record"
        parts.append(f"preview: {shown_section}")
        if answer is not None:
            parts.extend(clean(note) for note in answer.notes)
        status = Text("  ·  ".join(parts), style="dim")
        self.query_one("#status", Static).update(status, layout=False)

    # --- actions ---------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.query_one("#results", ResultList).move(step)
        self._update_preview()

    def action_page(self, step: int) -> None:
        self.query_one("#results", ResultList).page(step)
        self._update_preview()

    def action_toggle(self, step: int) -> None:
        """Mark or unmark the highlighted code, then move on (as fzf's Tab does)."""
        hit = self.highlighted
        if hit is None:
            return
        if hit.code in self.selected:
            self.selected.remove(hit.code)
        else:
            self.selected.append(hit.code)
        results = self.query_one("#results", ResultList)
        assert results.highlighted is not None
        results.replace_row(results.highlighted, hit_prompt(hit, hit.code in self.selected))
        self.action_move(step)
        self._update_status()

    def action_section(self, step: int) -> None:
        self.section = next_section(self.section, step)
        self._update_preview()
        self._update_status()

    def action_open(self) -> None:
        hit = self.highlighted
        if hit is not None:
            self.app.push_screen(RecordScreen(self.engine, hit))

    def action_copy(self) -> None:
        codes = self.selected or ([self.highlighted.code] if self.highlighted else [])
        if codes:
            self.app.copy_to_clipboard("\n".join(codes))
            self.notify(f"Copied {' '.join(codes)}", timeout=2, markup=False)

    def action_accept(self) -> None:
        codes = list(self.selected)
        if not codes and self.highlighted is not None:
            codes = [self.highlighted.code]
        if codes:
            self.app.exit(codes)
        else:
            self.app.bell()


class PickerApp(App[list[str]]):
    """``cpt pick``: ends with the chosen codes, or with None and return code 1."""

    TITLE = "cpt pick"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #query { border: tall $accent; height: 3; }
    #main { height: 1fr; }
    ResultList, Preview { overflow-x: hidden; }
    #results {
        width: 2fr; height: 1fr; min-width: 30; border: round $primary-darken-1;
    }
    #preview {
        width: 3fr; border: round $primary-darken-1; padding: 0 1; scrollbar-gutter: stable;
    }
    #status { height: 1; padding: 0 1; }
    #record { padding: 0 1; scrollbar-gutter: stable; }
    """

    def __init__(self, engine: PickerSearch, query: str = "") -> None:
        super().__init__()
        self.engine = engine
        self.initial = query

    def get_default_screen(self) -> Screen[None]:
        return PickerScreen(self.engine, self.initial)

    def action_cancel(self) -> None:
        self.exit(None, return_code=1)
