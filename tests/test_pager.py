"""The pager: which command, when it runs, what it gets, and what happens when it cannot.

In-process runs pretend standard output is a terminal (``Environment.paging``); the
real thing runs the installed ``cpt`` in a pseudo-terminal with a fake pager script
that records what it was given.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from cptcli.cli.base import Environment
from cptcli.output import pager

FAKE_PAGER = """#!{python}
import os, sys
data = sys.stdin.buffer.read()
with open({record!r}, "wb") as f:
    f.write(data)
with open({record!r} + ".env", "w") as f:
    f.write(os.environ.get("LESS", "<unset>"))
print("FAKE PAGER RAN")
"""


@pytest.fixture
def fake_pager(tmp_path: Path) -> tuple[str, Path]:
    """A pager command that writes what it reads to a file, and that file."""
    record = tmp_path / "paged.txt"
    script = tmp_path / "fake-pager"
    script.write_text(FAKE_PAGER.format(python=sys.executable, record=str(record)))
    script.chmod(0o755)
    return str(script), record


# --- choosing the pager --------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "configured", "expected"),
    [
        ({}, None, "less -FRX"),
        ({"PAGER": "more"}, None, "more"),
        ({"CPT_PAGER": "most", "PAGER": "more"}, None, "most"),
        ({"CPT_PAGER": "", "PAGER": "more"}, None, None),  # empty CPT_PAGER: off
        ({"CPT_PAGER": "  "}, "most", None),
        ({"PAGER": ""}, None, None),
        ({"PAGER": "cat"}, None, None),  # cat pages nothing
        ({}, "less -S", "less -S"),  # the settings file's pager when nothing else is set
        ({"PAGER": "more"}, "less -S", "more"),  # ... the environment beats the settings
        ({"CPT_PAGER": "most"}, "less -S", "most"),
        ({}, "", None),
    ],
)
def test_pager_command_order(environ, configured, expected) -> None:  # type: ignore[no-untyped-def]
    assert pager.pager_command(environ, configured) == expected


def test_screen_lines_counts_wrapped_rows_and_ignores_colour() -> None:
    assert pager.screen_lines("a\nb\nc\n", 80) == 3
    assert pager.screen_lines("x" * 81, 80) == 2
    assert pager.screen_lines("\x1b[1;36m" + "x" * 80 + "\x1b[0m", 80) == 1
    assert pager.screen_lines("漢" * 41, 80) == 2  # wide characters take two cells
    assert pager.should_page("a\n" * 25, 80, height=24)
    assert not pager.should_page("a\n" * 24, 80, height=24)


def test_missing_program_is_found_only_for_simple_commands() -> None:
    assert pager.missing_program("no-such-pager-xyz -R") == "no-such-pager-xyz"
    assert pager.missing_program("LESS=R no-such-pager-xyz") == "no-such-pager-xyz"
    assert pager.missing_program("sh -c true") is None
    assert pager.missing_program("no-such-pager-xyz | cat") is None  # the shell decides


def test_run_pager_gives_the_text_and_sets_less(fake_pager, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    monkeypatch.delenv("LESS", raising=False)
    assert pager.run_pager(command, "héllo\n", os.environ, "utf-8")
    assert record.read_bytes() == "héllo\n".encode()
    assert Path(str(record) + ".env").read_text() == "FRX"
    monkeypatch.setenv("LESS", "S")  # a person's own LESS is kept
    pager.run_pager(command, "x\n", os.environ, "utf-8")
    assert Path(str(record) + ".env").read_text() == "S"


def test_pager_that_quits_early_is_no_error() -> None:
    # `true` reads nothing and exits: writing 2 MB to it breaks the pipe.
    assert pager.run_pager("true", "line\n" * 400_000, os.environ, "utf-8")


def test_pager_that_cannot_run_reports_it() -> None:
    assert not pager.run_pager("no-such-pager-xyz", "text\n", os.environ, "utf-8")
    assert not pager.run_pager("exec no-such-pager-xyz", "text\n", os.environ, "utf-8")


# --- commands, in process ------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch):  # type: ignore[no-untyped-def]
    """Standard output counts as a terminal 24 lines high."""
    monkeypatch.setattr(Environment, "paging", property(lambda self: not self.no_pager))
    monkeypatch.setenv("LINES", "24")


def test_long_output_goes_through_the_pager(invoke, terminal, fake_pager, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    monkeypatch.setenv("CPT_PAGER", command)
    result = invoke("show", "93590")
    assert result.exit_code == 0
    assert result.stdout == ""  # it all went to the pager
    paged = record.read_text()
    # rendered as for the terminal it stands in for
    assert paged.startswith("╭") and "93590" in paged and "Risks and Complications" in paged


def test_pager_gets_colours(invoke, terminal, fake_pager, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    monkeypatch.setenv("CPT_PAGER", command)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert invoke("show", "93590").exit_code == 0
    paged = record.read_text()
    assert "╭" in paged and ("\x1b[36m" in paged or "\x1b[1;36m" in paged)


def test_short_output_is_printed_directly(invoke, terminal, fake_pager, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    monkeypatch.setenv("CPT_PAGER", command)
    result = invoke("show", "85230", "-s", "duration")
    assert result.stdout.startswith("╭") and "Duration" in result.stdout
    assert not record.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--no-pager", "show", "93590"],
        ["show", "93590", "--no-pager"],
        ["search", "knee", "--all", "--no-pager"],
        ["show", "93590", "--json"],
        ["show", "93590", "--format", "jsonl"],
        ["search", "knee", "--all", "--json"],
        ["list", "--json"],
    ],
)
def test_no_pager_and_json_print_directly(invoke, terminal, fake_pager, monkeypatch, args) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    monkeypatch.setenv("CPT_PAGER", command)
    result = invoke(*args)
    assert result.exit_code == 0
    assert pager.screen_lines(result.stdout, 80) > 24  # taller than the screen
    assert not record.exists()
    if "--json" in args:
        json.loads(result.stdout)


def test_empty_cpt_pager_turns_paging_off(invoke, terminal, fake_pager, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    monkeypatch.setenv("CPT_PAGER", "")
    monkeypatch.setenv("PAGER", command)
    result = invoke("show", "93590")
    assert "Risks and Complications" in result.stdout
    assert not record.exists()


def test_missing_pager_prints_directly_with_a_warning(invoke, terminal, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CPT_PAGER", "no-such-pager-xyz -R")
    result = invoke("show", "93590")
    assert result.exit_code == 0
    assert "Risks and Complications" in result.stdout
    assert "the pager 'no-such-pager-xyz -R' could not be run" in result.stderr


def test_search_and_list_are_paged_and_messages_follow_the_pager(  # type: ignore[no-untyped-def]
    invoke, terminal, fake_pager, monkeypatch
) -> None:
    command, record = fake_pager
    monkeypatch.setenv("CPT_PAGER", command)
    result = invoke("search", "knee", "-n", "12")
    assert result.stdout == "" and "Results for" in record.read_text()
    assert "showing 12 of" in result.stderr
    record.unlink()
    result = invoke("list")
    assert result.stdout == "" and "procedures" in record.read_text().splitlines()[0]


def test_an_error_after_output_still_pages_and_keeps_the_exit_code(  # type: ignore[no-untyped-def]
    invoke, terminal, fake_pager, monkeypatch
) -> None:
    command, record = fake_pager
    monkeypatch.setenv("CPT_PAGER", command)
    result = invoke("show", "93590", "85231")
    assert result.exit_code == 1
    assert "93590" in record.read_text() and "No procedure 85231" in result.stderr


# --- the real command in a terminal --------------------------------------------------


def run_in_terminal(cmd: list[str], env: dict[str, str], keys: bytes = b"") -> tuple[int, str]:
    """Run ``cmd`` with a pseudo-terminal of 24 x 80 as its terminal; type ``keys`` once
    it has printed something; return its exit status and everything it printed."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(cmd, stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
            if keys:
                os.write(main, keys)
                keys = b""
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=30)
    os.close(main)
    return code, b"".join(chunks).decode(errors="replace")


