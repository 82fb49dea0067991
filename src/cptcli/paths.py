"""Where records and the cache live, and where each folder came from.

Nothing here is resolved at import time: every function reads the environment when it
is called, so tests and users can point the tool elsewhere.

Record folders, in load order (a later record with the same code wins):
  1. the bundled library shipped inside the package
  2. the user's data folder (``platformdirs.user_data_dir("cptcli")/procedures``,
     or ``$CPT_USER_DATA_DIR``)
  3. each folder in ``$CPT_DATA_PATH`` (separated by ``os.pathsep``)
  4. each ``--data-dir`` given on the command line

The settings file is ``platformdirs.user_config_dir("cptcli")/config.toml`` (on Linux
``$XDG_CONFIG_HOME/cptcli/config.toml``, default ``~/.config/cptcli/config.toml``), or
the file ``$CPT_CONFIG`` names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

APP_NAME = "cptcli"
CONFIG_NAME = "config.toml"


class DataFolder(NamedTuple):
    path: Path
    origin: str  # "bundled", "user", "CPT_DATA_PATH" or "--data-dir"


def bundled_data_dir() -> Path:
    """The bundled ``data`` folder: inside the installed package, else the checkout's."""
    here = Path(__file__).resolve().parent
    installed = here / "data"
    if installed.is_dir():
        return installed
    return here.parent.parent / "data"


def bundled_procedures_dir() -> Path:
    return bundled_data_dir() / "procedures"


def bundled_compiled_dir() -> Path:
    """Precompiled copies of the bundled records (written by the wheel build)."""
    return bundled_data_dir() / "compiled"


def bundled_record_file(code: str) -> Path | None:
    """The bundled record file of a code, if the bundled library has one."""
    folder = bundled_procedures_dir()
    for name in (f"{code}.toml", f"{code.lower()}.toml"):
        if (folder / name).is_file():
            return folder / name
    return None


def history_file() -> Path:
    return bundled_data_dir() / "history.toml"


def families_file() -> Path:
    return bundled_data_dir() / "families.toml"


def modifiers_file() -> Path:
    return bundled_data_dir() / "modifiers.toml"


def vocabulary_file() -> Path:
    return bundled_data_dir() / "vocabulary.toml"


def _xdg_folder(variable: str, default: str) -> Path | None:
    """The folder platformdirs gives on Linux in the plain cases, without importing it.

    Importing platformdirs costs about 6 ms, more than half of what ``cpt show`` may
    add to the interpreter's start-up. On Linux platformdirs follows the XDG base
    directory spec: ``$XDG_..._HOME/cptcli`` when the variable is an absolute path,
    else ``~/<default>/cptcli``. Those two cases are answered here (a test checks them
    against platformdirs); anything else (another platform, a relative or empty
    variable, no absolute ``HOME``) returns None and the caller asks platformdirs.
    """
    if not sys.platform.startswith("linux"):
        return None
    value = os.environ.get(variable)
    if value is None:
        home = os.environ.get("HOME", "")
        return Path(home, default, APP_NAME) if os.path.isabs(home) else None
    return Path(value, APP_NAME) if os.path.isabs(value) else None


def user_procedures_dir() -> Path:
    override = os.environ.get("CPT_USER_DATA_DIR")
    if override:
        return Path(override).expanduser()
    direct = _xdg_folder("XDG_DATA_HOME", ".local/share")
    if direct is not None:
        return direct / "procedures"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "procedures"


def cache_dir() -> tuple[Path, str]:
    """The cache folder and where that choice came from."""
    override = os.environ.get("CPT_CACHE_DIR")
    if override:
        return Path(override).expanduser(), "CPT_CACHE_DIR"
    direct = _xdg_folder("XDG_CACHE_HOME", ".cache")
    if direct is not None:
        return direct, "platformdirs"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False)), "platformdirs"


def config_file() -> tuple[Path, str]:
    """The settings file and where that choice came from (it may not exist)."""
    override = os.environ.get("CPT_CONFIG")
    if override:
        return Path(override).expanduser(), "CPT_CONFIG"
    direct = _xdg_folder("XDG_CONFIG_HOME", ".config")
    if direct is not None:
        return direct / CONFIG_NAME, "platformdirs"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME, "platformdirs"


def data_folders(extra: list[Path] | None = None) -> list[DataFolder]:
    """Every record folder in load order. Missing user folders are kept (and skipped
    when loading) so that ``cpt paths`` can show where records would go."""
    folders = [
        DataFolder(bundled_procedures_dir(), "bundled"),
        DataFolder(user_procedures_dir(), "user"),
    ]
    for entry in os.environ.get("CPT_DATA_PATH", "").split(os.pathsep):
        if entry.strip():
            folders.append(DataFolder(Path(entry).expanduser(), "CPT_DATA_PATH"))
    for path in extra or []:
        folders.append(DataFolder(Path(path).expanduser(), "--data-dir"))
    return folders


def is_record_name(name: str) -> bool:
    """Whether a file name is that of a record file (``*.toml``, not hidden)."""
    return name.endswith(".toml") and not name.startswith(".")


def resolved(path: Path) -> Path:
    """``path`` made absolute with symbolic links resolved, as far as that is possible
    (a symbolic link loop or an unreadable parent stops the resolving, not the tool)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop, before Python 3.13
        return Path(os.path.abspath(path))


def folder_problem(error: OSError) -> str:
    """Why a data folder's records are left out, for a warning naming the folder."""
    return f"cannot read this folder ({error.strerror or error}); its records are left out"


def record_files(
    folder: Path, on_error: Callable[[Path, OSError], None] | None = None
) -> Iterator[os.DirEntry[str]]:
    """The ``*.toml`` entries of one folder: none if it does not exist. A folder that
    exists but cannot be listed (no permission, a symbolic link loop, a file) yields
    none either, and is passed to ``on_error`` so that it can be reported."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if is_record_name(entry.name):
                    yield entry
    except FileNotFoundError:
        return
    except OSError as exc:
        if on_error is not None:
            on_error(folder, exc)
