"""The JSON contract: every command prints exactly one JSON document for every outcome,
the document matches the command's published schema, and ``--json FIELDS`` picks keys."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cptcli import __version__
from cptcli.codeset import CODE_SET
from cptcli.library.schema import json_fields, load_schema

from .conftest import minimal, write_record

jsonschema = pytest.importorskip("jsonschema")


def check(document: object, name: str) -> None:
    jsonschema.validate(
        document,
        load_schema(name),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


# (arguments, schema, exit code). The schemas describe whole documents: the objects of
# `--json FIELDS` hold only the keys picked (tested below).
CASES = [
    (["search", "knee", "--json"], "search", 0),
    (["search", "zzzzqqq", "--json"], "search", 1),
    (["search", "knee", "-n1", "--json", "-s", "risks"], "search", 0),
    (["search", "zzzzqqq", "--json", "-s", "risks"], "search", 1),
    (["search", "85230", "99999", "--json"], "search", 0),
    (["search", "55700", "--json"], "search", 0),
    (["search", "121", "--json"], "search", 1),
    (["search", "modifier", "25", "--json"], "search", 0),
    (["search", "99214-25", "--json"], "search", 0),
    (["show", "85230", "--json"], "show", 0),
    (["show", "99999", "--json"], "show", 1),
    (["show", "foo", "--json"], "show", 2),
    (["show", "85230", "99999", "--json"], "show", 1),
    (["show", "85230", "foo", "99999", "--json"], "show", 2),
    (["show", "85230", "-s", "risks", "--json"], "show", 0),
    (["show", "85230", "99999", "-s", "risks", "--json"], "show", 1),
    (["show", "55700", "--json"], "show", 0),
    (["show", "99214-25", "--json"], "show", 0),
    (["list", "--json"], "list", 0),
    (["list", "-c", "coagulation", "--json"], "list", 0),
    (["list", "-c", "zzzz", "--json"], "list", 1),
    (["paths", "--json"], "paths", 0),
    (["sections", "--json"], "sections", 0),
    (["modifier", "--json"], "modifier", 0),
    (["modifier", "25", "--json"], "modifier", 0),
    (["modifier", "ZZ", "--json"], "modifier", 1),
]


@pytest.mark.parametrize(("args", "schema", "code"), CASES, ids=lambda v: str(v))
def test_every_outcome_is_one_document_that_matches_its_schema(
    invoke,  # type: ignore[no-untyped-def]
    args: list[str],
    schema: str,
    code: int,
) -> None:
    result = invoke(*args)
    assert result.exit_code == code, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout: one document
    check(document, schema)
    if code:
        assert result.stderr.startswith(("error:", "note:", "warning:")), result.stderr


def test_with_warnings_the_document_stays_whole(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_record(tmp_path, "45378", minimal("45378", "Colonoscopy"))
    write_record(tmp_path, "45380", 'code = "45380"\nname = "unterminated\n')
    for args, schema in (
        (["search", "colonoscopy", "--json"], "search"),
        (["show", "45378", "45380", "--json"], "show"),
        (["list", "--json"], "list"),
    ):
        result = invoke("--no-cache", "--data-dir", str(tmp_path), *args)
        assert "45380" in result.stderr, args  # the broken file is reported on stderr
        check(json.loads(result.stdout), schema)


def test_validate_json_for_clean_and_broken_files(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = write_record(tmp_path, "45378", minimal("45378", "Colonoscopy"))
    result = invoke("validate", str(good), "--json")
    assert result.exit_code == 0
    check(json.loads(result.stdout), "validate")
    write_record(tmp_path, "45380", 'code = "45380"\nname = "unterminated\n')
    result = invoke("validate", str(tmp_path), "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    check(document, "validate")
    assert document["problems"][0]["line"] == 2


def test_documents_carry_code_set_and_version_once(invoke) -> None:  # type: ignore[no-untyped-def]
    search = json.loads(invoke("search", "knee", "--json").stdout)
    assert (search["code_set"], search["version"]) == (CODE_SET, __version__)
    one = json.loads(invoke("show", "85230", "--json").stdout)
    assert (one["code_set"], one["version"]) == (CODE_SET, __version__)
    assert list(one)[:5] == ["code", "system", "status", "code_set", "version"]
    paths = json.loads(invoke("paths", "--json").stdout)
    assert paths["version"] == __version__


def test_show_misses_are_described_in_the_array(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "foo", "99999", "--json")
    assert result.exit_code == 2
    first, bad, absent = json.loads(result.stdout)
    assert first["code"] == "85230" and "found" not in first
    assert bad["input"] == "foo" and bad["found"] is False
    assert "not a procedure code" in bad["error"]
    assert absent["code"] == "99999" and absent["found"] is False


# --- --json FIELDS ---------------------------------------------------------------------


def test_show_fields_for_one_code_is_one_object(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "--json", "code,name,risks")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert list(document) == ["code", "name", "risks"]
    assert document["code"] == "85230" and set(document["risks"]) == {"common", "rare"}


def test_show_fields_for_several_codes_keeps_the_array(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "85610", "99999", "--json=name,code")
    assert result.exit_code == 1
    documents = json.loads(result.stdout)
    assert [list(d) for d in documents] == [["name", "code"], ["name", "code"], ["code", "found"]]


def test_show_fields_with_sections(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "-s", "risks", "--json", "code,summary,risks")
    assert list(json.loads(result.stdout)) == ["code", "risks"]


def test_search_fields_pick_keys_of_each_match(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "knee", "-n", "3", "--json", "code,name")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["query"] == "knee" and len(document["results"]) == 3
    assert all(list(r) == ["code", "name"] for r in document["results"])
    full = json.loads(invoke("search", "knee", "-n", "3", "--json").stdout)
    assert [r["code"] for r in full["results"]] == [r["code"] for r in document["results"]]


def test_a_bare_json_keeps_the_next_word_as_the_query(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "--json", "knee", "-n", "1")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["query"] == "knee" and "score" in document["results"][0]
    result = invoke("show", "--json", "85230")
    assert json.loads(result.stdout)["code"] == "85230"


def test_a_single_field_name_is_a_field_list(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "knee", "--json", "code", "-n", "2")
    assert [list(r) for r in json.loads(result.stdout)["results"]] == [["code"], ["code"]]
    result = invoke("list", "-c", "coagulation", "--json", "code")
    assert all(list(item) == ["code"] for item in json.loads(result.stdout))


@pytest.mark.parametrize(
    "args",
    [
        ["show", "85230", "--json", "code,nmae"],
        ["show", "85230", "--json", "nmae"],
        ["search", "knee", "--json", "code,nmae"],
        ["list", "--json", "nmae"],
        ["list", "--json="],
    ],
)
def test_unknown_field_lists_the_valid_ones(invoke, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    command = args[0]
    assert f"valid fields for `cpt {command}`: " in result.stderr
    assert ", ".join(json_fields(command)) in result.stderr


def test_fields_in_a_real_process(installed_cpt: list[str]) -> None:
    run = subprocess.run(
        [*installed_cpt, "show", "85230", "--json", "code,name"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "code": "85230",
        "name": "Clotting factor VII (proconvertin) activity assay",
    }
    run = subprocess.run(
        [*installed_cpt, "search", "--json=code", "knee", "-n", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert list(json.loads(run.stdout)["results"][0]) == ["code"]
    run = subprocess.run(
        [*installed_cpt, "show", "85230", "--json", "code,bogus"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert "valid fields for `cpt show`" in run.stderr


def test_schema_and_validate_in_a_real_process(installed_cpt: list[str], tmp_path: Path) -> None:
    run = subprocess.run(
        [*installed_cpt, "schema", "record"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0
    (tmp_path / "record.schema.json").write_text(run.stdout)
    path = write_record(
        tmp_path, "45378", "#:schema ./record.schema.json\n" + minimal("45378", "X", usage="5")
    )
    run = subprocess.run(
        [*installed_cpt, "validate", str(path)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1
    assert run.stdout.startswith(f"{path}:4: 'usage' must be 1")
