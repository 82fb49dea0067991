"""Fault injection: signals during a parallel index build, interrupted writes, full
disks and closed outputs, and a cache folder that other programs share.

Every run here is a real process of the installed ``cpt`` with a timeout, so that a hang
fails the test instead of stopping the suite.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cptcli import atomic
from cptcli.errors import ExitCode, RecordError

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import generate

# Enough record files that the index is built by worker processes (index.PARALLEL_FROM)
# for long enough to be interrupted.
CORPUS_SIZE = 4000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "records"
    generate(CORPUS_SIZE, folder)
    return folder


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CPT_CACHE_DIR": str(home / "cache"), **extra})
    return env


# --- processes -----------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # [state, ppid, pgrp, ...]


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def wait_for(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def read_until_eof(stream, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``stream`` reaches end of file (every writer gone) within ``timeout``."""
    fd = stream.fileno()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready and os.read(fd, 65536) == b"":
            return True
    return False


needs_workers = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or not Path("/proc").is_dir(),
    reason="the index is built by worker processes only with two CPUs or more (Linux /proc)",
)


@needs_workers
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_a_signal_during_a_parallel_build_leaves_no_worker_and_closes_the_output(
    installed_cpt: list[str], corpus: Path, tmp_path: Path, signum: int
) -> None:
    proc = subprocess.Popen(
        [*installed_cpt, "--data-dir", str(corpus), "search", "knee"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(tmp_path),
    )
    workers: set[int] = set()
    try:
        assert wait_for(lambda: len(descendants(proc.pid)) >= 2, 60), "no workers started"
        workers = descendants(proc.pid)
        proc.send_signal(signum)
        assert proc.stdout is not None and proc.stderr is not None
        # A script reading the output gets end of file: nothing holds it open.
        assert read_until_eof(proc.stdout, 15), "a process still holds standard output"
        code = proc.wait(timeout=15)
        assert wait_for(lambda: not any(alive(w) for w in workers), 15), "workers survived"
        err = proc.stderr.read().decode()
        assert "Traceback" not in err, err
        if signum == signal.SIGTERM:
            assert code == ExitCode.TERMINATED == 143
            # Nothing half-written stays in the cache folder.
            cache = tmp_path / "cache"
            assert not [p for p in cache.glob(".*.tmp")] if cache.exists() else True
        else:
            assert code == -signal.SIGKILL
    finally:  # whatever happened, leave no process behind
        for pid in [proc.pid, *descendants(proc.pid), *workers]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=15)


@needs_workers
def test_sigterm_on_a_terminal_stops_the_progress_bar_and_shows_the_cursor(
    installed_cpt: list[str], corpus: Path, tmp_path: Path
) -> None:
    main, child = pty.openpty()
    env = env_for(tmp_path, TERM="xterm-256color", COLUMNS="80")
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [*installed_cpt, "--data-dir", str(corpus), "search", "knee"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
    )
    os.close(child)
    screen = b""
    try:

        def read_some() -> bool:
            nonlocal screen
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                with contextlib.suppress(OSError):
                    screen += os.read(main, 65536)
            return b"Indexing records" in screen

        assert wait_for(read_some, 60), screen[-500:]
        proc.send_signal(signal.SIGTERM)
        # Read on while it ends: a terminal whose buffer is full blocks the writer.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.1)
            try:
                data = os.read(main, 65536) if ready else b""
            except OSError:  # the other side closed: everything was read
                break
            if ready and not data:
                break
            screen += data
        assert proc.wait(timeout=15) == 143
    finally:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait(timeout=15)
        os.close(main)
    hidden = screen.rfind(b"\x1b[?25l")
    assert hidden >= 0, "the progress bar hides the cursor"
    assert screen.rfind(b"\x1b[?25h") > hidden, "the cursor is shown again"
    assert b"Traceback" not in screen


# --- temporary files -----------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from cptcli.atomic import write_atomically

