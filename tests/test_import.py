"""`cpt import`: procedure pages in the seed text format become records, safely."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cptcli import atomic
from cptcli.importer import PageSource, decode_page, import_pages, parse_page
from cptcli.store import check_file, load_record, parse_toml

from .conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"

# A page of our own in the seed format: a descriptor line, odd bullet styles, numbered
# steps, labelled risk and experience parts, and no Tools or Anesthesia section.
PAGE = """Search all medical codes

Colonoscopy, flexible; diagnostic, including collection of specimens by brushing or washing

CPT code: 45378

Name of the Procedure:

Diagnostic Colonoscopy

Summary

A flexible camera is passed through the whole colon to look at its lining.
No tissue is removed during the diagnostic examination.

Purpose

The examination looks for polyps, bleeding sources and inflammation.

Indications

  \u2022 Blood in the stool
  \u25e6 A change in bowel habits lasting weeks
  * A positive stool screening test
  - Screening from age 45

Preparation

1. Drink the bowel preparation the evening before.
2) Take only clear liquids for a day.

Procedure Description

  1. Sedation is given through a vein.
  2. The scope is advanced to the caecum
     and withdrawn slowly while the lining is inspected.
  3. Photographs are taken of anything notable.

Duration

About 30 minutes.

Risks and Complications

  \u2022 Common Risks: Bloating and cramping afterwards.
  \u2022 Rare Risks: Perforation of the bowel wall.

Recovery

Someone must drive the patient home.

Alternatives

  \u2022 Stool DNA testing
  \u2022 CT colonography

Pros and Cons of Alternatives:

  \u2022 Stool DNA testing: no preparation, but a positive result needs a colonoscopy.

Patient Experience

During the Procedure: Most people sleep through it.
After the Procedure: Gas pains pass within hours.

Similar Codes

45380, 45385 and 45384

Medical Policies and Guidelines for Diagnostic Colonoscopy

