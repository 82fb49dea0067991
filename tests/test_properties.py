"""Property-based tests: generated record files, procedure pages, queries and folder
layouts, run through the real CLI in-process.

Whatever is generated, a run must
* end without a traceback, with an exit code in {0, 1, 2, 130};
* print exactly one valid JSON document with ``--json`` (unless the command line itself
  was refused, exit 2);
* print no ESC, BEL or C1 control character, on stdout or stderr;
* change no file outside the folder it writes to (import);
* lose nothing: a good record next to broken files still loads, and one that a failed
  import would have replaced is unchanged.

The bundled library is replaced by two small fixture records, so that every example
builds its search index in milliseconds; what is tested is how the tool treats the files
that users put in its folders, not the bundled records. Examples are derandomized with no
example database, so a run is repeatable and CI needs no state; ``max_examples`` keeps the
whole module within about a minute.

The properties near the end of this module (the ``*_hostile_*`` tests) cover failures
whose fixes live in the record reading and output cleaning code: deeply nested values,
escape sequences in file names and table labels, C1 controls inside JSON strings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cptcli import cli, paths

from .conftest import FIXTURES

settings.register_profile(
    "cpt",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = settings.get_profile("cpt")
FEW = settings(PROFILE, max_examples=12)
# For the properties that wait on other fixes: no shrinking, so that their failures stay
# within the time budget too (the failing example is reported as generated).
UNSHRUNK = settings(FEW, phases=[Phase.explicit, Phase.reuse, Phase.generate])

ALLOWED_EXIT = {0, 1, 2, 130}
# ESC, BEL and the C1 controls (U+0080 to U+009F), as characters of the decoded output.
FORBIDDEN = re.compile("[\x1b\x07\x80-\x9f]")
GOOD_CODE = "0998T"
GOOD_NAME = "Quuxable tendon repair"
GOOD = f'code = "{GOOD_CODE}"\nname = "{GOOD_NAME}"\n'

APP = cli.build_app()


# --- running the CLI -----------------------------------------------------------------


@pytest.fixture
def small_bundled(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("bundled") / "procedures"
    shutil.copytree(FIXTURES / "records", folder)
    monkeypatch.setattr(paths, "bundled_procedures_dir", lambda: folder)
    return folder


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    """A fresh folder per example: ``user`` (the user data folder), ``cache``."""
    root = Path(tempfile.mkdtemp(prefix="cpt-prop-"))
    try:
        (root / "user").mkdir()
        yield root
    finally:
        for path in root.rglob("*"):  # even what an example made unreadable
            with contextlib.suppress(OSError):
                path.chmod(0o700) if path.is_dir() and not path.is_symlink() else None
        shutil.rmtree(root, ignore_errors=True)


class Run:
    def __init__(self, result: Any, args: list[str]) -> None:
        self.code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception
        self.args = args


def run(root: Path, *args: str) -> Run:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    env = {
        "CPT_USER_DATA_DIR": str(root / "user"),
        "CPT_CACHE_DIR": str(root / "cache"),
        "CPT_DATA_PATH": "",
        "NO_COLOR": "1",
        "COLUMNS": "80",
    }
    result = runner.invoke(APP, list(args), env=env, catch_exceptions=True)
    return Run(result, list(args))


def check(result: Run, json_output: bool = False, clean_output: bool = True) -> None:
    """The properties every run has, whatever it was given (``clean_output``: no
    control characters in the output either)."""
    context = f"cpt {' '.join(map(repr, result.args))}\n{result.stderr[-2000:]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{context}\n{result.exception!r}"
    )
    assert result.code in ALLOWED_EXIT, context
    assert "Traceback" not in result.stderr, context
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        found = FORBIDDEN.search(text) if clean_output else None
        assert found is None, f"{name} has {found.group()!r}: {context}"
    if json_output and result.code != 2:
        json.loads(result.stdout)  # exactly one document: trailing text fails here too


def json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def good_record_loads(root: Path) -> None:
    result = run(root, "show", GOOD_CODE, "--json")
    check(result, json_output=True)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == GOOD_NAME


def tree_state(root: Path) -> dict[str, str]:
    """Every file and link under ``root`` with a hash of its content and its mode."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        try:
            if path.is_symlink():
                state[rel] = f"link {os.readlink(path)}"
            elif path.is_file():
                mode = path.stat().st_mode
                state[rel] = f"{mode:o} {hashlib.sha256(path.read_bytes()).hexdigest()}"
            elif path.is_dir():
                state[rel] = "dir"
        except OSError as exc:
            state[rel] = f"unreadable {exc.errno}"
    return state


