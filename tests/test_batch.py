"""Batch input: `cpt show -` reads one code per line from standard input."""

from __future__ import annotations

import json
import subprocess

STDIN = "85230\n# a comment\n\n99214-25\nknee\n55700\n27132\n"


def test_show_stdin_jsonl_answers_every_line(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "-", "--format", "jsonl", input=STDIN)
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d.get("code", d.get("input")) for d in docs] == [
        "85230",
        "99214",
        "knee",
        "55700",
        "27132",
    ]
    assert docs[1]["billed"]["modifiers"][0]["code"] == "25"
    assert "error" in docs[2] and docs[3]["status"] == "deleted"
    assert docs[4]["found"] is False
    # bad and missing lines are named by their line numbers and do not stop the rest
    assert "line 5: 'knee' is not a procedure code" in result.stderr
    assert "line 7: No procedure 27132" in result.stderr
    assert result.exit_code == 1


def test_show_stdin_json_is_one_document(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "-", "--json", input="85230\n93590\n")
    assert result.exit_code == 0
    assert [d["code"] for d in json.loads(result.stdout)] == ["85230", "93590"]


def test_show_stdin_text(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "-", "-s", "summary", input="85230\n")
    assert result.exit_code == 0 and result.stdout.startswith("85230  ")


def test_unknown_format_is_a_usage_error(invoke) -> None:  # type: ignore[no-untyped-def]
    assert invoke("show", "85230", "--format", "pdf").exit_code == 2


def test_batch_through_the_installed_command(installed_cpt: list[str]) -> None:
    codes = "\n".join(["85230", "99213", "J1100"] * 300) + "\n"
    result = subprocess.run(
        [*installed_cpt, "show", "-", "--format", "jsonl"],
        input=codes,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 900 and json.loads(lines[-1])["code"] == "J1100"


def test_search_stdin_jsonl(invoke) -> None:  # type: ignore[no-untyped-def]
    queries = "knee replacement\n# note\n\nCPT 80053\nqwxzvplorkh\n"
    result = invoke("search", "--stdin", "-n", "2", input=queries)
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["line"], d["query"]) for d in docs] == [
        (1, "knee replacement"),
        (4, "CPT 80053"),
        (5, "qwxzvplorkh"),
    ]
    assert docs[0]["results"][0]["code"] == "27447" and docs[1]["results"][0]["code"] == "80053"
    assert docs[2]["results"] == []
    assert "line 5: no procedure matches" in result.stderr and result.exit_code == 1


def test_search_stdin_rows_carry_the_query(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "--stdin", "-n", "1", "--format", "tsv", input="factor VII\n")
    assert result.stdout.split("\t")[:3] == ["factor VII", "1", "85230"]


def test_search_needs_a_query_or_stdin(invoke) -> None:  # type: ignore[no-untyped-def]
    assert invoke("search").exit_code == 2
    assert invoke("search", "knee", "--stdin", input="x\n").exit_code == 2
