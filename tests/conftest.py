"""Shared fixtures: every test runs with its own user folders and a plain environment."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cptcli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user data and cache folders at a temp dir; never touch the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CPT_USER_DATA_DIR", str(home / "data" / "procedures"))
    monkeypatch.setenv("CPT_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))  # no settings file
    monkeypatch.delenv("CPT_CONFIG", raising=False)
    monkeypatch.delenv("CPT_DATA_PATH", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("CPT_FORCE_TERMINAL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    cli.ENV.data_dirs = []
    cli.ENV.use_cache = True
    cli.ENV.settings = None
    return home


@pytest.fixture
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # newer Click keeps stderr apart already
        return CliRunner()


@pytest.fixture
def invoke(runner: CliRunner):  # type: ignore[no-untyped-def]
    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli.app, list(args), env=env, input=input, catch_exceptions=False)

    return run


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """A folder with copies of the fixture records (codes 99999, 0999T)."""
    folder = tmp_path / "records"
    shutil.copytree(FIXTURES / "records", folder)
    return folder


@pytest.fixture
def fixed_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The made-up data folder tests/fixtures/data (records, history, families) in place
    of the bundled one, so that output compared with golden files never changes with the
    real library."""
    from cptcli import paths

    folder = FIXTURES / "data"
    monkeypatch.setattr(paths, "bundled_data_dir", lambda: folder)
    return folder


def write_record(folder: Path, code: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{code}.toml"
    path.write_text(body, encoding="utf-8")
    return path


def minimal(code: str, name: str, **extra: str) -> str:
    lines = [f'code = "{code}"', f'name = "{name}"']
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def installed_cpt() -> Iterator[list[str]]:
    """The installed ``cpt`` command (the console script next to this Python)."""
    candidate = Path(sys.executable).parent / ("cpt.exe" if os.name == "nt" else "cpt")
    found = str(candidate) if candidate.exists() else shutil.which("cpt")
    if not found:
        pytest.fail("the cpt command is not installed; run `pip install .` first")
    yield [found]
