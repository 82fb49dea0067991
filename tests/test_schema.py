"""The published JSON Schemas: the record schema as `cpt validate`'s rules, the command
schemas against real output, and `cpt schema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cptcli.library.schema import SCHEMA_NAMES, key_line, load_schema, record_problems
from cptcli.paths import bundled_procedures_dir
from cptcli.sections import SECTIONS
from cptcli.store import FACT_KEYS, TIME_KEYS, TOP_KEYS, parse_toml, validate_data
from cptcli.validation import check_file

from .conftest import minimal, write_record

jsonschema = pytest.importorskip("jsonschema")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def messages(path: Path) -> list[str]:
    return [str(p) for p in check_file(path)]


# --- the record schema ------------------------------------------------------------------


def test_record_schema_names_every_key_the_loader_knows() -> None:
    schema = load_schema("record")
    assert list(schema["properties"]) == [*TOP_KEYS, *FACT_KEYS, *(s.key for s in SECTIONS)]
    assert list(schema["properties"]["time"]["properties"]) == list(TIME_KEYS)
    for spec in SECTIONS:
        entry = schema["properties"][spec.key]
        assert entry["title"] == spec.title
        if spec.shape == "table":
            assert list(entry["properties"]) == [label for label, _, _ in spec.parts]


def test_every_bundled_record_validates_with_jsonschema() -> None:
    validator = jsonschema.Draft202012Validator(
        load_schema("record"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    files = sorted(bundled_procedures_dir().glob("*.toml"))
    assert len(files) > 1000
    bad = {}
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data["reviewed"] = data["reviewed"].isoformat()  # JSON has no date type
        errors = [e.message for e in validator.iter_errors(data)]
        if errors:
            bad[path.name] = errors
    assert bad == {}


CASES = [
    ('summary = ""', "section 'summary' is empty"),
    ("indications = []", "section 'indications' is an empty list"),
    ("indications = [1, 2]", "section 'indications' must be a list of non-empty strings"),
    ('indications = ["a", " "]', "section 'indications' must be a list of non-empty strings"),
    ("duration = 5", "section 'duration' must be a string, a list of strings, or a table"),
    ("risks = {}", "section 'risks' is an empty table"),
    ("risks = { Common = ['x'] }", "label 'risks.Common' must be lower case"),
    ("risks = { common = 3 }", "'risks.common' must be a string or a list of strings"),
    ("risks = { common = [] }", "'risks.common' must be a string or a list of strings"),
    ('similar_codes = ["1234"]', "similar code '1234' is not a valid code"),
    ('similar_codes = ["85230"]', "similar_codes lists the record's own code"),
    ('system = "ICD"', "'system' must be one of CPT, HCPCS"),
    ('system = "HCPCS"', "code 85230 belongs to CPT, not HCPCS"),
    ('aliases = "one"', "'aliases' must be a list of non-empty strings"),
    ('search_terms = [""]', "'search_terms' must be a list of non-empty strings"),
    ("add_on_to = []", "'add_on_to' must be a non-empty list of codes"),
    ('add_on_to = ["85230"]', "'add_on_to' lists '85230'"),
    ("usage = 4", "'usage' must be 1 (among the most billed), 2 or 3"),
    ("usage = 2.0", "'usage' must be 1"),
    ("usage = true", "'usage' must be 1"),
    ("time = 30", "'time' must be a table"),
    ("time = { min = 0 }", "'time.min' must be a whole number of minutes from 1 to 1440"),
    ("time = { mins = 3 }", "unknown key 'time.mins'; use min, max, unit, note"),
    ("time = { min = 40, max = 30 }", "'time.min' (40) is above 'time.max' (30)"),
    ('time = { note = " " }', "'time.note' must be a non-empty string"),
    ('reviewed = "2026-12-05"', "'reviewed' must be a date such as 2026-12-05"),
    ("reviewed = 2026-12-05T10:00:00", "'reviewed' must be a date"),
    ("reviewed = 2026-13-05", None),  # a TOML syntax error, not a schema problem
    ("summary = 2026-12-05", "section 'summary' must be a string, a list of strings"),
    ("category = 3", "'category' must be a string"),
]


@pytest.mark.parametrize(("extra", "problem"), CASES)
def test_schema_problems_name_file_line_and_rule(tmp_path: Path, extra: str, problem: str) -> None:
    path = write_record(tmp_path, "85230", minimal("85230", "Factor VII assay") + extra + "\n")
    found = messages(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:3:")
    if problem is not None:
        assert problem in found[0], found


@pytest.mark.parametrize(("extra", "problem"), CASES)
def test_loader_and_schema_agree(tmp_path: Path, extra: str, problem: str) -> None:
    """The loader's fast checks (store.validate_data) reject exactly what the schema does."""
    path = write_record(tmp_path, "85230", minimal("85230", "Factor VII assay") + extra + "\n")
    text = path.read_text(encoding="utf-8")
    try:
        data = parse_toml(text, str(path))
    except Exception:
        assert problem is None
        return
    assert bool(validate_data(data, path, text)) == bool(record_problems(data, path, text))


