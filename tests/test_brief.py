"""`cpt show CODE --brief`: the short view, its parts, its length and its JSON."""

from __future__ import annotations

import json

import pytest

from cptcli.models import first_sentence, flatten
from cptcli.output.brief import LABELS, Brief, brief, plain_brief
from cptcli.paths import bundled_procedures_dir, data_folders
from cptcli.store import Library, load_record

from .conftest import FIXTURES, minimal, write_record


def bundled_codes() -> list[str]:
    return Library(data_folders()).codes()


def test_every_bundled_brief_is_short_and_names_its_code(invoke) -> None:  # type: ignore[no-untyped-def]
    """One run over the whole library at 100 columns: each brief names its code and
    record name, has what/why/prepare/how long/risks, and takes at most 12 lines; with
    the notice under it, a brief on its own stays within 14 lines."""
    codes = bundled_codes()
    result = invoke("show", "--brief", *codes, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr[-2000:]
    chunks = result.stdout.rstrip("\n").split("\n\n")
    assert len(chunks) == len(codes)
    last_lines = chunks[-1].splitlines()
    notice_lines = [i for i, line in enumerate(last_lines) if line.startswith("Informational")]
    chunks[-1] = "\n".join(last_lines[: notice_lines[0]])
    library = Library(data_folders())
    for code, chunk in zip(codes, chunks):
        lines = chunk.splitlines()
        assert len(lines) <= 12, chunk
        assert max(len(line) for line in lines) <= 100, chunk
        record = library.get(code)
        labelled = tuple(LABELS.values())
        title = " ".join(line.strip() for line in lines if not line.startswith(labelled))
        assert title.startswith(f"{code}  {' '.join(record.name.split())}"), chunk
        labels = [line.split()[0] for line in lines if line.startswith(labelled)]
        for label in ("What", "Why", "Prepare", "How", "Risks"):
            assert label in labels, (code, chunk)


@pytest.mark.parametrize("code", ["99214", "45378", "J0171", "70553"])
def test_a_brief_alone_fits_fourteen_lines(invoke, code: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", code, "--brief", env={"COLUMNS": "100"})
    assert result.exit_code == 0
    lines = result.stdout.rstrip("\n").splitlines()
    assert 5 <= len(lines) <= 14
    assert lines[-1].endswith("Association.")  # the notice closes it


def test_brief_takes_the_first_sentences_and_items_of_the_record() -> None:
    record = load_record(bundled_procedures_dir() / "45378.toml")
    item = brief(record)
    assert item.what == first_sentence(record.sections["summary"])
    assert item.why == first_sentence(record.sections["purpose"])
    assert item.preparation == record.sections["preparation"][:2]
    assert item.duration == first_sentence(record.sections["duration"])
    risks = record.sections["risks"]
    assert item.risks == (flatten(risks["common"]) + flatten(risks["rare"]))[:3]


def test_first_sentence_skips_abbreviations_and_decimals() -> None:
    assert first_sentence("Takes 1.5 hours. Then rest.") == "Takes 1.5 hours."
    assert first_sentence("Drugs, e.g. Warfarin, are stopped. Then more.") == (
        "Drugs, e.g. Warfarin, are stopped."
    )
    assert first_sentence("One sentence only") == "One sentence only"
    assert first_sentence("  Spread\n over   lines.  Next.") == "Spread over lines."


def test_a_part_too_long_is_cut_at_a_word_with_an_ellipsis() -> None:
    item = Brief("99999", "Example", "word " * 200, "", [], "", [])
    text = plain_brief(item, 60)
    what = [line for line in text.splitlines() if line.startswith("What")]
    assert len(text.splitlines()) == 1 + 3  # title and three lines of "what"
    assert text.endswith("…") and "word…" in text and what


def test_missing_sections_leave_their_lines_out(invoke, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "r"
    write_record(folder, "99998", minimal("99998", "Bare record", summary='"Only a summary."'))
    result = invoke("--data-dir", str(folder), "show", "99998", "--brief")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "99998  Bare record"
    assert lines[1] == "What      Only a summary."
    assert not any(line.startswith(("Why", "Prepare", "How long", "Risks")) for line in lines)
    assert f"From {folder / '99998.toml'}" in lines


def test_brief_json_is_the_brief_fields_only(invoke) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(invoke("show", "45378", "--brief", "--json").stdout)
    assert set(data) == {"code", "name", "what", "why", "preparation", "duration", "risks"}
    assert data["code"] == "45378"
    several = json.loads(invoke("show", "45378", "99214", "--brief", "--json").stdout)
    assert [d["code"] for d in several] == ["45378", "99214"]
    lines = invoke("show", "45378", "99214", "--brief", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["45378", "99214"]


def test_several_briefs_a_deleted_code_and_an_unknown_one(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "45378", "55700", "85231", "--brief")
    assert result.exit_code == 1
    assert result.stdout.startswith("45378  ")
    assert "\n\n55700  Deleted code" in result.stdout
    assert "No procedure 85231" in result.stderr


def test_brief_on_a_terminal_is_styled_and_as_short(invoke) -> None:  # type: ignore[no-untyped-def]
    plain = invoke("show", "99214", "--brief", env={"COLUMNS": "100"}).stdout
    styled = invoke(
        "show", "99214", "--brief", env={"COLUMNS": "100", "CPT_FORCE_TERMINAL": "1"}
    ).stdout
    assert "\x1b[1m" in styled
    assert len(styled.splitlines()) == len(plain.splitlines())
    mixed = invoke("show", "55700", "99214", "--brief", env={"CPT_FORCE_TERMINAL": "1"}).stdout
    assert mixed.startswith("╭") and "Deleted code" in mixed and "What" in mixed


@pytest.mark.parametrize("extra", [["-s", "risks"], ["--format", "markdown"]])
def test_brief_with_sections_or_markdown_is_a_usage_error(invoke, extra) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "99214", "--brief", *extra)
    assert result.exit_code == 2
    assert "--brief" in result.stderr


def test_fixture_brief_golden(invoke) -> None:  # type: ignore[no-untyped-def]
    from .test_render import check_golden

    record = load_record(FIXTURES / "layout" / "0996T.toml")
    check_golden("layout-brief-0996T-60.txt", plain_brief(brief(record), 60) + "\n")
