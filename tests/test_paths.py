"""Where user records and the cache live: the same folders platformdirs gives."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from cptcli import paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the direct answer is Linux's")
@pytest.mark.parametrize("xdg", [None, "/srv/xdg", "", "relative/xdg"])
@pytest.mark.parametrize("home", ["/home/someone", "relative-home"])
def test_folders_match_platformdirs(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None, home: str
) -> None:
    monkeypatch.delenv("CPT_USER_DATA_DIR")
    monkeypatch.delenv("CPT_CACHE_DIR")
    monkeypatch.setenv("HOME", home)
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME"):
        if xdg is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, xdg)
    try:
        expected_data = Path(platformdirs.user_data_dir("cptcli", appauthor=False))
        expected_cache = Path(platformdirs.user_cache_dir("cptcli", appauthor=False))
    except RuntimeError:  # a platformdirs that refuses a relative HOME: so do we
        with pytest.raises(RuntimeError):
            paths.user_procedures_dir()
        return
    # The plain cases are answered without platformdirs; the rest are passed to it.
    direct = paths._xdg_folder("XDG_DATA_HOME", ".local/share")
    plain = (xdg is None and home.startswith("/")) or (xdg or "").startswith("/")
    assert (direct is not None) == plain
    assert paths.user_procedures_dir() == expected_data / "procedures"
    assert paths.cache_dir() == (expected_cache, "platformdirs")


def test_environment_overrides_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CPT_USER_DATA_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("CPT_CACHE_DIR", str(tmp_path / "cache"))
    assert paths.user_procedures_dir() == tmp_path / "mine"
    assert paths.cache_dir() == (tmp_path / "cache", "CPT_CACHE_DIR")
