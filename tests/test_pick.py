"""cpt pick: the picker's search, the Textual app driven headless by its pilot (typing,
moving, the preview, sections, multi-select, Enter and Esc), a snapshot of the screen,
and the command without a terminal.

The app tests read a fixed folder of records (tests/fixtures/pick, copies of bundled
records), so that changes to the bundled library do not change what they see.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from cptcli.history import load_history
from cptcli.index import load_or_build
from cptcli.modifiers import load_modifiers
from cptcli.paths import DataFolder, bundled_compiled_dir, history_file, modifiers_file
from cptcli.store import Library
from cptcli.tui import terminal
from cptcli.tui.engine import SECTION_CYCLE, PickerSearch, next_section

from .conftest import FIXTURES, GOLDEN

PICK_RECORDS = FIXTURES / "pick"
SIZE = (110, 32)


@pytest.fixture(scope="module")
def engine_parts() -> tuple[Any, ...]:
    folders = [DataFolder(PICK_RECORDS, "--data-dir")]
    index = load_or_build(folders, use_cache=False)
    reference = load_modifiers(modifiers_file(), bundled_compiled_dir())
    history = load_history(history_file(), bundled_compiled_dir())
    return index, folders, reference, history


@pytest.fixture
def engine(engine_parts: tuple[Any, ...]) -> PickerSearch:
    index, folders, reference, history = engine_parts
    return PickerSearch(index, Library(folders), reference, history)


# --- the search behind the picker ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("knee replacment", "27447"),  # lay words with a typo
        ("colonscopy", "45378"),
        ("factor VII clotting", "85230"),
        ("99214", "99214"),
        ("992", "99213"),  # a prefix
        ("99214-25", "99214"),  # as written on a bill
        ("CPT 85230", "85230"),
    ],
)
def test_engine_answers_as_search_does(engine: PickerSearch, query: str, first: str) -> None:
    answer = engine.search(query)
    assert answer.hits, query
    assert answer.hits[0].code == first
    assert answer.query == query


def test_engine_keeps_the_billed_code_and_explains_its_modifier(engine: PickerSearch) -> None:
    hit = engine.search("99214-25").hits[0]
    assert hit.billed is not None and hit.billed.modifiers == ("25",)
    text = render_text(engine.preview(hit, None, 80))
    assert "Modifier 25" in text
    assert "99214" in text


def test_engine_answers_modifier_questions_with_modifiers(engine: PickerSearch) -> None:
    hits = engine.search("modifier 59").hits
    assert hits[0].code == "59" and hits[0].kind == "modifier"
    assert "Modifier 59" in render_text(engine.preview(hits[0]))


def test_engine_empty_query_has_no_rows(engine: PickerSearch) -> None:
    answer = engine.search("   ")
    assert answer.hits == [] and answer.total == 0


def test_engine_preview_of_one_section(engine: PickerSearch) -> None:
    hit = engine.search("colonoscopy").hits[0]
    whole = render_text(engine.preview(hit, None, 90))
    risks = render_text(engine.preview(hit, "risks", 90))
    assert "Summary" in whole and "Risks and Complications" in whole
    assert "Risks and Complications" in risks and "Summary" not in risks
    missing = [key for key in SECTION_CYCLE[1:] if key not in engine.sections_of(hit)]
    if missing:
        assert "has no" in render_text(engine.preview(hit, missing[0], 90))


def test_section_cycle_wraps_round() -> None:
    assert next_section(None) == SECTION_CYCLE[1]
    assert next_section(SECTION_CYCLE[-1]) is None
    assert next_section(None, -1) == SECTION_CYCLE[-1]


def render_text(renderables: list[Any], width: int = 100) -> str:
    from rich.console import Console

    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


# --- the app, headless -------------------------------------------------------------------


def run_app(engine: PickerSearch, query: str, steps: Callable[[Any, Any], Awaitable[None]]) -> Any:
    from cptcli.tui.app import PickerApp

    app = PickerApp(engine, query)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await steps(app, pilot)

    asyncio.run(main())
    return app


async def settle(pilot: Any) -> None:
    """Wait until the newest query's results are on screen."""
    screen = pilot.app.screen
    query = screen.query_one("#query").value
    for _ in range(500):
        if not query or (screen.answer is not None and screen.answer.query == query):
            break
        await pilot.pause(0.01)
    await pilot.pause()


