"""Check procedure records against the schema and the curated-library rules.

Usage: python scripts/check_records.py [FILE.toml ...]
With no files, checks every record in data/procedures. Also reports records whose
text is too close to another record's (near-copies).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cptcli.quality import MAX_SIMILARITY, nearest_neighbours, record_problems
from cptcli.store import check_file, load_record

ROOT = Path(__file__).resolve().parent.parent / "data" / "procedures"


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or sorted(ROOT.glob("*.toml"))
    bad = 0
    for path in targets:
        problems = check_file(path)
        for problem in problems:
            print(problem)
        if problems:
            bad += 1
            continue
        for message in record_problems(load_record(path)):
            print(f"{path}: {message}")
            bad += 1
    everything = []
    for path in sorted(ROOT.glob("*.toml")):
        if not check_file(path):
            everything.append(load_record(path))
    wanted = {p.stem for p in targets}
    for code, (other, score) in sorted(nearest_neighbours(everything).items()):
        if code in wanted and score > MAX_SIMILARITY:
            print(f"{code}: text is {score:.0%} the same as {other}; rewrite it in its own terms")
            bad += 1
    print(f"{len(targets)} file(s) checked, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
