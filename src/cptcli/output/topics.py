"""The help topics: environment variables, exit codes, the settings file and the files
``cpt`` reads. ``cpt help TOPIC`` prints them, ``cpt --help`` sums them up, and the man
page is written from the same lists, so the three never disagree.

Plain text only (no rich, no Typer): each topic is a title and a list of (term,
explanation) pairs laid out by :func:`topic_text`.
"""

from __future__ import annotations

from cptcli.errors import ExitCode

# Every environment variable the program reads (a test scans the source for them).
ENVIRONMENT: tuple[tuple[str, str], ...] = (
    (
        "CPT_CONFIG",
        "The settings file to read instead of the default one (see cpt help settings); "
        "/dev/null reads none.",
    ),
    (
        "CPT_USER_DATA_DIR",
        "Your records folder, loaded after the bundled library; cpt import writes there "
        "(default: ~/.local/share/cptcli/procedures on Linux).",
    ),
    (
        "CPT_DATA_PATH",
        "More record folders, separated by ':' (';' on Windows), loaded after yours.",
    ),
    (
        "CPT_CACHE_DIR",
        "The folder of the search index cache (default: ~/.cache/cptcli on Linux).",
    ),
    (
        "CPT_PAGER",
        "The pager long output goes through on a terminal; empty turns paging off.",
    ),
    (
        "PAGER",
        "The pager when CPT_PAGER is not set; then the pager setting, then less -FRX.",
    ),
    ("NO_COLOR", "Set to anything: no colour, whatever the color setting says."),
    (
        "FORCE_COLOR",
        "Set to anything: the terminal layout (tables, panels) and colour even when piped.",
    ),
    ("CPT_FORCE_TERMINAL", "Set to anything: the terminal layout even when piped."),
    ("COLUMNS", "The width of the output in characters (40 to 1000)."),
    ("XDG_CONFIG_HOME", "The folder the settings folder cptcli is in (default: ~/.config)."),
    ("XDG_DATA_HOME", "The folder the user data folder cptcli is in (default: ~/.local/share)."),
    ("XDG_CACHE_HOME", "The folder the cache folder cptcli is in (default: ~/.cache)."),
    ("HOME", "Your home folder, under which the default folders are."),
)

# code -> (in a word, in full)
_EXIT_MEANINGS = {
    ExitCode.OK: ("success", "Success."),
    ExitCode.NOT_FOUND: (
        "nothing found or problems",
        "Nothing found (an unknown code, no search result), or problems reported: "
        "validation or import problems, lines of input that gave no answer.",
    ),
    ExitCode.USAGE: (
        "usage error",
        "Usage error: an unknown option, section or format, a bad value, a query that is "
        "not a code where one is needed.",
    ),
    ExitCode.INTERRUPTED: ("interrupted", "Interrupted (Ctrl-C)."),
    ExitCode.TERMINATED: (
        "terminated",
        "Ended by SIGTERM (128 + 15, as a shell reports it); cleaned up as for Ctrl-C.",
    ),
}
EXIT_CODES: tuple[tuple[str, str], ...] = tuple(
    (str(int(code)), _EXIT_MEANINGS[code][1]) for code in ExitCode
)

SETTINGS: tuple[tuple[str, str], ...] = (
    ("limit", "Search results shown (a whole number, at least 1; default 10). --limit beats it."),
    (
        "sections",
        'The sections cpt show prints when no --section is given, as a list: ["summary", '
        '"risks"]. Names as for --section (see cpt sections). Text and markdown only: '
        "--json always carries every section unless --section is given.",
    ),
    (
        "pager",
        'The pager command for long output on a terminal, such as "less -R"; "" turns '
        "paging off. CPT_PAGER and PAGER beat it.",
    ),
    (
        "color",
        '"auto" (colour on a terminal; the default), "always" (colour and the terminal '
        'layout even when piped) or "never". NO_COLOR and FORCE_COLOR beat it.',
    ),
    ("brief", "true: cpt show prints the short view by default. --brief beats it."),
)

SETTINGS_EXAMPLE = """\
limit = 20
sections = ["summary", "preparation", "risks"]
color = "never"
"""

