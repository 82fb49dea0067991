"""``--json FIELDS``: picking the keys of a command's JSON, as ``gh --json`` does.

``--json`` stays a flag; before Click parses a command's arguments, a field list after it
(``--json code,name`` or ``--json=code,name``) is moved to the hidden ``--fields`` option.
The word after a bare ``--json`` is a field list when it is made of lower-case names
(letters, digits, underscores) separated by commas, and

- it contains a comma, or
- it names a field of the command, or
- the command takes no words of its own: ``cpt list``, and ``cpt show`` when the word is
  not a code.

So ``cpt search --json knee`` still searches for knee, while ``cpt search knee --json
code,name`` picks two keys. To search for a word that is a field name, put the query
before ``--json`` and the field list after it, or write ``--json=FIELDS``.

There is no ``from __future__ import annotations`` here (see base.py).
"""

import re
from typing import Any, Optional

import typer

from cptcli.cli.helpstyle import Command
from cptcli.errors import ExitCode

_FIELD_LIST = re.compile(r"[a-z_][a-z0-9_]*(?:,[a-z_][a-z0-9_]*)*,?")


def is_field_list(command: str, word: str) -> bool:
    """Whether the word after a bare ``--json`` is a field list (see the module text)."""
    if not _FIELD_LIST.fullmatch(word):
        return False
    if "," in word or command == "list":
        return True
    if command == "show":
        from cptcli.store import normalize_code

        return normalize_code(word) is None
    from cptcli.library.schema import json_fields

    return word in json_fields(command)


def move_field_lists(command: str, args: list[str]) -> list[str]:
    """The arguments with each ``--json FIELDS`` written as ``--json --fields FIELDS``."""
    moved: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            moved.extend(args[i:])
            break
        if arg.startswith("--json="):
            moved += ["--json", "--fields", arg[len("--json=") :]]
        elif arg == "--json" and i + 1 < len(args) and is_field_list(command, args[i + 1]):
            moved += ["--json", "--fields", args[i + 1]]
            i += 1
        else:
            moved.append(arg)
        i += 1
    return moved


class FieldsCommand(Command):
    """A command whose ``--json`` may name the fields to print."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        result: list[str] = super().parse_args(ctx, move_field_lists(self.name or "", args))
        return result


def fields_option() -> Any:
    return typer.Option(
        "--fields", hidden=True, metavar="FIELDS", help="Keys to print with --json."
    )


def chosen_fields(command: str, text: Optional[str]) -> Optional[list[str]]:
    """The fields asked for with ``--json FIELDS`` (None for all); an unknown field is a
    usage error that lists the valid ones."""
    if text is None:
        return None
    from cptcli.cli.base import fail
    from cptcli.library.schema import parse_fields

    try:
        return parse_fields(command, text)
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)


def pick(document: Any, fields: Optional[list[str]]) -> Any:
    """One object, or each object of a list, with only the chosen keys."""
    if fields is None:
        return document
    from cptcli.library.schema import select

    if isinstance(document, list):
        return [select(item, fields) for item in document]
    return select(document, fields)


def json_option() -> Any:
    """``--json`` of a command that takes a field list."""
    return typer.Option(
        "--json", help="Print JSON; --json FIELDS (e.g. code,name) prints only those keys."
    )


def stamp(document: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """A JSON document with the code set and the program version after its identifying
    keys (once per document; without an argument, just those two keys)."""
    from cptcli import __version__
    from cptcli.codeset import CODE_SET

    if document is None:
        return {"code_set": CODE_SET, "version": __version__}
    stamped: dict[str, Any] = {}
    for key, value in document.items():
        stamped[key] = value
        if key == "code_set":
            stamped["version"] = __version__
    return stamped
