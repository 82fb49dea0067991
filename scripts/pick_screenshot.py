"""Write docs/pick.svg: the picker on the bundled library after typing a lay query.

python scripts/pick_screenshot.py
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "pick.svg"


async def main() -> None:
    from cptcli.history import load_history
    from cptcli.index import load_or_build
    from cptcli.modifiers import load_modifiers
    from cptcli.paths import (
        DataFolder,
        bundled_compiled_dir,
        bundled_procedures_dir,
        history_file,
        modifiers_file,
    )
    from cptcli.store import Library
    from cptcli.tui.app import PickerApp
    from cptcli.tui.engine import PickerSearch

    folders = [DataFolder(bundled_procedures_dir(), "bundled")]
    engine = PickerSearch(
        load_or_build(folders, use_cache=False),
        Library(folders),
        load_modifiers(modifiers_file(), bundled_compiled_dir()),
        load_history(history_file(), bundled_compiled_dir()),
    )
    app = PickerApp(engine, "")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"knee replacment")
        while app.screen.answer is None or app.screen.answer.query != "knee replacment":
            await pilot.pause(0.05)
        await pilot.press("tab", "tab", "up")
        app.screen.query_one("#query").cursor_blink = False
        await pilot.pause(0.2)
        OUT.write_text(app.export_screenshot(title="cpt pick knee replacment"), encoding="utf-8")


if __name__ == "__main__":
    os.environ.pop("NO_COLOR", None)  # the picture is in colour
    asyncio.run(main())
