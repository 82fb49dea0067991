"""The settings file: its place, its keys, precedence, and bad files as warnings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cptcli import config, paths
from cptcli.sections import BY_KEY, SECTION_KEYS

RISKS = f"\n{BY_KEY['risks'].title}\n"
SUMMARY = f"\n{BY_KEY['summary'].title}\n"


def settings_file(isolated: Path, text: str | bytes) -> Path:
    """The default settings file of the test's home (XDG_CONFIG_HOME/cptcli/config.toml)."""
    path = isolated / "xdg-config" / "cptcli" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def codes(stdout: str) -> list[str]:
    return [line.split("\t")[2] for line in stdout.splitlines()]


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: settings file")]


# --- where the file is -----------------------------------------------------------------


def test_file_follows_xdg_config_home_and_cpt_config(
    monkeypatch: pytest.MonkeyPatch, isolated: Path, tmp_path: Path
) -> None:
    assert paths.config_file() == (
        isolated / "xdg-config" / "cptcli" / "config.toml",
        "platformdirs",
    )
    monkeypatch.setenv("CPT_CONFIG", str(tmp_path / "mine.toml"))
    assert paths.config_file() == (tmp_path / "mine.toml", "CPT_CONFIG")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the direct answer is Linux's")
@pytest.mark.parametrize("xdg", [None, "/srv/xdg", "relative/xdg"])
def test_default_file_is_the_one_platformdirs_gives(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None
) -> None:
    import platformdirs

    monkeypatch.setenv("HOME", "/home/someone")
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME")
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    expected = Path(platformdirs.user_config_dir("cptcli", appauthor=False)) / "config.toml"
    assert paths.config_file() == (expected, "platformdirs")


