"""The library API: `from cptcli import lookup, search`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cptcli
from cptcli import lookup, search
from cptcli.api import DeletedCodeError
from cptcli.errors import CptError, NotFoundError, UsageError
from cptcli.models import Match, Procedure

ROOT = Path(__file__).resolve().parent.parent


def test_lookup_returns_the_record() -> None:
    record = lookup("85230")
    assert isinstance(record, Procedure)
    assert record.code == "85230" and record.to_dict()["code_set"].startswith("CPT 2026")


def test_lookup_reads_codes_as_written() -> None:
    assert lookup("CPT 99214-25").code == "99214"
    assert lookup("j1100").code == "J1100"


def test_lookup_of_a_deleted_code_names_the_replacements() -> None:
    with pytest.raises(DeletedCodeError) as caught:
        lookup("99201")
    assert "99202" in caught.value.entry.replaced_by
    assert "replaced by 99202" in str(caught.value)


@pytest.mark.parametrize(("code", "error"), [("99998", NotFoundError), ("knee", UsageError)])
def test_errors_do_not_mention_the_command_line(code: str, error: type[CptError]) -> None:
    with pytest.raises(error) as caught:
        lookup(code)
    message = str(caught.value)
    assert "cpt " not in message and "`" not in message and "--" not in message


def test_search_returns_matches(records: Path) -> None:
    found = search("knee replacement", limit=3)
    assert found[0].code == "27447"
    assert all(isinstance(m, Match) and m.to_dict()["confidence"] for m in found)
    extra = search("exampel", data_dirs=[records], field="aliases")
    assert extra[0].code == "99999"


def test_search_options_are_checked() -> None:
    with pytest.raises(UsageError):
        search("knee", field="everything")
    with pytest.raises(UsageError):
        search("  ")


def test_the_package_marks_itself_typed_and_loads_the_api_lazily() -> None:
    assert (Path(cptcli.__file__).parent / "py.typed").is_file()
    code = "import sys, cptcli; print('cptcli.api' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_the_api_names_survive_imports_of_the_core_modules_of_the_same_name() -> None:
    import importlib

    import cptcli.lookup
    import cptcli.search

    importlib.reload(cptcli)
    from cptcli import lookup as found_lookup
    from cptcli import search as found_search

    assert callable(found_lookup) and callable(found_search)
    assert found_lookup("85230").code == "85230"
    assert found_search("knee replacement", limit=1)[0].code == "27447"
    from cptcli.search import find  # the core module is still there

    assert callable(find)
