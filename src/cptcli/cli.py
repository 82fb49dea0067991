"""The ``cpt`` command: options, wiring, and errors turned into exit codes.

Each command parses its options, calls the core (store, index, search, importer) and
hands the result to an output function. Nothing here ranks, parses or validates.
Results go to stdout; every diagnostic goes to stderr. Heavy modules (rich,
rapidfuzz) are imported inside the commands that need them.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer

from cptcli import __version__
from cptcli.errors import CptError, ExitCode
from cptcli.paths import DataFolder, data_folders

# Commands are collected here and attached to a Typer app by build_app(). Typer inspects
# every registered command's signature on each run; for a normal invocation main()
# attaches only the command being run, which keeps start-up close to `import typer`.
_COMMANDS: list[tuple[str, Any, dict[str, Any]]] = []


def command(name: Optional[str] = None, **settings: Any) -> Any:
    def register(func: Any) -> Any:
        _COMMANDS.append((name or func.__name__, func, settings))
        return func

    return register


# --- environment and output ----------------------------------------------------------


class Environment:
    """Where output goes and how it should look; tests may replace it."""

    def __init__(self) -> None:
        self.data_dirs: list[Path] = []
        self.use_cache = True

    @property
    def terminal(self) -> bool:
        forced = os.environ.get("FORCE_COLOR") or os.environ.get("CPT_FORCE_TERMINAL")
        return bool(forced) or sys.stdout.isatty()

    @property
    def width(self) -> int:
        try:
            return max(40, int(os.environ.get("COLUMNS", "")))
        except ValueError:
            import shutil

            return shutil.get_terminal_size((80, 24)).columns

    def folders(self) -> list[DataFolder]:
        return data_folders(self.data_dirs)


ENV = Environment()


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def out_json(value: Any) -> None:
    import json

    out(json.dumps(value, ensure_ascii=False, indent=2))


def out_rich(*renderables: Any) -> None:
    from cptcli.render import make_console

    console = make_console(
        file=sys.stdout,
        force_terminal=True,
        width=ENV.width,
        no_color=bool(os.environ.get("NO_COLOR")),
    )
    for renderable in renderables:
        console.print(renderable)
    sys.stdout.flush()


def err(line: str) -> None:
    """One line on stderr, flushed at once (messages never wait behind output)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    err(f"warning: {message}")


def fail(message: str, code: ExitCode = ExitCode.NOT_FOUND) -> NoReturn:
    err(f"error: {message}")
    raise typer.Exit(int(code))


def report(problems: Any) -> None:
    for problem in problems:
        warn(f"skipped {problem}")


def open_index() -> Any:
    """The cached search index, opened while its freshness is checked (see index.py)."""
    from cptcli.index import open_index as open_cached

    return open_cached(ENV.folders(), use_cache=ENV.use_cache)


def current_index(opened: Any) -> Any:
    """The index, rebuilt (with a progress bar on a terminal) if the data changed."""
    bar: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if total < 1000 or not sys.stderr.isatty():
            return
        if not bar:
            from rich.progress import Progress

            bar["p"] = Progress(transient=True, console=_stderr_console())
            bar["p"].start()
            bar["task"] = bar["p"].add_task("Indexing records", total=total)
        bar["p"].update(bar["task"], completed=done)

    try:
        index = opened.current(progress)
    finally:
        if bar:
            bar["p"].stop()
    report(index.problems)
    return index


def load_index() -> Any:
    return current_index(open_index())


def _stderr_console() -> Any:
    from cptcli.render import make_console

    return make_console(stderr=True)


def handle(error: CptError) -> NoReturn:
    fail(str(error), error.exit_code)


# --- completion ----------------------------------------------------------------------


def complete_code(incomplete: str) -> list[str]:
    from cptcli.store import Library

    prefix = incomplete.upper()
    return [c for c in Library(ENV.folders()).codes() if c.startswith(prefix)][:200]


