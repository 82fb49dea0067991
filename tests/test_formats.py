"""The output formats of ``search``, ``list`` and ``show`` against golden files.

Every run reads the made-up data folder tests/fixtures/data (see the ``fixed_data``
fixture), whose records carry the characters each format must quote or escape (commas,
quotes, ``|``, markup, control characters). Golden files are compared byte for byte
(CSV lines end in CRLF). After an intended change, regenerate them with
``UPDATE_GOLDEN=1 pytest tests/test_formats.py`` and read the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import GOLDEN

FORMATS = GOLDEN / "formats"

CASES = {
    "list.tsv": (["list"], 0),
    "list-header.tsv": (["list", "--header"], 0),
    "list.csv": (["list", "--format", "csv"], 0),
    "list.md": (["list", "--format", "markdown"], 0),
    "search.tsv": (["search", "fixture", "--header"], 0),
    "search.csv": (["search", "fixture", "--format", "csv"], 0),
    "search.md": (["search", "fixture", "--format", "markdown"], 0),
    "show.md": (["show", "99990", "99998", "--format", "markdown"], 0),
    "show.html": (["show", "99990", "99998", "99997", "99991", "--format", "html"], 1),
}


def check_golden(name: str, data: bytes) -> None:
    path = FORMATS / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert data.decode("utf-8") == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_golden(invoke, fixed_data: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    args, code = CASES[name]
    result = invoke(*args)
    assert result.exit_code == code, result.stderr
    check_golden(name, result.stdout_bytes)


def test_csv_is_rfc_4180(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    data = invoke("list", "--format", "csv").stdout_bytes
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == data.count(b"\n") == 4
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    tsv = invoke("list").stdout.splitlines()
    # Read back, the CSV cells are the tab-separated cells, quotes and commas included.
    assert rows[0] == ["code", "name", "category"]
    assert rows[1:] == [line.split("\t") for line in tsv]
    assert rows[1] == [
        "0998T",
        'Repair of a "gap", left | right side',
        'Surgery / Commas, "quotes" | pipes',
    ]


def _markdown_cells(line: str) -> list[str]:
    """A Markdown table row split as GitHub does: at pipes not escaped by a backslash."""
    cells = re.split(r"(?<!\\)((?:\\\\)*)\|", line.strip())
    joined = ["".join(cells[i : i + 2]) for i in range(0, len(cells), 2)]
    return [c.strip() for c in joined[1:-1]]


def test_markdown_table_keeps_its_columns(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    for args, width in ((["list"], 3), (["search", "fixture"], 7)):
        lines = invoke(*args, "--format", "markdown").stdout.splitlines()
        assert lines[1] == "|" + "---|" * width
        assert all(len(_markdown_cells(line)) == width for line in lines)
        assert not any(re.search(r"(?<!\\)<", line) for line in lines)  # \<script\>


def test_markdown_cell_escapes_a_backslash_before_a_pipe() -> None:
    from cptcli.output.formats import markdown

    table = markdown(("a", "b"), [("x\\|y", "z")])
    assert _markdown_cells(table.splitlines()[2]) == ["x\\\\\\|y", "z"]


def test_list_piped_into_cut_gives_names(installed_cpt: list[str]) -> None:
    """A real pipe: `cpt list | cut -f2` prints the name of every code, one a line."""
    result = subprocess.run(
        ["sh", "-c", f"'{installed_cpt[0]}' list | cut -f2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == ""
    listed = json.loads(
        subprocess.run(
            [*installed_cpt, "list", "--json"], capture_output=True, text=True, timeout=60
        ).stdout
    )
    assert result.stdout.splitlines() == [" ".join(item["name"].split()) for item in listed]
    assert len(listed) > 1000
