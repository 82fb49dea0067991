"""Reading and validating record files, and finding codes across folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from cptcli.errors import NotFoundError, RecordError, UsageError
from cptcli.paths import DataFolder
from cptcli.store import Library, check_file, closest_codes, load_record, normalize_code

from .conftest import minimal, write_record


@pytest.mark.parametrize("code", ["85230", "0001F", "0042T", "0001U", "J7189", "j7189"])
def test_code_forms(code: str) -> None:
    assert normalize_code(code) == code.upper()


@pytest.mark.parametrize("text", ["8523", "852300", "W1234", "ABCDE", "0001X", ""])
def test_not_codes(text: str) -> None:
    assert normalize_code(text) is None


def messages(path: Path) -> list[str]:
    return [str(p) for p in check_file(path)]


def test_valid_record_has_no_problems(tmp_path: Path) -> None:
    path = write_record(tmp_path, "85230", minimal("85230", "Factor VII assay"))
    assert messages(path) == []
    record = load_record(path)
    assert record.system == "CPT" and record.source == str(path)


def test_hcpcs_code_gets_hcpcs_system(tmp_path: Path) -> None:
    path = write_record(tmp_path, "J7189", minimal("J7189", "Factor VIIa"))
    assert load_record(path).system == "HCPCS"


def test_unknown_key_is_reported_with_line_and_suggestion(tmp_path: Path) -> None:
    body = minimal("85230", "Factor VII assay") + '\nrisk = ["typo"]\n'
    path = write_record(tmp_path, "85230", body)
    assert messages(path) == [f"{path}:4: unknown key 'risk' (did you mean 'risks'?)"]


def test_missing_name_and_bad_code(tmp_path: Path) -> None:
    path = write_record(tmp_path, "85230", 'code = "8523"\n')
    found = messages(path)
    assert any("'code' must be a CPT or HCPCS code" in m and ":1:" in m for m in found)
    assert any("missing required key 'name'" in m for m in found)


def test_file_name_must_match_code(tmp_path: Path) -> None:
    path = write_record(tmp_path, "85240", minimal("85230", "Factor VII assay"))
    assert messages(path) == [
        f"{path}:1: file name does not match the code: rename it to 85230.toml"
    ]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('summary = ""', "section 'summary' is empty"),
        ("indications = []", "section 'indications' is an empty list"),
        ("indications = [1, 2]", "section 'indications' must be a list of non-empty strings"),
        ("duration = 5", "section 'duration' must be a string, a list of strings, or a table"),
        ("risks = { Common = ['x'] }", "label 'risks.Common' must be lower case"),
        ("risks = { common = 3 }", "'risks.common' must be a string or a list of strings"),
        ('similar_codes = ["1234"]', "similar code '1234' is not a valid code"),
        ('similar_codes = ["85230"]', "similar_codes lists the record's own code"),
        ('system = "ICD"', "'system' must be one of CPT, HCPCS"),
        ('aliases = "one"', "'aliases' must be a list of non-empty strings"),
    ],
)
def test_shape_problems(tmp_path: Path, extra: str, problem: str) -> None:
    path = write_record(tmp_path, "85230", minimal("85230", "Factor VII assay") + extra + "\n")
    found = messages(path)
    assert len(found) == 1 and problem in found[0], found
    assert found[0].startswith(f"{path}:3:")


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write_record(tmp_path, "85230", 'code = "85230"\nname = "x"\nsummary = "unclosed\n')
    [problem] = check_file(path)
    assert problem.line == 3 and "TOML syntax error" in problem.message


def test_non_utf8_file_names_line(tmp_path: Path) -> None:
    path = tmp_path / "85230.toml"
    path.write_bytes(b'code = "85230"\nname = "caf\xe9"\n')
    [problem] = check_file(path)
    assert problem.line == 2 and "not valid UTF-8" in problem.message
    with pytest.raises(RecordError):
        load_record(path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "85230.toml"
    path.write_bytes("\ufeff".encode() + minimal("85230", "Factor VII assay").encode())
    assert load_record(path).name == "Factor VII assay"


def library(*folders: Path) -> Library:
    return Library([DataFolder(f, "test") for f in folders])


def test_later_folder_wins_and_broken_file_falls_back(tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write_record(low, "85230", minimal("85230", "Low"))
    write_record(high, "85230", minimal("85230", "High"))
    assert library(low, high).get("85230").name == "High"
    write_record(high, "85230", 'code = "85230"\nname = \n')
    lib = library(low, high)
    assert lib.get("85230").name == "Low"
    assert [p.path for p in lib.problems] == [str(high / "85230.toml")]


def test_unknown_code_suggests_nearest(tmp_path: Path) -> None:
    for code in ("85230", "85240", "99213"):
        write_record(tmp_path, code, minimal(code, code))
    with pytest.raises(NotFoundError) as info:
        library(tmp_path).get("85231")
    assert "Did you mean 85230, 85240?" in str(info.value)


def test_text_that_is_not_a_code_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        library(tmp_path).get("colonoscopy")
    assert "cpt search colonoscopy" in str(info.value)


def test_closest_codes_prefers_shared_prefix_then_distance() -> None:
    codes = ["85210", "85220", "85230", "85240", "93590"]
    assert closest_codes("85235", codes, 2) == ["85230", "85240"]
    assert closest_codes("11111", codes) == []


def test_name_of_reads_names_cheaply_and_safely(tmp_path: Path) -> None:
    write_record(tmp_path, "45378", minimal("45378", "Colonoscopy \\u2014 diagnostic"))
    write_record(tmp_path, "45380", 'code = "45380"\nname = """\nColonoscopy with biopsy"""\n')
    write_record(tmp_path, "45385", 'code = "45385"\nname = "unterminated\n')
    write_record(tmp_path, "45384", 'code = "45384"\n[risks]\nname = "not the record name"\n')
    library = Library([DataFolder(tmp_path, "test")])
    assert library.name_of("45378") == "Colonoscopy \u2014 diagnostic"  # escapes decoded
    assert library.name_of("45380") == "Colonoscopy with biopsy"  # multi-line: full parse
    assert library.name_of("45385") is None  # broken file: no name, no crash
    assert library.name_of("45384") is None  # a "name" inside a table is not the name
    assert library.name_of("99999") is None and library.name_of("nonsense") is None
