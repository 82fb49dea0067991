"""Codes side by side: ``cpt compare``.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Annotated, Any

import typer

from cptcli.cli.base import (
    ENV,
    command,
    complete_code,
    err,
    out,
    out_json,
    out_rich,
    paged_output,
    report,
)
from cptcli.errors import CptError, ExitCode


@command()
@paged_output
def compare(
    codes: Annotated[
        list[str],
        typer.Argument(
            metavar="CODE...",
            help="Two or more codes to compare.",
            autocompletion=complete_code,
        ),
    ],
    all_: Annotated[
        bool, typer.Option("--all", help="Also show the facts every code shares.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare codes side by side: name, time rule, decision-making, add-on, setting,
    duration.

    The rows where the codes differ come first; facts they all share are summed up in one
    line (--all lists them). A code that is not in the library is reported on stderr.

    Examples:

      cpt compare 99213 99214          two office visit levels
      cpt compare 99202 99203 99204    three or more codes
      cpt compare 70551 70552 70553 --all
      cpt compare 99213 99214 --json   JSON for scripts
    """
    from cptcli.cli.shared import load_history
    from cptcli.compare import compare as compare_records
    from cptcli.lookup import lookup_codes

    if len(codes) < 2:
        raise typer.BadParameter("give two or more codes to compare", param_hint="CODE")
    library, answers = lookup_codes(ENV.folders(), load_history(), list(dict.fromkeys(codes)))
    report(library.problems)
    records: list[Any] = []
    problems: list[dict[str, str]] = []
    worst = ExitCode.OK
    for text, answer in answers:
        if isinstance(answer, CptError):
            message, code = str(answer), answer.exit_code
        elif answer.record is None:  # a deleted code: its history is all there is
            message = f"{answer.code} was deleted from the code set; see `cpt show {answer.code}`."
            code = ExitCode.NOT_FOUND
        else:
            records.append(answer.record)
            continue
        problems.append({"input": text, "error": message})
        worst = max(worst, code)
    comparison = compare_records(records)
    if json_:
        document = comparison.to_dict()
        document["errors"] = problems
        out_json(document)
    elif len(records) >= 2:
        from cptcli import render

        if ENV.terminal:
            from rich.text import Text

            from cptcli.output.comparison import rich_comparison

            out_rich(*rich_comparison(comparison, ENV.width, all_))
            out_rich(Text(render.NOTICE, style=render.THEME["notice"]))
        else:
            from cptcli.output.comparison import plain_comparison

            out(plain_comparison(comparison, ENV.width, all_))
            out("\n" + render.wrap_text(render.NOTICE, ENV.width))
    for problem in problems:
        err(f"error: {problem['error']}")
    if len(records) < 2 and not json_:
        err("error: nothing to compare: give two or more codes the library has.")
    if problems:
        raise typer.Exit(int(worst))
    if len(records) < 2:
        raise typer.Exit(int(ExitCode.NOT_FOUND))
