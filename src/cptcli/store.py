"""Loading and validating procedure records.

A record is one TOML file named after its code (``85230.toml``). This module reads
and checks records, finds a code across the data folders, and lists the codes there.
It never prints: problems come back as :class:`Problem` values or typed errors.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from cptcli.compiled import compiled_record
from cptcli.errors import NotFoundError, RecordError, UsageError
from cptcli.library import reading
from cptcli.library.reading import RECORD_LIMIT
from cptcli.models import Procedure, SectionValue
from cptcli.paths import DataFolder, bundled_compiled_dir, folder_problem, record_files
from cptcli.sections import SECTION_KEYS

LABEL_PATTERN = r"[a-z][a-z0-9_]*"
TOP_KEYS = ("code", "system", "name", "category", "aliases")
# Coder facts: search-only spellings, the primary codes of an add-on, the time rule that
# selects the code, and the date the record was last checked by a second reader.
FACT_KEYS = ("search_terms", "add_on_to", "time", "usage", "reviewed")
# `usage`: how often the code is billed, 1 (among the most billed) to 3 (seldom); it
# breaks ties between equally good search matches.
TIME_KEYS = ("min", "max", "unit", "note")
SYSTEMS = ("CPT", "HCPCS")


class Problem(NamedTuple):
    path: str
    line: int | None
    message: str
    # The file could not be read this time (permission denied, moved away): worth a
    # retry next run rather than being remembered as broken.
    retry: bool = False

    @classmethod
    def of(cls, error: RecordError) -> Problem:
        return cls(error.path, error.line, error.message, getattr(error, "transient", False))

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else (f"{self.path}: {self.message}")
        )

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path, "line": self.line, "message": self.message}


def is_code(text: str) -> bool:
    """Whether ``text`` is a code as written in records: five digits (85230), four
    digits and F, T or U (0001F, 0042T, 0001U), or a letter A-V and four digits (J7189).
    Plain string tests: a regular expression would be compiled on every start-up."""
    if len(text) != 5 or not text.isascii():
        return False
    if text[:4].isdigit():
        return text[4].isdigit() or text[4] in "FTU"
    return "A" <= text[0] <= "V" and text[1:].isdigit()


def normalize_code(text: str) -> str | None:
    """The canonical form of a code (upper case, trimmed), or None if it is not one."""
    code = text.strip().upper()
    return code if is_code(code) else None


def system_for(code: str) -> str:
    return "HCPCS" if is_code(code) and code[0].isalpha() else "CPT"


# --- reading -------------------------------------------------------------------------
# Every file goes through the reading door (library/reading.py): regular files only, a
# size limit, UTF-8 with the line of a bad byte, and a TOML parser no file can crash.


def read_bytes(path: Path, limit: int = RECORD_LIMIT, what: str = "record") -> bytes:
    return reading.read_bytes(path, limit=limit, what=what)


decode_text = reading.decode_text
parse_toml = reading.parse_toml


def read_text(path: Path, limit: int = RECORD_LIMIT, what: str = "record") -> str:
    return reading.read_text(path, limit=limit, what=what)


def line_of(text: str, key: str) -> int | None:
    """The line on which a top-level key or table is defined (best effort)."""
    pattern = re.compile(
        rf"^[ \t]*(?:{re.escape(key)}[ \t]*=|\[[ \t]*{re.escape(key)}[ \t]*[\].])", re.MULTILINE
    )
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


# --- validation ----------------------------------------------------------------------


def validate_data(data: dict[str, Any], path: Path, text: str = "") -> list[Problem]:
    """Every problem of one parsed record, in file order where lines are known.

    The loader's quick check, free of heavy imports. ``cpt validate`` checks records
    against the published record schema instead (library/schema.py); the tests hold the
    two to the same verdict."""
    where = str(path)
    problems: list[Problem] = []

    def add(key: str | None, message: str) -> None:
        problems.append(Problem(where, line_of(text, key) if key else None, message))

    code = data.get("code")
    if code is None:
        add(None, "missing required key 'code'")
    elif not isinstance(code, str) or not is_code(code):
        add(
            "code",
            f"'code' must be a CPT or HCPCS code such as 85230, 0001F, 0042T, "
            f"0001U or J7189 (got {code!r})",
        )
    elif path.suffix == ".toml" and path.stem.upper() != code:
        add("code", f"file name does not match the code: rename it to {code}.toml")

    system = data.get("system")
    if system is not None:
        if system not in SYSTEMS:
            add("system", f"'system' must be one of {', '.join(SYSTEMS)} (got {system!r})")
        elif isinstance(code, str) and is_code(code) and system != system_for(code):
            add("system", f"code {code} belongs to {system_for(code)}, not {system}")

    name = data.get("name")
    if name is None:
        add(None, "missing required key 'name'")
    elif not isinstance(name, str) or not name.strip():
        add("name", "'name' must be a non-empty string")

    category = data.get("category")
    if category is not None and not isinstance(category, str):
        add("category", "'category' must be a string")

    aliases = data.get("aliases")
    if aliases is not None and not _is_string_list(aliases):
        add("aliases", "'aliases' must be a list of non-empty strings")

    for key in FACT_KEYS:
        if key in data:
            message = _fact_problem(key, data[key], code)
            if message:
                add(key, message)

    for key, value in data.items():
        if key in TOP_KEYS or key in FACT_KEYS:
            continue
        if key not in SECTION_KEYS:
            known = [*TOP_KEYS, *FACT_KEYS, *SECTION_KEYS]
            import difflib

            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            add(key, f"unknown key {key!r}{hint}")
        elif key == "similar_codes":
            problems.extend(_check_similar(value, code, where, line_of(text, key)))
        else:
            message = _shape_problem(key, value)
            if message:
                add(key, message)
    problems.sort(key=lambda p: p.line or 0)
    return problems


def _fact_problem(key: str, value: Any, own: Any) -> str | None:
    if key == "search_terms":
        return (
            None if _is_string_list(value) else "'search_terms' must be a list of non-empty strings"
        )
    if key == "add_on_to":
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            return "'add_on_to' must be a non-empty list of codes"
        bad = [v for v in value if not is_code(v) or v == own]
        if bad:
            return f"'add_on_to' lists {bad[0]!r}: give the primary codes, not the record's own"
        return None
    if key == "time":
        return _time_problem(value)
    if key == "usage":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3
        return None if ok else "'usage' must be 1 (among the most billed), 2 or 3 (seldom)"
    # reviewed: a TOML date (2026-12-05); compiled records carry it as ISO text
    import datetime

    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return None
    return "'reviewed' must be a date such as 2026-12-05 (no quotes, no time)"


def _time_problem(value: Any) -> str | None:
    shape = "'time' must be a table such as { min = 30 }, { min = 16, max = 37 } or { unit = 15 }"
    if not isinstance(value, dict) or not value:
        return shape
    for label, part in value.items():
        if label not in TIME_KEYS:
            return f"unknown key 'time.{label}'; use {', '.join(TIME_KEYS)}"
        if label == "note":
            if not (isinstance(part, str) and part.strip()):
                return "'time.note' must be a non-empty string"
        elif isinstance(part, bool) or not isinstance(part, int) or not 0 < part <= 24 * 60:
            return f"'time.{label}' must be a whole number of minutes from 1 to 1440"
    low, high = value.get("min"), value.get("max")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        return f"'time.min' ({low}) is above 'time.max' ({high})"
    return None


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _shape_problem(key: str, value: Any) -> str | None:
    if isinstance(value, str):
        return None if value.strip() else f"section '{key}' is empty"
    if isinstance(value, list):
        if not value:
            return f"section '{key}' is an empty list"
        return (
            None
            if _is_string_list(value)
            else (f"section '{key}' must be a list of non-empty strings")
        )
    if isinstance(value, dict):
        if not value:
            return f"section '{key}' is an empty table"
        for label, part in value.items():
            if not re.fullmatch(LABEL_PATTERN, label):
                return f"label '{key}.{label}' must be lower case letters, digits and underscores"
            if not (isinstance(part, str) and part.strip()) and not (
                _is_string_list(part) and part
            ):
                return f"'{key}.{label}' must be a string or a list of strings"
        return None
    return (
        f"section '{key}' must be a string, a list of strings, or a table of "
        f"labelled parts (got {type(value).__name__})"
    )


def _check_similar(value: Any, own: Any, where: str, line: int | None) -> list[Problem]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [Problem(where, line, "'similar_codes' must be a list of code strings")]
    problems = []
    for item in value:
        if not is_code(item):
            problems.append(Problem(where, line, f"similar code {item!r} is not a valid code"))
        elif item == own:
            problems.append(Problem(where, line, "similar_codes lists the record's own code"))
    return problems


def record_from_data(data: dict[str, Any], source: str) -> Procedure:
    """A Procedure from already validated data."""
    code = data["code"]
    sections: dict[str, SectionValue] = {key: data[key] for key in SECTION_KEYS if key in data}
    return Procedure(
        code=code,
        name=data["name"].strip(),
        system=data.get("system") or system_for(code),
        category=data.get("category", ""),
        aliases=tuple(data.get("aliases", ())),
        sections=sections,
        source=source,
        search_terms=tuple(data.get("search_terms", ())),
        add_on_to=tuple(data.get("add_on_to", ())),
        time=data.get("time"),
        usage=data.get("usage"),
        reviewed=_iso(data.get("reviewed")),
    )


def _iso(value: Any) -> str | None:
    """A ``reviewed`` value as ISO text (TOML gives a date, a compiled record a string)."""
    if value is None or isinstance(value, str):
        return value
    return str(value.isoformat())


def load_record(path: Path, compiled: Path | None = None) -> Procedure:
    """Read, validate and build one record; the first problem raises RecordError.

    ``compiled`` is a folder of records precompiled from this one (see compiled.py);
    one compiled from the file's current bytes is used instead of parsing the TOML.
    """
    raw = read_bytes(path)
    data = compiled_record(compiled, path.stem, raw)
    if data is None:
        data = parse_record(raw, path)
    return record_from_data(data, str(path))


def parse_record(raw: bytes, path: Path) -> dict[str, Any]:
    """A record file's bytes decoded, parsed and validated; the first problem raises
    RecordError."""
    text = decode_text(raw, str(path))
    data = parse_toml(text, str(path))
    problems = validate_data(data, path, text)
    if problems:
        first = problems[0]
        raise RecordError(first.path, first.line, first.message)
    if "reviewed" in data:
        data["reviewed"] = _iso(data["reviewed"])  # JSON-ready, like a compiled record
    return data


def check_file(
    path: Path, checks: Callable[[dict[str, Any], Path, str], list[Problem]] | None = None
) -> list[Problem]:
    """Every problem of one record file: reading, encoding, TOML syntax, then ``checks``
    (the loader's rules by default; ``cpt validate`` passes the record schema's)."""
    try:
        text = read_text(path)
        data = parse_toml(text, str(path))
    except RecordError as exc:
        return [Problem.of(exc)]
    return (checks or validate_data)(data, path, text)


# --- finding records -----------------------------------------------------------------


def _quick_name(text: str, source: str) -> object:
    """The top-level ``name`` of a record: from its own line when it is a one-line
    string before any table (the usual layout), else from parsing the whole file."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            break
        if stripped.startswith("name") and stripped[4:].lstrip().startswith("="):
            try:
                return parse_toml(line, source).get("name")
            except RecordError:
                break
    return parse_toml(text, source).get("name")


