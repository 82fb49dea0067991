"""Where a record came from: `show` names the file of a record that is not bundled, and
`import` warns when a new record hides a bundled one and says how to undo it."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

from cptcli.lookup import Origin, record_origin
from cptcli.paths import bundled_procedures_dir
from cptcli.store import load_record

from .test_import import PAGE


def test_bundled_record_names_no_file(invoke) -> None:  # type: ignore[no-untyped-def]
    text = invoke("show", "85230").stdout
    assert "From " not in text and "Replaces the bundled" not in text
    assert record_origin(load_record(bundled_procedures_dir() / "85230.toml")) is None


def test_record_of_a_data_folder_names_its_file(invoke, records: Path) -> None:  # type: ignore[no-untyped-def]
    for env in ({}, {"CPT_FORCE_TERMINAL": "1"}):
        out = invoke("--data-dir", str(records), "show", "0999T", env=env).stdout
        lines = [line.replace("\x1b[2m", "").replace("\x1b[0m", "") for line in out.splitlines()]
        assert f"From {records / '0999T.toml'}" in lines
    # JSON already carries it as "source"
    data = json.loads(invoke("--data-dir", str(records), "show", "0999T", "--json").stdout)
    assert data["source"] == str(records / "0999T.toml")


def test_own_copy_of_a_bundled_code_says_it_replaces_it(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(bundled_procedures_dir() / "85230.toml", folder / "85230.toml")
    out = invoke("--data-dir", str(folder), "show", "85230").stdout
    assert f"Replaces the bundled record; from {folder / '85230.toml'}" in out.splitlines()
    assert record_origin(load_record(folder / "85230.toml")) == Origin(
        str(folder / "85230.toml"), True
    )


def test_a_long_path_is_never_broken(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / ("deep-folder-" * 6) / "records"
    folder.mkdir(parents=True)
    shutil.copy(bundled_procedures_dir() / "85230.toml", folder / "85230.toml")
    for env in ({"COLUMNS": "60"}, {"COLUMNS": "60", "CPT_FORCE_TERMINAL": "1"}):
        out = invoke("--data-dir", str(folder), "show", "85230", "-s", "duration", env=env).stdout
        assert str(folder / "85230.toml") in out


def test_import_over_a_bundled_code_warns_and_says_how_to_undo(  # type: ignore[no-untyped-def]
    invoke, isolated: Path, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")  # a page for 45378, which the library has
    assert (bundled_procedures_dir() / "45378.toml").exists()
    result = invoke("import", str(page))
    assert result.exit_code == 0
    target = isolated / "data" / "procedures" / "45378.toml"
    assert "45378 is in the bundled library too" in result.stderr
    undo = f"rm {shlex.quote(str(target))}"
    assert undo in result.stderr
    assert json.loads(invoke("show", "45378", "--json").stdout)["source"] == str(target)
    # Doing what the warning says brings the bundled record back.
    target.unlink()
    source = json.loads(invoke("show", "45378", "--json").stdout)["source"]
    assert Path(source).parent == bundled_procedures_dir()


def test_import_of_a_new_code_or_to_an_unused_folder_does_not_warn(  # type: ignore[no-untyped-def]
    invoke, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    page.write_text(PAGE.replace("45378", "0999T"), encoding="utf-8")
    result = invoke("import", str(page))
    assert result.exit_code == 0 and "warning" not in result.stderr
    page.write_text(PAGE, encoding="utf-8")
    result = invoke("import", str(page), "--to", str(tmp_path / "elsewhere"))
    assert result.exit_code == 0 and "warning" not in result.stderr  # not loaded: hides nothing
