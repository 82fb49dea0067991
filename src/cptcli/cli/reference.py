"""Reference tables: ``cpt sections`` and ``cpt modifier``.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Annotated

import typer

from cptcli.cli.base import ENV, command, out, out_json, out_rich


@command()
def sections(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the sections of a summary, with their titles and aliases."""
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
