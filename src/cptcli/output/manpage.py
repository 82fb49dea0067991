"""The manual page ``cpt.1``, written from the commands themselves.

:func:`manpage` walks the command tree that ``cpt`` runs (``typer.main.get_command``
of the app; any click-style group works) and writes roff for ``man``: name, synopsis,
description, the global options, each command with its arguments, options and
examples, then the settings file, environment, files, exit status and notice from
:mod:`cptcli.output.topics`. The commands' own help texts are the source, so the page
says what ``--help`` says. ``scripts/manpage.py`` writes the shipped copy; a test
checks that the copy matches the commands.

Text is escaped for roff: backslashes, a leading dot or quote, every hyphen (so that
options copied from the page work) and anything outside ASCII.
"""

from __future__ import annotations

import inspect
from typing import Any

from cptcli.output import topics

HELP_OPTIONS = ("-h", "--help")


def escape(text: str) -> str:
    """``text`` safe inside a roff line."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)
    return "\\&" + text if text.startswith((".", "'")) else text


def _paragraphs(help_text: str | None) -> list[str]:
    return [p for p in inspect.cleandoc(help_text or "").split("\n\n") if p.strip()]


def _examples_at(paragraphs: list[str]) -> int:
    """Where the examples start (a paragraph "Examples:"), else the end."""
    for number, paragraph in enumerate(paragraphs):
        if paragraph.strip().rstrip(":").lower() in ("example", "examples"):
            return number
    return len(paragraphs)


def _prose(paragraphs: list[str]) -> list[str]:
    """roff for help text: prose paragraphs filled, indented blocks kept line by line."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if paragraph.startswith(" "):
            block = inspect.cleandoc("\n" + paragraph)
            lines += [".RS 4", ".nf", *(escape(line) for line in block.splitlines())]
            lines += [".fi", ".RE"]
        else:
            lines += [".PP", escape(" ".join(s.strip() for s in paragraph.splitlines()))]
    return lines


def _metavar(param: Any, ctx: Any) -> str:
    if param.metavar:
        return str(param.metavar)
    try:
        return str(param.make_metavar(ctx))
    except TypeError:  # click before 8.2 takes no context
        return str(param.make_metavar())


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def _default(param: Any) -> str | None:
    """The default worth printing: a value option's, when it is a plain value."""
    if _is_flag(param) or param.param_type_name != "option":
        return None
    value = param.default
    if value is None or isinstance(value, (list, tuple)) or callable(value):
        return None
    return str(value)


def options(params: list[Any], ctx: Any) -> list[str]:
    """roff for a list of parameters: arguments first, then options, each a .TP item."""
    lines: list[str] = []
    for param in params:
        if getattr(param, "hidden", False) or set(param.opts) <= set(HELP_OPTIONS):
            continue
        if param.param_type_name == "argument":
            head = f"\\fI{escape(_metavar(param, ctx))}\\fR"
        else:
            names = sorted(param.opts, key=lambda o: (o.startswith("--"), o))
            head = ", ".join(f"\\fB{escape(name)}\\fR" for name in names)
            if not _is_flag(param):
                head += f" \\fI{escape(_metavar(param, ctx))}\\fR"
        text = " ".join((getattr(param, "help", None) or "").split())
        default = _default(param)
        if default is not None:
            text += f" Default: {default}."
        lines += [".TP", head, escape(text)]
    return lines


def _usage(command: Any, ctx: Any) -> str:
    pieces = command.collect_usage_pieces(ctx)
    return " ".join(pieces)


def _definitions(items: tuple[tuple[str, str], ...], bold: bool = True) -> list[str]:
    lines: list[str] = []
    for term, text in items:
        lines += [".TP", (f"\\fB{escape(term)}\\fR" if bold else escape(term)), escape(text)]
    return lines


def manpage(group: Any, version: str) -> str:
    """The manual page of the command tree ``group`` (the ``cpt`` group)."""
    root = group.context_class(group, info_name="cpt")
    # The notice has a section of its own.
    notice = " ".join(topics.NOTICE.split())
    description = [p for p in _paragraphs(group.help) if " ".join(p.split()) != notice]
    summary = description[0].rstrip(".")
    lines = [
        '.\\" The manual page of cpt, written from its commands by scripts/manpage.py.',
        '.\\" Do not edit: change the help texts and run that script.',
        f'.TH CPT 1 "" "cptcli {escape(version)}" "User Commands"',
        ".nh",  # no hyphenation: command and option names stay whole
        ".ad l",
        ".SH NAME",
        f"cpt \\- {escape(summary[0].lower() + summary[1:])}",
        ".SH SYNOPSIS",
        ".B cpt",
        "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
        ".SH DESCRIPTION",
        escape(topics.DESCRIPTION),
        *_prose(description[1:]),
        ".PP",
        "Every command takes \\fB\\-h\\fR, \\fB\\-\\-help\\fR; \\fBcpt help\\fR "
        "\\fITOPIC\\fR explains the environment, exit codes and settings.",
        ".SH GLOBAL OPTIONS",
        "These come before the command.",
        *options(group.params, root),
    ]
    lines.append(".SH COMMANDS")
    for name, command in group.commands.items():
        if getattr(command, "hidden", False):
            continue
        ctx = command.context_class(command, info_name=name, parent=root)
        lines.append(f'.SS "cpt {escape(name)} {escape(_usage(command, ctx))}"')
        paragraphs = _paragraphs(command.help)
        examples = _examples_at(paragraphs)
        lines += _prose(paragraphs[:examples])
        lines += options(command.params, ctx)
        lines += _prose(paragraphs[examples:])
    lines += [
        ".SH SETTINGS",
        ".PP",
        escape(topics.SETTINGS_INTRO),
        *_definitions(topics.SETTINGS),
        ".PP",
        "For example:",
        ".RS 4",
        ".nf",
        *(escape(line) for line in topics.SETTINGS_EXAMPLE.splitlines()),
        ".fi",
        ".RE",
        ".SH ENVIRONMENT",
        *_definitions(topics.ENVIRONMENT),
        ".SH FILES",
        *_definitions(topics.FILES, bold=False),
        ".SH EXIT STATUS",
        *_definitions(topics.EXIT_CODES),
        ".SH NOTICE",
        escape(topics.NOTICE),
        ".SH SEE ALSO",
        "\\fBcpt help\\fR \\fItopic\\fR, \\fBcpt\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR",
    ]
    return "\n".join(lines) + "\n"
