"""Whether the data folders changed since the search index was built.

The index carries a fingerprint of the data: the program version, the vocabulary file
and, for every record file, its name, size and modification time. Computing it takes a
directory listing and one ``stat`` per file, which is nothing for the bundled library
but about 60 ms for 20,000 files, as much as the rest of a search. So, where ``fork``
exists and there is a second CPU, a child process computes it while the search goes on:

* :func:`start_early` is called by the ``cpt`` entry point before anything else is
  imported. If the command line is a search and an index is cached, it starts the
  check at once, so that it runs alongside the start-up imports.
* :func:`check_for` hands that check to the index when the folders match, or starts one.

This module imports nothing beyond the standard library, ``cptcli.paths`` and
``cptcli.digest``, so the child it forks is small and starts fast.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from cptcli import __version__
from cptcli.digest import Digest
from cptcli.paths import (
    DataFolder,
    cache_dir,
    data_folders,
    is_record_name,
    resolved,
    vocabulary_file,
)

PARALLEL_CHECK_FROM = 200  # files; below this a stat of each file is quicker than a fork


class Snapshot(NamedTuple):
    """The record files of the data folders, in load order, and their fingerprint."""

    files: list[Path]
    fingerprint: str
    key: str  # which folders: names the cache file
    # Folders that exist but could not be listed, each with the error.
    unreadable: tuple[tuple[Path, OSError], ...] = ()


def folders_key(folders: Sequence[DataFolder]) -> str:
    """Which folders, in which order: names the cache file."""
    key = Digest()
    for folder in folders:
        key.update(f"{resolved(folder.path)}\0".encode())
    return key.hexdigest()[:16]


def cache_path(key: str) -> Path:
    return cache_dir()[0] / f"index-{key}.bin"


def _record_names(folder: Path) -> tuple[list[str], OSError | None]:
    """The sorted names of a folder's record files (what ``record_files`` lists), from
    ``os.listdir``: a third of the time of building a ``DirEntry`` for each. A folder
    that exists but cannot be listed gives no names and its error."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return [], None
    except OSError as exc:  # not a folder, unreadable, a symbolic link loop
        return [], exc
    return sorted(filter(is_record_name, names)), None


def _stat_all(folder: Path, names: list[str]) -> tuple[list[str], array]:
    """The names that still exist, and their sizes and modification times (in pairs)."""
    kept, numbers = [], array("q")
    fd = None
    if os.stat in os.supports_dir_fd:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            fd = None
    try:
        for name in names:
            try:
                st = os.stat(name, dir_fd=fd) if fd is not None else os.stat(folder / name)
            except OSError:
                continue  # removed since the listing
            kept.append(name)
            numbers.append(st.st_size)
            numbers.append(st.st_mtime_ns)
    finally:
        if fd is not None:
            os.close(fd)
    return kept, numbers


def _scan(
    folders: Sequence[DataFolder],
) -> tuple[str, list[tuple[Path, list[str]]], list[tuple[Path, OSError]]]:
    """(fingerprint, each folder with its record file names in order, the folders that
    could not be listed)."""
    digest = Digest()
    vocab = vocabulary_file()
    try:
        st = vocab.stat()
        digest.update(f"{__version__}|{vocab}|{st.st_size}|{st.st_mtime_ns}".encode())
    except OSError:
        digest.update(f"{__version__}|no vocabulary".encode())
    listing, unreadable = [], []
    for folder in folders:
        digest.update(f"\1{resolved(folder.path)}\0".encode())
        found, error = _record_names(folder.path)
        if error is not None:
            # Part of the fingerprint, so that the index is rebuilt once it is readable.
            digest.update(f"\2{error.errno}\0".encode())
            unreadable.append((folder.path, error))
        names, numbers = _stat_all(folder.path, found)
        digest.update("\0".join(names).encode("utf-8", "surrogateescape"))
        digest.update(numbers.tobytes())
        listing.append((folder.path, names))
    return digest.hexdigest(), listing, unreadable


def fingerprint(folders: Sequence[DataFolder]) -> str:
    """The folders' fingerprint alone (what the freshness check needs)."""
    return _scan(folders)[0]


def snapshot(folders: Sequence[DataFolder]) -> Snapshot:
    """Every record file, in load order, with the folders' fingerprint."""
    digest, listing, unreadable = _scan(folders)
    files = [folder / name for folder, names in listing for name in names]
    return Snapshot(files, digest, folders_key(folders), tuple(unreadable))


class FreshnessCheck:
    """The folders' current fingerprint, computed in a child process when asked to
    (and ``fork`` exists) while the caller goes on; :meth:`fingerprint` collects it.
    Otherwise, or if the child fails, it is computed on first use."""

    def __init__(self, folders: Sequence[DataFolder], in_parallel: bool) -> None:
        self.folders = list(folders)
        self._value: str | None = None
        self._child: tuple[int, int] | None = None  # (pid, read end of the pipe)
        if in_parallel and hasattr(os, "fork"):
            self._start()

    @property
    def parallel(self) -> bool:
        return self._child is not None

    def _start(self) -> None:
        try:
            read_end, write_end = os.pipe()
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # the child: compute, report, and leave without cleanup handlers
            status = 1
            try:
                os.close(read_end)
                os.write(write_end, fingerprint(self.folders).encode("ascii"))
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self._child = (pid, read_end)

    def fingerprint(self) -> str:
        if self._value is None:
            answer = b""
            if self._child is not None:
                pid, read_end = self._child
                self._child = None
                try:
                    with os.fdopen(read_end, "rb") as pipe:
                        answer = pipe.read()
                    os.waitpid(pid, 0)
                except OSError:
                    answer = b""
            # If the child failed, check here.
            self._value = answer.decode("ascii") or fingerprint(self.folders)
        return self._value


_early: FreshnessCheck | None = None


def check_for(folders: Sequence[DataFolder], files: int) -> FreshnessCheck:
    """The check for a cached index of ``files`` record files: the one started early
    if it is for these folders, else a new one (in parallel for a large library)."""
    global _early
    early, _early = _early, None
    if early is not None and [f.path for f in early.folders] == [f.path for f in folders]:
        return early
    return FreshnessCheck(folders, in_parallel=files >= PARALLEL_CHECK_FROM)


def start_early(argv: Sequence[str]) -> None:
    """Start the freshness check now if ``argv`` (the arguments after ``cpt``) runs a
    search on a cached index and a second CPU is there to do it."""
    global _early
    if not hasattr(os, "fork") or _cpus() < 2:
        return
    if any(key.endswith("_COMPLETE") for key in os.environ):
        return  # shell completion
    extra: list[Path] = []
    args = iter(argv)
    for arg in args:
        if arg == "--data-dir":
            value = next(args, None)
            if value is None:
                return
            extra.append(Path(value))
        elif arg.startswith("--data-dir="):
            extra.append(Path(arg.partition("=")[2]))
        elif arg.startswith("-"):
            return  # --no-cache, --help, --version or a mistake: nothing to check early
        elif arg != "search":
            return
        else:
            break
    else:
        return
    try:
        folders = data_folders(extra)
        if not cache_path(folders_key(folders)).is_file():
            return  # the search builds the index, which needs no check
    except (OSError, RuntimeError):
        return
    _early = FreshnessCheck(folders, in_parallel=True)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
