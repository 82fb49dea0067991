"""Render the README's picture of the HTML handout (docs/handout.png) with headless
Chromium from the output of the real command.

python scripts/handout.py [SHOW ARGUMENTS...]   # needs `chromium` on PATH; default:
    66984 -s summary -s preparation -s risks -s recovery
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
DEFAULT = ["66984", "-s", "summary", "-s", "preparation", "-s", "risks", "-s", "recovery"]


def main() -> int:
    args = sys.argv[1:] or DEFAULT
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 1
    page = subprocess.run(
        [sys.executable, "-m", "cptcli", "show", *args, "--format", "html"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "handout.html")
        path.write_text(page, encoding="utf-8")
        DOCS.mkdir(exist_ok=True)
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                f"--user-data-dir={tmp}/profile",
                f"--screenshot={DOCS / 'handout.png'}",
                "--window-size=900,1200",
                "--hide-scrollbars",
                path.as_uri(),
            ],
            capture_output=True,
            check=True,
        )
    print(f"wrote {DOCS / 'handout.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
