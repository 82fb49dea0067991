"""Reference tables: ``cpt sections``, ``cpt modifier`` and ``cpt schema``.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Annotated, Optional

import typer

from cptcli.cli.base import (
    ENV,
    command,
    fail,
    format_option,
    header_option,
    out,
    out_json,
    out_rich,
    out_rows,
    output_format,
)
from cptcli.errors import ExitCode


@command()
def sections(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the sections of a summary, with their titles and aliases.

    Any of these names, or a prefix of one, picks a section for cpt show --section
    and for the sections setting.

    Examples:

      cpt sections
      cpt sections --json
      cpt show 45378 -s prep     (prep is an alias of preparation)
    """
    from cptcli.sections import SECTIONS

    if json_:
        out_json([{"key": s.key, "title": s.title, "aliases": list(s.aliases)} for s in SECTIONS])
        return
    from cptcli import render

    rows = render.section_rows()
    if ENV.terminal:
        out_rich(render.rich_table("Sections", ("Key", "Title", "Aliases"), rows))
    else:
        out(render.plain_table(rows))


@command()
def modifier(
    code: Annotated[
        Optional[str],
        typer.Argument(metavar="[MODIFIER]", help="A modifier such as 25, 59, RT or JW."),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    format_: Annotated[Optional[str], format_option()] = None,
    header: Annotated[bool, header_option()] = False,
) -> None:
    """Explain a CPT or HCPCS modifier, or list them all.

    A modifier is the two characters after a code on a bill (the 25 of 99214-25); it
    tells the payer something about how or where the service was done.

    Examples:

      cpt modifier 25              what modifier 25 means
      cpt modifier                 every modifier in the reference
      cpt modifier --format csv --header
      cpt search bilateral modifier
    """
    from cptcli import render
    from cptcli.cli.shared import load_modifiers

    reference = load_modifiers()
    if code is None:
        every = reference.all()
        fmt = output_format(format_, json_)
        if fmt == "json":
            out_json([m.to_dict() for m in every])
        else:
            headers = ("modifier", "system", "name", "group")
            out_rows(fmt, f"{len(every)} modifiers", headers, render.modifier_rows(every), header)
        if not every:
            fail("The modifier reference is empty.")
        return
    found = reference.get(code.strip().lstrip("-"))
    if found is None:
        message = f"No modifier {code!r} in the reference. `cpt modifier` lists those it has."
        if json_:
            out_json({"code": code, "found": False, "error": message})
        fail(message)
    if json_:
        out_json(found.to_dict())
    elif ENV.terminal:
        from rich.text import Text

        blocks = render.rich_blocks(render.modifier_blocks([found]), ENV.width)
        out_rich(*blocks, Text(render.NOTICE, style=render.THEME["notice"]))
    else:
        out(render.plain_blocks(render.modifier_blocks([found]), ENV.width) + render.NOTICE)


@command()
def schema(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="record (default), search, show, list, paths, sections, modifier or validate.",
        ),
    ] = "record",
) -> None:
    """Print a JSON Schema: the record format, or a command's --json output.

    The record schema describes a record file (TOML) for editors and checkers; the others
    describe the JSON documents of search, show, list and the other commands.

    Examples:

      cpt schema                       the record format
      cpt schema show                  what cpt show --json prints
      cpt schema record > record.schema.json
    """
    from cptcli.library.schema import UnknownSchema, schema_text

    try:
        text = schema_text(name)
    except UnknownSchema as exc:
        fail(str(exc), ExitCode.USAGE)
    out(text)
