"""Procedure pages (the text form of a saved web page) -> records.

A page is a run of headings ("Summary", "Risks and Complications", ...) each followed by
paragraphs, bullets or numbered steps. :func:`parse_page` turns one into record data,
keeping every word of content and dropping the site's navigation text. Writing the
record is :func:`write_record`: atomic, and never over an existing file unless asked.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cptcli.atomic import write_atomically
from cptcli.errors import CptError, ImportPageError, RecordError, UsageError
from cptcli.library import reading
from cptcli.library.reading import PAGE_LIMIT
from cptcli.models import clean
from cptcli.store import is_code, parse_toml, system_for

# Page headings -> section keys. Compared in lower case, without a trailing colon.
HEADINGS: dict[str, str] = {
    "summary": "summary",
    "purpose": "purpose",
    "indications": "indications",
    "preparation": "preparation",
    "procedure description": "procedure",
    "procedure": "procedure",
    "tools, equipment, or technology used": "tools",
    "tools, equipment, or technology": "tools",
    "anesthesia or sedation details": "anesthesia",
    "anesthesia or sedation": "anesthesia",
    "duration": "duration",
    "setting": "setting",
    "personnel": "personnel",
    "risks and complications": "risks",
    "benefits": "benefits",
    "recovery": "recovery",
    "alternatives": "alternatives",
    "pros and cons of alternatives": "alternatives.compared",
    "patient experience": "patient_experience",
    "similar codes": "similar_codes",
}
NAME_HEADING = "name of the procedure"
# Site navigation and boilerplate that is not content.
CHROME = (
    re.compile(r"search all medical codes", re.IGNORECASE),
    re.compile(r"^medical policies and guidelines for\b.*$", re.IGNORECASE),
    re.compile(r"^related policies from health plans\.?$", re.IGNORECASE),
)
_CODE_TEXT = r"(\d{5}|\d{4}[FTU]|[A-V]\d{4})"
CODE_IN_TEXT = re.compile(
    rf"\b(?:CPT\s*4?|CPT®|HCPCS)\s*(?:code)?\s*[:#]?\s*{_CODE_TEXT}\b", re.IGNORECASE
)
CODE_MARKER = re.compile(r"^(?:CPT\s*4?|CPT®|HCPCS)\s*code\s*:?\s*(\S+)?$", re.IGNORECASE)
CODE_IN_NAME = re.compile(rf"(?<![A-Za-z0-9]){_CODE_TEXT}(?![A-Za-z0-9])")
BULLET = re.compile("^[\u2022\\-*\u25e6\u25aa\u2023\u2013\u00b7]\\s*")
STEP = re.compile(r"^\d{1,2}[.)]\s+")
LABEL = re.compile(
    r"^(common|rare|serious|minor|major|other)\s+risks?\s*:\s*(.*)$"
    r"|^(before|during|after)\s+the\s+(?:procedure|test|visit|service)\s*:\s*(.*)$",
    re.IGNORECASE,
)
CATEGORY_RANGES = (
    ("00100", "01999", "Anesthesia"),
    ("10004", "69990", "Surgery"),
    ("70010", "79999", "Radiology"),
    ("80047", "89398", "Pathology and Laboratory"),
    ("99202", "99499", "Evaluation and Management"),
    ("90281", "99607", "Medicine"),
)


@dataclass(frozen=True)
class PageSource:
    text: str
    name: str  # file name, or "-" for standard input


def decode_page(raw: bytes, name: str, encoding: str = "utf-8") -> PageSource:
    """Page text from bytes; a byte-order mark is dropped. Bytes that do not decode, or
    decode to something that is not text (a lone surrogate), are a clear error."""
    hint = (
        "If it was saved in another encoding, pass it with --encoding "
        "(for example --encoding cp1252)."
    )
    try:
        text = raw.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportPageError(f"{name}:{line}: the page is not {encoding} text. {hint}") from exc
    except LookupError as exc:  # unknown, or not a text encoding (rot13, hex)
        raise UsageError(f"unknown text encoding {encoding!r}") from exc
    except (ValueError, TypeError) as exc:  # other codec failures (punycode, for one)
        raise ImportPageError(f"{name}: the page is not {encoding} text. {hint}") from exc
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # e.g. "\\ud800" read with --encoding unicode_escape
        line = text.count("\n", 0, exc.start) + 1
        raise ImportPageError(
            f"{name}:{line}: the page read as {encoding} holds a character that is not "
            "text (a lone surrogate)"
        ) from exc
    return PageSource(text, name)


def _lines(text: str) -> list[str]:
    text = text.replace("\u00a0", " ").replace("\t", " ")
    return [" ".join(clean(line).split()) for line in text.splitlines()]


def _strip_chrome(line: str) -> str:
    for pattern in CHROME:
        line = pattern.sub("", line)
    return line.strip()


def _heading(line: str) -> str | None:
    key = line.rstrip(":").strip().lower()
    if key in HEADINGS:
        return HEADINGS[key]
    return "name" if key == NAME_HEADING else None


def find_code(source: PageSource, given: str | None) -> str:
    """The code from --code, else the page text, else the file name."""
    if given:
        code = given.strip().upper()
        if not is_code(code):
            raise UsageError(f"--code {given!r} is not a procedure code")
        return code
    found = CODE_IN_TEXT.search(source.text)
    if found:
        return found.group(1).upper()
    found = CODE_IN_NAME.search(Path(source.name).name)
    if found and source.name != "-":
        return found.group(1).upper()
    raise UsageError(
        f"{source.name}: no procedure code found in the page or the file name. "
        "Give one with --code."
    )


def category_for(code: str) -> str:
    if system_for(code) == "HCPCS":
        return "HCPCS Level II"
    if code[-1] in "FTU":
        return {"F": "Category II", "T": "Category III", "U": "Proprietary Laboratory Analyses"}[
            code[-1]
        ]
    for low, high, name in CATEGORY_RANGES:
        if low <= code <= high:
            return name
    return ""


def parse_page(source: PageSource, code: str | None = None) -> dict[str, Any]:
    """Record data from a page. Raises ImportPageError for an empty or sectionless page
    and UsageError when no code can be found."""
    the_code = find_code(source, code)
    lines = [_strip_chrome(line) for line in _lines(source.text)]
    if not any(lines):
        raise ImportPageError(f"{source.name}: the page is empty")
    descriptor = ""
    name = ""
    current: str | None = None
    chunks: dict[str, list[str]] = {}
    order: list[str] = []
    for line in lines:
        if not line:
            if current and chunks.get(current) and chunks[current][-1] != "":
                chunks[current].append("")
            continue
        if CODE_MARKER.match(line):
            continue
        heading = _heading(line)
        if heading == "name":
            current = "name"
            continue
        if heading:
            current = heading
            if heading not in chunks:
                chunks[heading] = []
                order.append(heading)
            continue
        if current == "name":
            name = name or line
            current = None
        elif current is None:
            descriptor = descriptor or line
        else:
            chunks[current].append(line)
    sections = {key: _section_value(key, chunks[key]) for key in order}
    sections = {k: v for k, v in sections.items() if v}
    if not sections:
        raise ImportPageError(
            f"{source.name}: no recognisable section headings (such as Summary, "
            "Indications or Risks and Complications) were found"
        )
    data: dict[str, Any] = {"code": the_code, "name": name or descriptor}
    if not data["name"]:
        raise ImportPageError(f"{source.name}: no procedure name found ('Name of the Procedure:')")
    category = category_for(the_code)
    if category:
        data["category"] = category
    if descriptor and descriptor.lower() != data["name"].lower():
        data["aliases"] = [descriptor]
    compared = sections.pop("alternatives.compared", None)
    if compared:
        options = sections.get("alternatives")
        table: dict[str, Any] = {}
        if options:
            table["options"] = options
        table["compared"] = compared
        sections["alternatives"] = table
    if "similar_codes" in sections:
        # A page may list its own code among the similar ones; a record may not.
        others = [c for c in sections["similar_codes"] if c != the_code]
        if others:
            sections["similar_codes"] = others
        else:
            del sections["similar_codes"]
    data.update(sections)
    return data


def _section_value(key: str, lines: list[str]) -> Any:
    """Paragraphs, bullets, steps or labelled parts, every word kept."""
    if key == "similar_codes":
        codes = [c.upper() for line in lines for c in CODE_IN_NAME.findall(line)]
        return list(dict.fromkeys(codes))
    items: list[str] = []
    paragraph: list[str] = []
    listed = False

    def flush() -> None:
        if paragraph:
            items.append(" ".join(paragraph))
            paragraph.clear()

    for line in lines:
        if not line:
            flush()
            continue
        marker = BULLET.match(line) or STEP.match(line)
        if marker is None and LABEL.match(line):
            flush()  # "After the Procedure: ..." starts a new part even without a bullet
            items.append(line)
            listed = True
        elif marker:
            flush()
            listed = True
            items.append(line[marker.end() :].strip())
        elif listed and paragraph == [] and items and line[:1].islower():
            items[-1] += " " + line  # a wrapped bullet continues
        else:
            paragraph.append(line)
    flush()
    items = [i for i in items if i]
    if not items:
        return None
    labelled = [LABEL.match(i) for i in items]
    if key in ("risks", "patient_experience") and any(labelled):
        parts: dict[str, Any] = {}
        for item, found in zip(items, labelled):
            if found:
                label = (found.group(1) or found.group(3)).lower()
                text = (found.group(2) or found.group(4) or "").strip()
            else:
                label, text = "other", item
            if label in parts:
                previous = parts[label]
                parts[label] = [*([previous] if isinstance(previous, str) else previous), text]
            else:
                parts[label] = text
        return parts
    if len(items) == 1 and not listed:
        return items[0]
    return items


def to_toml(data: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(data, indent=4)


def escaped(name: str) -> str:
    """A file name on one line of printable text: anything else (line breaks, control
    and bidi characters, undecodable bytes) written as a Python escape (\\n, \\x1b)."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in name
    )


