"""`cpt show`: plain and JSON output, section filters, errors, untrusted text."""

from __future__ import annotations

import json
from pathlib import Path

from cptcli.render import NOTICE
from cptcli.sections import SECTIONS

from .conftest import minimal, write_record


def test_show_prints_every_section_in_canonical_order(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("85230  Clotting factor VII (proconvertin) activity assay\n")
    positions = [out.index(f"\n{s.title}\n") for s in SECTIONS]
    assert positions == sorted(positions)
    assert "\x1b[" not in out  # piped: no ANSI codes
    assert out.rstrip().endswith(NOTICE)
    assert result.stderr == ""


def test_steps_are_numbered_bullets_dashed_and_parts_labelled(invoke) -> None:  # type: ignore[no-untyped-def]
    out = invoke("show", "93590").stdout
    assert "\n  1. General anesthesia is usually given" in out
    assert "\n  - Moderate or severe regurgitation" in out
    assert "\nCommon risks:\n  - Bruising or bleeding at the groin access site" in out
    assert "\nRare risks:\n" in out
    # similar codes carry their names when the library has them
    assert "93591" in out


def test_section_option_prints_only_that_section(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "93590", "--section", "risks")
    assert result.exit_code == 0
    out = result.stdout
    assert "Risks and Complications" in out
    others = [s.title for s in SECTIONS if s.key != "risks"]
    assert not [t for t in others if f"\n{t}\n" in out]
    assert out.rstrip().endswith(NOTICE)  # the notice goes with every summary shown


def test_several_sections_by_alias_and_prefix(invoke) -> None:  # type: ignore[no-untyped-def]
    out = invoke("show", "85230", "-s", "prep", "-s", "dur").stdout
    assert "\nPreparation\n" in out and "\nDuration\n" in out
    assert "\nSummary\n" not in out


def test_unknown_section_is_usage_error_listing_valid_names(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "--section", "prognosis")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Unknown section 'prognosis'" in result.stderr
    assert "patient_experience" in result.stderr


def test_unknown_code_suggests_and_exits_1(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85231")
    assert result.exit_code == 1
    # the answer names the code's place in the code set (see test_families.py)
    assert result.stdout.startswith("85231  Not in the library\n")
    assert "No procedure 85231" in result.stderr and "Did you mean 85230" in result.stderr


def test_words_instead_of_code_is_usage_error(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "colonoscopy")
    assert result.exit_code == 2
    assert "cpt search colonoscopy" in result.stderr


def test_json_single_object_with_record_keys_and_source(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["code"] == "85230"
    assert data["system"] == "CPT"
    assert data["category"] == "Pathology and Laboratory / Coagulation"
    assert isinstance(data["aliases"], list)
    assert isinstance(data["risks"], dict) and data["risks"]["common"]
    assert isinstance(data["procedure"], list)
    assert Path(data["source"]).name == "85230.toml" and Path(data["source"]).is_file()


def test_json_several_codes_is_an_array_and_sections_filter(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "93590", "--json", "-s", "risks")
    data = json.loads(result.stdout)
    assert [d["code"] for d in data] == ["85230", "93590"]
    assert all("risks" in d and "summary" not in d for d in data)


def test_json_with_an_unknown_code_stays_valid_and_exits_1(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "11111", "--json")
    assert result.exit_code == 1
    found, missing = json.loads(result.stdout)
    assert found["code"] == "85230" and found["status"] == "active"
    assert missing["code"] == "11111" and missing["found"] is False
    assert "No procedure 11111" in result.stderr


def test_record_text_is_never_markup_or_escape_codes(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body = minimal(
        "0998T",
        "Tricky [bold]name[/bold] [/]",
        summary='"Plain \\u001b[31mred\\u001b[0m text and [link=x]link[/link]"',
    )
    write_record(tmp_path, "0998T", body)
    for env in ({}, {"CPT_FORCE_TERMINAL": "1"}):
        result = invoke("--data-dir", str(tmp_path), "show", "0998T", env=env)
        assert result.exit_code == 0, result.stderr
        assert "[bold]name[/bold] [/]" in result.stdout
        assert "[link=x]link[/link]" in result.stdout
        assert "\x1b[31m" not in result.stdout
        assert "Plain [31mred[0m text" in result.stdout
    raw = invoke("--data-dir", str(tmp_path), "show", "0998T", "--json").stdout
    assert "\x1b" not in raw and "u001b" not in raw  # JSON is cleaned like the text ...
    assert "Plain [31mred[0m text" in json.loads(raw)["summary"]  # ... and keeps the rest


def test_terminal_output_uses_panels(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "93590", "-s", "risks", env={"CPT_FORCE_TERMINAL": "1"})
    assert result.exit_code == 0
    assert "╭" in result.stdout and "Risks and Complications" in result.stdout
    assert "• Bruising or bleeding" in result.stdout
    # NO_COLOR is set by the test environment: no colour codes
    assert "\x1b[3" not in result.stdout


def test_broken_user_record_warns_and_falls_back(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    user = isolated / "data" / "procedures"
    write_record(user, "85230", 'code = "85230"\nname = [\n')
    result = invoke("show", "85230", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["name"].startswith("Clotting factor VII")
    assert "85230.toml:" in result.stderr and "TOML syntax error" in result.stderr
