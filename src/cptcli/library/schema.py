"""The published JSON Schemas: the record format and the JSON each command prints.

The schemas are JSON files shipped in the package (``library/schemas/*.schema.json``,
draft 2020-12). ``record`` is the one source of the field rules for ``cpt validate``:
:func:`record_problems` checks a parsed record against it with ``jsonschema`` and adds
the few rules a schema cannot state (the file name, a record naming itself, ``time.min``
above ``time.max``, a date written as quoted text). Problems carry the line of the
offending key, found by scanning the TOML text.

A schema's ``errorMessage`` (a string, or one string per keyword, as ajv-errors reads
it) is the message shown for a violation there; ``{path}``, ``{got}`` and the like are
filled in. Editors ignore the keyword.

``jsonschema`` is imported only inside the functions that check: printing a schema or
picking ``--json`` fields needs the standard library alone.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cptcli.store import Problem

SCHEMA_NAMES = ("record", "search", "show", "list", "paths", "sections", "modifier", "validate")
# Commands whose --json takes a field list, and the schema part that names the fields.
FIELD_COMMANDS = ("search", "show", "list")


class UnknownSchema(ValueError):
    """A schema name that is not one of SCHEMA_NAMES."""


def schema_text(name: str) -> str:
    """The schema as published (the file's text)."""
    if name not in SCHEMA_NAMES:
        raise UnknownSchema(f"No schema named {name!r}. Choose one of: {', '.join(SCHEMA_NAMES)}.")
    from importlib.resources import files

    resource = files("cptcli.library").joinpath("schemas").joinpath(f"{name}.schema.json")
    return resource.read_text(encoding="utf-8")


@cache
def load_schema(name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(schema_text(name))
    return value


# --- field selection (--json FIELDS) ---------------------------------------------------


def json_fields(command: str) -> list[str]:
    """The keys ``cpt COMMAND --json FIELDS`` may pick, in document order."""
    schema = load_schema(command)
    if command == "search":
        objects = [schema["$defs"]["match"]]
    elif command == "show":
        objects = [schema["$defs"][d] for d in ("record", "deleted", "absent", "bad_input")]
    else:
        objects = [schema["items"]]
    return list(dict.fromkeys(key for part in objects for key in part["properties"]))


def parse_fields(command: str, text: str) -> list[str]:
    """The field names of a ``--json`` value; ValueError names the valid ones."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    valid = json_fields(command)
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        what = f"unknown field {unknown[0]!r}" if unknown else "no field names given"
        raise ValueError(f"{what}; valid fields for `cpt {command}`: {', '.join(valid)}")
    return list(dict.fromkeys(names))


def select(document: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Only the chosen keys of one object, in the order asked. A miss (``found: false``)
    also keeps what identifies it, so a script can tell it from a record: its ``code``,
    or the ``input`` and ``error`` of an argument that is no code."""
    picked = {key: document[key] for key in fields if key in document}
    if document.get("found") is False:
        for key in ("code", "input", "error", "found"):
            if key in document:
                picked.setdefault(key, document[key])
    return picked


# --- checking records -------------------------------------------------------------------


def _validator() -> Any:
    """A draft 2020-12 validator for records: formats checked, and an integer is an
    int (TOML's 2.0 is a float, which the loader rejects too)."""
    import jsonschema

    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    cls = jsonschema.validators.extend(base, type_checker=checker)  # type: ignore[no-untyped-call]
    return cls(inlined_record_schema(), format_checker=base.FORMAT_CHECKER)


@cache
def inlined_record_schema() -> dict[str, Any]:
    """The record schema with its local ``$ref``s replaced by what they name: the same
    rules, checked several times faster (the schema has no recursion)."""
    root = load_schema("record")

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: inline(value) for key, value in node.items()}
        ref = node.pop("$ref", None)
        if ref is not None:
            node = {**inline(_resolve(root, ref)), **node}
        return node

    value: dict[str, Any] = inline({k: v for k, v in root.items() if k != "$defs"})
    return value


_VALIDATOR: list[Any] = []


def instance(data: dict[str, Any]) -> dict[str, Any]:
    """A parsed record as the schema sees it: a ``reviewed`` TOML date becomes ISO text
    (as JSON and editors write it); other dates stay dates, which no type accepts."""
    import datetime

    out = dict(data)
    reviewed = out.get("reviewed")
    if isinstance(reviewed, (datetime.date, datetime.time)):
        out["reviewed"] = reviewed.isoformat()
    return out


def record_problems(data: dict[str, Any], path: Path, text: str = "") -> list[Problem]:
    """Every problem of one parsed record, in file order, each with its key's line."""
    from cptcli.store import Problem

    if not _VALIDATOR:
        _VALIDATOR.append(_validator())
    where = str(path)
    seen: dict[tuple[int | None, str], Problem] = {}

    def add(keys: list[Any], message: str) -> None:
        line = key_line(text, keys) if keys else None
        seen.setdefault((line, message), Problem(where, line, message))

    for error in _VALIDATOR[0].iter_errors(instance(data)):
        for keys, message in _describe(error, data):
            add(keys, message)
    for keys, message in _unstated_problems(data, path):
        add(keys, message)
    return sorted(seen.values(), key=lambda p: p.line or 0)


def _unstated_problems(data: dict[str, Any], path: Path) -> list[tuple[list[Any], str]]:
    """The record rules a schema cannot state."""
    from cptcli.store import is_code

    found: list[tuple[list[Any], str]] = []
    code = data.get("code")
    own = code if isinstance(code, str) and is_code(code) else None
    if own and path.suffix == ".toml" and path.stem.upper() != own:
        found.append((["code"], f"file name does not match the code: rename it to {own}.toml"))
    add_on = data.get("add_on_to")
    if own and isinstance(add_on, list) and own in add_on:
        found.append(
            (
                ["add_on_to"],
                f"'add_on_to' lists {own!r}: give the primary codes, not the record's own",
            )
        )
    similar = data.get("similar_codes")
    if own and isinstance(similar, list) and own in similar:
        found.append((["similar_codes"], "similar_codes lists the record's own code"))
    time = data.get("time")
    if isinstance(time, dict):
        low, high = time.get("min"), time.get("max")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            found.append((["time"], f"'time.min' ({low}) is above 'time.max' ({high})"))
    if isinstance(data.get("reviewed"), str):
        found.append(
            (["reviewed"], "'reviewed' must be a date such as 2026-12-05 (no quotes, no time)")
        )
    return found


def _describe(error: Any, data: dict[str, Any]) -> list[tuple[list[Any], str]]:
    """One schema violation as (key path, message) pairs, in the words of the schema's
    ``errorMessage`` where it has one."""
    keys = list(error.absolute_path)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        template = _message(error) or "missing required key '{missing}'"
        return [(keys, template.format_map(_Fill(missing=k))) for k in missing]
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in known]
        template = _message(error) or "unknown key '{extra}'"
        found = []
        for key in extra:
            import difflib

            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            found.append(
                ([*keys, key], template.format_map(_Fill(extra=key, hint=hint, path=_dotted(keys))))
            )
        return found
    written = _message(error)
    value = error.instance
    # A bad table label fails the schema under propertyNames; the label is the instance.
    label = "propertyNames" in error.absolute_schema_path
    fill = _Fill(
        path=_dotted(keys),
        got=repr(value),
        got_text=str(value),
        got_type=type(value).__name__,
        code=data.get("code"),
        label=value if label else "",
    )
    if written is None:
        where = f"'{_dotted(keys)}': " if keys else ""
        return [(keys, f"{where}{error.message}")]
    if label:
        return [([*keys, value], written.format_map(fill))]
    return [(keys, written.format_map(fill))]


