"""cptcli: find medical procedure codes and read plain-language procedure summaries.

The library API is ``from cptcli import lookup, search`` (see ``cptcli.api``); it is
loaded on first use, so that starting the ``cpt`` command stays light.

``cptcli.lookup`` and ``cptcli.search`` are also the names of two core modules. Importing
a submodule sets it as an attribute of its package, which would hide the functions once
either module had been imported; the package's own class keeps the two names bound to the
API functions. The modules stay importable by name (``from cptcli.search import find``);
``import cptcli.search as engine`` gives the function, as Python reads that form through
the package's attribute.
"""

import sys
import types
from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "lookup", "search"]


class _Package(types.ModuleType):
    @property
    def lookup(self) -> Any:
        from cptcli.api import lookup

        return lookup

    @lookup.setter
    def lookup(self, module: Any) -> None:
        pass  # the submodule: reached through sys.modules, never through this name

    @property
    def search(self) -> Any:
        from cptcli.api import search

        return search

    @search.setter
    def search(self, module: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package
