"""The ``cpt`` command line: a thin layer over the core (see ``base``).

``app`` (every command attached) is built on first use, so that importing this package
for :func:`main` stays light.
"""

from typing import Any

from cptcli.cli.base import ENV, Environment, build_app, invoked_command, main

__all__ = ["ENV", "Environment", "app", "build_app", "invoked_command", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":
        return build_app()
    raise AttributeError(name)
