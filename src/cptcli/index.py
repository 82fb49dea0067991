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

import contextlib
import json
import os
import stat
import sys
import zlib
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from cptcli.errors import RecordError
from cptcli.freshness import (
    FreshnessCheck,
    cache_path,
    check_for,
    folders_key,
    snapshot,
)
from cptcli.library.reading import CACHE_LIMIT, open_regular
from cptcli.models import Procedure, clean, flatten
from cptcli.paths import (
    DataFolder,
    bundled_compiled_dir,
    bundled_procedures_dir,
    folder_problem,
    vocabulary_file,
)
from cptcli.search import (
    FIELD_INDEX,
    Vocabulary,
    analyze,
    index_terms,
    load_vocabulary,
    plain_terms,
)
from cptcli.store import Problem, load_record

FORMAT = 7
MAGIC = b"CPTCLI-INDEX\n"
KEEP_CACHE_FILES = 8

Progress = Callable[[int, int], None]  # (done, total)


class Strings(Sequence[str]):
    """A list of strings kept as one UTF-8 blob and the offsets between them: an item
    is decoded only when read (a search reads ten names, not twenty thousand)."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, blob: bytes | memoryview, offsets: Sequence[int]) -> None:
        self._blob = blob
        self._offsets = offsets

    @classmethod
    def of(cls, items: Sequence[str]) -> Strings:
        encoded = [item.encode("utf-8") for item in items]
        offsets = array("Q", [0])
        for data in encoded:
            offsets.append(offsets[-1] + len(data))
        return cls(b"".join(encoded), offsets)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return str(self._blob[self._offsets[i] : self._offsets[i + 1]], "utf-8")

    def parts(self) -> tuple[bytes, bytes]:
        """(blob, offsets) as stored in the cache file."""
        return bytes(self._blob), array("Q", self._offsets).tobytes()

    def consistent(self) -> bool:
        return len(self._offsets) > 0 and self._offsets[-1] == len(self._blob)


class Index:
    """Records' identities, their searchable strings, and term posting lists."""

    def __init__(
        self,
        *,
        codes: list[str],
        names: Sequence[str],
        categories: Sequence[str],
        systems: Sequence[str],
        sources: Sequence[str],
        vocabulary: list[str],
        facts: Sequence[str] | None = None,
        plain_vocabulary: list[str] | None = None,
        str_record: Sequence[int],
        str_field: Sequence[int],
        str_terms: Sequence[int],
        post_offsets: Sequence[int],
        post_list: Sequence[int],
        text_offsets: Sequence[int],
        text_blob: bytes | memoryview,
        problems: list[Problem] | None = None,
        files: int = 0,
        fingerprint: str = "",
        vocabulary_data: dict[str, Any] | None = None,
    ) -> None:
        self.codes = codes
        self.names = names
        self.categories = categories
        self.systems = systems
        self.sources = sources
        self.facts = facts if facts is not None else [""] * len(codes)  # encode_facts()
        self.vocabulary = vocabulary  # sorted terms; derived ones start with DERIVED
        self.plain_vocabulary = plain_vocabulary or plain_terms(vocabulary)  # without marks
        self.str_record = str_record  # string -> record number
        self.str_field = str_field  # string -> field number
        self.str_terms = str_terms  # string -> number of tokens
        self.post_offsets = post_offsets  # term -> start of its postings in post_list
        self.post_list = post_list
        self.text_offsets = text_offsets
        self.text_blob = text_blob
        self.problems = list(problems or [])
        self.built = False  # True when this run (re)built the index
        self.files = files  # how many record files it was built from
        self.fingerprint = fingerprint  # of those files, when it was built
        self.vocabulary_data = vocabulary_data or {}  # the vocabulary it was built with
        self._vocab: Vocabulary | None = None

    def highlight_vocabulary(self) -> Vocabulary:
        """The search vocabulary the index was built with (for highlighting)."""
        if self._vocab is None:
            self._vocab = Vocabulary.from_compiled(self.vocabulary_data)
        return self._vocab

    def postings(self, term: int) -> Sequence[int]:
        return self.post_list[self.post_offsets[term] : self.post_offsets[term + 1]]

    def text(self, string: int) -> str:
        start, end = self.text_offsets[string], self.text_offsets[string + 1]
        return bytes(self.text_blob[start:end]).decode("utf-8")

    def __len__(self) -> int:
        return len(self.codes)


