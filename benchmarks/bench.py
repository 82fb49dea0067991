"""Start-up and search benchmark for the installed ``cpt`` command.

    python benchmarks/bench.py                 # bundled library and 20,000 records
    python benchmarks/bench.py --sizes 20000 100000 --runs 15

Every figure is the median whole-process wall time of a fresh process, measured
interleaved (one run of each command in turn, repeated), and shown as a ratio to the
import floor measured in the same rounds: a bare ``python -c "import typer"`` plus what
that command unavoidably needs. Also reported per library: the time of the first command
after the data changed (the index build), peak memory (max RSS) and whether a planted
record ranks first for its own name. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import PLANTED_CODE, PLANTED_NAME, generate

PY = sys.executable
FLOORS = {
    "typer": [PY, "-c", "import typer"],
    "typer+rich": [PY, "-c", "import typer, rich.console, rich.panel, rich.table"],
    "typer+rich+rapidfuzz": [
        PY,
        "-c",
        "import typer, rich.console, rich.table, rapidfuzz.process",
    ],
}


@dataclass
class Command:
    label: str
    args: list[str]
    floor: str
    target: float
    terminal: bool = False  # render as on a terminal (rich), output discarded


@dataclass
class Result:
    label: str
    times: list[float] = field(default_factory=list)
    peak_mb: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def cpt_command() -> list[str]:
    candidate = Path(PY).parent / ("cpt.exe" if os.name == "nt" else "cpt")
    found = str(candidate) if candidate.exists() else shutil.which("cpt")
    if not found:
        sys.exit("the cpt command is not installed: pip install .")
    return [found]


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, bytes]:
    """(wall seconds, peak RSS in MB, exit status, stdout) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is KiB on Linux, bytes on macOS
        peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    else:
        proc.wait()
        wall, peak = time.perf_counter() - start, 0.0
    return wall, peak, proc.returncode, out


