"""The search index: built from the record files, kept in the user cache folder.

Parsing thousands of TOML files on every search would be slow, so the searchable parts
of every record (name, aliases, indications, summary, purpose), their terms and an
inverted list from term to string are compiled once into one binary file. The file is
rebuilt whenever any record file, the vocabulary or the program changes: its header
carries a fingerprint of every data file's name, size and modification time. It holds
plain arrays and text only (nothing that runs code when read), is written to a
temporary file and renamed into place, and carries a CRC so that a damaged or truncated
file is detected and rebuilt. Deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cptcli import __version__
from cptcli.atomic import write_atomically
from cptcli.errors import RecordError
from cptcli.models import Procedure, clean, flatten
from cptcli.paths import DataFolder, cache_dir, vocabulary_file
from cptcli.search import FIELD_INDEX, Vocabulary, analyze, index_terms, load_vocabulary
from cptcli.store import Problem, load_record, record_files

FORMAT = 1
MAGIC = b"CPTCLI-INDEX\n"
KEEP_CACHE_FILES = 8

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Index:
    codes: list[str]
    names: list[str]
    categories: list[str]
    systems: list[str]
    sources: list[str]
    vocabulary: list[str]
    str_record: Sequence[int]
    str_field: Sequence[int]
    str_terms: Sequence[int]
    post_offsets: Sequence[int]
    post_list: Sequence[int]
    text_offsets: Sequence[int]
    text_blob: bytes
    problems: list[Problem] = field(default_factory=list)
    built: bool = False  # True when this run (re)built the index

    def postings(self, term: int) -> Sequence[int]:
        return self.post_list[self.post_offsets[term] : self.post_offsets[term + 1]]

    def text(self, string: int) -> str:
        start, end = self.text_offsets[string], self.text_offsets[string + 1]
        return bytes(self.text_blob[start:end]).decode("utf-8")

    def __len__(self) -> int:
        return len(self.codes)


# --- finding the files ---------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The record files of the data folders, in load order, and their fingerprint."""

    files: list[Path]
    fingerprint: str
    key: str  # which folders: names the cache file


def snapshot(folders: Sequence[DataFolder]) -> Snapshot:
    digest = hashlib.blake2b(digest_size=16)
    key = hashlib.blake2b(digest_size=8)
    vocab = vocabulary_file()
    try:
        st = vocab.stat()
        digest.update(f"{FORMAT}|{__version__}|{vocab}|{st.st_size}|{st.st_mtime_ns}".encode())
    except OSError:
        digest.update(f"{FORMAT}|{__version__}|no vocabulary".encode())
    files: list[Path] = []
    for folder in folders:
        key.update(f"{folder.path.resolve()}\0".encode())
        digest.update(f"\1{folder.path.resolve()}\0".encode())
        entries = []
        for entry in record_files(folder.path):
            try:
                st = entry.stat()
            except OSError:
                continue
            entries.append((entry.name, st.st_size, st.st_mtime_ns))
        entries.sort()
        digest.update("\n".join(f"{n}\0{s}\0{m}" for n, s, m in entries).encode())
        files.extend(folder.path / name for name, _, _ in entries)
    return Snapshot(files, digest.hexdigest(), key.hexdigest())


# --- building ------------------------------------------------------------------------


def searchable_strings(record: Procedure) -> list[tuple[int, str]]:
    """(field, text) of every string search looks at, white space collapsed."""
    out = [(FIELD_INDEX["name"], record.name)]
    out += [(FIELD_INDEX["alias"], a) for a in record.aliases]
    for key, field_name in (
        ("indications", "indication"),
        ("summary", "summary"),
        ("purpose", "purpose"),
    ):
        out += [(FIELD_INDEX[field_name], t) for t in flatten(record.sections.get(key))]
    return [(f, " ".join(clean(t).split())) for f, t in out if t.strip()]


def collect_records(
    files: Sequence[Path], progress: Progress | None = None
) -> tuple[list[Procedure], list[Problem]]:
    """Load every file; a later record with the same code replaces an earlier one.
    A broken file is reported and skipped, so the record below it stays in force."""
    by_code: dict[str, Procedure] = {}
    problems: list[Problem] = []
    total = len(files)
    for done, path in enumerate(files, 1):
        try:
            record = load_record(path)
        except RecordError as exc:
            problems.append(Problem(exc.path, exc.line, exc.message))
        else:
            by_code[record.code] = record
        if progress and (done % 200 == 0 or done == total):
            progress(done, total)
    return [by_code[c] for c in sorted(by_code)], problems


def build_index(
    records: Sequence[Procedure], vocab: Vocabulary, problems: list[Problem] | None = None
) -> Index:
    postings: dict[str, list[int]] = {}
    str_record, str_field, str_terms = array("I"), array("B"), array("H")
    text_parts: list[bytes] = []
    text_offsets = array("Q", [0])
    string = 0
    for number, record in enumerate(records):
        for field_no, text in searchable_strings(record):
            tokens = analyze(text)
            for term in index_terms(tokens, vocab):
                postings.setdefault(term, []).append(string)
            str_record.append(number)
            str_field.append(field_no)
            str_terms.append(min(len(tokens), 65535))
            encoded = text.encode("utf-8")
            text_parts.append(encoded)
            text_offsets.append(text_offsets[-1] + len(encoded))
            string += 1
    vocabulary = sorted(postings)
    post_offsets, post_list = array("I", [0]), array("I")
    for term in vocabulary:
        post_list.extend(postings[term])
        post_offsets.append(len(post_list))
    return Index(
        codes=[r.code for r in records],
        names=[r.name.replace("\0", "") for r in records],
        categories=[r.category.replace("\0", "") for r in records],
        systems=[r.system for r in records],
        sources=[r.source.replace("\0", "") for r in records],
        vocabulary=vocabulary,
        str_record=str_record,
        str_field=str_field,
        str_terms=str_terms,
        post_offsets=post_offsets,
        post_list=post_list,
        text_offsets=text_offsets,
        text_blob=b"".join(text_parts),
        problems=list(problems or []),
    )


