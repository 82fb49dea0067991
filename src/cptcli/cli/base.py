"""The ``cpt`` app: the environment, output helpers, errors turned into exit codes, and
the entry point that attaches only the command being run.

Commands live in one module per group (``lookup``, ``library``, ``reference``) and are
imported only when needed, so a run of ``cpt show`` never loads the code of ``cpt import``.
Results go to stdout; every diagnostic goes to stderr. Heavy modules (rich, rapidfuzz)
are imported inside the commands that need them.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

import contextlib
import functools
import importlib
import io
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer

from cptcli import __version__
from cptcli.errors import CptError, ExitCode, Terminated
from cptcli.models import clean, json_text
from cptcli.paths import DataFolder, data_folders

# Commands are collected here and attached to a Typer app by build_app(). Typer inspects
# every registered command's signature on each run; for a normal invocation main()
# attaches only the command being run, which keeps start-up close to `import typer`.
_COMMANDS: list[tuple[str, Any, dict[str, Any]]] = []
# Which module defines each command (imported on demand).
COMMAND_MODULES = {
    "search": "search",
    "show": "show",
    "pick": "pick",
    "compare": "compare",
    "list": "library",
    "paths": "library",
    "import": "library",
    "validate": "library",
    "sections": "reference",
    "modifier": "reference",
    "schema": "reference",
    "help": "help",
}


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
        self.no_pager = False  # --no-pager
        self.settings: Any = None  # the settings file, read on first use (see settings())

    @property
    def terminal(self) -> bool:
        from cptcli.output.terminal import terminal_layout

        if terminal_layout("auto", os.environ, sys.stdout.isatty()):
            return True  # decided without reading the settings file
        return terminal_layout(settings().color, os.environ, False)

    @property
    def color(self) -> bool:
        """Whether terminal output is coloured (NO_COLOR and FORCE_COLOR beat the file)."""
        from cptcli.output.terminal import use_color

        if os.environ.get("NO_COLOR") or os.environ.get("FORCE_COLOR"):
            return use_color("auto", os.environ)
        return use_color(settings().color, os.environ)

    @property
    def width(self) -> int:
        try:
            # A huge COLUMNS would make every line take minutes to lay out.
            return min(1000, max(40, int(os.environ.get("COLUMNS", ""))))
        except ValueError:
            import shutil

            return shutil.get_terminal_size((80, 24)).columns

    @property
    def paging(self) -> bool:
        """Whether long output may go through a pager: only on a real terminal (styles
        forced with CPT_FORCE_TERMINAL do not start a pager), never with --no-pager."""
        if self.no_pager:
            return False
        try:
            return sys.stdout.isatty() and os.isatty(sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):
            return False

    def folders(self) -> list[DataFolder]:
        return data_folders(self.data_dirs)


ENV = Environment()


def settings() -> Any:
    """The settings file's values, read once per run; each problem in the file is a
    warning naming the file and line, and the rest of the file still applies."""
    if ENV.settings is None:
        from cptcli.paths import config_file

        path, origin = config_file()
        if origin != "CPT_CONFIG" and not os.path.lexists(path):
            ENV.settings = _Defaults(path, origin)  # the usual case: no file, nothing to load
            return ENV.settings
        from cptcli.config import load

        ENV.settings = load(path, origin)
        for problem in ENV.settings.problems:
            warn(f"settings file {problem}")
    return ENV.settings


class _Defaults:
    """The settings when there is no settings file (config.Settings' defaults), without
    loading the settings module: most runs have no file, and start-up time matters."""

    limit = 10
    sections = None
    pager = None
    color = "auto"
    brief = False
    exists = False
    problems = ()

    def __init__(self, path: Path, origin: str) -> None:
        self.path, self.origin = path, origin


class OutputError(OSError):
    """Standard output could not be written (a full disk, an I/O error)."""


def out(text: str, *, cleaned: bool = False) -> None:
    """Text on stdout, through the one cleaning function (tabs and CRLF line ends kept
    for tsv and csv); ``cleaned`` for text made by models.json_text, which cleaned it
    already (cleaning a large batch twice would cost as much as writing it)."""
    if not cleaned:
        text = clean(text, layout=True)
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.errno, exc.strerror) from exc


def out_json(value: Any) -> None:
    out(json_text(value, indent=2), cleaned=True)


def json_line(value: Any) -> str:
    """One JSON Lines document, as safe for a terminal as all output."""
    return json_text(value)


def out_rich(*renderables: Any) -> None:
    from cptcli.render import make_console

    console = make_console(
        file=sys.stdout,
        force_terminal=True,
        width=ENV.width,
        no_color=not ENV.color,
    )
    try:
        for renderable in renderables:
            # Renderables fit the width by themselves; crop=False keeps the lines that
            # are meant to run past it (see render.unwrapped).
            console.print(renderable, crop=False)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.errno, exc.strerror) from exc


def err(line: str) -> None:
    """One line on stderr, flushed at once (messages never wait behind output), or,
    while output is held for the pager, once the pager is done; always through the one
    cleaning function: file names, keys and error texts can carry escapes."""
    if _HELD is not None:
        _HELD.append(clean(line))
        return
    sys.stderr.write(clean(line) + "\n")
    sys.stderr.flush()


# --- the pager -----------------------------------------------------------------------

_HELD: Optional[list[str]] = None  # stderr lines held while output goes to the pager


class _HeldOutput(io.StringIO):
    """Standard output held for the pager; it renders as the terminal would."""

    def isatty(self) -> bool:
        return True


def paged_output(func: Any) -> Any:
    """Run a command with its output sent through the pager when it is taller than the
    terminal (see output/pager.py). JSON output (--json, --format json or jsonl) and
    --stdin batches are never paged."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        machine = kwargs.get("json_") or kwargs.get("format_") in ("json", "jsonl")
        if machine or kwargs.get("stdin") or not ENV.paging:
            return func(*args, **kwargs)
        return _run_paged(func, args, kwargs)

    return run


def _run_paged(func: Any, args: Any, kwargs: Any) -> Any:
    global _HELD
    real = sys.stdout
    held = _HeldOutput()
    sys.stdout, _HELD = held, []
    page = True
    try:
        return func(*args, **kwargs)
    except (typer.Exit, SystemExit):
        raise
    except BaseException:
        page = False  # a usage error or Ctrl-C: show what there is, as it is
        raise
    finally:
        sys.stdout, lines, _HELD = real, _HELD, None
        _show_held(held.getvalue(), page)
        for line in lines:
            err(line)


def _show_held(text: str, page: bool) -> None:
    if not text:
        return
    if page:
        from cptcli.output import pager

        command = pager.pager_command(os.environ, settings().pager)
        if command is not None and pager.should_page(text, ENV.width):
            encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
            sys.stdout.flush()
            if pager.run_pager(command, text, os.environ, encoding):
                return
            if not pager.is_default(command):
                warn(f"the pager {command!r} could not be run; printing directly")
    sys.stdout.write(text)
    sys.stdout.flush()


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
    return typer.Option(
        "--section", "-s", metavar="SECTION", help=help_text, autocompletion=complete_section
    )


def format_option() -> Any:
    """The ``--format`` option of the tabular commands (search, list, modifier)."""
    return typer.Option(
        "--format",
        metavar="FORMAT",
        help="table (default on a terminal), tsv (default when piped), csv, json, markdown.",
    )


def in_range(low: float, high: Optional[float] = None) -> Any:
    """An option callback that accepts numbers from ``low`` (to ``high``).

    Used instead of Typer's ``min=``/``max=``, which print ``<int range> [x>=1]`` in help."""

    def check(value: Any) -> Any:
        # `not value >= low` also refuses NaN, which compares false to everything.
        if value is not None and (not value >= low or (high is not None and value > high)):
            span = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
            raise typer.BadParameter(f"give a number {span}")
        return value

    return check


def header_option() -> Any:
    return typer.Option("--header", help="Start tsv output with a line of column names.")


def output_format(fmt: Optional[str], json_: bool) -> str:
    """The format asked for: --json wins, else --format, else table on a terminal and
    tab-separated text when piped."""
    from cptcli.output.formats import TABULAR

    if json_:
        return "json"
    if fmt is None:
        return "table" if ENV.terminal else "tsv"
    if fmt not in TABULAR:
        raise typer.BadParameter(f"choose one of: {', '.join(TABULAR)}", param_hint="--format")
    return fmt


def out_rows(fmt: str, title: str, headers: Any, rows: Any, header: bool = False) -> None:
    """Rows as a table (rich on a terminal, aligned text elsewhere) or as tsv/csv/markdown."""
    from cptcli import render

    if fmt == "table" and ENV.terminal:
        out_rich(render.rich_table(title, tuple(h.capitalize() for h in headers), rows))
    elif fmt == "table":
        out(render.plain_table(rows))
    else:
        from cptcli.output.formats import tabular

        out(tabular(fmt, headers, rows, header))


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
            metavar="FOLDER",
            help="Also load records from this folder (repeatable; later folders win).",
            file_okay=False,
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Build the search index in memory only.")
    ] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager", help="Print long output directly, without $CPT_PAGER, $PAGER or less."
        ),
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
    ENV.no_pager = no_pager
    ENV.settings = None


