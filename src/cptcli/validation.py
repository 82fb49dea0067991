"""Checking record files for `cpt validate`: the record schema (see library/schema.py),
and optionally the curated rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cptcli.errors import RecordError
from cptcli.quality import MAX_SIMILARITY, nearest_neighbours, record_problems
from cptcli.store import Problem, line_of, load_record, parse_toml, read_text, record_files


def check_file(path: Path) -> list[Problem]:
    """Every problem of one record file: encoding, TOML syntax, then the record schema."""
    from cptcli.library.schema import record_problems

    try:
        text = read_text(path)
        data = parse_toml(text, str(path))
    except RecordError as exc:
        return [Problem(exc.path, exc.line, exc.message)]
    return record_problems(data, path, text)


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders become their ``*.toml`` files. Missing paths are kept so
    that they are reported."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path / e.name for e in record_files(path)))
        else:
            files.append(path)
    return files


def validate_paths(paths: Sequence[Path], strict: bool = False) -> tuple[int, list[Problem]]:
    """(number of files checked, every problem found)."""
    files = expand(paths)
    problems: list[Problem] = []
    valid = []
    for path in files:
        if not path.exists():
            problems.append(Problem(str(path), None, "no such file or folder"))
            continue
        found = check_file(path)
        problems.extend(found)
        if not found:
            valid.append(path)
    if strict:
        records = {}
        for file in valid:
            try:
                records[str(file)] = load_record(file)
            except RecordError as exc:  # the loader's checks and the schema should agree
                problems.append(Problem(exc.path, exc.line, exc.message))
        for path, record in records.items():
            text = read_text(Path(path))
            for message in record_problems(record):
                key = message.split("'")[1] if message.count("'") >= 2 else "name"
                problems.append(Problem(path, line_of(text, key), message))
        by_code = {r.code: p for p, r in records.items()}
        for code, (other, score) in nearest_neighbours(records.values()).items():
            if score > MAX_SIMILARITY:
                problems.append(
                    Problem(
                        by_code[code],
                        None,
                        f"text is {score:.0%} the same as {other}'s; write it in its own terms",
                    )
                )
    return len(files), problems