def rows(app: Any) -> list[str]:
    return [row.plain for row in app.screen.query_one("#results").rows]


def preview_text(app: Any) -> str:
    return app.screen.query_one("#preview").text()


def test_typing_a_lay_query_updates_the_results_and_preview(engine: PickerSearch) -> None:
    seen: dict[str, Any] = {}

    async def steps(app: Any, pilot: Any) -> None:
        seen["empty"] = rows(app)
        await pilot.press(*"knee replacment")
        await settle(pilot)
        seen["rows"] = rows(app)
        seen["preview"] = preview_text(app)
        seen["status"] = str(app.screen.query_one("#status").render())

    run_app(engine, "", steps)
    assert seen["empty"] == []
    assert seen["rows"][0].split()[:2] == ["27447", "strong"]
    assert "Total knee arthroplasty" in seen["preview"]
    assert "4 matches" in seen["status"]


def test_moving_changes_the_previewed_record(engine: PickerSearch) -> None:
    seen: list[str] = []

    async def steps(app: Any, pilot: Any) -> None:
        for key in ("down", "ctrl+n", "ctrl+p", "up"):
            await pilot.press(key)
            seen.append(app.screen.highlighted.code)
        seen.append(app.screen.query_one("#preview").hit.code)

    run_app(engine, "knee", steps)
    codes = [h.code for h in engine.search("knee").hits]
    assert seen == [codes[1], codes[2], codes[1], codes[0], codes[0]]


def test_section_key_switches_the_preview(engine: PickerSearch) -> None:
    seen: dict[str, Any] = {}

    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+s")
        seen["one"] = (app.screen.section, preview_text(app))
        seen["status"] = str(app.screen.query_one("#status").render())
        await pilot.press("ctrl+r")
        seen["back"] = app.screen.section

    run_app(engine, "colonoscopy", steps)
    section, text = seen["one"]
    assert section == "summary"
    assert "Summary" in text and "Purpose" not in text
    assert "preview: Summary" in seen["status"]
    assert seen["back"] is None


def test_open_shows_the_whole_record_and_escape_goes_back(engine: PickerSearch) -> None:
    seen: dict[str, Any] = {}

    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+o")
        seen["screen"] = type(app.screen).__name__
        seen["hit"] = app.screen.hit.code
        await pilot.press("escape")
        seen["after"] = type(app.screen).__name__

    app = run_app(engine, "85230", steps)
    assert seen == {"screen": "RecordScreen", "hit": "85230", "after": "PickerScreen"}
    assert app.return_code is None  # Esc on the record went back; it did not quit


def test_enter_returns_the_highlighted_code(engine: PickerSearch) -> None:
    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("down", "enter")

    app = run_app(engine, "knee replacement", steps)
    assert app.return_value == [engine.search("knee replacement").hits[1].code]
    assert app.return_code == 0


def test_tab_selects_several_codes_and_enter_returns_them_all(engine: PickerSearch) -> None:
    seen: dict[str, Any] = {}

    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("tab", "tab", "tab")  # mark three, moving down each time
        await pilot.press("up", "tab")  # unmark the third
        seen["rows"] = rows(app)
        # Selections are kept while the query changes.
        await pilot.press(*"colonoscopy")
        await settle(pilot)
        await pilot.press("tab", "enter")

    app = run_app(engine, "knee", steps)
    knee = [h.code for h in engine.search("knee").hits]
    assert [r.startswith("●") for r in seen["rows"][:4]] == [True, True, False, False]
    assert app.return_value == [knee[0], knee[1], "45378"]


def test_escape_returns_nothing(engine: PickerSearch) -> None:
    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("tab", "escape")

    app = run_app(engine, "knee", steps)
    assert app.return_value is None
    assert app.return_code == 1