# --- the cache file ------------------------------------------------------------------

_LISTS = ("codes", "names", "categories", "systems", "sources", "vocabulary")
_ARRAYS = {
    "str_record": "I",
    "str_field": "B",
    "str_terms": "H",
    "post_offsets": "I",
    "post_list": "I",
    "text_offsets": "Q",
}


def encode_index(index: Index, fingerprint: str) -> bytes:
    parts: list[tuple[str, bytes]] = []
    for name in _LISTS:
        parts.append((name, "\0".join(getattr(index, name)).encode("utf-8")))
    for name, code in _ARRAYS.items():
        parts.append((name, array(code, getattr(index, name)).tobytes()))
    parts.append(("text_blob", index.text_blob))
    payload = b"".join(data for _, data in parts)
    header = {
        "format": FORMAT,
        "fingerprint": fingerprint,
        "byteorder": sys.byteorder,
        "itemsizes": {code: array(code).itemsize for code in set(_ARRAYS.values())},
        "crc32": zlib.crc32(payload),
        "parts": [[name, len(data)] for name, data in parts],
        "problems": [p.to_dict() for p in index.problems],
    }
    return MAGIC + json.dumps(header).encode("utf-8") + b"\n" + payload


def decode_index(data: bytes, fingerprint: str | None) -> Index | None:
    """The index in ``data``, or None when it is stale, damaged or of another format."""
    try:
        if not data.startswith(MAGIC):
            return None
        end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC) : end])
        if header.get("format") != FORMAT or header.get("byteorder") != sys.byteorder:
            return None
        if fingerprint is not None and header.get("fingerprint") != fingerprint:
            return None
        if header.get("itemsizes") != {
            code: array(code).itemsize for code in set(_ARRAYS.values())
        }:
            return None
        payload = memoryview(data)[end + 1 :]
        sizes = header["parts"]
        if sum(size for _, size in sizes) != len(payload):
            return None
        if zlib.crc32(payload) != header["crc32"]:
            return None
        fields: dict[str, Any] = {}
        offset = 0
        for name, size in sizes:
            chunk = payload[offset : offset + size]
            offset += size
            if name in _LISTS:
                text = bytes(chunk).decode("utf-8")
                fields[name] = text.split("\0") if text else []
            elif name in _ARRAYS:
                values = array(_ARRAYS[name])
                values.frombytes(chunk)
                fields[name] = values
            elif name == "text_blob":
                fields[name] = chunk
        index = Index(
            **fields,
            problems=[Problem(p["file"], p["line"], p["message"]) for p in header["problems"]],
        )
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        return None
    return index if _consistent(index) else None


def _consistent(index: Index) -> bool:
    n_records, n_strings = len(index.codes), len(index.str_record)
    return (
        all(len(getattr(index, n)) == n_records for n in _LISTS[1:5])
        and len(index.str_field) == n_strings
        and len(index.str_terms) == n_strings
        and len(index.text_offsets) == n_strings + 1
        and index.text_offsets[-1] == len(index.text_blob)
        and len(index.post_offsets) == len(index.vocabulary) + 1
        and index.post_offsets[-1] == len(index.post_list)
        and (n_strings == 0 or max(index.str_record) < n_records)
    )


def cache_path(snap: Snapshot) -> Path:
    return cache_dir()[0] / f"index-{snap.key}.bin"


def load_or_build(
    folders: Sequence[DataFolder],
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Index:
    """The index for these folders: from the cache when it is current, else rebuilt
    (and saved). Never fails because of the cache; problems are reported on the index."""
    snap = snapshot(folders)
    path = cache_path(snap)
    if use_cache:
        try:
            cached = decode_index(path.read_bytes(), snap.fingerprint)
        except OSError:
            cached = None
        if cached is not None:
            return cached
    records, problems = collect_records(snap.files, progress)
    try:
        vocab = load_vocabulary(vocabulary_file())
    except RecordError as exc:
        problems.append(Problem(exc.path, exc.line, exc.message))
        vocab = Vocabulary()
    index = build_index(records, vocab, problems)
    index.built = True
    if use_cache:
        try:
            write_atomically(path, encode_index(index, snap.fingerprint))
            _prune(path.parent, keep=path)
        except OSError as exc:
            index.problems.append(
                Problem(str(path), None, f"could not save the search cache: {exc.strerror}")
            )
    return index


def _prune(folder: Path, keep: Path) -> None:
    """Keep only the most recently used cache files (one per set of data folders)."""
    files = sorted(folder.glob("index-*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_CACHE_FILES:]:
        if old != keep:
            old.unlink(missing_ok=True)