class _Fill(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _dotted(keys: list[Any]) -> str:
    return ".".join(str(k) for k in keys if isinstance(k, str))


def _message(error: Any) -> str | None:
    """The ``errorMessage`` nearest the failing keyword: walk the schema path back up to
    the first schema that has a message for it."""
    nodes: list[tuple[Any, str]] = []  # (schema, keyword taken out of it)
    node: Any = inlined_record_schema()
    for step in error.absolute_schema_path:
        nodes.append((node, str(step)))
        node = node[step]
    for schema, keyword in reversed(nodes):
        if not isinstance(schema, dict):
            continue
        message = schema.get("errorMessage")
        if isinstance(message, str):
            return message
        if isinstance(message, dict) and keyword in message:
            return str(message[keyword])
    return None


def _resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def key_line(text: str, keys: list[Any]) -> int | None:
    """The line of a key in TOML text: a top-level key or ``[table]`` header, then a
    key inside that table (``[risks]`` ... ``common =``) or dotted (``risks.common =``).
    Best effort: an inline table or list item is reported at its top-level key."""
    from cptcli.store import line_of

    names = [k for k in keys if isinstance(k, str)]
    if not names or not text:
        return None
    top = line_of(text, names[0])
    if len(names) < 2:
        return top
    inner = re.escape(names[1])
    dotted = re.compile(
        rf"^[ \t]*{re.escape(names[0])}[ \t]*\.[ \t]*{inner}[ \t]*=", re.MULTILINE
    ).search(text)
    if dotted:
        return text.count("\n", 0, dotted.start()) + 1
    header = re.compile(rf"^[ \t]*\[[ \t]*{re.escape(names[0])}[ \t]*\]", re.MULTILINE).search(text)
    if header:
        lines = text[header.end() :].split("\n")
        base = text.count("\n", 0, header.end()) + 1
        pattern = re.compile(rf"^[ \t]*[\"']?{inner}[\"']?[ \t]*=")
        for offset, line in enumerate(lines[1:], 1):
            if line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return base + offset
    return top