def environment(cache: Path, data_path: Path | None, terminal: bool) -> dict[str, str]:
    env = dict(os.environ)
    # Byte-code caching on, as for any installed package (pip compiles at install time).
    for name in (
        "CPT_DATA_PATH",
        "NO_COLOR",
        "FORCE_COLOR",
        "CPT_FORCE_TERMINAL",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(name, None)
    env["CPT_CACHE_DIR"] = str(cache)
    env["CPT_USER_DATA_DIR"] = str(cache / "no-user-records")
    env["COLUMNS"] = "100"
    if data_path:
        env["CPT_DATA_PATH"] = str(data_path)
    if terminal:
        env["CPT_FORCE_TERMINAL"] = "1"
    return env


def measure(
    label: str, commands: list[Command], data_path: Path | None, runs: int, cache: Path
) -> dict:
    cpt = cpt_command()
    report: dict = {"library": label}
    # The first command after a data change builds the index.
    shutil.rmtree(cache, ignore_errors=True)
    build, build_peak, status, _ = run(
        [*cpt, "search", "factor", "VII"], environment(cache, data_path, False)
    )
    if status not in (0, 1):
        sys.exit(f"cpt search failed with status {status}")
    report["index_build_s"] = round(build, 2)
    report["index_build_peak_mb"] = round(build_peak, 1)
    # A planted record ranks first for its own name.
    if data_path:
        _, _, _, out = run(
            [*cpt, "search", PLANTED_NAME, "--json", "--limit", "3"],
            environment(cache, data_path, False),
        )
        results = json.loads(out)["results"]
        report["planted_first"] = bool(results) and results[0]["code"] == PLANTED_CODE
    floors = {name: Result(name) for name in FLOORS}
    results_by = {c.label: Result(c.label) for c in commands}
    for _ in range(runs):
        for name, argv in FLOORS.items():
            wall, peak, _, _ = run(argv, environment(cache, data_path, False))
            floors[name].times.append(wall)
        for command in commands:
            env = environment(cache, data_path, command.terminal)
            wall, peak, status, _ = run([*cpt, *command.args], env)
            if status != 0:
                sys.exit(f"cpt {' '.join(command.args)} exited with {status}")
            result = results_by[command.label]
            result.times.append(wall)
            result.peak_mb = max(result.peak_mb, peak)
    report["floors_ms"] = {n: round(r.median * 1000, 1) for n, r in floors.items()}
    rows = []
    for command in commands:
        result = results_by[command.label]
        ratio = result.median / floors[command.floor].median
        rows.append(
            {
                "command": command.label,
                "median_ms": round(result.median * 1000, 1),
                "floor": command.floor,
                "ratio": round(ratio, 2),
                "target": command.target,
                "met": ratio <= command.target,
                "peak_mb": round(result.peak_mb, 1),
            }
        )
    report["commands"] = rows
    return report


def commands_for(scale: bool) -> list[Command]:
    search_target = 1.5 if scale else 1.2
    return [
        Command("cpt show 85230 --json", ["show", "85230", "--json"], "typer", 1.15),
        Command("cpt show 85230", ["show", "85230"], "typer+rich", 1.15, terminal=True),
        Command(
            "cpt search factor VII",
            ["search", "factor", "VII"],
            "typer+rich+rapidfuzz",
            search_target,
            terminal=True,
        ),
        Command(
            "cpt search factor VII --json",
            ["search", "factor", "VII", "--json"],
            "typer+rich+rapidfuzz",
            search_target,
        ),
    ]


def print_report(report: dict, max_ratio: float | None) -> list[str]:
    misses = []
    print(f"\n## {report['library']}")
    build = f"index build {report['index_build_s']} s, peak {report['index_build_peak_mb']} MB"
    if "planted_first" in report:
        build += f"; planted record first: {'yes' if report['planted_first'] else 'NO'}"
        if not report["planted_first"]:
            misses.append(f"{report['library']}: planted record not first")
    print(build)
    floors = ", ".join(f"{k} {v} ms" for k, v in report["floors_ms"].items())
    print(f"import floors: {floors}\n")
    print("| command | median ms | floor | ratio | target | peak MB |")
    print("|---|---:|---|---:|---:|---:|")
    for row in report["commands"]:
        target = max_ratio if max_ratio else row["target"]
        met = row["ratio"] <= target
        mark = "" if met else " (missed)"
        print(
            f"| `{row['command']}` | {row['median_ms']} | {row['floor']} | "
            f"{row['ratio']}{mark} | {target} | {row['peak_mb']} |"
        )
        if not met:
            misses.append(f"{report['library']}: {row['command']} ratio {row['ratio']}")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[20000], help="corpus sizes")
    parser.add_argument("--runs", type=int, default=11, help="interleaved rounds")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args(argv)
    reports, misses = [], []
    with tempfile.TemporaryDirectory(prefix="cpt-bench-") as tmp:
        work = Path(tmp)
        plan: list[tuple[str, int | None, float | None]] = [("bundled library", None, None)]
        for size in args.sizes:
            plan.append((f"{size:,} records", size, 2.0 if size > 20000 else None))
        for label, size, max_ratio in plan:
            folder = None
            if size is not None:
                # Each corpus is written just before it is measured, and flushed to
                # disk first, so that writing it does not slow the measurements.
                folder = work / f"corpus-{size}"
                started = time.perf_counter()
                generate(size, folder)
                if hasattr(os, "sync"):
                    os.sync()
                took = time.perf_counter() - started
                print(f"generated {size} records in {took:.1f} s", file=sys.stderr)
            print(f"measuring {label} ...", file=sys.stderr)
            report = measure(
                label, commands_for(folder is not None), folder, args.runs, work / "cache"
            )
            report["max_ratio"] = max_ratio
            reports.append(report)
            if not args.json:
                misses += print_report(report, max_ratio)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
                if hasattr(os, "sync"):
                    os.sync()
    if args.json:
        print(json.dumps(reports, indent=2))
    for report in reports:
        if report["library"].startswith("20,000"):
            if report["index_build_s"] > 15:
                misses.append(f"{report['library']}: index build {report['index_build_s']} s")
            peak = max(
                [report["index_build_peak_mb"]] + [row["peak_mb"] for row in report["commands"]]
            )
            if peak > 250:
                misses.append(f"{report['library']}: peak memory {peak} MB")
    if misses and not args.json:
        print("\nmissed: " + "; ".join(misses))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