# --- building ------------------------------------------------------------------------


def searchable_strings(record: Procedure) -> list[tuple[int, str]]:
    """(field, text) of every string search looks at, white space collapsed."""
    out = [(FIELD_INDEX["name"], record.name)]
    out += [(FIELD_INDEX["alias"], a) for a in record.aliases]
    out += [(FIELD_INDEX["search term"], t) for t in record.search_terms]
    for key, field_name in (
        ("indications", "indication"),
        ("summary", "summary"),
        ("purpose", "purpose"),
    ):
        out += [(FIELD_INDEX[field_name], t) for t in flatten(record.sections.get(key))]
    return [(f, " ".join(clean(t).split())) for f, t in out if t.strip()]


class Entry(NamedTuple):
    """What the index keeps of one record: its identity and analysed strings."""

    code: str
    name: str
    category: str
    system: str
    source: str
    # (field, text, terms the string is found by, number of tokens)
    strings: list[tuple[int, str, tuple[str, ...], int]]
    facts: str = ""  # the time rule and add-on status, see encode_facts()


def entry_for(record: Procedure, vocab: Vocabulary) -> Entry:
    strings = []
    for field_no, text in searchable_strings(record):
        tokens = analyze(text)
        # Interned: one object per distinct term, also once sent from a worker process.
        terms = tuple(map(sys.intern, index_terms(tokens, vocab)))
        strings.append((field_no, text, terms, len(tokens)))
    return Entry(
        code=record.code,
        name=record.name.replace("\0", ""),
        category=record.category.replace("\0", ""),
        system=record.system,
        source=record.source.replace("\0", ""),
        strings=strings,
        facts=encode_facts(record),
    )


def encode_facts(record: Procedure) -> str:
    """The facts search ranks by, as "min|max|unit|add-on|usage" ("30|||0|1"): the
    time rule, whether the code is an add-on, how commonly it is billed. Empty when the
    record has none of them."""
    time = record.time or {}
    values = [time.get("min"), time.get("max"), time.get("unit")]
    if not (any(values) or record.add_on_to or record.usage):
        return ""
    text = "|".join("" if v is None else str(v) for v in values)
    return f"{text}|{int(record.is_add_on)}|{record.usage or ''}"


_WORKER_VOCABULARY: dict[str, Vocabulary] = {}


def extract_files(paths: Sequence[str], vocabulary_path: str) -> tuple[list[Entry], list[Problem]]:
    """Load and analyse record files (run in worker processes for large libraries)."""
    vocab = _WORKER_VOCABULARY.get(vocabulary_path)
    if vocab is None:
        try:
            vocab = load_vocabulary(Path(vocabulary_path))
        except RecordError:
            vocab = Vocabulary()  # reported by the parent process
        _WORKER_VOCABULARY[vocabulary_path] = vocab
    return _extract(paths, vocab)


def _extract(paths: Sequence[str], vocab: Vocabulary) -> tuple[list[Entry], list[Problem]]:
    entries, problems = [], []
    bundled, compiled = bundled_procedures_dir(), bundled_compiled_dir()
    for name in paths:
        path = Path(name)
        try:
            record = load_record(path, compiled if path.parent == bundled else None)
            entries.append(entry_for(record, vocab))
        except RecordError as exc:
            problems.append(Problem.of(exc))
    return entries, problems


PARALLEL_FROM = 1500  # files; below this, starting worker processes costs more than it saves
CHUNK = 400


def collect_entries(
    files: Sequence[Path],
    vocab: Vocabulary,
    vocabulary_path: Path,
    progress: Progress | None = None,
) -> tuple[list[Entry], list[Problem]]:
    """Load every file; a later record with the same code replaces an earlier one.
    A broken file is reported and skipped, so the record below it stays in force.
    Large libraries are read by one worker process per CPU."""
    names = [str(f) for f in files]
    chunks = [names[i : i + CHUNK] for i in range(0, len(names), CHUNK)]
    results: list[tuple[list[Entry], list[Problem]]] = []
    workers = min(os.cpu_count() or 1, 8)
    if len(names) >= PARALLEL_FROM and workers > 1:
        results = _parallel(chunks, str(vocabulary_path), workers, len(names), progress)
    if not results:
        done = 0
        for chunk in chunks:
            results.append(_extract(chunk, vocab))
            done += len(chunk)
            if progress:
                progress(done, len(names))
    by_code: dict[str, Entry] = {}
    problems: list[Problem] = []
    for entries, found in results:
        problems.extend(found)
        for entry in entries:
            by_code[entry.code] = entry
    return [by_code[c] for c in sorted(by_code)], problems


