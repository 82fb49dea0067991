"""``cpt pick``: choose codes interactively; the chosen ones are printed on stdout.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
Textual is imported only inside the command.
"""

from typing import Annotated, Optional

import typer

from cptcli.cli.base import ENV, command, fail, load_index, out
from cptcli.errors import ExitCode


@command()
def pick(
    query: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="QUERY...", help="Start with this search (words or a code)."),
    ] = None,
) -> None:
    """Search as you type and pick codes; Enter prints them, one per line.

    Keys: Up/Down (Ctrl-N/Ctrl-P) move; Tab marks several; Ctrl-S previews one section;
    Ctrl-O opens the whole record; Ctrl-Y copies; Enter prints; Esc quits (exit 1).

    Examples:

      cpt pick                         start with an empty search
      cpt pick knee replacement        start with a query
      cpt show $(cpt pick knee)        pick a code, then read it
      code=$(cpt pick 99214-25)        keep the chosen code in a variable
    """
    from cptcli.cli.shared import load_history, load_modifiers
    from cptcli.models import clean
    from cptcli.store import Library
    from cptcli.tui.engine import PickerSearch
    from cptcli.tui.terminal import NoTerminalError, attached_terminal

    text = clean(" ".join(query or [])).strip()
    try:
        with attached_terminal():
            library = Library(ENV.folders())
            engine = PickerSearch(load_index(), library, load_modifiers(), load_history())
            from cptcli.tui.app import PickerApp

            app = PickerApp(engine, text)
            codes = app.run()
    except NoTerminalError as exc:
        fail(str(exc), ExitCode.USAGE)
    if app.return_code not in (0, None) or not codes:
        raise typer.Exit(int(ExitCode.NOT_FOUND))
    out("\n".join(codes))