def test_missing_keys_unknown_keys_and_the_file_name(tmp_path: Path) -> None:
    path = write_record(tmp_path, "85240", 'code = "85230"\nsumary = "x"\nrisk = ["y"]\n')
    assert messages(path) == [
        f"{path}: missing required key 'name'",
        f"{path}:1: file name does not match the code: rename it to 85230.toml",
        f"{path}:2: unknown key 'sumary' (did you mean 'summary'?)",
        f"{path}:3: unknown key 'risk' (did you mean 'risks'?)",
    ]


def test_a_problem_inside_a_table_names_the_line_of_its_key(tmp_path: Path) -> None:
    body = minimal("85230", "Factor VII assay", summary='"""\nrisks = is text here\n"""')
    body += '\n[risks]\ncommon = ["bruise"]\nrare = []\n\n[alternatives]\noptions = 3\n'
    path = write_record(tmp_path, "85230", body)
    lines = path.read_text().splitlines()
    found = check_file(path)
    assert [(p.line, p.message) for p in found] == [
        (lines.index("rare = []") + 1, "'risks.rare' must be a string or a list of strings"),
        (
            lines.index("options = 3") + 1,
            "'alternatives.options' must be a string or a list of strings",
        ),
    ]


def test_key_line_finds_dotted_keys_and_tables() -> None:
    text = 'code = "1"\nrisks.common = ["a"]\n[time]\n# note\nmax = 3\n[other]\nmax = 4\n'
    assert key_line(text, ["code"]) == 1
    assert key_line(text, ["risks", "common"]) == 2
    assert key_line(text, ["time", "max"]) == 5
    assert key_line(text, ["time", "unit"]) == 3  # not there: the table's line
    assert key_line(text, ["absent"]) is None


def test_a_schema_line_at_the_top_loads_and_validates(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body = "#:schema ./record.schema.json\n" + minimal("85230", "Factor VII assay")
    path = write_record(tmp_path, "85230", body)
    assert messages(path) == []
    result = invoke("--data-dir", str(tmp_path), "show", "85230", "--json", "code,name")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Factor VII assay"
    bad = write_record(tmp_path, "85240", body.replace("85230", "85240") + "usage = 9\n")
    result = invoke("validate", str(bad))
    assert result.exit_code == 1
    assert result.stdout == f"{bad}:4: 'usage' must be 1 (among the most billed), 2 or 3 (seldom)\n"


def test_validate_json_names_file_and_line(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_record(tmp_path, "85230", minimal("85230", "X", usage="0", tools="[]"))
    result = invoke("validate", str(path), "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    jsonschema.validate(document, load_schema("validate"))
    assert [(p["file"], p["line"]) for p in document["problems"]] == [
        (str(path), 3),
        (str(path), 4),
    ]


# --- cpt schema -------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_cpt_schema_prints_a_valid_draft_2020_12_schema(invoke, name: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema", name)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_cpt_schema_defaults_to_the_record(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == load_schema("record")


def test_unknown_schema_lists_the_valid_names(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema", "recrod")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "recrod" in result.stderr and "record, search, show, list" in result.stderr


def test_imported_records_pass_the_schema_and_keep_a_schema_line(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .test_import import PAGE

    page = tmp_path / "colonoscopy.txt"
    page.write_text(PAGE, encoding="utf-8")
    to = tmp_path / "mine"
    assert invoke("import", str(page), "--to", str(to)).exit_code == 0
    target = to / "45378.toml"
    assert not target.read_text(encoding="utf-8").startswith("#:schema")
    result = invoke("validate", str(target))
    assert (result.exit_code, result.stdout) == (0, "")
    # A user adds the editor line: the record still loads, validates and is shown.
    target.write_text("#:schema ./record.schema.json\n" + target.read_text(encoding="utf-8"))
    assert invoke("validate", str(target)).exit_code == 0
    shown = json.loads(invoke("--data-dir", str(to), "show", "45378", "--json", "source").stdout)
    assert shown == {"source": str(target)}
