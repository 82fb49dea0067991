"""Checking record files for `cpt validate`: the record schema (see library/schema.py),
and optionally the curated rules."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from cptcli import store
from cptcli.errors import RecordError
from cptcli.paths import folder_problem, record_files
from cptcli.quality import MAX_SIMILARITY, nearest_neighbours, record_problems
from cptcli.store import Problem, line_of, load_record, read_text


def check_file(path: Path) -> list[Problem]:
    """Every problem of one record file: reading, encoding, TOML syntax, then the record
    schema."""
    from cptcli.library.schema import record_problems

    return store.check_file(path, record_problems)


def present(folder: Path) -> bool:
    """Whether anything is at ``folder`` (a data folder not created yet is not checked;
    one that cannot even be looked at is, and is reported)."""
    try:
        os.lstat(folder)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def expand(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """Files as given; folders become their ``*.toml`` files. A missing path, or a
    folder that cannot be listed, is a problem."""
    files: list[Path] = []
    problems: list[Problem] = []

    def unreadable(folder: Path, error: OSError) -> None:
        problems.append(Problem(str(folder), None, folder_problem(error)))

    for path in paths:
        try:
            is_folder = stat.S_ISDIR(os.stat(path).st_mode)
        except FileNotFoundError:
            problems.append(Problem(str(path), None, "no such file or folder"))
            continue
        except NotADirectoryError:
            is_folder = False  # reported by the reading door
        except OSError as exc:
            unreadable(path, exc)
            continue
        if is_folder:
            files.extend(sorted(path / e.name for e in record_files(path, unreadable)))
        else:
            files.append(path)
    return files, problems


def validate_paths(paths: Sequence[Path], strict: bool = False) -> tuple[int, list[Problem]]:
    """(number of files checked, every problem found)."""
    files, problems = expand(paths)
    valid = []
    for path in files:
        found = check_file(path)
        problems.extend(found)
        if not found:
            valid.append(path)
    if strict:
        records, texts = {}, {}
        for file in valid:
            try:  # read again: the file may have changed since it was checked
                records[str(file)], texts[str(file)] = load_record(file), read_text(file)
            except RecordError as exc:
                problems.append(Problem.of(exc))
        for path, record in records.items():
            text = texts[path]
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
