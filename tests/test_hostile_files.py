"""Hostile files and folders: each costs only itself, never a traceback, hang, memory
blow-up or escape sequence on the terminal.

Files that could hang (named pipes) or exhaust memory (devices, huge sparse files) are
tried in a real ``cpt`` process with a timeout and a cap on its address space, so that a
regression fails the test instead of hanging or swapping the machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cptcli import importer, index
from cptcli.errors import RecordError
from cptcli.freshness import cache_path, folders_key
from cptcli.library import reading
from cptcli.paths import DataFolder, data_folders

from .conftest import minimal, write_record

# Bytes and characters that must never reach a terminal from data: C0 controls (but
# newline and tab), DEL, C1 controls, bidi controls and invisible characters.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)
DEEP_ARRAY = "x = " + "[" * 490 + "]" * 490 + "\n"
DEEP_TABLE = "x = " + "{a=" * 490 + "1" + "}" * 490 + "\n"
MEMORY_CAP = 2 << 30  # bytes of address space for a `cpt` process under test


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def strings(value: object) -> Iterator[str]:
    """Every string in a JSON document, keys too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def cpt(args: list[str], env: dict[str, str] | None = None, stdin: object = None):  # type: ignore[no-untyped-def]
    """The installed command in a real process, with a timeout and a memory cap."""
    command = Path(sys.executable).parent / "cpt"

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [str(command), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        preexec_fn=cap,
    )