def terminal_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PAGER")}
    env.update({"TERM": "xterm-256color", **extra})
    env.pop("NO_COLOR", None)
    return env


def test_real_terminal_pages_long_output(installed_cpt, fake_pager) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    code, screen = run_in_terminal(
        [*installed_cpt, "show", "93590"], terminal_env(CPT_PAGER=command)
    )
    assert code == 0
    assert "FAKE PAGER RAN" in screen and "Risks and Complications" not in screen
    paged = record.read_text()
    assert "Risks and Complications" in paged and "\x1b[" in paged  # colours kept


def test_real_terminal_no_pager_prints(installed_cpt, fake_pager) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    code, screen = run_in_terminal(
        [*installed_cpt, "--no-pager", "show", "93590"], terminal_env(CPT_PAGER=command)
    )
    assert code == 0 and "Risks and Complications" in screen
    assert not record.exists()


def test_piped_output_is_never_paged(installed_cpt, fake_pager) -> None:  # type: ignore[no-untyped-def]
    command, record = fake_pager
    result = subprocess.run(
        [*installed_cpt, "show", "93590"],
        capture_output=True,
        text=True,
        env=terminal_env(CPT_PAGER=command, CPT_FORCE_TERMINAL="1"),
        timeout=60,
    )
    assert result.returncode == 0 and "Risks and Complications" in result.stdout
    assert not record.exists()


def test_quitting_less_early_ends_quietly(installed_cpt) -> None:  # type: ignore[no-untyped-def]
    if subprocess.run(["sh", "-c", "command -v less"], capture_output=True).returncode:
        pytest.fail("less is needed for this test")
    code, screen = run_in_terminal(
        [*installed_cpt, "list"], terminal_env(CPT_PAGER="less -FRX"), keys=b"q"
    )
    assert code == 0
    assert "Traceback" not in screen and "BrokenPipe" not in screen
    assert "procedures" in screen  # less showed the first screen
