"""Keypress-to-results benchmark of ``cpt pick``, driven headless by Textual's pilot.

    python benchmarks/pick_bench.py                  # bundled library and 20,000 records
    python benchmarks/pick_bench.py --sizes 20000 100000 --rounds 5

Types queries one key at a time into the running picker and measures, for every key,
the wall time from the key press until the results list holds that query's answer
("results"), and until the screen was next painted ("painted"; the preview of the
top record is laid out just after, and painted in the following frame). Also
measured, for the same keys, the search alone (the engine without the app), so that
the difference is what the screen adds. Each round starts with an empty answer cache.
Target: median key press to results under 30 ms. Exit status 1 if a median misses it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate

TARGET_MS = 30.0
QUERIES = [
    "knee replacement",
    "colonscopy",
    "blood clotting test",
    "heart ultrasound",
    "99214-25",
    "office visit level 4",
]


def engine_for(data_path: Path | None):  # type: ignore[no-untyped-def]
    from cptcli.history import load_history
    from cptcli.index import load_or_build
    from cptcli.modifiers import load_modifiers
    from cptcli.paths import (
        bundled_compiled_dir,
        data_folders,
        history_file,
        modifiers_file,
    )
    from cptcli.store import Library
    from cptcli.tui.engine import PickerSearch

    folders = data_folders([data_path] if data_path else [])
    index = load_or_build(folders)
    reference = load_modifiers(modifiers_file(), bundled_compiled_dir())
    history = load_history(history_file(), bundled_compiled_dir())
    return PickerSearch(index, Library(folders), reference, history), len(index)


async def type_queries(engine, rounds: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Milliseconds from each key press to its results in the widgets, and to the
    next paint of the screen after that."""
    from cptcli.tui.app import PickerApp

    app = PickerApp(engine, "")
    results: list[float] = []
    painted: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        paints: list[float] = []
        refresh = screen._compositor_refresh

        def timed_refresh() -> None:
            refresh()
            paints.append(time.perf_counter())

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
        box = screen.query_one("#query")
        for _ in range(rounds):
            for query in QUERIES:
                engine._answers.clear()
                box.value = ""
                await pilot.pause()
                for char in query:
                    wanted = box.value + char
                    shown = screen.shown
                    start = time.perf_counter()
                    await pilot.press(char if char != " " else "space")
                    while screen.shown == shown or screen.answer.query != wanted:
                        await asyncio.sleep(0.002)
                    while not paints or paints[-1] < screen.shown_at:
                        await asyncio.sleep(0.002)
                    results.append((screen.shown_at - start) * 1000)
                    after = next(p for p in paints if p >= screen.shown_at)
                    painted.append((after - start) * 1000)
        await pilot.press("escape")
    return results, painted


def search_only(engine, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        for query in QUERIES:
            engine._answers.clear()
            for end in range(1, len(query) + 1):
                start = time.perf_counter()
                engine.search(query[:end])
                times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(len(ordered) * 0.9)]
    return f"median {statistics.median(times):5.1f} ms  p90 {p90:5.1f} ms  max {max(times):5.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[20000], help="corpus sizes")
    parser.add_argument("--rounds", type=int, default=3, help="times each query is typed")
    args = parser.parse_args(argv)
    missed = []
    with tempfile.TemporaryDirectory(prefix="cpt-pick-bench-") as tmp:
        os.environ["CPT_CACHE_DIR"] = str(Path(tmp, "cache"))
        os.environ["CPT_USER_DATA_DIR"] = str(Path(tmp, "no-user-records"))
        os.environ.pop("CPT_DATA_PATH", None)
        libraries: list[tuple[str, Path | None]] = [("bundled", None)]
        for size in args.sizes:
            libraries.append((f"{size:,} records", generate(size, Path(tmp, f"corpus-{size}"))))
        for label, path in libraries:
            engine, count = engine_for(path)
            keys, painted = asyncio.run(type_queries(engine, args.rounds))
            alone = search_only(engine, args.rounds)
            print(f"{label} ({count:,} in the index), {len(keys)} keys")
            print(f"  key press to results: {summary(keys)}")
            print(f"  key press to painted: {summary(painted)}")
            print(f"  search alone:         {summary(alone)}")
            if statistics.median(keys) >= TARGET_MS:
                missed.append(label)
    if missed:
        print(f"median over {TARGET_MS:.0f} ms: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