# --- entry point ---------------------------------------------------------------------


APP_HELP = """Find medical procedure codes and read plain-language procedure summaries.

Examples:

  cpt search knee replacement        codes by lay words, names, typos
  cpt show 99214                     what a code means, section by section
  cpt show 45378 -s prep -s risks    only some sections (see cpt sections)
  cpt search 99214-25 --json         codes as written on a bill, as JSON
  cpt help settings                  defaults you set once
"""


def build_app(only: Optional[str] = None) -> typer.Typer:
    """The ``cpt`` app with every command, or with just the command ``only``."""
    from cptcli.cli.helpstyle import Command, Group

    help_text = epilog = None
    if only is None:  # the app's own help may be printed (a command's run never does)
        from cptcli.output import topics

        help_text, epilog = APP_HELP + "\n" + topics.NOTICE, topics.epilog()
    new = typer.Typer(
        name="cpt",
        help=help_text,
        epilog=epilog,
        cls=Group,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    new.callback()(main_options)
    for module in sorted({COMMAND_MODULES[only]} if only else set(COMMAND_MODULES.values())):
        importlib.import_module(f"cptcli.cli.{module}")
    # In the order of COMMAND_MODULES (the order `cpt --help` lists them).
    order = list(COMMAND_MODULES)
    for name, func, settings in sorted(_COMMANDS, key=lambda c: order.index(c[0])):
        if only is None or name == only:
            new.command(name, **{"cls": Command, **settings})(func)
    return new


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
            return arg if arg in COMMAND_MODULES else None
    return None


def main() -> None:
    """Console-script entry point: run the app, ending quietly on Ctrl-C, SIGTERM or a
    closed pipe, and with a message (not a traceback) when output or a file cannot be
    written (a full disk, an I/O error)."""
    if sys.stderr is None:  # started with standard error closed: messages go nowhere
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    if sys.stdout is None:  # started with standard output closed (`cpt ... >&-`)
        err("error: standard output is closed, so there is nowhere to print to")
        sys.exit(int(ExitCode.USAGE))
    _handle_sigterm()
    try:
        only = invoked_command(sys.argv[1:])
        build_app(only)(prog_name="cpt")
    except SystemExit:
        # Typer turns an interruption into an exit with 130: SIGTERM's is 143.
        if _TERMINATED:
            sys.exit(int(ExitCode.TERMINATED))
        raise
    except Terminated:
        sys.exit(int(ExitCode.TERMINATED))
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(int(ExitCode.OK))
    except OSError as exc:
        _report_os_error(exc)
        sys.exit(int(ExitCode.NOT_FOUND))


_TERMINATED: list[int] = []  # the SIGTERM received, if one was


def _handle_sigterm() -> None:
    """SIGTERM ends the run the way Ctrl-C does (see :class:`Terminated`)."""
    import signal

    def terminate(signum: int, frame: Any) -> None:
        _TERMINATED.append(signum)
        raise Terminated()

    # Not possible outside the main thread, or where there is no such signal.
    with contextlib.suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGTERM, terminate)


def _report_os_error(exc: OSError) -> None:
    """One line for a failure to write (or read) that no command handled: which file
    or the output, and why in plain words."""
    import errno

    from cptcli.errors import describe_os_error
    from cptcli.models import clean

    output_failed = isinstance(exc, OutputError) or (exc.filename is None and _stdout_failed())
    if output_failed:
        _silence_stdout()  # the flush at exit would fail again
    if exc.filename is not None:
        writing = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS)
        where = f"{'cannot write ' if writing else ''}{clean(str(exc.filename))}: "
    elif output_failed:
        where = "cannot write the output: "
    else:
        where = ""
    err(f"error: {where}{describe_os_error(exc)}")


def _stdout_failed() -> bool:
    """Whether standard output cannot take what is waiting in its buffer."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


def _silence_stdout() -> None:
    # Python flushes stdout at exit; with the reader gone that flush would fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
