"""Layouts that fit the width: search, show and paths at 60, 80 and 120 columns.

Golden files hold the expected output for the records of ``fixtures/layout`` (long
names and categories beside short ones), on a terminal (rich, without colour) and in
plain text. Regenerate after an intended change with:
UPDATE_GOLDEN=1 pytest tests/test_layouts.py
"""

from __future__ import annotations

import re

import pytest

from cptcli import render

from .conftest import FIXTURES
from .test_render import check_golden

LAYOUT = FIXTURES / "layout"
WIDTHS = (60, 80, 120)
STYLES = ("rich", "plain")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(invoke, width: int, style: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"COLUMNS": str(width)}
    if style == "rich":
        env["CPT_FORCE_TERMINAL"] = "1"
    result = invoke("--data-dir", str(LAYOUT), *args, env=env)
    assert "Traceback" not in result.stderr
    return result


def screen_width(text: str) -> int:
    return max(len(ANSI.sub("", line)) for line in text.splitlines())


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("width", WIDTHS)
def test_search_golden(invoke, width: int, style: str) -> None:  # type: ignore[no-untyped-def]
    args = ["search", "quokka"] + (["--format", "table"] if style == "plain" else [])
    result = run(invoke, width, style, *args)
    assert result.exit_code == 0, result.stderr
    assert screen_width(result.stdout) <= width
    check_golden(f"layout-search-{width}-{style}.txt", result.stdout)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("width", WIDTHS)
def test_show_golden(invoke, width: int, style: str) -> None:  # type: ignore[no-untyped-def]
    result = run(invoke, width, style, "show", "0996T", "0998T")
    assert result.exit_code == 0, result.stderr
    # The file of a record that is not bundled is named, whole, on a line of its own.
    for code in ("0996T", "0998T"):
        path = str(LAYOUT / f"{code}.toml")
        lines = [ANSI.sub("", line).rstrip() for line in result.stdout.splitlines()]
        assert f"From {path}" in lines
    text = result.stdout.replace(str(LAYOUT), "<fixtures>")
    check_golden(f"layout-show-{width}-{style}.txt", text)


@pytest.mark.parametrize("width", WIDTHS)
def test_paths_golden(width: int) -> None:
    rows = [
        ("bundled", "/usr/lib/python3/site-packages/cptcli/data/procedures", "1899 records"),
        ("user", "/home/someone/.local/share/cptcli/procedures", "missing"),
        ("--data-dir", "/home/someone/records/of/the/cardiology/practice", "12 records"),
        ("cache (platformdirs)", "/home/someone/.cache/cptcli", ""),
    ]
    text = render.plain_paths(rows, width)
    assert max(len(line) for line in text.splitlines()) <= width or width < 100
    check_golden(f"layout-paths-{width}.txt", text + "\n")


# --- properties on the bundled library -----------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_narrow_search_keeps_names_whole(invoke, style: str) -> None:  # type: ignore[no-untyped-def]
    """At 60 columns, three results fit in a screenful, and no code or word of a name is
    cut short: the category goes and the matched text folds under the name."""
    import json

    found = json.loads(invoke("search", "knee", "replacement", "-n", "3", "--json").stdout)
    args = ["search", "knee", "replacement", "-n", "3"]
    result = invoke(
        *args,
        *(["--format", "table"] if style == "plain" else []),
        env={"COLUMNS": "60", **({"CPT_FORCE_TERMINAL": "1"} if style == "rich" else {})},
    )
    text = ANSI.sub("", result.stdout)
    assert screen_width(text) <= 60
    assert len(text.splitlines()) <= 20  # it took 28 lines when names were squeezed
    assert "…" not in text
    words = re.findall(r"[\w,-]+", text)
    for item in found["results"]:
        assert item["code"] in words
        for word in re.findall(r"[\w,-]+", item["name"]):
            assert word in words, word  # no word of a name broken or cut
        assert item["category"] not in text.replace("\n", " ")


def test_category_is_shown_from_100_columns(invoke) -> None:  # type: ignore[no-untyped-def]
    for width, shown in ((99, False), (100, True)):
        env = {"COLUMNS": str(width), "CPT_FORCE_TERMINAL": "1"}
        text = ANSI.sub("", invoke("search", "colonoscopy", "-n", "2", env=env).stdout)
        assert ("Category" in text) is shown
        assert "Matched" in text  # from 80 columns the matched text has its own column


def test_paths_never_break_a_path(invoke, tmp_path) -> None:  # type: ignore[no-untyped-def]
    deep = tmp_path / "a-folder-with-a-rather-long-name" / "and-another-one-inside-it"
    deep.mkdir(parents=True)
    for width in WIDTHS:
        result = invoke("--data-dir", str(deep), "paths", env={"COLUMNS": str(width)})
        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert any(str(deep) in line for line in lines)  # whole, on one line
        if len(str(deep)) + 14 > width:  # too wide for the columns: the path on its own line
            assert f"  {deep}" in lines


def test_several_records_are_set_apart_in_plain_text(invoke) -> None:  # type: ignore[no-untyped-def]
    text = invoke("show", "85230", "99214", "-s", "duration").stdout
    rule = "=" * 80
    before, after = text.split(f"\n\n{rule}\n")
    assert before.startswith("85230  ") and after.startswith("99214  ")
    assert invoke("show", "85230", "-s", "duration").stdout.count(rule) == 0
