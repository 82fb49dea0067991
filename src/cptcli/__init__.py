"""cptcli: find medical procedure codes and read plain-language procedure summaries.

The library API is ``from cptcli import lookup, search`` (see ``cptcli.api``); it is
loaded on first use, so that starting the ``cpt`` command stays light.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "lookup", "search"]


def __getattr__(name: str) -> Any:
    if name in ("lookup", "search"):
        from cptcli import api

        return getattr(api, name)
    raise AttributeError(f"module 'cptcli' has no attribute {name!r}")
