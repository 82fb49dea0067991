"""Rendered output against golden files, at a fixed width, with and without a terminal.

Regenerate after an intended change with: UPDATE_GOLDEN=1 pytest tests/test_render.py
"""

from __future__ import annotations

import io
import os

import pytest

from cptcli import render
from cptcli.models import clean
from cptcli.output.markdown import markdown_procedure
from cptcli.store import load_record

from .conftest import FIXTURES, GOLDEN

RECORD = FIXTURES / "records" / "99999.toml"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def names() -> dict[str, str]:
    return {"85230": "Clotting factor VII (proconvertin) activity assay"}


def test_plain_procedure_golden() -> None:
    record = load_record(RECORD)
    text = render.plain_procedure(record, render.layout(record, None, names()), width=80)
    check_golden("99999-plain.txt", text + "\n")


@pytest.mark.parametrize("color", [False, True])
def test_rich_procedure_golden(color: bool) -> None:
    record = load_record(RECORD)
    console = render.make_console(
        width=80, record=True, force_terminal=True, no_color=not color, file=io.StringIO()
    )
    for renderable in render.rich_procedure(record, render.layout(record, None, names())):
        console.print(renderable)
    text = console.export_text(styles=color)
    check_golden(f"99999-rich{'-color' if color else ''}.txt", text)


def test_layout_shapes() -> None:
    record = load_record(RECORD)
    blocks = {b.key: b for b in render.layout(record)}
    assert [p.kind for p in blocks["procedure"].parts] == ["step", "step"]
    assert [p.number for p in blocks["procedure"].parts] == [1, 2]
    assert [p.kind for p in blocks["risks"].parts] == ["label", "bullet", "label", "paragraph"]
    assert [p.text for p in blocks["risks"].parts if p.kind == "label"] == [
        "Common risks",
        "Rare risks",
    ]
    assert [(p.text, p.detail) for p in blocks["similar_codes"].parts] == [
        ("85230", ""),
        ("0999T", ""),
    ]


def test_layout_filters_sections() -> None:
    record = load_record(RECORD)
    assert [b.key for b in render.layout(record, ["risks", "summary"])] == ["summary", "risks"]


@pytest.mark.parametrize(
    ("dirty", "safe"),
    [
        ("a\x1b[31mb", "a[31mb"),
        ("bell\x07", "bell"),
        ("tab\there", "tab here"),
        ("rtl\u202eoverride", "rtloverride"),
        ("line\nbreak", "line\nbreak"),
        ("[bold]kept[/bold]", "[bold]kept[/bold]"),
    ],
)
def test_clean(dirty: str, safe: str) -> None:
    assert clean(dirty) == safe


@pytest.mark.parametrize("width", [8, 12, 30])
def test_break_lines_keeps_positions_and_width(width: int) -> None:
    text = "Catheter closure of a leak around a mitral valve prosthesis, first occluder"
    broken = render._break_lines(text, width)
    assert len(broken) == len(text)
    assert broken.replace("\n", " ") == text
    assert all(len(line) <= width or " " not in line for line in broken.split("\n"))


def test_search_table_fits_the_width_and_highlights() -> None:
    from rich.console import Console

    from cptcli.models import Match

    match = Match(
        "93590",
        "Closure of a paravalvular leak",
        "Medicine / Cardiovascular",
        73.0,
        "alias",
        "paravalvular leak closure",
        ((0, 12), (13, 17)),
    )
    console = Console(width=60, record=True, force_terminal=True, color_system="standard")
    console.print(render.rich_matches([match], "paravalvlar leek", width=60))
    styled = console.export_text(styles=True, clear=False)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "93590" in text and "73" in text
    assert "\x1b[1mparavalvular\x1b[0m" in styled


def test_markdown_procedure_golden() -> None:
    record = load_record(RECORD)
    text = markdown_procedure(record, render.layout(record, None, names()))
    check_golden("99999.md", text + "\n")
    assert "\\[bold\\]markup" in text  # record text is escaped, never markup


def test_show_markdown_through_the_cli(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "93592", "85230", "--format", "markdown")
    assert result.exit_code == 0
    pages = result.stdout.split("\n---\n")
    assert len(pages) == 2 and pages[0].startswith("## 93592 ")
    assert "**Add-on code:** reported with 93590, 93591" in pages[0]
    assert "### Risks and Complications" in pages[1]