def record_text(data: dict[str, Any], name: str) -> str:
    """The record file for page ``name`` ("-" is standard input)."""
    source = "standard input" if name == "-" else escaped(Path(name).name)
    return f"# Imported from {source}\n" + to_toml(data)


def check_written(encoded: bytes, target: Path) -> None:
    """The bytes about to be written must read back as a valid record, like any file in
    the library; otherwise nothing is written."""
    from cptcli.library.schema import record_problems
    from cptcli.store import parse_record

    try:
        parse_record(encoded, target)
    except CptError as exc:
        message = exc.message if isinstance(exc, RecordError) else str(exc)
        raise ImportPageError(
            f"{target}: the record made from the page does not read back ({message}); "
            "nothing was written"
        ) from exc
    # The record must also pass the record schema like any other file in the library.
    text = encoded.decode("utf-8")
    problems = record_problems(parse_toml(text, str(target)), target, text)
    if problems:
        raise ImportPageError(f"{target}: {problems[0].message}")


def check_folder(folder: Path) -> None:
    """The folder records are written to is a folder (or can be made one)."""
    for place in (folder, *folder.parents):
        try:
            if not stat.S_ISDIR(os.stat(place).st_mode):
                raise ImportPageError(f"{place} is not a folder; records cannot be written there")
            return
        except FileNotFoundError:
            continue  # created when the record is written
        except NotADirectoryError:
            continue  # a parent is a file: found as the loop goes up
        except OSError as exc:
            raise ImportPageError(f"{place}: cannot use this folder ({exc.strerror})") from exc