def good(folder: Path, code: str = "99991", name: str = "Quokka tail repair") -> Path:
    return write_record(folder, code, minimal(code, name))


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One cache folder for the tests of a module that read the same folders, so that
    the bundled library is indexed once rather than once per test."""
    return str(tmp_path_factory.mktemp("cache"))


# --- 1. deeply nested values ----------------------------------------------------------


@pytest.fixture(scope="module", params=["array", "table"])
def deep(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"deep-{request.param}")
    body = DEEP_ARRAY if request.param == "array" else DEEP_TABLE
    write_record(folder, "99990", 'code = "99990"\nname = "Deep"\n' + body)
    good(folder)
    return folder


def test_deep_nesting_costs_only_its_record_in_search(
    invoke, deep: Path, shared_cache: str
) -> None:  # type: ignore[no-untyped-def]
    env = {"CPT_CACHE_DIR": shared_cache}
    result = invoke("--data-dir", str(deep), "search", "quokka", "--json", env=env)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"][0]["code"] == "99991"
    assert f"{deep / '99990.toml'}:3: " in result.stderr and "nested" in result.stderr


def test_deep_nesting_costs_only_its_record_in_list(invoke, deep: Path, shared_cache: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--data-dir", str(deep), "list", env={"CPT_CACHE_DIR": shared_cache})
    assert result.exit_code == 0 and "99991\tQuokka tail repair" in result.stdout
    assert "99990" not in result.stdout
    assert f"{deep / '99990.toml'}:3: " in result.stderr


def test_deep_nesting_is_a_validate_problem(invoke, deep: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("validate", str(deep))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{deep / '99990.toml'}:3: ")
    assert "nested more than 32 levels deep" in result.stdout
    assert "2 files checked, 1 problem" in result.stderr


def test_deep_nesting_in_show(invoke, deep: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--data-dir", str(deep), "show", "99990")
    assert result.exit_code == 1
    assert result.stderr.count(f"{deep / '99990.toml'}:3: ") == 1
    assert "could not be loaded" in result.stderr
    assert invoke("--data-dir", str(deep), "show", "99991", "--json").exit_code == 0


@pytest.mark.parametrize(
    "text",
    [
        DEEP_ARRAY,
        DEEP_TABLE,
        "x = " + "[" * 33 + "]" * 33,
        "[a]\nb = 1\nx = [\n" + "[" * 40,  # unclosed as well
        "x = " + "[ \n" * 100 + "]" * 100,
    ],
)
def test_parse_door_refuses_deep_nesting_with_file_and_line(text: str) -> None:
    with pytest.raises(RecordError) as caught:
        reading.parse_toml(text, "r.toml")
    assert caught.value.path == "r.toml" and caught.value.line is not None
    assert "nested more than 32 levels deep" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 32 + "]" * 32,
        'x = "' + "[" * 100 + '"',
        "x = '" + "{" * 100 + "'",
        'x = """\n' + "[[[[" * 30 + '\n"""',
        "x = '''" + "[" * 100 + "'''",
        "# " + "[" * 100 + "\nx = 1",
        'x = "\\"' + "[" * 100 + '"',
        '"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" = 1',
    ],
)
def test_brackets_in_strings_and_comments_are_not_nesting(text: str) -> None:
    assert reading.too_deep(text) is None
    assert len(reading.parse_toml(text, "r.toml")) == 1


def test_other_parser_failures_are_record_errors() -> None:
    with pytest.raises(RecordError) as caught:
        reading.parse_toml("a = 1\nx = 1" + "1" * 5000, "r.toml")
    assert caught.value.path == "r.toml" and caught.value.line == 2


def test_the_library_api_survives_deep_nesting(deep: Path, shared_cache: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cptcli import api
    from cptcli.errors import NotFoundError

    monkeypatch.setenv("CPT_CACHE_DIR", shared_cache)
    assert [m.code for m in api.search("quokka", data_dirs=[deep])][:1] == ["99991"]
    with pytest.raises(NotFoundError):
        api.lookup("99990", data_dirs=[deep])
    assert api.lookup("99991", data_dirs=[deep]).name == "Quokka tail repair"


# --- 2. escape sequences from file names, keys and folders --------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose own name, file names and table keys carry escape sequences,
    bidi controls and invisible characters."""
    folder = tmp_path_factory.mktemp("hostile") / "data\x1b]0;PWNED\x07\u202e"
    folder.mkdir()
    (folder / "\x1b]0;PWNED\x07.toml").write_text('code = "99992"\nname = "t"\n', "utf-8")
    (folder / "99993.toml").write_text(
        'code = "99993"\n'
        'name = "Wombat \\u202e repair \\ufeff\\u2028\\u0085 \\u009b31m done\\u007f"\n'
        'aliases = ["wombat \\u001b]52;c;SGVsbG8=\\u0007 fix"]\n'
        'summary = "Text \\u2066 with \\u00ad bidi \\u200b and \\u001b[31m colour."\n',
        "utf-8",
    )
    key = '"a\\u001b]52;c;SGVsbG8=\\u0007b\\u202e"'
    (folder / "99994.toml").write_text(
        f'code = "99994"\nname = "Numbat"\n\n[risks]\n{key} = "x"\n', "utf-8"
    )
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["search", "wombat"],
        ["search", "wombat", "--json"],
        ["search", "wombat", "--format", "csv"],
        ["list"],
        ["list", "--json"],
        ["show", "99993"],
        ["show", "99993", "--json"],
        ["show", "99993", "--format", "markdown"],
        ["show", "99993", "--format", "jsonl"],
        ["show", "99994"],
        ["show", "99994", "--json"],
        ["validate"],
        ["validate", "--json"],
        ["paths"],
        ["paths", "--json"],
    ],
)
def test_no_escape_or_bidi_character_reaches_the_output(  # type: ignore[no-untyped-def]
    invoke, hostile: Path, shared_cache: str, args: list[str]
) -> None:
    result = invoke("--data-dir", str(hostile), *args, env={"CPT_CACHE_DIR": shared_cache})
    assert result.exit_code in (0, 1)
    for stream in (result.stdout, result.stderr):
        assert not FORBIDDEN.search(stream), repr(FORBIDDEN.search(stream))
    if "--json" in args or "jsonl" in args:
        documents = result.stdout.splitlines() if "jsonl" in args else [result.stdout]
        for line in filter(str.strip, documents):  # a failed show prints no document
            # JSON strings are cleaned too: a script printing a value cannot emit one.
            for text in strings(json.loads(line)):
                assert not FORBIDDEN.search(text), repr(text)
                assert not re.search("[\x7f-\x9f]", text), repr(text)