class Library:
    """The records of several data folders, later folders overriding earlier ones."""

    def __init__(self, folders: list[DataFolder]) -> None:
        self.folders = folders
        self.problems: list[Problem] = []
        self._compiled = bundled_compiled_dir()
        self._codes: list[str] | None = None

    def candidates(self, code: str) -> list[tuple[Path, Path | None]]:
        """Files that could hold ``code``, highest precedence first, each with the
        folder of its precompiled copies (the bundled library's; None elsewhere)."""
        found = []
        # A record may be stored as j7189.toml: its name need only match the code's
        # letters in any case (see validate_data).
        names = dict.fromkeys((f"{code}.toml", f"{code.lower()}.toml"))
        for folder in reversed(self.folders):
            for name in names:
                path = folder.path / name
                # Anything by that name is a candidate: a named pipe or a folder is
                # reported as such by the reading door rather than silently passed over.
                try:
                    os.stat(path)
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    if not _is_own_loop(folder.path, exc):
                        self.folder_failed(folder.path, exc)
                        break
                found.append((path, self._compiled if folder.origin == "bundled" else None))
                break
        return found

    def folder_failed(self, folder: Path, error: OSError) -> None:
        """Note once that a data folder cannot be read (its records are left out)."""
        problem = Problem(str(folder), None, folder_problem(error))
        if problem not in self.problems:
            self.problems.append(problem)

    def get(self, code_text: str) -> Procedure:
        """The record for a code; a broken file falls back to the next folder down."""
        code = normalize_code(code_text)
        if code is None:
            raise UsageError(
                f"{code_text!r} is not a procedure code (five digits such as 85230, or "
                f"forms like 0001F, 0042T, 0001U, J7189). To look it up by words, try "
                f"`cpt search {code_text}`."
            )
        failed = []
        for path, compiled in self.candidates(code):
            try:
                return load_record(path, compiled)
            except RecordError as exc:
                self.problems.append(Problem.of(exc))
                failed.append(str(path))
        if failed:
            raise NotFoundError(
                f"The record for {code} could not be loaded ({failed[0]}); see the warning "
                "above, or run `cpt validate` on the file."
            )
        raise NotFoundError(self._not_found_message(code))

    def name_of(self, code: str) -> str | None:
        """The name of the record for ``code``, read without full validation (for
        listing related codes); None when there is no readable record."""
        if normalize_code(code) != code:
            return None
        for path, compiled in self.candidates(code):
            try:
                raw = read_bytes(path)
                data = compiled_record(compiled, path.stem, raw)
                if data is None:
                    name = _quick_name(decode_text(raw, str(path)), str(path))
                else:
                    name = data.get("name")
            except RecordError:
                continue
            if isinstance(name, str) and name.strip():
                return name
        return None

    def find(self, code: str) -> Procedure | None:
        try:
            return self.get(code)
        except (NotFoundError, UsageError):
            return None

    def codes(self) -> list[str]:
        """Every code that has a file in some folder, sorted (listed once per Library)."""
        if self._codes is not None:
            return self._codes
        seen = set()
        for folder in self.folders:
            for entry in record_files(folder.path, self.folder_failed):
                stem = entry.name[:-5].upper()
                if is_code(stem):
                    seen.add(stem)
        self._codes = sorted(seen)
        return self._codes

    def closest_codes(self, code: str, limit: int = 3) -> list[str]:
        return closest_codes(code, self.codes(), limit)

    def _not_found_message(self, code: str) -> str:
        close = self.closest_codes(code)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        return f"No procedure {code} in the library.{hint} Try `cpt search {code}`."

    def record_paths(self) -> Iterable[tuple[DataFolder, os.DirEntry[str]]]:
        for folder in self.folders:
            for entry in record_files(folder.path, self.folder_failed):
                yield folder, entry


def _is_own_loop(folder: Path, error: OSError) -> bool:
    """Whether a failed ``stat`` of a file in ``folder`` is the file's own symbolic link
    loop (reported by the reading door) rather than the folder's failure."""
    import errno

    if error.errno != errno.ELOOP:
        return False
    try:
        os.stat(folder)
    except OSError:
        return False
    return True


def closest_codes(code: str, codes: list[str], limit: int = 3) -> list[str]:
    """Codes nearest to ``code``: longest shared prefix first, then nearest in number."""

    def shared(a: str, b: str) -> int:
        n = 0
        for x, y in zip(a, b):
            if x != y:
                break
            n += 1
        return n

    def distance(other: str) -> int:
        digits_a, digits_b = re.sub(r"\D", "", code), re.sub(r"\D", "", other)
        if digits_a and digits_b:
            return abs(int(digits_a) - int(digits_b))
        return 10**9

    ranked = sorted(codes, key=lambda c: (-shared(code, c), distance(c), c))
    return [c for c in ranked[:limit] if shared(code, c) >= 2]
