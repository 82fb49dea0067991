"""Help that teaches: examples in every command's help, readable metavars, the help
topics (environment, exit codes, settings) and `cpt help COMMAND`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import typer.main

from cptcli.cli import build_app
from cptcli.cli.base import COMMAND_MODULES
from cptcli.errors import ExitCode

from .conftest import ROOT

COMMANDS = list(COMMAND_MODULES)
WIDE = {"NO_COLOR": "1", "COLUMNS": "80"}


def environment_variables_read() -> set[str]:
    """Every environment variable named in src/: read through os.environ or os.getenv
    with a literal name, or passed as a literal to a function of ours that reads the
    variable it is given (as paths._xdg_folder does)."""
    found: set[str] = set()
    readers: dict[str, int] = {}  # function name -> position of the variable argument
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in (ROOT / "src").rglob("*.py")]

    def reads(node: ast.AST) -> ast.AST | None:
        """The name argument when ``node`` reads one environment variable."""
        if isinstance(node, ast.Call) and node.args:
            func = ast.unparse(node.func)
            if func.endswith(("environ.get", "getenv", "environ.setdefault", "environ.pop")):
                return node.args[0]
        if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            return node.slice
        return None

    for tree in trees:
        for node in ast.walk(tree):
            name = reads(node)
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.add(name.value)
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            params = [a.arg for a in func.args.args]
            for node in ast.walk(func):
                name = reads(node)
                if isinstance(name, ast.Name) and name.id in params:
                    readers[func.name] = params.index(name.id)
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                position = readers.get(node.func.id)
                if position is not None and len(node.args) > position:
                    arg = node.args[position]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    return found


def test_the_source_scan_finds_the_variables_we_know_of() -> None:
    # Guards the scanner itself: a scan that finds nothing would let any doc pass.
    found = environment_variables_read()
    assert {"CPT_CONFIG", "CPT_DATA_PATH", "NO_COLOR", "COLUMNS", "XDG_DATA_HOME"} <= found


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_examples_and_readable_metavars(invoke, command: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke(command, "--help", env=WIDE)
    assert result.exit_code == 0
    text = result.stdout
    assert "Examples:" in text
    noise = r"<[a-z ]+>|\b(int|integer|float) range\b|\[x[<>]=?|[0-9]<=x|[{}]"
    assert not re.search(noise, text, re.IGNORECASE), text
    # The examples keep their indentation: each example line sits to the right of
    # the heading, as written in the docstring.
    lines = text.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.strip() == "Examples:")
    examples = [line for line in lines[heading + 1 :] if line.strip()]
    examples = examples[: next(i for i, line in enumerate(examples) if "─" in line)]
    assert examples
    indent = len(lines[heading]) - len(lines[heading].lstrip())
    assert all(len(line) - len(line.lstrip()) > indent for line in examples)


@pytest.mark.parametrize("command", COMMANDS)
def test_example_lines_are_not_rewrapped_at_80_columns(invoke, command: str) -> None:  # type: ignore[no-untyped-def]
    group = typer.main.get_command(build_app())
    doc = group.commands[command].help
    wanted = [line.strip() for line in doc.split("Examples:", 1)[1].splitlines() if line.strip()]
    shown = [
        " ".join(line.split()) for line in invoke(command, "--help", env=WIDE).stdout.splitlines()
    ]
    for example in wanted:
        assert " ".join(example.split()) in shown, example


def test_every_option_that_takes_a_value_has_a_readable_metavar() -> None:
    group = typer.main.get_command(build_app())
    for command in [group, *group.commands.values()]:
        for param in command.params:
            if param.param_type_name == "option" and param.is_flag:
                continue
            if "--help" in param.opts or "--install-completion" in param.opts:
                continue
            assert param.metavar, (command.name, param.opts)
            assert re.fullmatch(r"\[?[A-Z]+\]?(\.\.\.)?", param.metavar), param.metavar


def test_show_help_points_to_the_section_list(invoke) -> None:  # type: ignore[no-untyped-def]
    text = invoke("show", "--help", env=WIDE).stdout
    assert "cpt sections" in " ".join(text.split())


def test_top_level_help_lists_examples_environment_and_exit_codes(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--help", env={**WIDE, "COLUMNS": "200"})
    text = " ".join(result.stdout.split())
    assert result.exit_code == 0 and "Examples:" in text
    for name in environment_variables_read():
        assert name in text, name
    assert "Exit codes: 0 success, 1 nothing found or problems, 2 usage error, 130" in text
    for topic in ("cpt help environment", "cpt help exit-codes", "cpt help settings"):
        assert topic in text


def test_help_environment_lists_every_variable_the_source_reads(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("help", "environment")
    assert result.exit_code == 0
    documented = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    missing = environment_variables_read() - documented
    assert not missing, f"undocumented environment variables: {sorted(missing)}"


def test_help_exit_codes_lists_every_exit_code(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("help", "exit-codes")
    assert result.exit_code == 0
    listed = [int(m) for m in re.findall(r"^  (\d+) ", result.stdout, re.MULTILINE)]
    assert listed == [0, 1, 2, 130, 143] == [int(code) for code in ExitCode]
    assert "Interrupted (Ctrl-C)" in result.stdout


def test_help_settings_names_every_key_and_the_file(invoke) -> None:  # type: ignore[no-untyped-def]
    from cptcli.config import KEYS

    text = invoke("help", "settings").stdout
    for key in KEYS:
        assert re.search(rf"^  {key} ", text, re.MULTILINE), key
    assert "config.toml" in text and "CPT_CONFIG" in text


def test_help_without_topic_lists_topics_and_aliases_work(invoke) -> None:  # type: ignore[no-untyped-def]
    listing = invoke("help")
    assert listing.exit_code == 0
    assert all(t in listing.stdout for t in ("environment", "exit-codes", "settings"))
    assert invoke("help", "ENV").stdout == invoke("help", "environment").stdout
    assert invoke("help", "config").stdout == invoke("help", "settings").stdout


@pytest.mark.parametrize("command", ["show", "search", "help"])
def test_help_command_prints_that_commands_help(invoke, command: str) -> None:  # type: ignore[no-untyped-def]
    via_topic = invoke("help", command, env=WIDE)
    direct = invoke(command, "--help", env=WIDE)
    assert via_topic.exit_code == 0 and via_topic.stdout == direct.stdout
    assert f"Usage: cpt {command}" in via_topic.stdout


def test_unknown_help_topic_is_a_usage_error(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("help", "nothing-like-this")
    assert result.exit_code == 2
    assert "no help topic or command 'nothing-like-this'" in " ".join(result.stderr.split())


def test_usage_lines_show_required_arguments_without_braces(invoke) -> None:  # type: ignore[no-untyped-def]
    assert "Usage: cpt show [OPTIONS] CODE..." in invoke("show", "--help", env=WIDE).stdout
    missing = invoke("show")
    assert missing.exit_code == 2 and "{" not in missing.stderr and "CODE..." in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "-n", "0", "knee"], "give a number of at least 1"),
        (["search", "--min-score", "101", "knee"], "give a number from 0 to 100"),
        (["search", "--min-score", "nan", "knee"], "give a number from 0 to 100"),
    ],
)
def test_number_ranges_are_still_checked(invoke, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke(*args)
    assert result.exit_code == 2 and message in " ".join(result.stderr.split())


def test_installed_help_command_runs(installed_cpt: list[str], tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        [*installed_cpt, "help", "exit-codes"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "130" in result.stdout and not result.stderr