def _parallel(
    chunks: list[list[str]],
    vocabulary_path: str,
    workers: int,
    total: int,
    progress: Progress | None,
) -> list[tuple[list[Entry], list[Problem]]]:
    """Chunks read by worker processes, in order; [] if processes are unavailable.
    If this process is interrupted (Ctrl-C, SIGTERM), the workers are ended before the
    interruption goes on, rather than left to finish work nobody waits for."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results = []
    done = 0
    try:
        import multiprocessing

        # Forked workers are this process's children; others are a fork server's.
        parent = os.getpid() if multiprocessing.get_start_method() == "fork" else 0
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=_start_worker, initargs=(parent,)
        )
    except (OSError, ImportError, ValueError):  # no process support here
        return []
    try:
        for chunk, result in zip(
            chunks, pool.map(extract_files, chunks, [vocabulary_path] * len(chunks))
        ):
            results.append(result)
            done += len(chunk)
            if progress:
                progress(done, total)
    except (OSError, ImportError, BrokenProcessPool):  # no process support here
        _stop_workers(pool)
        return []
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown()
    return results


def _start_worker(parent: int) -> None:
    """Set up a worker process so that it can never outlive the run or hold its output.

    A worker that survived its parent (killed with SIGKILL, say) would wait forever for
    work and keep the caller's standard output open, so that a script reading it hangs:
    on Linux the kernel kills the worker when the parent dies, and a worker whose parent
    is already gone ends at once. Its standard streams go to the null device; it ignores
    the Ctrl-C that a terminal sends to the whole process group (the parent ends it),
    and takes SIGTERM the default way, not with the parent's handler."""
    import signal

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent and os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def _stop_workers(pool: Any) -> None:
    """End the pool's workers now, without waiting for the work they were given."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            process.kill()
    with contextlib.suppress(OSError, RuntimeError):
        pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, AssertionError, ValueError):
            process.join(5)


def build_index(entries: Sequence[Entry], problems: list[Problem] | None = None) -> Index:
    # Postings as arrays of 4-byte numbers, not lists of int objects (1.4 million
    # postings for 20,000 records: 5 MB instead of 50 MB while building).
    postings: dict[str, array] = {}
    str_record, str_field, str_terms = array("I"), array("B"), array("H")
    text_parts: list[bytes] = []
    text_offsets = array("Q", [0])
    string = 0
    for number, entry in enumerate(entries):
        for field_no, text, terms, n_tokens in entry.strings:
            for term in terms:
                found = postings.get(term)
                if found is None:
                    postings[term] = array("I", (string,))
                else:
                    found.append(string)
            str_record.append(number)
            str_field.append(field_no)
            str_terms.append(min(n_tokens, 65535))
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
        codes=[e.code for e in entries],
        names=Strings.of([e.name for e in entries]),
        categories=Strings.of([e.category for e in entries]),
        systems=Strings.of([e.system for e in entries]),
        sources=Strings.of([e.source for e in entries]),
        facts=Strings.of([e.facts for e in entries]),
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


def index_records(records: Sequence[Procedure], vocab: Vocabulary) -> Index:
    """An index of records already in memory (for library use and tests)."""
    by_code = {r.code: r for r in records}
    index = build_index([entry_for(by_code[c], vocab) for c in sorted(by_code)])
    index.vocabulary_data = vocab.compiled()
    return index


# --- the cache file ------------------------------------------------------------------

_LISTS = ("codes", "vocabulary", "plain_vocabulary")  # needed whole: split on loading
_STRINGS = ("names", "categories", "systems", "sources", "facts")  # read item by item
_ARRAYS = {
    "str_record": "I",
    "str_field": "B",
    "str_terms": "H",
    "post_offsets": "I",
    "post_list": "I",
    "text_offsets": "Q",
}


def _itemsizes() -> dict[str, int]:
    return {code: array(code).itemsize for code in {*_ARRAYS.values(), "Q"}}


def encode_index(index: Index, fingerprint: str) -> list[bytes | memoryview]:
    """The cache file's contents as consecutive chunks (written one after another, so
    that the 20 MB of a large index are not copied into one more buffer)."""
    parts: list[tuple[str, bytes | memoryview]] = []
    for name in _LISTS:
        parts.append((name, "\0".join(getattr(index, name)).encode("utf-8")))
    for name in _STRINGS:
        value = getattr(index, name)
        blob, offsets = (value if isinstance(value, Strings) else Strings.of(value)).parts()
        parts += [(name, blob), (f"{name}.offsets", offsets)]
    for name, code in _ARRAYS.items():
        value = getattr(index, name)
        if not (isinstance(value, array) and value.typecode == code):
            value = array(code, value)
        parts.append((name, memoryview(value).cast("B")))
    parts.append(("text_blob", memoryview(index.text_blob).cast("B")))
    crc = 0
    for _, data in parts:
        crc = zlib.crc32(data, crc)
    header = {
        "format": FORMAT,
        "fingerprint": fingerprint,
        "files": index.files,
        "byteorder": sys.byteorder,
        "itemsizes": _itemsizes(),
        "crc32": crc,
        "parts": [[name, len(data)] for name, data in parts],
        "problems": [p.to_dict() for p in index.problems],
        "vocabulary_data": index.vocabulary_data,
    }
    return [MAGIC + json.dumps(header).encode("utf-8") + b"\n", *(data for _, data in parts)]


def read_header(data: bytes) -> tuple[dict[str, Any], int] | None:
    """(header, offset of its closing newline), or None when ``data`` has none."""
    try:
        if data[: len(MAGIC)] != MAGIC:
            return None
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            return None
        header = json.loads(data[len(MAGIC) : end])
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return (header, end) if isinstance(header, dict) else None


def decode_index(
    data: bytes,
    fingerprint: str | None,
    parsed: tuple[dict[str, Any], int] | None = None,
) -> Index | None:
    """The index in ``data``, or None when it is stale, damaged or of another format.
    ``parsed`` is :func:`read_header`'s answer when the caller already has it."""
    parsed = parsed or read_header(data)
    if parsed is None:
        return None
    header, end = parsed
    try:
        if header.get("format") != FORMAT or header.get("byteorder") != sys.byteorder:
            return None
        if fingerprint is not None and header.get("fingerprint") != fingerprint:
            return None
        if header.get("itemsizes") != _itemsizes():
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
                text = str(chunk, "utf-8")
                fields[name] = text.split("\0") if text else []
            elif name in _STRINGS:
                fields[name] = chunk
            elif name.endswith(".offsets") and name[: -len(".offsets")] in _STRINGS:
                blob = fields.pop(name[: -len(".offsets")])
                fields[name[: -len(".offsets")]] = Strings(blob, chunk.cast("Q"))
            elif name in _ARRAYS:
                # Used in place, not copied (memoryview reads unaligned items safely).
                fields[name] = chunk.cast(_ARRAYS[name])
            elif name == "text_blob":
                fields[name] = chunk
        index = Index(
            **fields,
            problems=[Problem(p["file"], p["line"], p["message"]) for p in header["problems"]],
            files=int(header.get("files", 0)),
            vocabulary_data=dict(header.get("vocabulary_data") or {}),
            fingerprint=str(header["fingerprint"]),
        )
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        return None
    return index if _consistent(index) else None


