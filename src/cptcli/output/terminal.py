"""Whether output gets the terminal layout and colour: the rules the environment and the
settings file's ``color`` decide by. A module of its own so that every command can ask
without loading the settings file's code."""

from __future__ import annotations

from collections.abc import Mapping


def terminal_layout(setting: str, environ: Mapping[str, str], isatty: bool) -> bool:
    """Whether output gets the terminal layout (tables, panels): on a terminal, when
    ``FORCE_COLOR`` or ``CPT_FORCE_TERMINAL`` asks for it, or with ``color = "always"``
    unless ``NO_COLOR`` is set (the environment beats the file)."""
    if environ.get("FORCE_COLOR") or environ.get("CPT_FORCE_TERMINAL") or isatty:
        return True
    return setting == "always" and not environ.get("NO_COLOR")


def use_color(setting: str, environ: Mapping[str, str]) -> bool:
    """Whether terminal output is coloured: ``NO_COLOR`` turns colour off and
    ``FORCE_COLOR`` on, whatever the file says; else ``color = "never"`` turns it off."""
    if environ.get("NO_COLOR"):
        return False
    return bool(environ.get("FORCE_COLOR")) or setting != "never"
