"""Render the README screenshots (SVG) from the bundled library with rich's exporter.

python scripts/screenshot.py        # writes docs/cpt-show-93590.svg, docs/cpt-search.svg,
                                    # docs/cpt-show-99214-25.svg
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from rich.console import Console

from cptcli import render
from cptcli.index import index_records
from cptcli.paths import DataFolder, bundled_data_dir, vocabulary_file
from cptcli.search import load_vocabulary, search
from cptcli.store import Library, load_record, record_files

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> int:
    folder = bundled_data_dir() / "procedures"
    library = Library([DataFolder(folder, "bundled")])
    record = library.get("93590")
    names = {c: library.get(c).name for c in record.similar_codes if library.find(c)}
    wanted = ["summary", "indications", "risks", "similar_codes"]
    console = Console(
        record=True, width=100, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    for item in render.rich_procedure(record, render.layout(record, wanted, names)):
        console.print(item)
    DOCS.mkdir(exist_ok=True)
    title = "cpt show 93590 -s summary -s indications -s risks -s similar"
    console.save_svg(str(DOCS / "cpt-show-93590.svg"), title=title)

    records = [load_record(folder / e.name) for e in record_files(folder)]
    index = index_records(records, load_vocabulary(vocabulary_file()))
    console = Console(
        record=True, width=100, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    console.print(render.rich_matches(search(index, "paravalvlar leek"), "paravalvlar leek"))
    console.save_svg(str(DOCS / "cpt-search.svg"), title="cpt search paravalvlar leek")

    # A code as written on a claim: the record, then the modifier explained.
    from cptcli.billed import parse_codes
    from cptcli.modifiers import load_modifiers
    from cptcli.paths import modifiers_file

    reference = load_modifiers(modifiers_file())
    [ref] = parse_codes("99214-25", reference.by_code) or []
    visit = library.get(ref.code)
    blocks = render.layout(visit, ["summary"]) + render.billed_blocks(visit, ref, reference)
    console = Console(
        record=True, width=100, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    for item in render.rich_procedure(visit, blocks, width=100):
        console.print(item)
    console.save_svg(str(DOCS / "cpt-show-99214-25.svg"), title="cpt show 99214-25 -s summary")
    return 0


if __name__ == "__main__":
    sys.exit(main())