Related policies from health plans
"""

CHROME = ("Search all medical codes", "Medical Policies", "Related policies")


def content_sentences(page: str) -> list[str]:
    """Every content line of a page, without bullet or step markers, chrome or headings."""
    headings = {
        "summary",
        "purpose",
        "indications",
        "preparation",
        "procedure description",
        "tools, equipment, or technology used",
        "anesthesia or sedation details",
        "duration",
        "setting",
        "personnel",
        "risks and complications",
        "benefits",
        "recovery",
        "alternatives",
        "pros and cons of alternatives",
        "patient experience",
        "similar codes",
        "name of the procedure",
        "cpt4 code",
    }
    sentences = []
    for raw in page.replace("\u00a0", " ").splitlines():
        line = " ".join(raw.split())
        if not line or line.rstrip(":").lower() in headings or line.startswith(CHROME):
            continue
        if re.match(r"^CPT4? code", line, re.IGNORECASE):
            continue
        line = re.sub(r"^([\u2022\u25e6*\-]|\d+[.)])\s*", "", line)
        # Labels become sub-headings; the text after them is the content.
        line = re.sub(r"^(Common|Rare) Risks:\s*|^(During|After) the Procedure:\s*", "", line)
        if "," in line and re.fullmatch(r"[\d, and]+", line):
            continue  # the similar-codes line is checked separately
        sentences.append(line)
    return sentences


def flat(text: str) -> str:
    return " ".join(text.split())


def shown(invoke, folder: Path, code: str) -> str:  # type: ignore[no-untyped-def]
    result = invoke("--data-dir", str(folder), "show", code, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    return flat(result.stdout)


def assert_round_trip(invoke, folder: Path, code: str, page: str) -> None:  # type: ignore[no-untyped-def]
    out = shown(invoke, folder, code)
    out = out.casefold()
    missing = [s for s in content_sentences(page) if flat(s).casefold() not in out]
    assert not missing, f"lost in import: {missing}"
    for chrome in CHROME:
        assert chrome.casefold() not in out


def test_own_page_round_trip(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "colonoscopy.txt"
    page.write_text(PAGE, encoding="utf-8")
    to = tmp_path / "mine"
    result = invoke("import", str(page), "--to", str(to))
    assert result.exit_code == 0, result.stderr
    assert "45378" in result.stderr and result.stdout == ""
    target = to / "45378.toml"
    assert check_file(target) == []
    record = load_record(target)
    assert record.name == "Diagnostic Colonoscopy"
    assert record.category == "Surgery"
    assert record.aliases[0].startswith("Colonoscopy, flexible; diagnostic")
    assert record.sections["indications"] == [
        "Blood in the stool",
        "A change in bowel habits lasting weeks",
        "A positive stool screening test",
        "Screening from age 45",
    ]
    steps = record.sections["procedure"]
    assert steps[1] == (
        "The scope is advanced to the caecum and withdrawn slowly while the lining is inspected."
    )
    assert record.sections["risks"] == {
        "common": "Bloating and cramping afterwards.",
        "rare": "Perforation of the bowel wall.",
    }
    assert set(record.sections["patient_experience"]) == {"during", "after"}
    assert record.sections["alternatives"]["compared"][0].startswith("Stool DNA testing: no")
    assert record.sections["similar_codes"] == ["45380", "45385", "45384"]
    assert "tools" not in record.sections and "anesthesia" not in record.sections
    assert_round_trip(invoke, to, "45378", PAGE)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode(), id="bom"),
        pytest.param(lambda t: t.replace(" ", "\u00a0", 40).encode(), id="nbsp"),
        pytest.param(lambda t: t.replace("  ", "\t").encode(), id="tabs"),
        pytest.param(lambda t: t.replace("\n", "\r").encode(), id="old-mac-cr"),
    ],
)
def test_line_endings_and_odd_whitespace_give_the_same_record(variant) -> None:  # type: ignore[no-untyped-def]
    expected = parse_page(PageSource(PAGE, "page.txt"))
    raw = variant(PAGE)
    assert parse_page(decode_page(raw, "page.txt")) == expected


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed pages are not beside the checkout")
@pytest.mark.parametrize("code", ["85230", "93590"])
def test_seed_pages_round_trip(invoke, tmp_path: Path, code: str) -> None:  # type: ignore[no-untyped-def]
    [page] = SEEDS.glob(f"page-{code}-*.txt")
    to = tmp_path / "imported"
    result = invoke("import", str(page), "--to", str(to))
    assert result.exit_code == 0, result.stderr
    record = load_record(to / f"{code}.toml")
    assert record.code == code
    # The imported record replaces the bundled one for this code, and says so.
    data = json.loads(invoke("--data-dir", str(to), "show", code, "--json").stdout)
    assert data["source"] == str(to / f"{code}.toml")
    assert_round_trip(invoke, to, code, page.read_text(encoding="utf-8"))


def test_code_from_file_name(tmp_path: Path) -> None:
    page = tmp_path / "page-93591-extra-device.txt"
    page.write_text(PAGE.replace("CPT code: 45378", "CPT4 code"), encoding="utf-8")
    [outcome] = import_pages([str(page)], tmp_path / "out")
    assert outcome.error is None and outcome.written == tmp_path / "out" / "93591.toml"


def test_code_option_wins(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page-11111.txt"
    page.write_text(PAGE, encoding="utf-8")
    result = invoke("import", str(page), "--code", "45380", "--dry-run")
    assert result.exit_code == 0
    assert 'code = "45380"' in result.stdout


def test_no_code_anywhere_is_a_usage_error_and_writes_nothing(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "colonoscopy.txt"
    page.write_text(PAGE.replace("CPT code: 45378", ""), encoding="utf-8")
    to = tmp_path / "out"
    result = invoke("import", str(page), "--to", str(to))
    assert result.exit_code == 2
    assert "--code" in result.stderr and "Traceback" not in result.stderr
    assert not to.exists() or not any(to.iterdir())


def test_code_option_with_several_files_is_a_usage_error(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("import", "a.txt", "b.txt", "--code", "45378")
    assert result.exit_code == 2


def test_not_utf8_names_file_and_line(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page-45378.txt"
    page.write_bytes(
        PAGE.replace("Diagnostic Colonoscopy", "Diagnostic Colonoscop\u00e9").encode(
            "cp1252", errors="replace"
        )
    )
    result = invoke("import", str(page), "--dry-run")
    assert result.exit_code == 1
    assert f"{page}:9:" in result.stderr and "--encoding" in result.stderr
    # ... and the documented fallback works.
    again = invoke("import", str(page), "--dry-run", "--encoding", "cp1252")
    assert again.exit_code == 0 and "Colonoscop\u00e9" in again.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("\n  \n", "empty"), ("CPT code: 45378\nJust some words.\n", "section")],
)
def test_empty_or_sectionless_pages_are_errors(invoke, tmp_path: Path, text, message) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page-45378.txt"
    page.write_text(text, encoding="utf-8")
    result = invoke("import", str(page), "--to", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "out" / "45378.toml").exists()


def test_missing_file_is_reported(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("import", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1 and "cannot read" in result.stderr


def test_stdin(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    to = tmp_path / "out"
    result = invoke("import", "-", "--to", str(to), input=PAGE)
    assert result.exit_code == 0, result.stderr
    assert load_record(to / "45378.toml").name == "Diagnostic Colonoscopy"


def test_default_target_is_the_user_data_folder(invoke, isolated: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    assert invoke("import", str(page)).exit_code == 0
    target = isolated / "data" / "procedures" / "45378.toml"
    assert target.exists()
    # ... and the record is found from there without any option.
    data = json.loads(invoke("show", "45378", "--json").stdout)
    assert data["source"] == str(target)


def test_dry_run_prints_toml_and_writes_nothing(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    result = invoke("import", str(page), "--to", str(tmp_path / "out"), "--dry-run")
    assert result.exit_code == 0
    assert parse_toml(result.stdout, "stdout")["code"] == "45378"
    assert not (tmp_path / "out").exists()


def page_and_existing_record(tmp_path: Path, existing: str) -> tuple[Path, Path, Path]:
    """(page file, target folder, a record already there for the page's code)."""
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    to = tmp_path / "out"
    to.mkdir()
    record = to / "45378.toml"
    record.write_text(existing, encoding="utf-8")
    return page, to, record


def test_never_overwrites_without_force(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, to, mine = page_and_existing_record(tmp_path, "# my own careful work\n")
    result = invoke("import", str(page), "--to", str(to))
    assert result.exit_code == 1 and "--force" in result.stderr
    assert mine.read_text(encoding="utf-8") == "# my own careful work\n"
    assert invoke("import", str(page), "--to", str(to), "--force").exit_code == 0
    assert load_record(mine).name == "Diagnostic Colonoscopy"


def test_one_bad_page_does_not_stop_the_others(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.txt"
    good.write_text(PAGE, encoding="utf-8")
    bad = tmp_path / "page-45380.txt"
    bad.write_text("", encoding="utf-8")
    result = invoke("import", str(bad), str(good), "--to", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert (tmp_path / "out" / "45378.toml").exists()


def test_failed_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, to, old = page_and_existing_record(tmp_path, "# old\n")

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", crash)
    [outcome] = import_pages([str(page)], to, force=True)
    assert outcome.written is None and str(outcome.error).startswith("cannot write ")
    assert old.read_text(encoding="utf-8") == "# old\n"
    assert sorted(p.name for p in to.iterdir()) == ["45378.toml"]  # no temporary file left


def test_interrupted_write_between_chunks_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "45378.toml"

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C after the data is written, before the rename

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomically(target, b"x" * 1000)
    assert list(tmp_path.iterdir()) == []
