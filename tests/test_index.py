"""The search index cache: rebuilt when data changes, never trusted when damaged, and
ranking the same as an exhaustive scorer at scale."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from cptcli import freshness
from cptcli import index as index_module
from cptcli.index import (
    cache_path,
    folders_key,
    index_records,
    load_or_build,
    open_index,
)
from cptcli.paths import DataFolder, vocabulary_file
from cptcli.search import (
    FIELD_WEIGHTS,
    analyze,
    index_terms,
    load_vocabulary,
    query_units,
    rank_strings,
    search,
    term_similarity,
)
from cptcli.store import load_record

from .conftest import ROOT, minimal, write_record


def load_corpus_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus"] = module
    spec.loader.exec_module(module)
    return module


corpus = load_corpus_module()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "lib"
    write_record(path, "45378", minimal("45378", "Diagnostic colonoscopy"))
    write_record(path, "45380", minimal("45380", "Colonoscopy with biopsy"))
    return path


def folders(path: Path) -> list[DataFolder]:
    return [DataFolder(path, "test")]


def names(path: Path) -> dict[str, str]:
    index = load_or_build(folders(path))
    return dict(zip(index.codes, index.names))


def test_second_load_comes_from_the_cache(folder: Path) -> None:
    first = load_or_build(folders(folder))
    assert first.built
    second = load_or_build(folders(folder))
    assert not second.built
    assert list(second.codes) == list(first.codes) == ["45378", "45380"]
    assert cache_path(folders_key(folders(folder))).exists()


def test_adding_a_file_rebuilds(folder: Path) -> None:
    names(folder)
    write_record(folder, "45385", minimal("45385", "Colonoscopy with snare removal"))
    assert "45385" in names(folder)


def test_changing_a_file_in_place_rebuilds(folder: Path) -> None:
    names(folder)
    path = folder / "45378.toml"
    stat = path.stat()
    # Same size, and the same modification time as before: only the content differs...
    path.write_text(minimal("45378", "Diagnostic colonoscopx"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert names(folder)["45378"] == "Diagnostic colonoscopx"


def test_deleting_a_file_rebuilds(folder: Path) -> None:
    names(folder)
    (folder / "45380.toml").unlink()
    assert list(names(folder)) == ["45378"]


def test_changing_the_vocabulary_rebuilds(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vocab = tmp_path / "vocabulary.toml"
    vocab.write_text("", encoding="utf-8")
    monkeypatch.setattr(index_module, "vocabulary_file", lambda: vocab)
    monkeypatch.setattr(freshness, "vocabulary_file", lambda: vocab)
    load_or_build(folders(folder))
    assert not search(load_or_build(folders(folder)), "endoscopy camera")
    vocab.write_text(
        '[[equivalent]]\nterms = ["colonoscopy", "endoscopy camera"]\n', encoding="utf-8"
    )
    rebuilt = load_or_build(folders(folder))
    assert rebuilt.built
    assert search(rebuilt, "endoscopy camera")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b[:-7] + bytes([b[-7] ^ 0xFF]) + b[-6:], id="flipped-byte"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"\x80\x04\x95garbage", id="not-an-index"),
        pytest.param(
            lambda b: b.replace(f'"format": {index_module.FORMAT}'.encode(), b'"format": 99', 1),
            id="other-format",
        ),
        pytest.param(lambda b: b.replace(b'"crc32"', b'"crc"', 1), id="bad-header"),
    ],
)
def test_damaged_cache_is_rebuilt_not_trusted(folder: Path, damage) -> None:  # type: ignore[no-untyped-def]
    load_or_build(folders(folder))
    path = cache_path(folders_key(folders(folder)))
    path.write_bytes(damage(path.read_bytes()))
    index = load_or_build(folders(folder))
    assert index.built
    assert list(index.codes) == ["45378", "45380"]
    # ...and the rebuilt cache is good again.
    assert not load_or_build(folders(folder)).built


def test_damaged_cache_through_the_cli(invoke, folder: Path) -> None:  # type: ignore[no-untyped-def]
    assert invoke("--data-dir", str(folder), "search", "colonoscopy").exit_code == 0
    cache_files = list(Path(os.environ["CPT_CACHE_DIR"]).glob("index-*.bin"))
    assert cache_files
    for path in cache_files:
        path.write_bytes(path.read_bytes()[:100])
    result = invoke("--data-dir", str(folder), "search", "colonoscopy", "--json")
    assert result.exit_code == 0
    assert "45378" in [r["code"] for r in json.loads(result.stdout)["results"]]


def test_unwritable_cache_folder_still_searches(invoke, folder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    result = invoke(
        "--data-dir", str(folder), "search", "colonoscopy", env={"CPT_CACHE_DIR": str(blocker)}
    )
    assert result.exit_code == 0
    assert "45378" in result.stdout


def test_no_cache_option_leaves_no_file(invoke, folder: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--no-cache", "--data-dir", str(folder), "search", "colonoscopy")
    assert result.exit_code == 0
    assert not list(Path(os.environ["CPT_CACHE_DIR"]).glob("index-*.bin"))


def test_cache_holds_no_pickle(folder: Path) -> None:
    load_or_build(folders(folder))
    data = cache_path(folders_key(folders(folder))).read_bytes()
    assert data.startswith(b"CPTCLI-INDEX\n")
    header = json.loads(data[len(b"CPTCLI-INDEX\n") : data.index(b"\n", 13)])
    assert header["files"] == 2 and "crc32" in header


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the parallel check needs fork")
def test_parallel_freshness_check_sees_changes(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(freshness, "PARALLEL_CHECK_FROM", 0)
    load_or_build(folders(folder))
    opened = open_index(folders(folder))
    assert opened.check is not None and opened.check._child is not None  # a child runs
    assert opened.is_fresh()
    write_record(folder, "45385", minimal("45385", "Snare polypectomy"))
    opened = open_index(folders(folder))
    assert opened.index is not None and "45385" not in opened.index.codes  # cached view
    assert not opened.is_fresh()
    assert "45385" in opened.current().codes


def test_large_library_is_built_by_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = corpus.generate(60, tmp_path / "corpus")
    write_record(lib, "99999", "this is not TOML\n")
    monkeypatch.setattr(index_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(index_module, "CHUNK", 7)
    seen: list[tuple[int, int]] = []
    parallel = load_or_build(
        folders(lib), progress=lambda d, t: seen.append((d, t)), use_cache=False
    )
    monkeypatch.setattr(index_module, "PARALLEL_FROM", 10**9)
    serial = load_or_build(folders(lib), use_cache=False)
    assert seen[-1] == (61, 61)
    assert list(parallel.codes) == list(serial.codes) and len(parallel) == 60
    assert list(parallel.post_list) == list(serial.post_list)
    assert [str(p) for p in parallel.problems] == [str(p) for p in serial.problems]
    assert "99999.toml:1" in str(parallel.problems[0])


# --- ranking at scale equals an exhaustive scorer ------------------------------------


def brute_force(records, vocab, query: str, limit: int) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    """Score every string of every record against every query unit, directly."""
    from cptcli.index import searchable_strings

    words, units = query_units(query)
    n = len(words)
    ordered = sorted(records, key=lambda r: r.code)
    best: dict[int, list[float]] = {}
    describe: dict[int, tuple[int, int, int]] = {}
    string = 0
    for number, record in enumerate(ordered):
        for field_no, text in searchable_strings(record):
            tokens = analyze(text)
            terms = index_terms(tokens, vocab)
            sims = [0.0] * n
            for unit in units:
                top = max((term_similarity(unit.text, t) for t in terms), default=0.0)
                for i in unit.covers:
                    sims[i] = max(sims[i], top)
            if any(sims):
                best[string] = sims
            describe[string] = (number, field_no, len(tokens))
            string += 1
    ranked = rank_strings(best, n, describe.__getitem__)
    return [(ordered[r].code, s) for r, s, _ in ranked if s >= 40][:limit]


def test_ranking_equals_exhaustive_scoring_on_a_generated_corpus(tmp_path: Path) -> None:
    lib = corpus.generate(400, tmp_path / "corpus", seed=11)
    records = [load_record(p) for p in sorted(lib.glob("*.toml"))]
    vocab = load_vocabulary(vocabulary_file())
    index = index_records(records, vocab)
    assert len(FIELD_WEIGHTS) >= 5
    queries = [
        corpus.PLANTED_NAME,
        "biopsy of the liver",
        "knee replacment",  # typo
        "hepatoectomy",
        "fracture of the femur",
        "laparoscopic kidney removal",
        "gastro",  # prefix
        "pain",
        "tumor of the lung open resection",
    ]
    for query in queries:
        fast = [(m.code, round(m.score, 6)) for m in search(index, query)]
        exhaustive = brute_force(records, vocab, query, limit=10)
        assert fast == exhaustive, query
    assert search(index, corpus.PLANTED_NAME)[0].code == corpus.PLANTED_CODE


# --- the freshness check started by the entry point ---------------------------------


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(freshness, "_cpus", lambda: 2)
    monkeypatch.setattr(freshness, "_early", None)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the early check needs fork")
def test_a_search_starts_its_freshness_check_before_the_imports(
    folder: Path, two_cpus: None
) -> None:
    from cptcli.paths import data_folders

    load_or_build(data_folders([folder]))
    write_record(folder, "0998T", minimal("0998T", "Snare removal of a test lesion"))
    freshness.start_early(["--data-dir", str(folder), "search", "snare"])
    early = freshness._early
    assert early is not None and early.parallel  # a child process is checking
    opened = open_index(data_folders([folder]))
    assert opened.check is early and freshness._early is None  # handed over once
    assert opened.index is not None and "0998T" not in opened.index.codes
    assert not opened.is_fresh()
    assert "0998T" in opened.current().codes


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "85230"],
        ["--no-cache", "search", "snare"],
        ["--version"],
        ["list"],
        ["--data-dir"],
    ],
)
def test_other_commands_start_no_early_check(folder: Path, two_cpus: None, argv: list[str]) -> None:
    from cptcli.paths import data_folders

    load_or_build(data_folders([]))
    freshness.start_early(argv)
    assert freshness._early is None


def test_no_early_check_without_a_cached_index(folder: Path, two_cpus: None) -> None:
    freshness.start_early(["--data-dir", str(folder), "search", "snare"])
    assert freshness._early is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the early check needs fork")
def test_an_early_check_for_other_folders_is_not_used(folder: Path, two_cpus: None) -> None:
    from cptcli.paths import data_folders

    load_or_build(data_folders([]))
    load_or_build(data_folders([folder]))
    freshness.start_early(["search", "snare"])
    early = freshness._early
    assert early is not None
    opened = open_index(data_folders([folder]))
    assert opened.check is not None and opened.check is not early
    assert freshness._early is None and opened.is_fresh()


def test_strings_read_item_by_item_like_a_list() -> None:
    from cptcli.index import Strings

    items = ["Knee arthroscopy", "", "Ästhetik \u2013 ü", "0999T"]
    strings = Strings.of(items)
    assert len(strings) == 4 and list(strings) == items
    assert strings[2] == items[2] and strings[-1] == "0999T" and strings[1:3] == items[1:3]
    with pytest.raises(IndexError):
        strings[4]
    blob, offsets = strings.parts()
    assert Strings(memoryview(blob), memoryview(offsets).cast("Q"))[2] == items[2]
    assert Strings.of([]).consistent() and list(Strings.of([])) == []
