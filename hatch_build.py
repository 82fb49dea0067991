"""Wheel build step: precompile the bundled records to JSON (see src/cptcli/compiled.py)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileRecords(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads the checkout's TOML files directly
        sys.path.insert(0, str(Path(self.root) / "src"))
        try:
            from cptcli.compiled import compile_folder, compile_table
        finally:
            sys.path.pop(0)
        self._folder = Path(tempfile.mkdtemp(prefix="cptcli-compiled-"))
        written, skipped = compile_folder(Path(self.root) / "data" / "procedures", self._folder)
        for message in skipped:
            self.app.display_warning(f"not precompiled: {message}")
        self.app.display_info(f"precompiled {written} bundled records")
        for table in ("history", "modifiers", "families"):
            problem = compile_table(Path(self.root) / "data" / f"{table}.toml", self._folder)
            if problem:
                self.app.display_warning(f"{table} not precompiled: {problem}")
        build_data["force_include"][str(self._folder)] = "cptcli/data/compiled"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
