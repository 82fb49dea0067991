"""`cpt search` through the CLI: ranking promises, output modes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def codes(invoke, *query: str, options: tuple[str, ...] = ()) -> list[str]:  # type: ignore[no-untyped-def]
    result = invoke(*options, "search", *query, "--json")
    assert result.exit_code in (0, 1), result.stderr
    return [r["code"] for r in json.loads(result.stdout)["results"]]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (("factor", "VII"), "85230"),
        (("factor", "7"), "85230"),
        (("paravalvular", "leak", "mitral"), "93590"),
        (("paravalvlar", "leek"), "93590"),
        (("85230",), "85230"),
    ],
)
def test_ranks_first(invoke, query: tuple[str, ...], code: str) -> None:  # type: ignore[no-untyped-def]
    assert codes(invoke, *query)[0] == code


def test_json_shape(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "factor", "VII", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["query"] == "factor VII"
    first = data["results"][0]
    assert set(first) == {
        "code",
        "name",
        "category",
        "score",
        "confidence",
        "matched_field",
        "matched_text",
    }
    assert 0 < first["score"] <= 100
    assert first["confidence"] in {"exact", "strong", "partial", "weak"}
    assert first["matched_field"] in {
        "code",
        "name",
        "alias",
        "search term",
        "indication",
        "summary",
        "purpose",
    }
    assert data["total"] >= len(data["results"])


def test_plain_table_when_piped(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "paravalvular", "leak")
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0].split()
    assert first[:2] == ["1", "93590"]
    assert "\x1b[" not in result.stdout


def test_terminal_table_highlights_without_colour(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "paravalvular", "leak", env={"CPT_FORCE_TERMINAL": "1"})
    assert "93590" in result.stdout and "┃" in result.stdout
    assert "\x1b[1m" in result.stdout  # bold survives NO_COLOR; colours do not
    assert "\x1b[3" not in result.stdout


def test_nothing_found_exits_1_with_message_on_stderr(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "qwxzv", "plorkh")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "No procedure matches 'qwxzv plorkh'" in result.stderr
    result = invoke("search", "qwxzv", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert {k: document[k] for k in ("query", "total", "results")} == {
        "query": "qwxzv",
        "total": 0,
        "results": [],
    }


def test_limit(invoke, records: Path) -> None:  # type: ignore[no-untyped-def]
    found = codes(invoke, "fixture", options=("--data-dir", str(records)))
    assert {"99999", "0999T"} <= set(found)
    assert len(codes(invoke, "fixture", "--limit", "2", options=("--data-dir", str(records)))) == 2
    found = codes(invoke, "fixture", "--limit", "1", options=("--data-dir", str(records)))
    assert len(found) == 1


def test_query_markup_is_literal(invoke) -> None:  # type: ignore[no-untyped-def]
    query = "[bold]paravalvular leak mitral[/bold]"
    result = invoke("search", query, env={"CPT_FORCE_TERMINAL": "1"})
    assert result.exit_code == 0
    assert query in result.stdout.replace("\n", "")
    result = invoke("search", "[magenta]qwxzv plorkh[/magenta]")
    assert "'[magenta]qwxzv plorkh[/magenta]'" in result.stderr


def test_bad_field_and_empty_query_are_usage_errors(invoke) -> None:  # type: ignore[no-untyped-def]
    assert invoke("search", "leak", "--field", "everything").exit_code == 2
    assert invoke("search", " ").exit_code == 2
    assert invoke("search").exit_code == 2


def test_section_prints_top_hit_sections(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "paravalvular", "leak", "--section", "risks")
    assert result.exit_code == 0
    assert "Risks and Complications" in result.stdout
    assert "\nSummary\n" not in result.stdout


def test_json_with_sections_stays_one_document(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "knee", "-n", "1", "--json", "-s", "risks")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)  # "Extra data" if text followed the JSON
    assert doc["top"]["code"] == doc["results"][0]["code"]
    assert "risks" in doc["top"] and "summary" not in doc["top"]


def test_piped_output_is_tab_separated_rows(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "knee", "replacement", "-n", "3")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 3 and all(len(r) == 7 for r in rows)
    assert rows[0][:2] == ["1", "27447"] and rows[0][3] == "exact"
    assert not any(cell != cell.strip() for r in rows for cell in r)  # no padding
    header = invoke("search", "knee", "-n", "1", "--header").stdout.splitlines()[0]
    assert header == "rank\tcode\tscore\tconfidence\tname\tcategory\tmatched"


def test_csv_and_markdown_formats(invoke) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    text = invoke("search", "knee", "replacement", "-n", "2", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["rank", "code"] and rows[1][1] == "27447" and len(rows) == 3
    md = invoke("search", "knee", "replacement", "-n", "2", "--format", "markdown").stdout
    assert md.splitlines()[1].startswith("|---|") and "| 27447 |" in md


def test_list_cut_gives_names(invoke) -> None:  # type: ignore[no-untyped-def]
    lines = invoke("list").stdout.splitlines()
    assert all(len(line.split("\t")) == 3 for line in lines)
    names = [line.split("\t")[1] for line in lines]
    assert "Clotting factor VII (proconvertin) activity assay" in names


def test_unknown_format_is_a_usage_error(invoke) -> None:  # type: ignore[no-untyped-def]
    assert invoke("search", "knee", "--format", "yaml").exit_code == 2
