"""Bundled records precompiled to JSON: the same records, used only when current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cptcli import __version__, store
from cptcli.compiled import FORMAT, compile_folder, compiled_record, source_digest
from cptcli.paths import DataFolder, bundled_procedures_dir
from cptcli.store import Library, load_record

from .conftest import minimal, write_record


@pytest.fixture
def compiled(tmp_path: Path, records: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture records compiled, with the library treating them as bundled."""
    target = tmp_path / "compiled"
    written, skipped = compile_folder(records, target)
    assert (written, skipped) == (2, [])
    monkeypatch.setattr(store, "bundled_compiled_dir", lambda: target)
    return target


def bundled_library(folder: Path) -> Library:
    return Library([DataFolder(folder, "bundled")])


def test_every_bundled_record_compiles_to_the_record_it_came_from(tmp_path: Path) -> None:
    target = tmp_path / "compiled"
    paths = sorted(bundled_procedures_dir().glob("*.toml"))
    written, skipped = compile_folder(bundled_procedures_dir(), target)
    assert skipped == [] and written == len(paths) > 500
    for path in paths:
        assert compiled_record(target, path.stem, path.read_bytes()) is not None, path.name
        assert load_record(path, target) == load_record(path)


def test_show_prints_the_compiled_copy_made_from_the_current_file(
    tmp_path: Path, invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A compiled copy is trusted only for the exact bytes it was made from. To see that
    # `show` really reads it, give the copy another name than the TOML file has.
    source = bundled_procedures_dir() / "85230.toml"
    raw = source.read_bytes()
    data = store.parse_record(raw, source)
    data["name"] = "Name from the compiled copy"
    doc = {"format": FORMAT, "version": __version__, "source": source_digest(raw), "record": data}
    target = tmp_path / "compiled"
    target.mkdir()
    (target / "85230.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(store, "bundled_compiled_dir", lambda: target)

    shown = json.loads(invoke("show", "85230", "--json").stdout)
    assert shown["name"] == "Name from the compiled copy"
    assert shown["source"] == str(source)

    doc["source"] = source_digest(raw + b"\n")  # made from other bytes: not used
    (target / "85230.json").write_text(json.dumps(doc), encoding="utf-8")
    shown = json.loads(invoke("show", "85230", "--json").stdout)
    assert shown["name"] == load_record(source).name != "Name from the compiled copy"


def test_an_edited_record_is_read_from_its_toml(compiled: Path, records: Path) -> None:
    assert bundled_library(records).get("99999") == load_record(records / "99999.toml")
    write_record(records, "99999", minimal("99999", "Edited after the build"))
    raw = (records / "99999.toml").read_bytes()
    assert compiled_record(compiled, "99999", raw) is None
    assert bundled_library(records).get("99999").name == "Edited after the build"
    assert bundled_library(records).name_of("99999") == "Edited after the build"


@pytest.mark.parametrize(
    "damage",
    [
        b"{",
        b"\xff\xfe not text",
        b"[]",
        b'{"format": 1, "version": "0.0.0", "source": "x", "record": {}}',
        b'{"format": 99}',
    ],
)
def test_a_damaged_or_foreign_compiled_file_is_ignored(
    compiled: Path, records: Path, damage: bytes
) -> None:
    (compiled / "99999.json").write_bytes(damage)
    assert bundled_library(records).get("99999") == load_record(records / "99999.toml")


def test_a_wrong_record_under_the_right_digest_is_refused(compiled: Path, records: Path) -> None:
    raw = (records / "99999.toml").read_bytes()
    doc = json.loads((compiled / "99999.json").read_text(encoding="utf-8"))
    assert doc["source"] == source_digest(raw)
    doc["record"] = "not a table"
    (compiled / "99999.json").write_text(json.dumps(doc), encoding="utf-8")
    assert compiled_record(compiled, "99999", raw) is None


def test_records_of_other_folders_never_use_compiled_copies(compiled: Path, records: Path) -> None:
    doc = json.loads((compiled / "99999.json").read_text(encoding="utf-8"))
    doc["record"]["name"] = "Name from the compiled copy"
    (compiled / "99999.json").write_text(json.dumps(doc), encoding="utf-8")
    user = Library([DataFolder(records, "user")])
    assert user.get("99999").name == load_record(records / "99999.toml").name


def test_invalid_records_are_left_out_and_named(tmp_path: Path) -> None:
    source = tmp_path / "source"
    write_record(source, "45378", minimal("45378", "Diagnostic colonoscopy"))
    write_record(source, "45380", "this is not TOML\n")
    write_record(source, "45385", 'code = "45385"\n')  # no name
    written, skipped = compile_folder(source, tmp_path / "out")
    assert written == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["45378.json"]
    assert len(skipped) == 2
    assert "45380.toml:1" in skipped[0] and "45385.toml" in skipped[1]


def test_the_index_reads_bundled_records_from_their_compiled_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cptcli import index as index_module

    target = tmp_path / "compiled"
    compile_folder(bundled_procedures_dir(), target)
    doc = json.loads((target / "85230.json").read_text(encoding="utf-8"))
    doc["record"]["name"] = "Name from the compiled copy"
    (target / "85230.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(index_module, "bundled_compiled_dir", lambda: target)
    folders = [DataFolder(bundled_procedures_dir(), "bundled")]
    built = index_module.load_or_build(folders, use_cache=False)
    names = dict(zip(built.codes, built.names))
    assert names["85230"] == "Name from the compiled copy"
    assert names["93590"] == load_record(bundled_procedures_dir() / "93590.toml").name