def test_hostile_names_are_still_named(invoke, hostile: Path, shared_cache: str) -> None:  # type: ignore[no-untyped-def]
    """Cleaning removes the controls, not the message: the user can still tell which
    file is meant."""
    result = invoke("--data-dir", str(hostile), "validate", env={"CPT_CACHE_DIR": shared_cache})
    assert "]0;PWNED.toml:1: file name does not match the code" in result.stdout
    assert "label 'risks.a]52;c;SGVsbG8=b' must be lower case" in result.stdout
    shown = invoke("--data-dir", str(hostile), "show", "99993", env={"CPT_CACHE_DIR": shared_cache})
    assert "99993  Wombat  repair  31m done" in shown.stdout
    assert "Text with bidi and [31m colour." in " ".join(shown.stdout.split())


def test_cleaning_the_output_keeps_its_layout(invoke, hostile: Path, shared_cache: str) -> None:  # type: ignore[no-untyped-def]
    """Tabs of tsv and the CRLF line ends of csv are layout, not data: they stay."""
    env = {"CPT_CACHE_DIR": shared_cache}
    csv = invoke("--data-dir", str(hostile), "search", "wombat", "--format", "csv", env=env)
    raw = csv.stdout_bytes  # (.stdout turns CRLF into LF)
    assert raw.count(b"\r\n") == raw.count(b"\n") > 0  # every line, the last too
    tsv = invoke("--data-dir", str(hostile), "search", "wombat", "--format", "tsv", env=env)
    assert tsv.stdout.startswith("1\t99993\t")