def test_paths_shows_the_settings_file_and_whether_it_exists(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    path = isolated / "xdg-config" / "cptcli" / "config.toml"
    data = json.loads(invoke("paths", "--json").stdout)
    assert data["config"] == {"path": str(path), "origin": "platformdirs", "exists": False}
    row = invoke("paths", env={"COLUMNS": "400"}).stdout.splitlines()[-2].split()
    assert row == ["settings", "(platformdirs)", str(path), "missing"]
    settings_file(isolated, "limit = 3\n")
    data = json.loads(invoke("paths", "--json").stdout)
    assert data["config"]["exists"] is True
    assert invoke("paths").stdout.splitlines()[-2].split()[-1] == str(path)


def test_paths_follows_cpt_config(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "elsewhere.toml"
    mine.write_text("limit = 3\n")
    data = json.loads(invoke("paths", "--json", env={"CPT_CONFIG": str(mine)}).stdout)
    assert data["config"] == {"path": str(mine), "origin": "CPT_CONFIG", "exists": True}


# --- the keys and precedence ---------------------------------------------------------------


def test_limit_from_the_file_and_the_command_line_beats_it(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    default = invoke("search", "knee")
    assert len(codes(default.stdout)) == 10
    settings_file(isolated, "limit = 3\n")
    three = invoke("search", "knee")
    assert three.exit_code == 0 and codes(three.stdout) == codes(default.stdout)[:3]
    assert not three.stderr.startswith("warning")
    assert len(codes(invoke("search", "knee", "-n", "5").stdout)) == 5
    assert len(json.loads(invoke("search", "knee", "--json").stdout)["results"]) == 3
    lines = invoke("search", "--stdin", input="knee\n").stdout
    assert len(json.loads(lines)["results"]) == 3


def test_sections_from_the_file_for_text_and_markdown_not_json(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    full = invoke("show", "45378").stdout
    settings_file(isolated, 'sections = ["risks", "prep"]\n')
    text = invoke("show", "45378").stdout
    assert text == invoke("show", "45378", "-s", "preparation", "-s", "risks").stdout
    assert text != full and RISKS in text and SUMMARY not in text
    # The command line beats the file.
    assert (
        invoke("show", "45378", "-s", "summary").stdout
        == invoke("show", "45378", "--section", "summary", env={"CPT_CONFIG": os.devnull}).stdout
    )
    markdown = invoke("show", "45378", "--format", "markdown").stdout
    assert "## Risks" in markdown and "## Summary" not in markdown
    # JSON is for scripts: every section, whatever the file says.
    document = json.loads(invoke("show", "45378", "--json").stdout)
    assert "summary" in document and "risks" in document


def coloured(text: str) -> bool:
    """Whether ``text`` sets a foreground colour (bold and dim are not colour)."""
    return re.search(r"\x1b\[(?:\d+;)*(?:3[0-8]|9[0-7])[;m]", text) is not None


def test_color_setting_and_the_environment_beats_it(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    def run(color: str | None, **env: str) -> str:
        settings_file(isolated, f'color = "{color}"\n' if color else "")
        environment = {"NO_COLOR": env.pop("NO_COLOR", ""), **env}
        return invoke("show", "99214", "-s", "summary", env=environment).stdout

    plain = run(None)
    assert "\x1b[" not in plain and "╭" not in plain
    always = run("always")
    assert coloured(always) and "╭" in always  # colour and panels though piped
    assert run("always", NO_COLOR="1") == plain  # the environment beats the file
    assert run("never") == plain and run("auto") == plain
    assert coloured(run("never", FORCE_COLOR="1"))  # FORCE_COLOR beats "never"
    layout_only = run("never", CPT_FORCE_TERMINAL="1")
    assert "╭" in layout_only and not coloured(layout_only)
    assert coloured(run("auto", CPT_FORCE_TERMINAL="1"))


def test_pager_and_brief_are_read_for_the_commands_that_use_them(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('pager = "less -R"\nbrief = true\n')
    loaded = config.load(path, "CPT_CONFIG")
    assert (loaded.pager, loaded.brief, loaded.problems) == ("less -R", True, ())
    path.write_text('pager = ""\n')
    assert config.load(path).pager == ""
    missing = config.load(tmp_path / "none.toml", "platformdirs")
    assert (missing.exists, missing.pager, missing.brief, missing.problems) == (
        False,
        None,
        False,
        (),
    )


def test_every_key_documented_in_the_module_is_known() -> None:
    assert set(config.KEYS) == {"limit", "sections", "pager", "color", "brief"}
    parsed = config.parse(
        'limit = 7\nsections = ["summary"]\npager = "more"\ncolor = "NEVER"\nbrief = true\n',
        Path("c.toml"),
    )
    assert parsed.problems == ()
    assert (parsed.limit, parsed.sections, parsed.pager, parsed.color, parsed.brief) == (
        7,
        ("summary",),
        "more",
        "never",
        True,
    )


# --- bad files: a warning with file and line, never a crash ------------------------------

BAD = [
    ("limit = 3\nsections = [\n", 3, "not valid TOML"),  # syntax error at the end
    ("limit = 3\ncolor = never\n", 2, "not valid TOML"),  # bare word
    ('# mine\n\nlimit = "twenty"\n', 3, "limit must be a whole number of at least 1"),
    ("limit = 0\n", 1, "limit must be a whole number of at least 1"),
    ("limit = true\n", 1, "limit must be a whole number of at least 1"),
    ('limit = 4\ncolor = "sometimes"\n', 2, 'color must be "auto", "always" or "never"'),
    ('limit = 4\nsections = "risks"\n', 2, "sections must be a list of section names"),
    ("limit = 4\n\nbrief = 1\n", 3, "brief must be true or false"),
    ("limit = 4\npager = 5\n", 2, "pager must be a command"),
    ("limit = 4\nlimt = 5\n", 2, "unknown setting 'limt'; ignored. Did you mean 'limit'?"),
    ("limit = 4\n\n[display]\nwidth = 3\n", 3, "unknown setting 'display'"),
    ('limit = 4\nsections = [\n  "risks",\n  "riks",\n]\n', 4, "Unknown section 'riks'"),
    (b"limit = 4\n# caf\xe9\n", 2, "is not valid UTF-8 text"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_bad_settings_warn_with_file_and_line_and_the_command_works(
    invoke,
    isolated: Path,
    text: str | bytes,
    line: int,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    path = settings_file(isolated, text)
    result = invoke("sections")
    assert result.exit_code == 0 and result.stdout.startswith("summary")
    [warning] = warnings(result.stderr)
    assert warning.startswith(f"warning: settings file {path}:{line}: ")
    assert message in warning
    assert "Traceback" not in result.stderr


def test_the_rest_of_the_file_still_applies(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    settings_file(isolated, 'limit = 4\ncolor = "sometimes"\nsections = ["risks", "nope"]\n')
    result = invoke("search", "knee")
    assert len(codes(result.stdout)) == 4
    assert len(warnings(result.stderr)) == 2
    shown = invoke("show", "45378")
    assert RISKS in shown.stdout and SUMMARY not in shown.stdout
    assert shown.exit_code == 0


def test_a_syntax_error_leaves_the_defaults(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    settings_file(isolated, 'color = "always"\ncolor = "never"\n')  # a key set twice
    result = invoke("sections")
    assert result.stdout == invoke("sections", env={"CPT_CONFIG": os.devnull}).stdout
    [warning] = warnings(result.stderr)
    assert re.search(r"config\.toml:2: not valid TOML, so no setting applies: ", warning)


def test_warnings_are_given_once_per_run(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    settings_file(isolated, "limt = 3\n")
    result = invoke("show", "45378", "99214")  # reads the settings more than once
    assert len(warnings(result.stderr)) == 1


def test_control_characters_in_the_file_do_not_reach_the_terminal(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    settings_file(isolated, '"\\u001b[31mred" = 1\n')
    result = invoke("sections")
    assert result.exit_code == 0 and "\x1b" not in result.stderr
    assert "unknown setting" in result.stderr


def test_a_folder_is_not_a_settings_file(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    folder = isolated / "xdg-config" / "cptcli" / "config.toml"
    folder.mkdir(parents=True)
    result = invoke("sections")
    assert result.exit_code == 0 and result.stdout.startswith("summary")
    assert warnings(result.stderr) == [
        f"warning: settings file {folder}: not a regular file (a folder); "
        "a settings file must be a plain file; ignored"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(
    isolated: Path, installed_cpt: list[str]
) -> None:
    fifo = isolated / "pipe.toml"
    os.mkfifo(fifo)
    result = subprocess.run(
        [*installed_cpt, "sections"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CPT_CONFIG": str(fifo)},
    )
    assert result.returncode == 0 and result.stdout.startswith("summary")
    assert f"settings file {fifo}: not a regular file (a named pipe)" in result.stderr


def test_a_file_too_big_is_refused(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    path = settings_file(isolated, "# padding\n" * 10_000 + 'color = "always"\n')
    result = invoke("sections")
    assert "\x1b" not in result.stdout and result.exit_code == 0
    assert warnings(result.stderr) == [
        f"warning: settings file {path}: the file is larger than 64 KB (97.7 KB), the most "
        "a settings file may be (see Reliability in the README); ignored"
    ]


def test_a_missing_file_named_by_cpt_config_is_a_warning(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "typo.toml"
    result = invoke("sections", env={"CPT_CONFIG": str(missing)})
    assert result.exit_code == 0 and result.stdout.startswith("summary")
    assert warnings(result.stderr) == [
        f"warning: settings file {missing}: does not exist (named by CPT_CONFIG)"
    ]


def test_dev_null_reads_no_settings(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    settings_file(isolated, 'sections = ["risks"]\n')
    result = invoke("show", "45378", env={"CPT_CONFIG": os.devnull})
    assert SUMMARY in result.stdout and "warning" not in result.stderr


def test_no_settings_file_adds_no_warning_and_no_toml_parser() -> None:
    code = (
        "import sys\nfrom cptcli.cli import main\n"
        "sys.argv = ['cpt', 'paths']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "warning:" not in result.stderr
    modules = result.stderr.rsplit("MODULES ", 1)[1].split()
    # No file: neither the settings module nor a TOML parser is loaded.
    assert "cptcli.config" not in modules
    assert "tomllib" not in modules and "tomli" not in modules


def test_settings_reach_every_section_key() -> None:
    # Each canonical key and each title resolves, so any `cpt sections` name works.
    names = ", ".join(f'"{key}"' for key in SECTION_KEYS)
    parsed = config.parse(f"sections = [{names}]\n", Path("c.toml"))
    assert parsed.problems == () and parsed.sections == tuple(SECTION_KEYS)


def test_deeply_nested_values_cost_only_the_settings(invoke, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    path = settings_file(isolated, "limit = 2\nx = " + "[" * 490 + "]" * 490 + "\n")
    result = invoke("search", "knee")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) > 2
    assert warnings(result.stderr) == [
        f"warning: settings file {path}:2: values are nested more than 32 levels deep, "
        "so no setting applies"
    ]


def test_the_defaults_without_a_file_are_the_settings_defaults(isolated: Path) -> None:
    """With no settings file, cpt does not load the settings module: the stand-in must
    give the same values as config.Settings' defaults."""
    from cptcli.cli import base
    from cptcli.config import Settings

    base.ENV.settings = None
    defaults = base.settings()
    assert not isinstance(defaults, Settings)
    reference = Settings(defaults.path, defaults.origin, exists=False)
    for name in ("limit", "sections", "pager", "color", "brief", "exists", "problems"):
        assert getattr(defaults, name) == getattr(reference, name), name
    base.ENV.settings = None
