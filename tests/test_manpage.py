"""The manual page: written from the commands, shipped up to date, and valid roff."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import typer.main

from cptcli import __version__
from cptcli.cli import build_app
from cptcli.output import topics
from cptcli.output.manpage import escape, manpage

from .conftest import ROOT

PAGE = ROOT / "share" / "man" / "man1" / "cpt.1"
# The requests the page may use: the man macros and a few basic roff requests.
MACROS = {".TH", ".SH", ".SS", ".PP", ".TP", ".B", ".RS", ".RE", ".nf", ".fi", ".nh", ".ad"}


def generated() -> str:
    return manpage(typer.main.get_command(build_app()), __version__)


def text_of(roff: str) -> str:
    """The page's words as a reader sees them, near enough for searching."""
    plain = re.sub(r"\\f[BIRP]", "", roff).replace("\\-", "-").replace("\\e", "\\")
    return plain.replace("\\&", "")


def test_shipped_page_is_up_to_date_with_the_commands() -> None:
    assert PAGE.read_text(encoding="utf-8") == generated(), (
        "share/man/man1/cpt.1 is out of date: run python scripts/manpage.py"
    )


def test_page_covers_every_command_and_every_option() -> None:
    group = typer.main.get_command(build_app())
    page = text_of(generated())
    sections = re.split(r"^\.SS ", page, flags=re.MULTILINE)
    for option in group.params:
        for name in option.opts:
            if name not in ("-h", "--help"):
                assert re.search(rf"^{re.escape(name)}\b", sections[0], re.MULTILINE), name
    for name, command in group.commands.items():
        [section] = [s for s in sections[1:] if s.startswith(f'"cpt {name} ')]
        # The command's own first line of help, each option and argument with its metavar.
        assert command.help.split("\n")[0].strip() in section
        for param in command.params:
            if param.param_type_name == "argument":
                assert re.search(rf"^{re.escape(param.metavar)}$", section, re.MULTILINE)
                continue
            if "--help" in param.opts or getattr(param, "hidden", False):
                continue
            for opt in param.opts:
                assert re.search(rf"(^|, ){re.escape(opt)}\b", section, re.MULTILINE), opt
            if not param.is_flag:
                assert f" {param.metavar}\n" in section, (name, param.opts)
        assert "Examples:" in section


def test_page_has_environment_exit_status_files_and_notice() -> None:
    page = generated()
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "ENVIRONMENT", "EXIT STATUS", "FILES"):
        assert f"\n.SH {heading}\n" in page
    text = text_of(page)
    for name, _ in topics.ENVIRONMENT:
        assert f"\n{name}\n" in text
    for code in ("0", "1", "2", "130"):
        assert f"\n.TP\n{code}\n" in text
    assert "registered trademark of the American Medical Association" in text
    assert "config.toml" in text


def test_page_is_plain_roff() -> None:
    page = generated()
    assert page.isascii()
    for line in page.splitlines():
        if line.startswith(".") and not line.startswith('.\\"'):
            assert line.split()[0] in MACROS, line
        assert not line.startswith("'"), line  # a quote starts a request too
        # Every hyphen is escaped, so options copied from the page work.
        assert not re.search(r"(?<!\\)-", line.replace('.\\"', "")), line


@pytest.mark.parametrize(
    ("text", "roff"),
    [
        ("--help", "\\-\\-help"),
        (".hidden", "\\&.hidden"),
        ("'quoted", "\\&'quoted"),
        ("a\\b", "a\\eb"),
        ("café", "caf\\[u00E9]"),
    ],
)
def test_escape(text: str, roff: str) -> None:
    assert escape(text) == roff


def test_groff_renders_the_page_without_warnings() -> None:
    # The checks above need no tools; this one asks groff itself, where it is installed.
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed")
    result = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-z"],
        input=PAGE.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == ""
    shown = subprocess.run(
        ["groff", "-man", "-Tascii", "-rLL=80n"],
        input=PAGE.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    plain = re.sub(r".\x08", "", shown)  # overstriking: bold and underline
    assert "cpt search knee replacement" in plain and "--data-dir FOLDER" in plain
