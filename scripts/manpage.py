"""Write the manual page share/man/man1/cpt.1 from the commands (run after changing help).

python scripts/manpage.py           write it
python scripts/manpage.py --check   exit 1 if the shipped page is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "share" / "man" / "man1" / "cpt.1"


def generate() -> str:
    import typer.main

    from cptcli import __version__
    from cptcli.cli import build_app
    from cptcli.output.manpage import manpage

    return manpage(typer.main.get_command(build_app()), __version__)


def main() -> int:
    text = generate()
    if "--check" in sys.argv[1:]:
        current = PAGE.read_text(encoding="utf-8") if PAGE.is_file() else ""
        if current != text:
            print(f"{PAGE} is out of date: run python scripts/manpage.py", file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