def test_json_is_cleaned_like_the_text(invoke, hostile: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--data-dir", str(hostile), "show", "99993", "--json")
    assert "\u202e" not in result.stdout and "\\u202e" not in result.stdout
    record = json.loads(result.stdout)
    assert record["name"] == "Wombat  repair  31m done"  # the controls go, the words stay
    assert record["aliases"][0].startswith("wombat ]52;c;SGVsbG8= fix")


# --- 3. import: escaped names, validated bytes, kept modes ------------------------------

PAGE = """CPT code: 45378

Name of the Procedure:

Diagnostic Colonoscopy

Summary

A flexible camera is passed through the whole colon to look at its lining.
"""


def test_page_name_cannot_inject_toml(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / 'p\n[risks]\ncommon = "injected"\n\x1b[31m\u202e.txt'
    page.write_text(PAGE, encoding="utf-8")
    to = tmp_path / "out"
    result = invoke("import", str(page), "--to", str(to))
    assert result.exit_code == 0, result.stderr
    written = (to / "45378.toml").read_text(encoding="utf-8")
    first, rest = written.split("\n", 1)
    assert first.startswith("# Imported from p\\n[risks]") and "\\x1b" in first
    assert "injected" not in rest and "risks" not in rest
    assert invoke("validate", str(to)).exit_code == 0
    assert not FORBIDDEN.search(result.stderr)


def test_a_name_that_is_not_utf8_is_escaped(tmp_path: Path) -> None:
    name = os.fsdecode(b"page-\xff\xfe.txt")
    page = tmp_path / name
    page.write_text(PAGE, encoding="utf-8")
    [outcome] = importer.import_pages([str(page)], tmp_path / "out")
    assert outcome.error is None and outcome.toml is not None
    assert outcome.toml.startswith("# Imported from page-\\udcff\\udcfe.txt\n")


def test_unreadable_result_is_never_written(
    invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Whatever is about to be written is read back first: bytes that do not parse as a
    valid record are not written, and --force does not replace a good record with them."""
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    to = tmp_path / "out"
    to.mkdir()
    existing = to / "45378.toml"
    existing.write_text(minimal("45378", "Mine"), encoding="utf-8")
    real = importer.to_toml
    monkeypatch.setattr(importer, "to_toml", lambda data: real(data) + "\nbroken = \x1b\n")
    result = invoke("import", str(page), "--to", str(to), "--force")
    assert result.exit_code == 1
    assert "does not read back" in result.stderr and "nothing was written" in result.stderr
    assert existing.read_text(encoding="utf-8") == minimal("45378", "Mine")
    assert sorted(p.name for p in to.iterdir()) == ["45378.toml"]


def test_force_keeps_the_file_mode(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    to = tmp_path / "out"
    to.mkdir()
    existing = to / "45378.toml"
    existing.write_text(minimal("45378", "Mine"), encoding="utf-8")
    existing.chmod(0o640)
    assert invoke("import", str(page), "--to", str(to), "--force").exit_code == 0
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert "Diagnostic Colonoscopy" in existing.read_text(encoding="utf-8")


def test_new_records_follow_the_umask(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    old = os.umask(0o022)
    try:
        assert invoke("import", str(page), "--to", str(tmp_path / "out")).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out" / "45378.toml").stat().st_mode) == 0o644


@pytest.mark.parametrize("where", ["to", "user"])
def test_import_into_a_folder_that_is_a_file(invoke, tmp_path: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    if where == "to":
        result = invoke("import", str(page), "--to", str(blocker / "sub"))
    else:
        result = invoke("import", str(page), env={"CPT_USER_DATA_DIR": str(blocker)})
    assert result.exit_code == 1
    assert "is not a folder" in result.stderr and "--force" not in result.stderr
    assert str(blocker) in result.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize(
    ("encoding", "raw"),
    [
        ("punycode", b"abc-99999999"),
        ("punycode", b"\xff\xfeabc"),
        ("unicode_escape", b"CPT code: 45378\n\nSummary\n\nA lone \\ud800 surrogate.\n"),
        ("unicode_escape", b"trailing \\"),
        ("rot13", b"abc"),
        ("no-such-encoding", b"abc"),
    ],
)
def test_import_encodings_fail_cleanly(invoke, tmp_path: Path, encoding: str, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p-45378.txt"
    page.write_bytes(raw)
    result = invoke("import", str(page), "--to", str(tmp_path / "out"), "--encoding", encoding)
    assert result.exit_code in (1, 2)
    assert result.stderr.startswith("error: ") and "encoding" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_lone_surrogate_is_reported_with_its_line(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_bytes(b"CPT code: 45378\n\nSummary\n\nA lone \\ud800 surrogate.\n")
    result = invoke("import", str(page), "--encoding", "unicode_escape", "--dry-run")
    assert result.exit_code == 1
    assert f"{page}:5:" in result.stderr and "unicode_escape" in result.stderr


# --- 4. files that are not regular files, or huge ----------------------------------------


@pytest.fixture
def odd_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "odd"
    good(folder)
    yield folder


def test_reading_door_accepts_only_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for path, words in [(fifo, "named pipe"), (Path("/dev/zero"), "device"), (tmp_path, "folder")]:
        with pytest.raises(reading.ReadError) as caught:
            reading.read_bytes(path, limit=reading.RECORD_LIMIT, what="record")
        assert caught.value.path == str(path) and words in caught.value.message
        assert not caught.value.transient


def test_reading_door_enforces_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (reading.RECORD_LIMIT + 1))
    with pytest.raises(reading.ReadError) as caught:
        reading.read_bytes(big, limit=reading.RECORD_LIMIT, what="record")
    assert "larger than 256 KB" in caught.value.message
    big.write_bytes(b"#" * reading.RECORD_LIMIT)
    assert len(reading.read_bytes(big, limit=reading.RECORD_LIMIT, what="record")) == (
        reading.RECORD_LIMIT
    )


def test_reading_door_reports_undecodable_text_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_bytes(b'code = "1"\nname = "a \xed\xa0\x80 lone surrogate"\n')
    with pytest.raises(RecordError) as caught:
        reading.read_text(path, limit=reading.RECORD_LIMIT, what="record")
    assert caught.value.line == 2 and "UTF-8" in caught.value.message


def test_reading_door_marks_os_errors_as_worth_a_retry(tmp_path: Path) -> None:
    with pytest.raises(reading.ReadError) as caught:
        reading.read_bytes(tmp_path / "gone.toml", limit=10, what="record")
    assert caught.value.transient
    assert caught.value.message == "cannot read the file (No such file or directory)"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse"])
def test_odd_record_files_cost_only_themselves(odd_folder: Path, kind: str) -> None:
    target = odd_folder / "99996.toml"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        target.symlink_to("/dev/zero")
    else:
        with open(target, "wb") as handle:
            handle.truncate(8 << 30)  # 8 GB of nothing
    words = {"fifo": "named pipe", "dev-zero": "device", "sparse": "larger than 256 KB"}[kind]
    base = ["--data-dir", str(odd_folder)]
    for args in (["search", "quokka", "--json"], ["list", "--json"]):
        result = cpt([*base, *args])
        no_traceback(result)
        assert result.returncode == 0, result.stderr
        assert "99991" in result.stdout and "99996" not in result.stdout
        assert str(target) in result.stderr and words in result.stderr
    result = cpt(["validate", str(odd_folder)])
    no_traceback(result)
    assert result.returncode == 1 and str(target) in result.stdout and words in result.stdout
    result = cpt([*base, "show", "99996"])
    no_traceback(result)
    assert result.returncode == 1 and words in result.stderr
    assert cpt([*base, "show", "99991", "--json"]).returncode == 0


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse"])
def test_odd_pages_are_refused_by_import(tmp_path: Path, kind: str) -> None:
    page = tmp_path / "page-45378.txt"
    if kind == "fifo":
        os.mkfifo(page)
    elif kind == "dev-zero":
        page = Path("/dev/zero")
    else:
        with open(page, "wb") as handle:
            handle.truncate(8 << 30)
    result = cpt(["import", str(page), "--to", str(tmp_path / "out")])
    no_traceback(result)
    assert result.returncode == 1 and result.stderr.startswith(f"error: {page}: ")
    assert not (tmp_path / "out").exists()


def test_a_huge_page_on_standard_input_is_refused(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        result = cpt(["import", "-", "--to", str(tmp_path / "out")], stdin=zero)
    no_traceback(result)
    assert result.returncode == 1 and "larger than 2 MB" in result.stderr


def test_the_import_api_limits_standard_input_too(tmp_path: Path) -> None:
    big = b"x" * (reading.PAGE_LIMIT + 1)
    [outcome] = importer.import_pages(["-"], tmp_path / "out", read_stdin=lambda: big)
    assert isinstance(outcome.error, reading.ReadError)
    assert str(outcome.error).startswith("standard input: the input is larger than 2 MB")
    assert not (tmp_path / "out").exists()


def test_a_fifo_as_the_cache_file_does_not_hang(odd_folder: Path, isolated: Path) -> None:
    folders = data_folders([odd_folder])
    cached = cache_path(folders_key(folders))
    cached.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(cached)
    result = cpt(["--data-dir", str(odd_folder), "search", "quokka", "--json"])
    no_traceback(result)
    assert result.returncode == 0 and json.loads(result.stdout)["results"][0]["code"] == "99991"
    assert stat.S_ISREG(cached.stat().st_mode)  # replaced by a real cache file


# --- 5. folders that fail ----------------------------------------------------------------


def _refuse(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make listing or opening anything in ``folder`` fail with EACCES, as chmod 000
    does for anyone but root."""
    real_scandir, real_listdir, real_open = os.scandir, os.listdir, os.open
    real_stat = os.stat

    def blocked(path: object) -> bool:
        try:
            text = os.fsdecode(path)  # type: ignore[arg-type]
        except TypeError:
            return False
        return text == str(folder) or text.startswith(str(folder) + os.sep)

    def deny(path: object) -> None:
        raise PermissionError(13, "Permission denied", os.fsdecode(path))  # type: ignore[arg-type]

    def scandir(path: object = ".") -> object:
        return deny(path) if blocked(path) else real_scandir(path)  # type: ignore[arg-type]

    def listdir(path: object = ".") -> object:
        return deny(path) if blocked(path) else real_listdir(path)  # type: ignore[arg-type]

    def open_(path: object, *args: object, **kwargs: object) -> object:
        return deny(path) if blocked(path) else real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    def stat_(path: object, *args: object, **kwargs: object) -> object:
        if blocked(path) and os.fsdecode(path) != str(folder):  # type: ignore[arg-type]
            deny(path)
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "stat", stat_)


@pytest.fixture
def two_folders(tmp_path: Path) -> tuple[Path, Path]:
    locked, other = tmp_path / "locked", tmp_path / "other"
    good(locked, "99997", "Locked away record")
    good(other, "99998", "Platypus bill repair")
    return locked, other


@pytest.mark.parametrize(
    "args",
    [
        ["search", "platypus", "--json"],
        ["list", "--json"],
        ["show", "99998", "--json"],
        ["paths"],
        ["paths", "--json"],
        ["validate"],
    ],
)
def test_an_unreadable_folder_is_named_and_the_others_load(  # type: ignore[no-untyped-def]
    invoke, two_folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    locked, other = two_folders
    _refuse(locked, monkeypatch)
    env = {"CPT_DATA_PATH": str(locked)}  # as --data-dir it would be a usage error
    result = invoke("--data-dir", str(other), *args, env=env)
    message = f"{locked}: cannot read this folder (Permission denied)"
    if args[0] == "validate":
        assert result.exit_code == 1 and result.stdout.startswith(message)
        assert "99998" not in result.stdout  # the other folder checked, and good
        return
    assert message in result.stderr
    assert result.exit_code == 0, result.stderr
    if args[0] == "paths":
        assert "unreadable" in result.stdout or '"records": 0' in result.stdout
    else:
        assert "99998" in result.stdout and "99997" not in result.stdout


def test_an_unreadable_target_folder_for_import(
    invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    _refuse(locked, monkeypatch)
    result = invoke("import", str(page), "--to", str(locked))
    assert result.exit_code == 1 and str(locked) in result.stderr
    assert "permission denied" in result.stderr.lower()


@pytest.mark.parametrize(
    "args",
    [
        ["search", "platypus", "--json"],
        ["list", "--json"],
        ["show", "99998", "--json"],
        ["paths", "--json"],
        ["validate"],
    ],
)
def test_a_symlink_loop_as_a_data_folder(invoke, tmp_path: Path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    other = tmp_path / "other"
    good(other, "99998", "Platypus bill repair")
    result = invoke("--data-dir", str(loop), "--data-dir", str(other), *args)
    message = f"{loop}: cannot read this folder (Too many levels of symbolic links)"
    assert message in (result.stdout if args[0] == "validate" else result.stderr)
    assert result.exit_code == (1 if args[0] == "validate" else 0), result.stderr
    if args[0] not in ("validate", "paths"):
        assert "99998" in result.stdout


def test_importing_into_a_symlink_loop(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-8")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    result = invoke("import", str(page), "--to", str(loop))
    assert result.exit_code == 1 and str(loop) in result.stderr


def _unprivileged() -> list[str] | None:
    """How to run a command so that file permissions apply: as is when not root, else
    as `nobody` through setpriv; None when neither is possible."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    # The installed command must be reachable by that user (a virtual environment in a
    # private folder is not).
    cpt = str(Path(sys.executable).parent / "cpt")
    probe = subprocess.run([*prefix, cpt, "--version"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_a_real_chmod_000_folder(tmp_path: Path) -> None:
    """The real thing, without monkeypatching: a folder with mode 000, read by a user
    the mode applies to."""
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip(
            "running as root, and no unprivileged user can run the installed cpt (no "
            "setpriv, or a private virtual environment): covered by the in-process tests"
        )
    base = Path(tempfile.mkdtemp(prefix="cpt-perm-"))
    try:
        base.chmod(0o777)
        locked, other, home = base / "locked", base / "other", base / "home"
        good(locked, "99997", "Locked away record")
        good(other, "99998", "Platypus bill repair")
        home.mkdir()
        for path in (base, locked, other, home, *locked.iterdir(), *other.iterdir()):
            path.chmod(0o777 if path.is_dir() else 0o666)
        locked.chmod(0)
        env = {
            "CPT_USER_DATA_DIR": str(locked),  # (given as --data-dir: a usage error)
            "CPT_CACHE_DIR": str(home / "cache"),
            "HOME": str(home),
        }
        command = [*prefix, str(Path(sys.executable).parent / "cpt")]
        base_args = ["--data-dir", str(other)]
        page = home / "p.txt"
        page.write_text(PAGE, encoding="utf-8")
        page.chmod(0o666)

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            result = subprocess.run(
                [*command, *base_args, *args],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, **env},
            )
            no_traceback(result)
            return result

        message = f"{locked}: cannot read this folder (Permission denied)"
        for args in (["search", "platypus", "--json"], ["list", "--json"], ["show", "99998"]):
            result = run(*args)
            assert result.returncode == 0, result.stderr
            assert "99998" in result.stdout and message in result.stderr
        result = run("paths")
        assert result.returncode == 0 and message in result.stderr and "unreadable" in result.stdout
        result = run("validate")
        assert result.returncode == 1 and message in result.stdout
        result = run("import", str(page))
        assert result.returncode == 1 and result.stderr.startswith("error: ")
        assert str(locked) in result.stderr and "permission denied" in result.stderr.lower()
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


# --- 6. no stale index after a brief read failure -----------------------------------------


def test_a_record_unreadable_during_a_build_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "records"
    good(folder, "99991", "Quokka tail repair")
    flaky = good(folder, "99992", "Echidna spine care")
    folders = [DataFolder(folder, "--data-dir")]
    real = reading.open_regular

    def refuse(path: object, **kwargs: object) -> object:
        if str(path) == str(flaky):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "open_regular", refuse)
    first = index.load_or_build(folders)
    assert first.codes == ["99991"]
    assert [p.message for p in first.problems] == ["cannot read the file (Permission denied)"]
    monkeypatch.setattr(reading, "open_regular", real)
    again = index.load_or_build(folders)
    assert again.codes == ["99991", "99992"] and again.problems == []
    assert again.built  # rebuilt, not the index of the failed build
    assert not index.load_or_build(folders).built  # and cached once all was read


def test_a_record_that_fails_to_parse_stays_cached_as_broken(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    good(folder)
    write_record(folder, "99992", "code = ")
    folders = [DataFolder(folder, "--data-dir")]
    assert index.load_or_build(folders).built
    cached = index.load_or_build(folders)
    assert not cached.built and len(cached.problems) == 1


def test_a_retried_record_through_the_cli(
    invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "records"
    good(folder, "99991", "Quokka tail repair")
    flaky = good(folder, "99992", "Echidna spine care")
    real = reading.open_regular

    def refuse(path: object, **kwargs: object) -> object:
        if str(path) == str(flaky):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "open_regular", refuse)
    result = invoke("--data-dir", str(folder), "search", "echidna", "--json")
    assert "Permission denied" in result.stderr
    monkeypatch.setattr(reading, "open_regular", real)
    result = invoke("--data-dir", str(folder), "search", "echidna", "--json")
    assert result.exit_code == 0 and "warning" not in result.stderr
    assert json.loads(result.stdout)["results"][0]["code"] == "99992"


# --- 11. smaller ones ----------------------------------------------------------------------


def test_a_lower_case_file_name_is_found_by_search_and_show(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_record(tmp_path, "j7189", minimal("J7189", "Our own factor record"))
    found = invoke("--data-dir", str(tmp_path), "search", "our own factor record", "--json")
    assert json.loads(found.stdout)["results"][0]["code"] == "J7189"
    for code in ("J7189", "j7189"):
        shown = invoke("--data-dir", str(tmp_path), "show", code, "--json")
        assert shown.exit_code == 0 and json.loads(shown.stdout)["name"] == "Our own factor record"


def test_show_prints_each_warning_once(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_record(tmp_path, "85230", "code = ")  # broken: the bundled record stands in
    result = invoke("--data-dir", str(tmp_path), "show", "85230")
    assert result.exit_code == 0 and result.stdout.startswith("85230")
    assert result.stderr.count("85230.toml:1: TOML syntax error") == 1


def test_a_huge_query_on_standard_input_is_refused_per_line(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "--stdin", input="k" * 100_000 + "\nfactor VII\n")
    assert result.exit_code == 1 and "line 1: the query is 100000 characters long" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["results"][0]["code"] == "85230"