def complete_section(incomplete: str) -> list[str]:
    from cptcli.sections import SECTION_KEYS

    return [k for k in SECTION_KEYS if k.startswith(incomplete.lower())]


def section_option(help_text: str) -> Any:
    """The ``--section/-s`` option shared by show and search."""
    return typer.Option("--section", "-s", help=help_text, autocompletion=complete_section)


def complete_field(incomplete: str) -> list[str]:
    from cptcli.search import FIELD_CHOICES

    return [f for f in FIELD_CHOICES if f.startswith(incomplete)]


def resolve_sections(names: Optional[list[str]]) -> Optional[list[str]]:
    if not names:
        return None
    from cptcli.sections import resolve_sections as resolve

    try:
        return resolve(names)
    except CptError as exc:
        raise typer.BadParameter(str(exc), param_hint="--section") from None


# --- commands ------------------------------------------------------------------------


def _version(value: bool) -> None:
    if value:
        from cptcli.codeset import CODE_SET

        out(f"cpt {__version__} ({CODE_SET})")
        raise typer.Exit()


def main_options(
    data_dir: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--data-dir",
            help="Also load records from this folder (repeatable; later folders win).",
            file_okay=False,
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Build the search index in memory only.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Find medical procedure codes and read plain-language procedure summaries.

    Informational only, not medical or coding advice. CPT is a registered trademark of
    the American Medical Association.
    """
    ENV.data_dirs = list(data_dir or [])
    ENV.use_cache = not no_cache


@command()
def search(
    query: Annotated[
        list[str],
        typer.Argument(metavar="QUERY...", help="Words, a code, a code prefix or a range."),
    ],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most results.")] = 10,
    field_: Annotated[
        str,
        typer.Option(
            "--field",
            "-f",
            help="Where to look: all, name, aliases, indications, text.",
            autocompletion=complete_field,
        ),
    ] = "all",
    category: Annotated[
        Optional[str], typer.Option("--category", "-c", help="Only categories containing TEXT.")
    ] = None,
    min_score: Annotated[
        float, typer.Option("--min-score", min=0, max=100, help="Drop results below this score.")
    ] = 40.0,
    section: Annotated[
        Optional[list[str]], section_option("Also print these sections of the top result.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Print every match, not just --limit.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search codes, names, lay terms and indications. Example: cpt search factor VII"""
    from cptcli.search import FIELD_CHOICES, Results, SearchOptions, find

    text = " ".join(query).strip()
    if not text:
        raise typer.BadParameter("give words or a code to search for", param_hint="QUERY")
    if field_ not in FIELD_CHOICES:
        raise typer.BadParameter(f"choose one of: {', '.join(FIELD_CHOICES)}", param_hint="--field")
    wanted = resolve_sections(section)
    options = SearchOptions(10**9 if all_ else limit, FIELD_CHOICES[field_], category, min_score)
    opened = open_index()
    # Search the cached index while the freshness check runs; redo it if the data changed.
    results = find(opened.index, text, options) if opened.index is not None else Results([], 0)
    if ENV.terminal and not json_:
        from cptcli import render

        render.warm_up()  # load the renderer meanwhile
    if not opened.is_fresh():
        index = current_index(opened)
        results = find(index, text, options)
    else:
        index = opened.index
        report(index.problems)
    matches, total = results
    deleted = _deleted_codes(index, text, matches, options.limit)
    total = max(total, len(matches))
    if json_:
        document: dict[str, Any] = {
            "query": text,
            "total": total,
            "results": [m.to_dict() for m in matches],
        }
        if deleted:
            document["history"] = [entry.to_dict(names) for entry, names in deleted]
        out_json(document)
    elif matches or deleted:
        from cptcli import render

        for entry, names in deleted:
            if ENV.terminal:
                out_rich(*render.rich_history(entry, names, ENV.width, notice=False))
            else:
                out(render.plain_history(entry, names, ENV.width, notice=False) + "\n")
        if matches and ENV.terminal:
            out_rich(render.rich_matches(matches, text, width=ENV.width))
        elif matches:
            out(render.plain_matches(matches))
        if len(matches) < total:
            err(render.shown_of(len(matches), total))
    if deleted and not matches:
        return
    if not matches:
        if category and find(index, text, options._replace(category=None)).matches:
            fail(
                f"Matches for {text!r} exist, but none in a category containing {category!r}. "
                "Drop --category to see them."
            )
        fail(f"No procedure matches {text!r}. Try fewer or other words, or a lower --min-score.")
    if not any(m.confidence in ("exact", "strong") for m in matches):
        err(_no_strong_note(len(index)))
    if wanted:
        if not json_:
            out("")
        _show([matches[0].code], wanted, json_=False)


def _no_strong_note(size: int) -> str:
    return (
        f"note: no strong match. The library has {size} codes and the one you need may not "
        "be among them. Try other words, --field name, or the code family (a code prefix "
        "such as `cpt search 121`)."
    )


def _deleted_codes(index: Any, text: str, matches: list[Any], limit: int) -> list[Any]:
    """Deleted codes named by a code query, with their replacements' names; the
    replacements found in the library are added to ``matches`` (in place)."""
    from cptcli.search import parse_code_query

    if parse_code_query(text) is None:
        return []
    from cptcli.lookup import deleted_in_query, replacement_matches, replacement_names
    from cptcli.store import Library

    history = load_history()
    entries = deleted_in_query(history, text)
    if not entries:
        return []
    shown = {m.code for m in matches}
    extra = [m for m in replacement_matches(index, entries) if m.code not in shown]
    matches[:] = (matches + extra)[:limit]
    library = Library(ENV.folders())
    return [(e, replacement_names(library, history, e)) for e in entries]


@command()
def show(
    codes: Annotated[
        list[str],
        typer.Argument(metavar="CODE...", help="One or more codes.", autocompletion=complete_code),
    ],
    section: Annotated[
        Optional[list[str]],
        section_option("Only these sections (repeatable): a key, title, alias or prefix."),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the summary of one or more procedures. Example: cpt show 93590 -s risks"""
    _show(codes, resolve_sections(section), json_)


def load_history() -> Any:
    """The bundled code history; a broken file is a warning and an empty history."""
    from cptcli.history import EMPTY
    from cptcli.history import load_history as load
    from cptcli.paths import bundled_compiled_dir, history_file

    try:
        return load(history_file(), bundled_compiled_dir())
    except CptError as exc:
        warn(f"code history not loaded: {exc}")
        return EMPTY


def _show(codes: list[str], sections: Optional[list[str]], json_: bool) -> None:
    from cptcli.lookup import lookup_codes

    library, found, errors = lookup_codes(ENV.folders(), load_history(), codes)
    report(library.problems)
    if json_:
        items = [item.to_dict(sections) for item in found]
        if found or len(codes) > 1:
            out_json(items[0] if len(codes) == 1 else items)
    elif found:
        _print_records(library, found, sections)
    if errors:
        worst = max(e.exit_code for e in errors)
        for error in errors[:-1]:
            err(f"error: {error}")
        fail(str(errors[-1]), worst)


def _print_records(library: Any, found: list[Any], sections: Optional[list[str]]) -> None:
    from cptcli import render

    full = sections is None
    for i, item in enumerate(found):
        last = i == len(found) - 1
        if item.record is None:
            if ENV.terminal:
                out_rich(*render.rich_history(item.change, item.names, ENV.width, notice=last))
            else:
                text = render.plain_history(item.change, item.names, ENV.width, notice=last)
                out(text + ("" if last else "\n"))
            continue
        record = item.record
        names = {}
        if full or "similar_codes" in sections:
            for code in record.similar_codes:
                name = library.name_of(code)
                if name is not None:
                    names[code] = name
        blocks = render.layout(record, sections, names)
        if ENV.terminal:
            out_rich(
                *render.rich_procedure(
                    record, blocks, header=True, notice=last, width=ENV.width, change=item.change
                )
            )
        else:
            text = render.plain_procedure(
                record, blocks, width=ENV.width, header=True, notice=last, change=item.change
            )
            out(text + ("" if last else "\n"))
    report(library.problems)


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


@command("list")
def list_(
    category: Annotated[
        Optional[str], typer.Option("--category", "-c", help="Only categories containing TEXT.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every code in the library with its name and category."""
    from cptcli.search import fold

    index = load_index()
    rows = [
        (code, name, cat, system, source)
        for code, name, cat, system, source in zip(
            index.codes, index.names, index.categories, index.systems, index.sources
        )
        if not category or fold(category) in fold(cat)
    ]
    if json_:
        keys = ("code", "name", "category", "system", "source")
        out_json([dict(zip(keys, row)) for row in rows])
    elif rows:
        from cptcli import render

        if ENV.terminal:
            out_rich(
                render.rich_table(
                    f"{len(rows)} procedures", ("Code", "Name", "Category"), [r[:3] for r in rows]
                )
            )
        else:
            out(render.plain_table([r[:3] for r in rows]))
    if not rows:
        fail(
            f"No procedures in a category containing {category!r}."
            if category
            else "The library is empty."
        )


@command()
def paths(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the folders records are read from, in load order, and the cache folder."""
    from cptcli.paths import cache_dir
    from cptcli.store import record_files

    folders = [
        {
            "origin": f.origin,
            "path": str(f.path),
            "exists": f.path.is_dir(),
            "records": sum(1 for _ in record_files(f.path)),
        }
        for f in ENV.folders()
    ]
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
        (f["origin"], f["path"], f"{f['records']} records" if f["exists"] else "missing")
        for f in folders
    ]
    rows.append((f"cache ({origin})", str(cache), ""))
    out(render.plain_table(rows))
    out(f"Code set: {CODE_SET}")


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
        read_stdin=lambda: sys.stdin.buffer.read(),
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
    from cptcli.validation import validate_paths

    # By default every folder in use; a user folder not created yet has nothing to check.
    targets = paths_ or [f.path for f in ENV.folders() if f.path.is_dir()]
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


# --- entry point ---------------------------------------------------------------------


def build_app(only: Optional[str] = None) -> typer.Typer:
    """The ``cpt`` app with every command, or with just the command ``only``."""
    new = typer.Typer(
        name="cpt",
        help="Find medical procedure codes and read plain-language procedure summaries.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    new.callback()(main_options)
    for name, func, settings in _COMMANDS:
        if only is None or name == only:
            new.command(name, **settings)(func)
    return new


app = build_app()
_GLOBAL_VALUE_OPTIONS = {"--data-dir"}


def invoked_command(argv: list[str]) -> Optional[str]:
    """The command named on the command line, if it is one of ours and the run is not
    shell completion (which needs them all)."""
    if any(key.endswith("_COMPLETE") for key in os.environ):
        return None
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _GLOBAL_VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in {name for name, _, _ in _COMMANDS} else None
    return None


def main() -> None:
    """Console-script entry point: run the app, ending quietly on Ctrl-C or a closed pipe."""
    if sys.stderr is None:  # started with standard error closed: messages go nowhere
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    if sys.stdout is None:  # started with standard output closed (`cpt ... >&-`)
        err("error: standard output is closed, so there is nowhere to print to")
        sys.exit(int(ExitCode.USAGE))
    try:
        only = invoked_command(sys.argv[1:])
        (build_app(only) if only else app)(prog_name="cpt")
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(int(ExitCode.OK))


def _silence_stdout() -> None:
    # Python flushes stdout at exit; with the reader gone that flush would fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
