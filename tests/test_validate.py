"""`cpt validate`: one `file:line: message` per problem, exit 1 if any."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import minimal, write_record


def test_bundled_library_is_valid(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("validate")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert "0 problems" in result.stderr


def test_problems_are_listed_with_file_and_line(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = write_record(tmp_path, "45378", minimal("45378", "Colonoscopy"))
    syntax = write_record(tmp_path, "45380", 'code = "45380"\nname = "unterminated\n')
    unknown = write_record(tmp_path, "45385", minimal("45385", "Snare", sumary='"typo"'))
    wrong_name = write_record(tmp_path, "45384", minimal("45388", "Ablation"))
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{syntax}:2: TOML syntax error") for line in lines)
    assert f"{unknown}:3: unknown key 'sumary' (did you mean 'summary'?)" in lines
    assert any(line.startswith(f"{wrong_name}:") and "45388" in line for line in lines)
    assert not any(line.startswith(str(good)) for line in lines)
    assert "4 files checked, 3 problems" in result.stderr


def test_json_output(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = write_record(tmp_path, "45380", minimal("45380", "Biopsy", similar_codes='["nope"]'))
    result = invoke("validate", str(bad), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["files"] == 1
    [problem] = data["problems"]
    assert problem["file"] == str(bad) and problem["line"] == 3
    assert "nope" in problem["message"]


def test_a_single_clean_file_exits_0(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_record(tmp_path, "45378", minimal("45378", "Colonoscopy"))
    result = invoke("validate", str(path), "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert (document["files"], document["problems"]) == (1, [])


def test_missing_path_is_a_problem(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("validate", str(tmp_path / "absent.toml"))
    assert result.exit_code == 1
    assert "no such file" in result.stdout


def test_non_utf8_file(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "45378.toml"
    path.write_bytes(b'code = "45378"\nname = "Colonoscop\xe9"\n')
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:2:") and "UTF-8" in result.stdout


def test_default_covers_every_folder_in_use(invoke, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env_folder = tmp_path / "env"
    bad = write_record(env_folder, "45378", 'code = "45378"\n')  # no name
    monkeypatch.setenv("CPT_DATA_PATH", str(env_folder))
    result = invoke("validate")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{bad}:")


def test_strict_applies_curated_rules(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_record(tmp_path, "45378", minimal("45378", "Colonoscopy"))
    assert invoke("validate", str(path)).exit_code == 0
    result = invoke("validate", "--strict", str(path))
    assert result.exit_code == 1
    assert "summary" in result.stdout


def test_strict_flags_near_copies(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "A long paragraph describing a procedure in plain words with enough distinct words "
        "to make several word trigrams that two records could share by copying each other."
    )
    for code in ("45378", "45380"):
        write_record(tmp_path, code, minimal(code, f"Record {code}", summary=f'"{text}"'))
    result = invoke("validate", "--strict", str(tmp_path))
    assert "the same as" in result.stdout
