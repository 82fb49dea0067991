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
    paged_output,
    settings,
    warn,
)
from cptcli.cli.fields import FieldsCommand, chosen_fields, fields_option, json_option, pick
from cptcli.errors import ExitCode


@command("list", cls=FieldsCommand)
@paged_output
def list_(
    category: Annotated[
        Optional[str],
        typer.Option("--category", "-c", metavar="TEXT", help="Only categories containing TEXT."),
    ] = None,
    json_: Annotated[bool, json_option()] = False,
    format_: Annotated[Optional[str], format_option()] = None,
    header: Annotated[bool, header_option()] = False,
    fields: Annotated[Optional[str], fields_option()] = None,
) -> None:
    """List every code in the library with its name and category.

    On a terminal a table; piped, one tab-separated line per code (code, name,
    category), ready for cut, grep, fzf or a spreadsheet.

    Examples:

      cpt list                          every code
      cpt list -c radiology             one category
      cpt list | cut -f2 | grep -i knee
      cpt list --format csv --header > codes.csv
      cpt list --json
    """
    from cptcli.search import fold

    chosen = chosen_fields("list", fields)
    fmt = output_format(format_, json_ or chosen is not None)
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
        out_json(pick([dict(zip(keys, row)) for row in rows], chosen))
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
    """Show the folders records are read from, the cache folder and the settings file.

    Folders are listed in load order: a record replaces an earlier one with the same
    code. A folder or file that does not exist yet is marked missing.

    Examples:

      cpt paths
      cpt paths --json
      CPT_DATA_PATH=~/records cpt paths
    """
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
    config = settings()
    if json_:
        from cptcli import __version__

        out_json(
            {
                "code_set": CODE_SET,
                "version": __version__,
                "data": folders,
                "cache": {"path": str(cache), "origin": origin},
                "config": {
                    "path": str(config.path),
                    "origin": config.origin,
                    "exists": config.exists,
                },
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
            else (_records(f["records"]) if f["exists"] else "missing"),
        )
        for f in folders
    ]
    rows.append((f"cache ({origin})", str(cache), ""))
    rows.append(
        (f"settings ({config.origin})", str(config.path), "" if config.exists else "missing")
    )
    out(render.plain_paths(rows, ENV.width))
    out(f"Code set: {CODE_SET}")


def _records(count: int) -> str:
    return f"{count} record" if count == 1 else f"{count} records"


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
            "--to",
            metavar="FOLDER",
            help="Folder to write records to (default: your data folder).",
            file_okay=False,
        ),
    ] = None,
    code: Annotated[
        Optional[str],
        typer.Option("--code", metavar="CODE", help="The code, when the page does not say."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing records.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the TOML instead of writing it.")
    ] = False,
    encoding: Annotated[
        str,
        typer.Option("--encoding", metavar="ENCODING", help="Text encoding of the pages."),
    ] = "utf-8",
) -> None:
    """Turn saved procedure pages into records.

    Each page becomes one TOML record in your data folder (cpt paths shows it),
    which then overrides a bundled record with the same code.

    Examples:

      cpt import page-45378.txt
      cpt import pages/*.txt --to ~/records
      cpt import page.txt --code 45378 --dry-run
      pbpaste | cpt import - --code 45378
    """
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
            _warn_if_replacing(outcome.written)
    failures = [o.error for o in outcomes if o.error is not None]
    if failures:
        worst = max(e.exit_code for e in failures)
        for error in failures[:-1]:
            err(f"error: {error}")
        fail(str(failures[-1]), worst)


def _warn_if_replacing(written: Path) -> None:
    """Warn when a new record file hides a bundled record, and say how to undo it."""
    from cptcli.paths import bundled_record_file

    code = written.stem.upper()
    loaded = {f.path.resolve() for f in ENV.folders() if f.origin != "bundled"}
    if bundled_record_file(code) is None or written.parent.resolve() not in loaded:
        return
    if sys.platform == "win32":
        undo = f'del "{written}"'
    else:
        import shlex

        undo = f"rm {shlex.quote(str(written))}"
    warn(
        f"{code} is in the bundled library too; `cpt show {code}` and search now use "
        f"your record instead. To undo, delete your file: {undo}"
    )


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
    """Check record files against the record format; one line per problem.

    Each problem is printed as file:line: message, so editors can jump to it.

    Examples:

      cpt validate                       every folder in use
      cpt validate ~/records/45378.toml
      cpt validate data/procedures --strict
      cpt validate --json
    """
    from cptcli.validation import present, validate_paths

    # By default every folder in use; a user folder not created yet has nothing to check.
    targets = paths_ or [f.path for f in ENV.folders() if present(f.path)]
    checked, problems = validate_paths(targets, strict=strict)
    if json_:
        from cptcli import __version__

        out_json(
            {
                "version": __version__,
                "files": checked,
                "problems": [p.to_dict() for p in problems],
            }
        )
    else:
        for problem in problems:
            out(str(problem))
        noun = "problem" if len(problems) == 1 else "problems"
        err(f"{checked} files checked, {len(problems)} {noun}")
    if problems:
        raise typer.Exit(int(ExitCode.NOT_FOUND))