# --- what is generated ---------------------------------------------------------------

# Text as hostile as text gets: controls, bidi and invisible characters, escape
# sequences, and ordinary letters and spaces so that words exist too.
HOSTILE_PIECES = [
    "\x1b[31m",
    "\x1b]0;PWNED\x07",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x9b2J",
    "\x07",
    "\x7f",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u2060",
    "\u061c",
    "\u2028",
    "\u00ad",
    "\r",
    "\t",
    "\n",
    "knee",
    " repair ",
    "Ä",
    "日本",
    "\U0001f600",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=8)), max_size=12
).map("".join)
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
codes = st.one_of(
    st.from_regex(r"[0-9]{5}", fullmatch=True),
    st.from_regex(r"[0-9]{4}[FTU]", fullmatch=True),
    st.from_regex(r"[A-V][0-9]{4}", fullmatch=True),
)
SECTIONS = ["summary", "purpose", "indications", "risks", "recovery", "preparation"]


def without_surrogates(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


@st.composite
def hostile_records(draw: st.DrawFn) -> tuple[str, str]:
    """(code, TOML text): valid TOML whose values are hostile or of the wrong type."""
    code = draw(codes)
    text_value = hostile_text.map(without_surrogates)
    value = st.one_of(
        text_value,
        st.integers(),
        st.floats(allow_nan=False),
        st.booleans(),
        st.lists(text_value, max_size=4),
        st.dictionaries(words, text_value, max_size=3),
    )
    data: dict[str, Any] = {
        "code": draw(st.one_of(st.just(code), value)),
        "name": draw(st.one_of(text_value, value)),
    }
    if draw(st.booleans()):
        data["aliases"] = draw(st.one_of(st.lists(text_value, max_size=4), value))
    for key in draw(st.lists(st.sampled_from(SECTIONS), max_size=4, unique=True)):
        data[key] = draw(value)
    if draw(st.booleans()):
        data[draw(words)] = draw(value)  # a key the format does not know
    return code, tomli_w.dumps(data)


# Broken TOML and broken bytes; nesting and tables within reading limits.
broken_text = st.one_of(
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.text(max_size=300).map(without_surrogates),
    st.sampled_from(
        [
            "",
            "\ufeff",
            'code = "',
            'code = "85230"\ncode = "85230"\n',
            "[[[",
            'name = """',
            "= 1",
            'code = "0997T"\nname = "x"\n[summary]\n[summary]\n',
            'code = "0997T"\nname = 5\n',
            'code = "0997T"\nname = "ok"\nsummary = ' + "[" * 30 + "]" * 30 + "\n",
        ]
    ),
)


@st.composite
def layouts(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    """What a user folder holds besides a good record: (kind, name, content)."""
    items = []
    for n in range(draw(st.integers(0, 5))):
        kind = draw(
            st.sampled_from(
                ["record", "broken", "empty", "dir", "dangling", "loop", "link", "hidden"]
            )
        )
        name = f"{draw(codes)}-{n}"
        content = ""
        if kind == "record":
            name, content = draw(hostile_records())
            name = f"{name}-{n}"
        elif kind == "broken":
            content = draw(broken_text)
        items.append((kind, name, content))
    return items


def make_layout(folder: Path, items: list[tuple[str, str, str]]) -> None:
    (folder / f"{GOOD_CODE}.toml").write_text(GOOD, encoding="utf-8")
    for kind, name, content in items:
        path = folder / f"{name}.toml"
        if kind in ("record", "broken"):
            path.write_text(content, encoding="utf-8", errors="surrogateescape")
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "dir":
            path.mkdir()
            (path / "inner.toml").write_text(GOOD, encoding="utf-8")
        elif kind == "dangling":
            path.symlink_to(folder / "nowhere.toml")
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "link":
            path.symlink_to(folder / f"{GOOD_CODE}.toml")
        elif kind == "hidden":
            (folder / f".{name}.toml").write_text("[[[", encoding="utf-8")


COMMANDS = [
    ("search", "repair", "--json"),
    ("search", "repair"),
    ("list", "--json"),
    ("list",),
    ("validate", "--json"),
    ("validate",),
]


# --- properties ----------------------------------------------------------------------


@FEW
@given(items=layouts())
def test_any_folder_layout_costs_only_its_own_records(small_bundled, items) -> None:  # type: ignore[no-untyped-def]
    with workspace() as root:
        make_layout(root / "user", items)
        for args in COMMANDS:
            check(run(root, *args), json_output="--json" in args)
        good_record_loads(root)
        for _, name, _ in items:
            code = name.split("-")[0]
            check(run(root, "show", code, "--json"), json_output=True)


@PROFILE
@given(query=st.text(max_size=60).map(without_surrogates), json_=st.booleans())
def test_any_query_gives_an_answer(small_bundled, query: str, json_: bool) -> None:  # type: ignore[no-untyped-def]
    with workspace() as root:
        args = ["search", *(["--json"] if json_ else []), "--", query]
        result = run(root, *args)
        check(result, json_output=json_, clean_output=False)  # see the cleaning tests


@FEW
@given(
    query=st.one_of(
        st.text(min_size=400, max_size=3000).map(without_surrogates),
        st.lists(st.sampled_from(HOSTILE_PIECES), min_size=50, max_size=400).map("".join),
    )
)
def test_a_long_query_gives_an_answer(small_bundled, query: str) -> None:  # type: ignore[no-untyped-def]
    with workspace() as root:
        check(run(root, "search", "--json", "--", query), json_output=True, clean_output=False)


@PROFILE
@given(code=st.text(max_size=20).map(without_surrogates), json_=st.booleans())
def test_any_code_to_show_gives_an_answer(small_bundled, code: str, json_: bool) -> None:  # type: ignore[no-untyped-def]
    with workspace() as root:
        args = ["show", *(["--json"] if json_ else []), "--", code]
        check(run(root, *args), json_output=json_, clean_output=False)  # see below


PAGE_HEADINGS = [
    "Summary",
    "Purpose",
    "Indications",
    "Risks and Complications",
    "Recovery",
    "Name of the Procedure:",
    "CPT code: 45378",
    "CPT code: 45380",
]


@st.composite
def pages(draw: st.DrawFn) -> bytes:
    """A procedure page: headings from the page format among hostile lines."""
    lines = draw(
        st.lists(
            st.one_of(st.sampled_from(PAGE_HEADINGS), hostile_text.map(without_surrogates)),
            max_size=30,
        )
    )
    text = "\n".join(lines)
    encoded = text.encode("utf-8")
    if draw(st.booleans()):
        encoded += draw(st.binary(max_size=40))  # not UTF-8 at the end
    return encoded


@PROFILE
@given(page=pages(), force=st.booleans(), dry_run=st.booleans())
def test_an_import_changes_nothing_outside_its_folder_and_loses_nothing(
    small_bundled, page: bytes, force: bool, dry_run: bool
) -> None:  # type: ignore[no-untyped-def]
    with workspace() as root:
        target = root / "user"
        existing = {}
        for code in ("45378", "45380"):
            text = f'code = "{code}"\nname = "The record before {code}"\n'
            (target / f"{code}.toml").write_text(text, encoding="utf-8")
            existing[code] = text
        (target / f"{GOOD_CODE}.toml").write_text(GOOD, encoding="utf-8")
        pages_dir = root / "pages"
        pages_dir.mkdir()
        (pages_dir / "page.txt").write_bytes(page)
        outside = {k: v for k, v in tree_state(root).items() if not k.startswith("user")}
        args = ["import", str(pages_dir / "page.txt")]
        args += ["--force"] * force + ["--dry-run"] * dry_run
        result = run(root, *args)
        check(result)
        after = {k: v for k, v in tree_state(root).items() if not k.startswith(("user", "cache"))}
        assert after == outside
        assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]
        for code, text in existing.items():
            now = (target / f"{code}.toml").read_text(encoding="utf-8")
            if result.code != 0 or dry_run or not force:
                assert now == text, (code, result.stderr)
            else:  # replaced: by a record that loads
                check(run(root, "show", code, "--json"), json_output=True)
        good_record_loads(root)
        # Whatever was written is a record the tool can read.
        check(run(root, "validate", str(target), "--json"), json_output=True)


# --- properties that need the record reading and output cleaning fixes ---------------
#
# Kept apart from the ones above: they fail until every file is read through the
# one reading function (no recursion reachable by data) and every string reaching a
# terminal or JSON passes through the one cleaning function (file names, table labels,
# C1 controls inside JSON strings).

hostile_names = st.lists(st.sampled_from([*HOSTILE_PIECES[:14], "a", "b"]), min_size=1).map(
    lambda parts: "".join(parts).replace("/", "").replace("\0", "")[:60]
)


@st.composite
def nested(draw: st.DrawFn) -> str:
    depth = draw(st.integers(100, 1000))
    if draw(st.booleans()):
        value = "[" * depth + "]" * depth
    else:
        value = "{a = " * depth + "1" + "}" * depth
    return f'code = "0997T"\nname = "Deep"\nx = {value}\n'


@st.composite
def hostile_layouts(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(file name, content): hostile names, deep nesting, escape codes in table labels."""
    items = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["name", "nested", "label", "c1"]))
        if kind == "name":
            items.append((draw(hostile_names) + ".toml", draw(broken_text)))
        elif kind == "nested":
            items.append((f"{draw(codes)}.toml", draw(nested())))
        elif kind == "label":
            label = json.dumps(draw(hostile_text.map(without_surrogates)))
            body = f'code = "0996T"\nname = "Labelled"\n[risks]\n{label} = "x"\n'
            items.append(("0996T.toml", body))
        else:
            body = tomli_w.dumps({"code": "0995T", "name": "C1 \x9b2J \x85 \x7f inside"})
            items.append(("0995T.toml", body))
    return items


@UNSHRUNK
@given(items=hostile_layouts())
def test_hostile_names_nesting_and_labels_cost_only_their_own_records(small_bundled, items) -> None:  # type: ignore[no-untyped-def]
    with workspace() as root:
        folder = root / "user"
        (folder / f"{GOOD_CODE}.toml").write_text(GOOD, encoding="utf-8")
        for name, body in items:
            with contextlib.suppress(OSError):  # a name this file system refuses
                (folder / name).write_text(body, encoding="utf-8", errors="surrogateescape")
        for args in [*COMMANDS, ("show", "0997T"), ("show", "0996T", "--json")]:
            result = run(root, *args)
            check(result, json_output="--json" in args)
            if "--json" in args and result.code != 2:
                for text in json_strings(json.loads(result.stdout)):
                    assert FORBIDDEN.search(text) is None, (args, text)
        good_record_loads(root)


@UNSHRUNK
@given(name=hostile_names)
def test_hostile_page_names_never_reach_the_record(small_bundled, name: str) -> None:  # type: ignore[no-untyped-def]
    from .test_import import PAGE

    with workspace() as root:
        pages_dir = root / "pages"
        pages_dir.mkdir()
        path = pages_dir / (name + ".txt")
        path.write_text(PAGE, encoding="utf-8")
        target = root / "user"
        old = 'code = "45378"\nname = "The record before"\n'
        (target / "45378.toml").write_text(old, encoding="utf-8")
        result = run(root, "import", str(path), "--force")
        check(result)
        written = target / "45378.toml"
        if result.code == 0:
            shown = run(root, "show", "45378", "--json")
            check(shown, json_output=True)
            assert shown.code == 0, written.read_text(encoding="utf-8", errors="replace")
        else:
            assert written.read_text(encoding="utf-8") == old


@UNSHRUNK
@given(
    query=st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=20).map("".join),
    command=st.sampled_from(["search", "show"]),
    json_=st.booleans(),
)
def test_hostile_queries_and_codes_are_echoed_clean(  # type: ignore[no-untyped-def]
    small_bundled, query: str, command: str, json_: bool
) -> None:
    with workspace() as root:
        args = [command, *(["--json"] if json_ else []), "--", query]
        check(run(root, *args), json_output=json_)


@given(
    value=st.recursive(
        st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
)
def test_json_documents_are_cleaned_as_each_string_would_be(value) -> None:  # type: ignore[no-untyped-def]
    """The whole document is cleaned at once (fast); it must equal cleaning every key and
    value on its own, whatever the text (backslashes, escapes, controls, bidi)."""
    from cptcli.models import clean, json_text

    def cleaned(item):  # type: ignore[no-untyped-def]
        if isinstance(item, str):
            return clean(item)
        if isinstance(item, list):
            return [cleaned(i) for i in item]
        return {clean(k): cleaned(v) for k, v in item.items()}

    for indent in (None, 2):
        assert json.loads(json_text(value, indent)) == cleaned(value)