def test_ctrl_c_returns_nothing(engine: PickerSearch) -> None:
    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+c")

    app = run_app(engine, "knee", steps)
    assert app.return_value is None and app.return_code == 1


def test_enter_without_results_does_not_exit(engine: PickerSearch) -> None:
    seen: dict[str, Any] = {}

    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("enter")
        seen["running"] = app.is_running
        seen["status"] = str(app.screen.query_one("#status").render())
        await pilot.press("escape")

    app = run_app(engine, "zzqqxx", steps)
    assert seen["running"] is True
    assert "no match" in seen["status"]
    assert app.return_value is None


def test_copy_puts_the_code_on_the_clipboard(engine: PickerSearch) -> None:
    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press("ctrl+y", "escape")

    app = run_app(engine, "85230", steps)
    assert app.clipboard == "85230"


# --- snapshot of the screen ----------------------------------------------------------------

SNAPSHOT = GOLDEN / "pick_knee.svg"
SNAPSHOT_TEXT = GOLDEN / "pick_knee.txt"


def normalise_svg(svg: str) -> str:
    """The screenshot without what changes from run to run: the ids Textual derives from
    a hash of the content, and the terminal title."""
    svg = re.sub(r"terminal-\d+", "terminal", svg)
    return re.sub(r"<title>.*?</title>", "", svg, flags=re.S)


def screen_text(app: Any) -> str:
    """The characters on the screen, line by line, without styles."""
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(app.screen._compositor.render_update(full=True))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def test_screen_snapshot(engine: PickerSearch) -> None:
    """The picker after typing a lay query and moving down once, against golden files:
    the characters on screen always, and the SVG screenshot (colours and styles too)
    with the Textual release it was made with (another release may draw the same screen
    with other colours or ids). Regenerate with CPT_UPDATE_GOLDEN=1 and review them."""
    from textual import __version__ as textual_version

    shot: dict[str, str] = {}

    async def steps(app: Any, pilot: Any) -> None:
        await pilot.press(*"knee replacment")
        await settle(pilot)
        await pilot.press("down")
        app.screen.query_one("#query").cursor_blink = False  # a blink must not show
        await pilot.pause()
        shot["svg"] = app.export_screenshot(title="cpt pick")
        shot["text"] = screen_text(app)

    run_app(engine, "", steps)
    svg = f"<!-- textual {textual_version} -->\n" + normalise_svg(shot["svg"])
    if os.environ.get("CPT_UPDATE_GOLDEN"):
        SNAPSHOT.write_text(svg, encoding="utf-8")
        SNAPSHOT_TEXT.write_text(shot["text"], encoding="utf-8")
    assert shot["text"] == SNAPSHOT_TEXT.read_text(encoding="utf-8")
    assert "27446" in shot["text"] and "Unicompartmental" in shot["text"]
    golden = SNAPSHOT.read_text(encoding="utf-8")
    if golden.splitlines()[0] == svg.splitlines()[0]:  # made with this Textual release
        assert svg == golden


# --- the command ---------------------------------------------------------------------------


def test_pick_is_a_command(invoke: Any) -> None:
    result = invoke("pick", "--help")
    assert result.exit_code == 0
    assert "Enter prints" in result.stdout


def test_pick_without_a_terminal_fails_cleanly(
    invoke: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(terminal, "TTY_PATH", str(tmp_path / "no-tty"))
    result = invoke("pick", "knee")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "needs a terminal" in result.stderr


def test_installed_pick_without_a_terminal_exits_2(installed_cpt: list[str]) -> None:
    """A real process with no controlling terminal (its own session) and nothing on
    standard input: a message and exit 2, never a traceback or a hang."""
    done = subprocess.run(
        [*installed_cpt, "pick", "knee"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "needs a terminal" in done.stderr
    assert "Traceback" not in done.stderr


def test_other_commands_do_not_import_textual() -> None:
    for args in (["show", "85230", "--json"], ["search", "knee", "--json"]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "cptcli", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
        assert "cptcli.cli.pick" not in imported
        assert not any(name.split(".")[0] == "textual" for name in imported), args