def write_record(target: Path, text: str, force: bool = False) -> None:
    """Write atomically once the bytes are known to read back; refuse to replace an
    existing file unless ``force``."""
    encoded = text.encode("utf-8")
    check_written(encoded, target)
    check_folder(target.parent)
    try:
        write_atomically(target, encoded, replace=force)
    except FileExistsError:
        raise ImportPageError(f"{target} already exists; use --force to replace it") from None
    except OSError as exc:
        from cptcli.errors import describe_os_error

        raise ImportPageError(f"cannot write {target}: {describe_os_error(exc)}") from exc


@dataclass
class Outcome:
    name: str
    toml: str | None = None
    written: Path | None = None
    error: CptError | None = None


def import_pages(
    files: list[str],
    folder: Path,
    code: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    encoding: str = "utf-8",
    read_stdin: Callable[[], bytes] | None = None,
) -> list[Outcome]:
    """Import each page; one page's failure does not stop the others."""
    outcomes = []
    for name in files:
        outcome = Outcome(name)
        try:
            if name == "-":
                raw = read_stdin() if read_stdin else b""
                if len(raw) > PAGE_LIMIT:
                    raise reading.too_large("standard input", "page", PAGE_LIMIT, noun="input")
            else:
                raw = reading.read_bytes(Path(name), limit=PAGE_LIMIT, what="page")
            data = parse_page(decode_page(raw, name, encoding), code)
            target = folder / f"{data['code']}.toml"
            text = record_text(data, name)
            check_written(text.encode("utf-8"), target)
            outcome.toml = text
            if not dry_run:
                write_record(target, text, force=force)
                outcome.written = target
        except CptError as exc:
            outcome.error = exc
        outcomes.append(outcome)
    return outcomes
