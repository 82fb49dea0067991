"""Code history: deleted codes answered with their replacements, changes announced."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cptcli.codeset import CODE_SET, CODE_SET_YEAR
from cptcli.history import History, HistoryEntry, history_problems, load_history
from cptcli.lookup import lookup
from cptcli.paths import bundled_procedures_dir, history_file
from cptcli.store import Library, is_code

from .conftest import minimal, write_record

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Codes the accuracy review requires the history to answer (deleted 2019-2026).
REQUIRED = [
    "11100", "99201", "99241", "99251", "99441", "99442", "99443", "55700",
    *(str(c) for c in range(37220, 37236)), "77014", "77385", "77386",
]  # fmt: skip


@pytest.fixture(scope="module")
def history() -> History:
    return load_history(history_file())


def test_bundled_history_is_valid_and_covers_the_required_codes(history: History) -> None:
    data = tomllib.loads(history_file().read_text(encoding="utf-8"))
    assert history_problems(data) == []
    deleted = {c for c, e in history.entries.items() if not e.current}
    assert [c for c in REQUIRED if c not in deleted] == []


def test_no_record_describes_a_deleted_code(history: History) -> None:
    bundled = {p.stem for p in bundled_procedures_dir().glob("*.toml")}
    assert sorted(c for c, e in history.entries.items() if not e.current and c in bundled) == []


def test_replacements_are_current_codes(history: History) -> None:
    deleted = {c for c, e in history.entries.items() if not e.current}
    for entry in history.entries.values():
        assert all(is_code(c) for c in entry.replaced_by)
        assert not set(entry.replaced_by) & deleted, entry.code


def test_every_replacement_has_a_name(history: History) -> None:
    """Each replacement of a deleted code is named: by its record or the names table."""
    bundled = {p.stem for p in bundled_procedures_dir().glob("*.toml")}
    unnamed = [
        code
        for entry in history.entries.values()
        for code in entry.replaced_by
        if code not in bundled and code not in history.names
    ]
    assert unnamed == []


def test_show_deleted_code_lists_replacements(invoke, history: History) -> None:  # type: ignore[no-untyped-def]
    entry = history.get("55700")
    assert entry is not None and entry.replaced_by
    result = invoke("show", "55700")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("55700  Deleted code\n")
    assert f"55700 was deleted in CPT {entry.deleted}." in out
    for code in entry.replaced_by:
        assert f"\n  {code}  " in out
    assert "(not in the library)" not in out
    assert f"The library describes {CODE_SET}." in out


def test_show_deleted_code_json(invoke, history: History) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "55700", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["status"] == "deleted" and doc["deleted"] == 2026
    assert doc["code_set"] == CODE_SET
    replaced = [r["code"] for r in doc["replaced_by"]]
    assert replaced == list(history.entries["55700"].replaced_by)
    assert all(r["name"] for r in doc["replaced_by"])


def test_announced_2027_change_is_shown_on_the_current_record(invoke, history: History) -> None:  # type: ignore[no-untyped-def]
    announced = [c for c, e in history.entries.items() if e.year > CODE_SET_YEAR]
    assert announced  # CPT 2027 changes published for library codes
    code = next(c for c in announced if (bundled_procedures_dir() / f"{c}.toml").exists())
    out = invoke("show", code).stdout
    year = history.entries[code].year
    assert f"\nCPT {year}: to be deleted on 1 January {year}." in out
    doc = json.loads(invoke("show", code, "--json").stdout)
    assert doc["status"] == "active" and doc["history"]["status"] == "deleted_next"


def test_show_mixes_records_and_history(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "99201", "99202", "--json")
    assert result.exit_code == 0
    first, second = json.loads(result.stdout)
    assert first["status"] == "deleted" and "99202" in [r["code"] for r in first["replaced_by"]]
    assert second["status"] == "active" and second["code"] == "99202"


def test_search_deleted_code_shows_history_and_replacements(invoke, history: History) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "55700", "--format", "table")
    assert result.exit_code == 0
    assert "55700 was deleted in CPT 2026" in result.stdout
    assert "55700 was deleted in CPT 2026" in invoke("search", "55700").stderr  # piped
    # 99201's replacement (99202) has a record: it is listed as a result.
    doc = json.loads(invoke("search", "99201", "--json").stdout)
    assert [h["code"] for h in doc["history"]] == ["99201"]
    found = [r["code"] for r in doc["results"]]
    assert found == list(history.entries["99201"].replaced_by) == ["99202"]
    assert all(r["matched_field"] == "history" for r in doc["results"])
    plain = invoke("search", "99201", "--format", "table").stdout
    assert "99201 was deleted in CPT 2021" in plain and "\n1  99202  100  " in plain
    piped = invoke("search", "99201")
    assert piped.stdout.startswith("1\t99202\t100\t") and "was deleted" in piped.stderr


def test_search_for_words_carries_no_history(invoke) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(invoke("search", "prostate", "biopsy", "--json").stdout)
    assert "history" not in doc and doc["results"]


def test_unknown_code_is_still_not_found(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "99998")
    assert result.exit_code == 1 and "No procedure 99998" in result.stderr


def _entry(**kw: object) -> HistoryEntry:
    base: dict[str, object] = {
        "code": "99999",
        "deleted": None,
        "revised": None,
        "replaced_by": (),
        "note": "n",
        "source": "s",
    }
    base.update(kw)
    return HistoryEntry(**base)  # type: ignore[arg-type]


def test_a_change_announced_for_next_year_keeps_the_record(records: Path) -> None:
    nxt = CODE_SET_YEAR + 1
    history = History(
        {"99999": _entry(deleted=nxt, replaced_by=("0999T",), note="Split in two.")}, {}
    )
    found = lookup(Library([_folder(records)]), history, "99999")
    assert found.record is not None and found.change is not None
    assert found.change.status == "deleted_next" and found.change.current
    doc = found.to_dict()
    assert doc["status"] == "active" and doc["history"]["deleted"] == nxt
    assert doc["history"]["replaced_by"][0]["name"]  # 0999T's record name


def test_announced_change_is_printed_under_the_title(records: Path) -> None:
    from cptcli import render

    history = History({"99999": _entry(revised=CODE_SET_YEAR + 1, note="New wording.")}, {})
    found = lookup(Library([_folder(records)]), history, "99999")
    assert found.record is not None
    text = render.plain_procedure(found.record, [], change=found.change)
    assert (
        f"CPT {CODE_SET_YEAR + 1}: to be revised on 1 January {CODE_SET_YEAR + 1}. New wording."
        in text
    )


def test_a_users_record_for_a_deleted_code_is_marked_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    write_record(folder, "55700", minimal("55700", "Old prostate biopsy"))
    history = History({"55700": _entry(code="55700", deleted=2026)}, {})
    found = lookup(Library([_folder(folder)]), history, "55700")
    assert found.record is not None and found.to_dict()["status"] == "deleted"


def _folder(path: Path):  # type: ignore[no-untyped-def]
    from cptcli.paths import DataFolder

    return DataFolder(path, "--data-dir")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"code": [{"code": "5570", "deleted": 2026, "note": "n", "source": "s"}]}, "'code'"),
        ({"code": [{"code": "55700", "note": "n", "source": "s"}]}, "exactly one"),
        (
            {
                "code": [
                    {"code": "55700", "deleted": 2026, "revised": 2026, "note": "n", "source": "s"}
                ]
            },
            "exactly one",
        ),
        ({"code": [{"code": "55700", "deleted": "2026", "note": "n", "source": "s"}]}, "year"),
        ({"code": [{"code": "55700", "deleted": True, "note": "n", "source": "s"}]}, "year"),
        (
            {
                "code": [
                    {
                        "code": "55700",
                        "deleted": 2026,
                        "replaced_by": ["557"],
                        "note": "n",
                        "source": "s",
                    }
                ]
            },
            "not a valid code",
        ),
        (
            {
                "code": [
                    {
                        "code": "55700",
                        "deleted": 2026,
                        "replaced_by": ["55700"],
                        "note": "n",
                        "source": "s",
                    }
                ]
            },
            "not a valid code",
        ),
        ({"code": [{"code": "55700", "deleted": 2026, "note": " ", "source": "s"}]}, "'note'"),
        ({"code": [{"code": "55700", "deleted": 2026, "note": "n"}]}, "'source'"),
        (
            {"code": [{"code": "55700", "deleted": 2026, "note": "n", "source": "s", "why": 1}]},
            "unknown key",
        ),
        (
            {"code": [{"code": "55700", "deleted": 2026, "note": "n", "source": "s"}] * 2},
            "listed twice",
        ),
        ({"code": {"code": "55700"}}, "array of tables"),
        ({"names": {"557": "x"}}, "names"),
        ({"extra": 1}, "unknown top-level key"),
    ],
)
def test_history_problems(data: dict[str, object], fragment: str) -> None:
    problems = history_problems(data)
    assert problems and fragment in problems[0]


def test_a_broken_history_file_is_a_warning_not_a_crash(invoke, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "history.toml"
    broken.write_text("[[code]]\ncode = 1\n", encoding="utf-8")
    monkeypatch.setattr("cptcli.paths.history_file", lambda: broken)
    result = invoke("show", "99214", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["code"] == "99214"
    assert "code history not loaded" in result.stderr


def test_no_record_points_to_a_deleted_code(history: History) -> None:
    """similar_codes and add_on_to name current codes only."""
    from cptcli.store import load_record

    deleted = {c for c, e in history.entries.items() if not e.current}
    stale = []
    for path in bundled_procedures_dir().glob("*.toml"):
        record = load_record(path)
        stale += [
            (record.code, c) for c in (*record.similar_codes, *record.add_on_to) if c in deleted
        ]
    assert stale == []
