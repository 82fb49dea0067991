"""The interactive picker of ``cpt pick``: a Textual app over :mod:`cptcli.tui.engine`.

The query box searches on every keystroke, in a worker thread that always takes the
newest query (keys typed while a search runs are never queued behind it); the results
list shows code, confidence and name; the preview renders the highlighted record as
``cpt show`` does, whole or one section at a time. Enter ends the app with the chosen
codes (:attr:`App.return_value`), Esc and Ctrl-C with none. Imported only by ``cpt pick``.
"""

from __future__ import annotations

import queue
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
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


class Preview(VerticalScroll):
    """The highlighted record, re-rendered to the pane's width."""

    can_focus = False

    def __init__(self, engine: PickerSearch, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.engine = engine
        self.hit: Hit | None = None
        self.section: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(HINT, style="dim"), id="preview-body")

    def show(self, hit: Hit | None, section: str | None) -> None:
        changed = hit != self.hit
        self.hit, self.section = hit, section
        self.refresh_body()
        if changed:
            self.scroll_home(animate=False)

    def refresh_body(self) -> None:
        body = self.query_one("#preview-body", Static)
        if self.hit is None:
            body.update(Text(HINT, style="dim"))
            return
        width = max(30, self.scrollable_content_region.width)
        body.update(Group(*self.engine.preview(self.hit, self.section, width)))

    def on_resize(self) -> None:
        if self.hit is not None:
            self.refresh_body()


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
        with VerticalScroll(id="record"):
            yield Static(id="record-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#record", VerticalScroll).focus()

    def on_resize(self) -> None:
        width = max(30, self.size.width - 2)
        body = self.query_one("#record-body", Static)
        body.update(Group(*self.engine.preview(self.hit, None, width)))

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
        self.shown = 0  # answers shown so far (benchmarks wait on it)
        self._queries: queue.Queue[str | None] = queue.Queue()

    def compose(self) -> ComposeResult:
        yield Input(value=self.initial, placeholder="Search procedures", id="query")
        with Horizontal(id="main"):
            yield OptionList(id="results")
            yield Preview(self.engine, id="preview")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        results = self.query_one("#results", OptionList)
        results.can_focus = False
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
        results = self.query_one("#results", OptionList)
        chosen = set(self.selected)
        results.set_options(
            Option(hit_prompt(hit, hit.code in chosen), id=str(i))
            for i, hit in enumerate(message.answer.hits)
        )
        results.highlighted = 0 if message.answer.hits else None
        self.shown += 1
        self._update_preview()
        self._update_status()

    # --- the highlighted row and its preview -------------------------------------------

    @property
    def highlighted(self) -> Hit | None:
        index = self.query_one("#results", OptionList).highlighted
        if self.answer is None or index is None or index >= len(self.answer.hits):
            return None
        return self.answer.hits[index]

    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
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
        self.query_one("#status", Static).update(Text("  ·  ".join(parts), style="dim"))

    # --- actions ---------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        results = self.query_one("#results", OptionList)
        if step < 0:
            results.action_cursor_up()
        else:
            results.action_cursor_down()

    def action_page(self, step: int) -> None:
        results = self.query_one("#results", OptionList)
        if step < 0:
            results.action_page_up()
        else:
            results.action_page_down()

    def action_toggle(self, step: int) -> None:
        """Mark or unmark the highlighted code, then move on (as fzf's Tab does)."""
        hit = self.highlighted
        if hit is None:
            return
        if hit.code in self.selected:
            self.selected.remove(hit.code)
        else:
            self.selected.append(hit.code)
        results = self.query_one("#results", OptionList)
        index = results.highlighted
        assert index is not None
        results.replace_option_prompt_at_index(index, hit_prompt(hit, hit.code in self.selected))
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
            self.notify(f"Copied {' '.join(codes)}", timeout=2)

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
    #results {
        width: 2fr; height: 1fr; min-width: 30; border: round $primary-darken-1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    #preview {
        width: 3fr; border: round $primary-darken-1; padding: 0 1; scrollbar-gutter: stable;
    }
    #status { height: 1; padding: 0 1; }
    #record { padding: 0 1; }
    """

    def __init__(self, engine: PickerSearch, query: str = "") -> None:
        super().__init__()
        self.engine = engine
        self.initial = query

    def get_default_screen(self) -> Screen[None]:
        return PickerScreen(self.engine, self.initial)

    def action_cancel(self) -> None:
        self.exit(None, return_code=1)
