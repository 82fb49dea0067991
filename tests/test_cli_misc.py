"""`cpt sections`, `cpt list`, `cpt paths`, `--version`, help, and data folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cptcli import __version__
from cptcli.codeset import CODE_SET
from cptcli.sections import SECTIONS


def test_version(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout == f"cpt {__version__} ({CODE_SET})\n"


def test_no_arguments_shows_help(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke()
    assert "search" in result.stdout + result.stderr and "show" in result.stdout + result.stderr


def test_sections_plain_and_json(invoke) -> None:  # type: ignore[no-untyped-def]
    plain = invoke("sections").stdout.splitlines()
    assert [line.split()[0] for line in plain] == [s.key for s in SECTIONS]
    data = json.loads(invoke("sections", "--json").stdout)
    assert data[0] == {"key": "summary", "title": "Summary", "aliases": ["overview", "about"]}
    assert [d["key"] for d in data] == [s.key for s in SECTIONS]


def test_list_and_category_filter(invoke, records: Path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(invoke("--data-dir", str(records), "list", "--json").stdout)
    listed = [d["code"] for d in data]
    assert listed == sorted(listed)
    assert {"85230", "93590", "99999", "0999T"} <= set(listed)
    result = invoke("--data-dir", str(records), "list", "--category", "test fixtures", "--json")
    assert [d["code"] for d in json.loads(result.stdout)] == ["0999T", "99999"]
    plain = invoke("--data-dir", str(records), "list", "-c", "fixtures").stdout.splitlines()
    assert plain[0].split()[0] == "0999T"


def test_list_unknown_category_exits_1(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("list", "--category", "no such category")
    assert result.exit_code == 1 and "No procedures" in result.stderr


def test_paths_report_folders_in_load_order(invoke, records: Path, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    env_dir = isolated / "env-records"
    result = invoke(
        "--data-dir",
        str(records),
        "paths",
        "--json",
        env={"CPT_DATA_PATH": f"{env_dir}{os.pathsep}"},
    )
    data = json.loads(result.stdout)
    assert [d["origin"] for d in data["data"]] == ["bundled", "user", "CPT_DATA_PATH", "--data-dir"]
    assert data["data"][0]["records"] >= 2
    assert data["data"][3] == {
        "origin": "--data-dir",
        "path": str(records),
        "exists": True,
        "records": 2,
    }
    assert data["cache"] == {"path": str(isolated / "cache"), "origin": "CPT_CACHE_DIR"}


def test_user_data_dir_and_env_path_and_data_dir_override_in_order(
    invoke,
    isolated: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    user = isolated / "data" / "procedures"
    env_dir, cli_dir = tmp_path / "env", tmp_path / "cli"
    for folder, label in ((user, "user"), (env_dir, "env"), (cli_dir, "cli")):
        folder.mkdir(parents=True)
        (folder / "85230.toml").write_text(f'code = "85230"\nname = "From {label}"\n')

    def name(*args: str, env: dict[str, str] | None = None) -> str:
        result = invoke(*args, "show", "85230", "--json", env=env)
        return str(json.loads(result.stdout)["name"])

    assert name() == "From user"
    assert name(env={"CPT_DATA_PATH": str(env_dir)}) == "From env"
    assert name("--data-dir", str(cli_dir), env={"CPT_DATA_PATH": str(env_dir)}) == "From cli"
    found = json.loads(invoke("search", "from", "user", "--json").stdout)["results"]
    assert found[0]["code"] == "85230" and found[0]["name"] == "From user"