def _consistent(index: Index) -> bool:
    n_records, n_strings = len(index.codes), len(index.str_record)
    return (
        all(len(getattr(index, n)) == n_records for n in _STRINGS)
        and all(getattr(index, n).consistent() for n in _STRINGS)
        and len(index.str_field) == n_strings
        and len(index.str_terms) == n_strings
        and len(index.text_offsets) == n_strings + 1
        and index.text_offsets[-1] == len(index.text_blob)
        and len(index.post_offsets) == len(index.vocabulary) + 1
        and len(index.plain_vocabulary) == len(index.vocabulary)
        and index.post_offsets[-1] == len(index.post_list)
    )


class OpenIndex:
    """An index from the cache (not yet known to be current) or freshly built."""

    def __init__(
        self,
        folders: Sequence[DataFolder],
        index: Index | None,
        check: FreshnessCheck | None,
        use_cache: bool = True,
    ) -> None:
        self.folders = folders
        self.index = index
        self.check = check
        self.use_cache = use_cache

    def is_fresh(self) -> bool:
        if self.index is None:
            return False
        if self.check is None:  # built by this process
            return True
        return self.check.fingerprint() == self.index.fingerprint

    def current(self, progress: Progress | None = None) -> Index:
        """The index, rebuilt first if the data changed since it was saved."""
        if not self.is_fresh():
            self.index = rebuild(self.folders, progress, self.use_cache)
            self.check = None
        assert self.index is not None
        return self.index


