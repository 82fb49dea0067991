"""The library's files: ``cpt list``, ``cpt paths``, ``cpt import`` and ``cpt validate``.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cptcli.cli.base import (
    ENV,
    command,
    err,
    fail,
    format_option,
    header_option,
    load_index,
    out,
    out_json,
    out_rows,
    output_format,
    warn,
)
from cptcli.errors import ExitCode


@command("list")
def list_(
    category: Annotated[
        Optional[str], typer.Option("--category", "-c", help="Only categories containing TEXT.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    format_: Annotated[Optional[str], format_option()] = None,
    header: Annotated[bool, header_option()] = False,
) -> None:
    """List every code in the library with its name and category."""
    from cptcli.search import fold

    fmt = output_format(format_, json_)
    index = load_index()
    rows = [
        (code, name, cat, system, source)
        for code, name, cat, system, source in zip(
            index.codes, index.names, index.categories, index.systems, index.sources
        )
        if not category or fold(category) in fold(cat)
    ]
    if fmt == "json":
        keys = ("code", "name", "category", "system", "source")
        out_json([dict(zip(keys, row)) for row in rows])
    elif rows:
        headers = ("code", "name", "category")
        out_rows(fmt, f"{len(rows)} procedures", headers, [r[:3] for r in rows], header)
    if not rows:
        fail(
            f"No procedures in a category containing {category!r}."
            if category
            else "The library is empty."
        )


@command()
def paths(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the folders records are read from, in load order, and the cache folder."""
    from cptcli.paths import cache_dir, folder_problem, record_files

    unreadable: dict[str, str] = {}

    def failed(folder: Path, error: OSError) -> None:
        unreadable[str(folder)] = folder_problem(error)

    folders = [
        {
            "origin": f.origin,
            "path": str(f.path),
            "exists": _is_folder(f.path),
            "records": sum(1 for _ in record_files(f.path, failed)),
        }
        for f in ENV.folders()
    ]
    for path, problem in unreadable.items():
        warn(f"{path}: {problem}")
    from cptcli.codeset import CODE_SET

    cache, origin = cache_dir()
    if json_:
        out_json(
            {
                "code_set": CODE_SET,
                "data": folders,
                "cache": {"path": str(cache), "origin": origin},
            }
        )
        return
    from cptcli import render

    rows = [
        (
            f["origin"],
            f["path"],
            "unreadable"
            if f["path"] in unreadable
            else (f"{f['records']} records" if f["exists"] else "missing"),
        )
        for f in folders
    ]
    rows.append((f"cache ({origin})", str(cache), ""))
    out(render.plain_table(rows))
    out(f"Code set: {CODE_SET}")


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # no permission to look, for one
        return False


@command("import")
def import_(
    files: Annotated[
        list[str],
        typer.Argument(metavar="FILE...", help="Page files in the text format; - reads stdin."),
    ],
    to: Annotated[
        Optional[Path],
        typer.Option(
            "--to", help="Folder to write records to (default: your data folder).", file_okay=False
        ),
    ] = None,
    code: Annotated[
        Optional[str], typer.Option("--code", help="The code, when the page does not say.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing records.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the TOML instead of writing it.")
    ] = False,
    encoding: Annotated[
        str, typer.Option("--encoding", help="Text encoding of the pages.")
    ] = "utf-8",
) -> None:
    """Turn saved procedure pages into records. Example: cpt import page-45378.txt"""
    from cptcli.importer import import_pages
    from cptcli.library.reading import PAGE_LIMIT, read_stream
    from cptcli.paths import user_procedures_dir

    if code and len(files) > 1:
        raise typer.BadParameter("--code needs a single page file", param_hint="--code")
    folder = to or user_procedures_dir()
    outcomes = import_pages(
        files,
        folder,
        code=code,
        force=force,
        dry_run=dry_run,
        encoding=encoding,
        read_stdin=lambda: read_stream(
            sys.stdin.buffer, limit=PAGE_LIMIT, what="page", name="standard input"
        ),
    )
    for outcome in outcomes:
        if outcome.toml is not None and dry_run:
            if len(outcomes) > 1:
                out(f"# {outcome.name}")
            out(outcome.toml)
        elif outcome.written:
            err(f"imported {outcome.name} -> {outcome.written}")
    failures = [o.error for o in outcomes if o.error is not None]
    if failures:
        worst = max(e.exit_code for e in failures)
        for error in failures[:-1]:
            err(f"error: {error}")
        fail(str(failures[-1]), worst)


@command()
def validate(
    paths_: Annotated[
        Optional[list[Path]],
        typer.Argument(metavar="[PATH]...", help="Record files or folders (default: all in use)."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Also apply the curated-library rules.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check record files against the record format; one line per problem."""
    from cptcli.validation import present, validate_paths

    # By default every folder in use; a user folder not created yet has nothing to check.
    targets = paths_ or [f.path for f in ENV.folders() if present(f.path)]
    checked, problems = validate_paths(targets, strict=strict)
    if json_:
        out_json({"files": checked, "problems": [p.to_dict() for p in problems]})
    else:
        for problem in problems:
            out(str(problem))
        noun = "problem" if len(problems) == 1 else "problems"
        err(f"{checked} files checked, {len(problems)} {noun}")
    if problems:
        raise typer.Exit(int(ExitCode.NOT_FOUND))