def chunks():
    yield b"x" * 100000
    sys.stdout.write("writing\\n")
    sys.stdout.flush()
    time.sleep(120)
    yield b"never"

write_atomically(Path(sys.argv[1]), chunks())
"""


def interrupted_write(target: Path, signum: int) -> list[Path]:
    """Start writing ``target``, send ``signum`` half-way; the temporary files left."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        proc.send_signal(signum)
        proc.wait(timeout=15)
    finally:
        proc.kill()
        proc.wait(timeout=15)
    return sorted(target.parent.glob(f".{target.name}.*.tmp"))


def test_a_killed_cache_write_leaves_a_temporary_file_that_the_next_run_removes(
    installed_cpt: list[str], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    left = interrupted_write(cache / "index-0123456789abcdef.bin", signal.SIGKILL)
    assert len(left) == 1  # what a SIGKILL during a cache write leaves behind
    foreign = [cache / ".notes.tmp", cache / "index-x.bin.tmp", cache / ".a.cpt-1-x.tmp.keep"]
    for path in foreign:
        path.write_text("not ours")
    result = subprocess.run(
        [*installed_cpt, "--no-cache", "search", "knee"],
        capture_output=True,
        env=env_for(tmp_path),
        timeout=60,
    )
    assert result.returncode == 0
    assert left[0].exists()  # a run that writes nothing there does not look
    result = subprocess.run(
        [*installed_cpt, "search", "knee"], capture_output=True, env=env_for(tmp_path), timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert not left[0].exists()
    assert all(path.exists() for path in foreign)
    assert [p.name for p in cache.glob("index-*.bin")]  # the new cache was written


def test_a_killed_import_leaves_nothing_after_the_next_import(
    installed_cpt: list[str], tmp_path: Path, isolated: Path
) -> None:
    from .test_import import PAGE

    user = isolated / "data" / "procedures"
    left = interrupted_write(user / "45378.toml", signal.SIGKILL)
    left += interrupted_write(user / "45380.toml", signal.SIGTERM)
    assert len(left) == 2
    assert not (user / "45378.toml").exists()
    page = tmp_path / "page.txt"
    page.write_text(PAGE)
    result = subprocess.run(
        [*installed_cpt, "import", str(page)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (user / "45378.toml").read_text().startswith("# Imported from page.txt")
    assert [p.name for p in user.iterdir()] == ["45378.toml"]


def test_only_stale_temporary_files_of_our_naming_are_removed(tmp_path: Path) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(timeout=30)
    old = time.time() - atomic.STALE_AFTER - 60
    files = {
        # name: (age in the past or None for now, removed?)
        f".45378.toml.cpt-{ended.pid}-abc123.tmp": (None, True),  # its writer has ended
        f".45378.toml.cpt-{os.getpid()}-abc123.tmp": (None, False),  # still being written
        f".45378.toml.cpt-{os.getpid()}-def456.tmp": (old, True),  # untouched for long
        ".index-0123456789abcdef.bin.k3j_x9qz.tmp": (old, True),  # older naming
        ".index-0123456789abcdef.bin.k3j_x9qz.tmp.": (old, False),
        ".45378.toml.k3j_x9qz.tmp": (None, False),  # older naming, recent: may be written
        ".notes.tmp": (old, False),
        "45378.toml": (old, False),
        ".45378.toml.cpt-1-abc.txt": (old, False),
    }
    for name, (when, _) in files.items():
        path = tmp_path / name
        path.write_text("x")
        if when is not None:
            os.utime(path, (when, when))
    (tmp_path / f".dir.toml.cpt-{ended.pid}-abc.tmp").mkdir()  # not a regular file
    link = tmp_path / f".link.toml.cpt-{ended.pid}-abc.tmp"
    link.symlink_to(tmp_path / "45378.toml")
    removed = atomic.remove_stale_temporary_files(tmp_path)
    assert sorted(p.name for p in removed) == sorted(n for n, (_, r) in files.items() if r)
    for name, (_, gone) in files.items():
        assert (tmp_path / name).exists() is not gone, name
    assert (tmp_path / f".dir.toml.cpt-{ended.pid}-abc.tmp").is_dir()
    assert link.is_symlink()


# --- full disks and closed outputs ---------------------------------------------------

OUTPUTS = [
    ["search", "knee"],
    ["search", "knee", "--json"],
    ["search", "knee", "--format", "csv"],
    ["show", "85230"],
    ["show", "85230", "--json"],
    ["list"],
    ["list", "--json"],
    ["paths"],
    ["paths", "--json"],
    ["sections"],
    ["modifier", "59"],
    ["--version"],
]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", OUTPUTS, ids=" ".join)
@pytest.mark.parametrize("terminal", [False, True], ids=["plain", "rich"])
def test_output_to_a_full_device_says_so(
    installed_cpt: list[str], args: list[str], terminal: bool
) -> None:
    env = dict(os.environ)
    if terminal:
        env["CPT_FORCE_TERMINAL"] = "1"
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*installed_cpt, *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr == "error: cannot write the output: no space left on the device\n"


def _page(tmp_path: Path) -> Path:
    from .test_import import PAGE

    page = tmp_path / "page-45378.txt"
    page.write_text(PAGE.replace("Diagnostic Colonoscopy", "Renamed Colonoscopy"))
    return page


@contextlib.contextmanager
def small_file_system(folder: Path) -> Iterator[bool]:
    """A 64 KB tmpfs mounted on ``folder`` when this process may mount one."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = False
    if sys.platform.startswith("linux") and shutil.which("mount") and os.geteuid() == 0:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
            capture_output=True,
            timeout=30,
        )
        mounted = result.returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_import_onto_a_full_file_system_keeps_the_old_record(
    installed_cpt: list[str], tmp_path: Path
) -> None:
    folder = tmp_path / "small"
    with small_file_system(folder) as mounted:
        if not mounted:
            pytest.skip("cannot mount a small file system here; see the in-process test")
        old = '# the old record\ncode = "45378"\nname = "Diagnostic Colonoscopy"\n'
        (folder / "45378.toml").write_text(old)
        fill(folder)
        before = sorted(p.name for p in folder.iterdir())
        result = subprocess.run(
            [*installed_cpt, "import", str(_page(tmp_path)), "--to", str(folder), "--force"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert "no space left on the device" in result.stderr
        assert "Traceback" not in result.stderr
        assert (folder / "45378.toml").read_text() == old
        assert sorted(p.name for p in folder.iterdir()) == before  # no temporary file


def test_import_onto_a_full_disk_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cptcli import cli

    folder = tmp_path / "records"
    folder.mkdir()
    old = '# the old record\ncode = "45378"\nname = "Diagnostic Colonoscopy"\n'
    (folder / "45378.toml").write_text(old)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # Flushing a written file to the disk fails, as on a full disk that had cached it.
    monkeypatch.setattr(atomic.os, "fsync", full)
    argv = ["cpt", "import", str(_page(tmp_path)), "--to", str(folder), "--force"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write ") and "45378.toml" in err
    assert err.endswith(": no space left on the device\n") and "Traceback" not in err
    assert (folder / "45378.toml").read_text() == old
    assert [p.name for p in folder.iterdir()] == ["45378.toml"]


# --- the cache folder ----------------------------------------------------------------


def test_pruning_removes_only_cache_files_proven_ours(
    installed_cpt: list[str], tmp_path: Path
) -> None:
    from cptcli.index import KEEP_CACHE_FILES, MAGIC

    cache = tmp_path / "cache"
    result = subprocess.run(
        [*installed_cpt, "search", "knee"], capture_output=True, env=env_for(tmp_path), timeout=60
    )
    assert result.returncode == 0
    (ours,) = cache.glob("index-*.bin")
    long_ago = time.time() - 86400
    old_ours = []
    for n in range(KEEP_CACHE_FILES):  # older than the current one, older still each
        copy = cache / f"index-{n:016x}.bin"
        shutil.copyfile(ours, copy)
        os.utime(copy, (long_ago - n, long_ago - n))
        old_ours.append(copy)
    strangers = {
        "index-foo.bin": b"another program's data",
        "index-empty.bin": b"",
        "index-almost.bin": MAGIC[:-1],
    }
    for name, data in strangers.items():
        (cache / name).write_bytes(data)
        os.utime(cache / name, (long_ago - 1000, long_ago - 1000))
    outside = tmp_path / "elsewhere.bin"
    shutil.copyfile(ours, outside)
    (cache / "index-link.bin").symlink_to(outside)
    os.utime(cache / "index-link.bin", (long_ago - 1000, long_ago - 1000), follow_symlinks=False)
    (cache / "index-dir.bin").mkdir()
    # A change in the data makes the next search build and save a new index, and prune.
    records = tmp_path / "records"
    records.mkdir()
    (records / "0998T.toml").write_text('code = "0998T"\nname = "Quuxable repair"\n')
    result = subprocess.run(
        [*installed_cpt, "search", "knee"],
        capture_output=True,
        env=env_for(tmp_path, CPT_DATA_PATH=str(records)),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for name, data in strangers.items():
        assert (cache / name).read_bytes() == data
    assert (cache / "index-link.bin").is_symlink() and outside.exists()
    assert (cache / "index-dir.bin").is_dir()
    assert ours.exists()
    # Ours: the new one, the one before, and the most recent of the old ones are kept.
    kept = [p for p in old_ours if p.exists()]
    assert kept == old_ours[: KEEP_CACHE_FILES - 2]


TRUNCATOR = """
import os, sys, time
path, stop = sys.argv[1], sys.argv[2]
while not os.path.exists(stop):
    try:
        with open(path, "r+b") as f:
            data = f.read()
            f.truncate(len(data) // 3)  # in place: a mapping of it loses its pages
            time.sleep(0.03)
            f.seek(0)
            f.write(data)
            f.flush()
        time.sleep(0.03)
    except OSError:
        pass
"""


def test_a_cache_file_truncated_in_place_during_searches_crashes_nothing(
    installed_cpt: list[str], tmp_path: Path
) -> None:
    env = env_for(tmp_path)
    first = subprocess.run(
        [*installed_cpt, "search", "knee"], capture_output=True, env=env, timeout=60
    )
    assert first.returncode == 0
    (cache,) = (tmp_path / "cache").glob("index-*.bin")
    stop = tmp_path / "stop"
    truncator = subprocess.Popen([sys.executable, "-c", TRUNCATOR, str(cache), str(stop)])
    codes = []
    try:
        for _ in range(15):
            result = subprocess.run(
                [*installed_cpt, "search", "knee", "--json"],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            codes.append(result.returncode)
            assert "Traceback" not in result.stderr
            if result.returncode == 0:
                assert json.loads(result.stdout)["results"]
    finally:
        stop.touch()
        truncator.wait(timeout=30)
    assert set(codes) <= {0, 1}, codes  # a SIGBUS is -7


def test_the_cache_is_read_only_from_a_regular_file(tmp_path: Path) -> None:
    from cptcli.index import _read

    os.mkfifo(tmp_path / "fifo")
    done: list[object] = []

    def read() -> None:
        try:
            _read(tmp_path / "fifo")
        except (OSError, ValueError, RecordError) as exc:
            done.append(exc)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():  # unblock it before failing
        with open(tmp_path / "fifo", "wb"):
            pass
    assert done and isinstance(done[0], RecordError)  # refused at once, not waited on
    assert "not a regular file (a named pipe)" in str(done[0])