SETTINGS_INTRO = (
    "A TOML file of defaults you set once: $XDG_CONFIG_HOME/cptcli/config.toml "
    "(~/.config/cptcli/config.toml), or the file CPT_CONFIG names; cpt paths shows "
    "which file is in use and whether it exists. The command line beats the environment, "
    "which beats the file. A mistake in the file (bad TOML, a wrong type, an unknown key) "
    "is a warning naming the file and line; the rest of the file still applies."
)

FILES: tuple[tuple[str, str], ...] = (
    ("~/.config/cptcli/config.toml", "The settings file (see CPT_CONFIG, XDG_CONFIG_HOME)."),
    (
        "~/.local/share/cptcli/procedures/",
        "Your records, one TOML file per code (see CPT_USER_DATA_DIR, XDG_DATA_HOME).",
    ),
    ("~/.cache/cptcli/", "The search index cache (see CPT_CACHE_DIR, XDG_CACHE_HOME)."),
)

DESCRIPTION = (
    "cpt finds medical procedure codes and prints plain-language summaries of what each "
    "code denotes: what is done and why, how to prepare, who does it, how long it takes, "
    "risks, recovery, alternatives and related codes. It searches the bundled library of "
    "CPT and HCPCS Level II codes by code, code prefix or range, name, lay term, "
    "abbreviation or typo, reads codes as written on bills (99214-25, 97110 x 3), "
    "explains modifiers, and reads your own records alongside the bundled ones."
)

NOTICE = (
    "Informational only, not medical or coding advice. CPT is a registered trademark of "
    "the American Medical Association."
)

# name -> (title, one-line description)
TOPICS: dict[str, tuple[str, str]] = {
    "environment": ("Environment variables", "the environment variables cpt reads"),
    "exit-codes": ("Exit codes", "what each exit status means"),
    "settings": ("The settings file", "config.toml: where it is, its keys, precedence"),
}
ALIASES = {"env": "environment", "exit": "exit-codes", "config": "settings"}


def topic_items(name: str) -> tuple[tuple[str, str], ...]:
    return {"environment": ENVIRONMENT, "exit-codes": EXIT_CODES, "settings": SETTINGS}[name]


def definitions(items: tuple[tuple[str, str], ...], width: int, indent: int = 2) -> str:
    """Terms in a column and their explanations wrapped beside them (or below a long
    term), fitting ``width`` characters."""
    import textwrap

    column = min(max(len(term) for term, _ in items) + indent + 2, 24)
    text_width = max(30, width - column)
    lines = []
    for term, explanation in items:
        wrapped = textwrap.wrap(explanation, text_width) or [""]
        head = " " * indent + term
        if len(head) + 2 > column:
            lines.append(head)
        else:
            lines.append(head.ljust(column) + wrapped.pop(0))
        lines.extend(" " * column + line for line in wrapped)
    return "\n".join(lines)


def topic_text(name: str, width: int) -> str:
    """The text of ``cpt help NAME``."""
    import textwrap

    title = TOPICS[name][0]
    parts = [title, ""]
    if name == "settings":
        parts += [textwrap.fill(SETTINGS_INTRO, width), "", "Keys:", ""]
    parts.append(definitions(topic_items(name), width))
    if name == "settings":
        parts += ["", "Example:", "", textwrap.indent(SETTINGS_EXAMPLE.rstrip("\n"), "  ")]
    return "\n".join(parts)


def topic_list(width: int) -> str:
    """The text of ``cpt help`` with no topic."""
    items = tuple((name, description) for name, (_, description) in TOPICS.items())
    return "\n".join(
        [
            "Help topics (cpt help TOPIC):",
            "",
            definitions(items, width),
            "",
            "Each command explains itself: cpt help COMMAND, or cpt COMMAND --help.",
            "All commands: cpt --help. The manual: man cpt.",
        ]
    )


def epilog() -> str:
    """The end of ``cpt --help``: environment, exit codes and where to read more; one
    paragraph per line (the help printer wraps each to the terminal)."""
    names = ", ".join(name for name, _ in ENVIRONMENT)
    codes = ", ".join(f"{int(code)} {_EXIT_MEANINGS[code][0]}" for code in ExitCode)
    return "\n\n".join(
        [
            f"Environment: {names}. See: cpt help environment",
            f"Exit codes: {codes}. See: cpt help exit-codes",
            "Settings file: ~/.config/cptcli/config.toml. See: cpt help settings",
        ]
    )