def open_index(folders: Sequence[DataFolder], use_cache: bool = True) -> OpenIndex:
    """Load the cached index without waiting for the freshness check; call
    :meth:`OpenIndex.current` before trusting what it returns."""
    if not use_cache:
        return OpenIndex(folders, None, None, use_cache=False)
    try:
        data = _read(cache_path(folders_key(folders)))
    except (OSError, ValueError, RecordError):  # RecordError: not a regular file, too large
        return OpenIndex(folders, None, None)
    header = read_header(data)
    files = header[0].get("files", 0) if header else 0
    check = check_for(folders, files if isinstance(files, int) else 0)
    return OpenIndex(folders, decode_index(data, None, header), check)


def _read(path: Path) -> bytes:
    """The cache file's bytes, read whole through the reading door (a regular file of
    at most CACHE_LIMIT bytes; a FIFO would block). It used to be mapped into memory,
    but a mapping kills the process with SIGBUS when another program truncates the file
    in place, and the CRC check reads every byte anyway, so mapping saved little."""
    fd = open_regular(path, limit=CACHE_LIMIT, what="search cache")
    with open(fd, "rb", closefd=True) as file:
        return file.read()


def load_or_build(
    folders: Sequence[DataFolder],
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Index:
    """The index for these folders: from the cache when it is current, else rebuilt
    (and saved). Never fails because of the cache; problems are reported on the index."""
    return open_index(folders, use_cache).current(progress)


def rebuild(
    folders: Sequence[DataFolder], progress: Progress | None = None, use_cache: bool = True
) -> Index:
    snap = snapshot(folders)
    problems = [Problem(str(path), None, folder_problem(exc)) for path, exc in snap.unreadable]
    try:
        vocab = load_vocabulary(vocabulary_file())
    except RecordError as exc:
        problems.append(Problem.of(exc))
        vocab = Vocabulary()
    entries, found = collect_entries(snap.files, vocab, vocabulary_file(), progress)
    index = build_index(entries, problems + found)
    index.vocabulary_data = vocab.compiled()
    index.built = True
    index.files = len(snap.files)
    index.fingerprint = snap.fingerprint
    # A file the system would not let us read this time is not frozen into the cache as
    # missing: the index is rebuilt, and the file retried, on the next run.
    if use_cache and not any(p.retry for p in index.problems):
        path = cache_path(snap.key)
        try:
            from cptcli.atomic import write_atomically

            write_atomically(path, encode_index(index, snap.fingerprint))
            _prune(path.parent, keep=path)
        except OSError as exc:
            index.problems.append(
                Problem(str(path), None, f"could not save the search cache: {exc.strerror}")
            )
    return index


def _prune(folder: Path, keep: Path) -> None:
    """Keep only the most recently used cache files (one per set of data folders).
    Only files proven to be ours are counted and removed: regular files of this user
    whose first bytes are the index format's mark. Anything else named ``index-*.bin``
    (another program's file, a link) is left alone."""
    ours = []
    for path in folder.glob("index-*.bin"):
        try:
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode) or not _owned(st) or not _ours(path):
                continue
        except OSError:
            continue
        ours.append((st.st_mtime, path))
    ours.sort(reverse=True)
    for _, old in ours[KEEP_CACHE_FILES:]:
        if old != keep:
            old.unlink(missing_ok=True)


def _owned(st: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def _ours(path: Path) -> bool:
    """Whether the file starts as every index file of this program does."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        return os.read(fd, len(MAGIC)) == MAGIC
    finally:
        os.close(fd)
