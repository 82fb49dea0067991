"""Real processes: the installed `cpt` command, pipes, a terminal, imports, Ctrl-C."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cptcli.render import NOTICE


def run(cmd: list[str], timeout: int = 60, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)


def test_installed_command_shows_and_searches(installed_cpt: list[str]) -> None:
    result = run([*installed_cpt, "show", "93590", "--section", "risks"])
    assert result.returncode == 0, result.stderr
    assert "Risks and Complications" in result.stdout and "\x1b[" not in result.stdout
    result = run([*installed_cpt, "search", "factor", "VII", "--json"])
    assert json.loads(result.stdout)["results"][0]["code"] == "85230"


def test_python_dash_m(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "cptcli", "show", "85230", "--json"])
    assert result.returncode == 0 and json.loads(result.stdout)["code"] == "85230"


def test_closed_pipe_ends_quietly(installed_cpt: list[str]) -> None:
    for args in (["show", "93590"], ["list"], ["search", "leak"]):
        proc = subprocess.Popen(
            [*installed_cpt, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)
        proc.stdout.close()  # the reader goes away, like `| head -c 10`
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=30)
        assert "Traceback" not in err and "Exception" not in err, err
        assert code in (0, 1)


def test_shell_pipe_into_head(installed_cpt: list[str]) -> None:
    result = run(["sh", "-c", f"'{installed_cpt[0]}' show 93590 | head -1"])
    assert result.stdout.startswith("93590")
    assert result.stderr == ""


def imported_modules(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from cptcli.cli import main\n"
        f"sys.argv = ['cpt', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)))\n"
    )
    result = run([sys.executable, "-c", code])
    line = result.stderr.rsplit("MODULES ", 1)[1]
    return set(line.split())


def heavy(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules} & {"rich", "rapidfuzz"}


def test_show_json_imports_neither_rich_nor_rapidfuzz() -> None:
    assert heavy(imported_modules(["show", "85230", "--json"])) == set()


def test_plain_show_imports_neither() -> None:
    assert heavy(imported_modules(["show", "85230"])) == set()


def test_search_json_imports_rapidfuzz_but_not_rich() -> None:
    assert heavy(imported_modules(["search", "factor", "VII", "--json"])) == {"rapidfuzz"}


def read_pty(cmd: list[str], env: dict[str, str]) -> str:
    main, child = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=child, stderr=child, stdin=child, env=env)
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(main)
    return b"".join(chunks).decode()


@pytest.mark.parametrize("no_color", [False, True])
def test_real_terminal_gets_panels_and_honours_no_color(
    installed_cpt: list[str], no_color: bool
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    # Paging is off here (tests/test_pager.py runs the pager in a terminal).
    env.update({"COLUMNS": "80", "TERM": "xterm-256color", "CPT_PAGER": ""})
    if no_color:
        env["NO_COLOR"] = "1"
    screen = read_pty([*installed_cpt, "show", "93590"], env)
    assert "╭" in screen and "Risks and Complications" in screen
    assert " ".join(NOTICE.split()[:4]) in screen
    has_colour = "\x1b[34m" in screen or "\x1b[36m" in screen or "\x1b[1;36m" in screen
    assert has_colour is not no_color


def test_ctrl_c_ends_quietly_with_130(installed_cpt: list[str]) -> None:
    proc = subprocess.Popen(
        [*installed_cpt, "import", "-", "--dry-run", "--code", "85230"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # let it start and block reading standard input
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"Traceback" not in err


def test_exit_codes_of_the_real_command(installed_cpt: list[str]) -> None:
    # The entry point ends the process itself (see __main__.py); status and output
    # must survive that.
    result = run([*installed_cpt, "--version"])
    assert result.returncode == 0 and result.stdout.startswith("cpt ")
    result = run([*installed_cpt, "show", "85231"])
    assert result.returncode == 1 and "No procedure 85231" in result.stderr
    assert result.stdout.startswith("85231  Not in the library")  # its place in the code set
    result = run([*installed_cpt, "show"])
    assert result.returncode == 2 and "Usage" in result.stderr
    result = run([*installed_cpt, "show", "85230", "--section", "nope"])
    assert result.returncode == 2 and "Unknown section" in result.stderr
    result = run([*installed_cpt, "list"])
    assert result.returncode == 0 and len(result.stdout.splitlines()) > 500


def test_real_search_sees_added_changed_and_deleted_records(
    installed_cpt: list[str], tmp_path: Path
) -> None:
    # Through the real entry point, which checks the data for changes in a child
    # process started before its imports (freshness.start_early).
    folder = tmp_path / "mine"
    folder.mkdir()
    env = {**os.environ, "CPT_DATA_PATH": str(folder)}

    def top(query: str) -> str | None:
        result = run([*installed_cpt, "search", query, "--json", "--limit", "1"], env=env)
        assert result.returncode in (0, 1), result.stderr
        found = json.loads(result.stdout)["results"] if result.returncode == 0 else []
        return f"{found[0]['code']} {found[0]['name']}" if found else None

    record = folder / "0998T.toml"
    record.write_text('code = "0998T"\nname = "Quuxable tendon repair"\n', encoding="utf-8")
    assert top("quuxable tendon") == "0998T Quuxable tendon repair"  # builds the index
    assert top("quuxable tendon") == "0998T Quuxable tendon repair"  # from the cache
    before = record.stat().st_mtime_ns
    record.write_text('code = "0998T"\nname = "Quuxable tendon rapair"\n', encoding="utf-8")
    os.utime(record, ns=(before + 1, before + 1))  # same size, barely newer
    assert top("quuxable tendon") == "0998T Quuxable tendon rapair"
    record.unlink()
    assert not (top("quuxable tendon") or "").startswith("0998T")
    (folder / "0997T.toml").write_text(
        'code = "0997T"\nname = "Quuxable tendon graft"\n', encoding="utf-8"
    )
    assert top("quuxable tendon") == "0997T Quuxable tendon graft"


def test_benchmark_script_measures_a_small_corpus(installed_cpt: list[str]) -> None:
    # Timings are not asserted here (they belong to the benchmark, not to tests); this
    # checks that the script runs and reports every figure the README quotes.
    from .conftest import ROOT

    bench = str(ROOT / "benchmarks" / "bench.py")
    result = run([sys.executable, bench, "--sizes", "300", "--runs", "1", "--json"], timeout=300)
    reports = json.loads(result.stdout)
    assert [r["library"] for r in reports] == ["bundled library", "300 records"]
    assert reports[1]["planted_first"] is True
    for report in reports:
        assert report["index_build_s"] > 0 and report["index_build_peak_mb"] > 0
        assert set(report["floors_ms"]) == {"typer", "typer+rich", "typer+rich+rapidfuzz"}
        assert [row["command"] for row in report["commands"]] == [
            "cpt show 85230 --json",
            "cpt show 85230",
            "cpt search factor VII",
            "cpt search factor VII --json",
        ]
        assert all(row["median_ms"] > 0 and row["ratio"] > 0 for row in report["commands"])


def test_closed_standard_streams_give_a_message_not_a_traceback(
    installed_cpt: list[str],
) -> None:
    cpt = installed_cpt[0]
    result = run(["sh", "-c", f"'{cpt}' show 85230 --json >&-"])
    assert result.returncode == 2
    assert "standard output is closed" in result.stderr and "Traceback" not in result.stderr
    result = run(["sh", "-c", f"'{cpt}' show 85231 2>&-"])  # the error has nowhere to go
    assert result.returncode == 1 and "Traceback" not in result.stdout
    result = run(["sh", "-c", f"'{cpt}' show 85230 2>&-"])
    assert result.returncode == 0 and result.stdout.startswith("85230")
