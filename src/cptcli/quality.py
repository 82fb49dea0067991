"""Quality rules for a curated procedure library, beyond the record schema.

The record schema (``cpt schema record``) says what any record may contain. These rules say
what a record of the bundled library must contain, and check that records are not
near-copies of one another. ``cpt validate --strict`` applies them to any folder.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from cptcli.models import Procedure, flatten
from cptcli.sections import SECTION_KEYS, SECTIONS, SectionSpec

REQUIRED = (
    "summary",
    "purpose",
    "indications",
    "preparation",
    "procedure",
    "duration",
    "setting",
    "personnel",
    "risks",
    "benefits",
    "recovery",
    "alternatives",
    "patient_experience",
    "similar_codes",
)
CPT_SECTIONS = (
    "Evaluation and Management",
    "Anesthesia",
    "Surgery",
    "Radiology",
    "Pathology and Laboratory",
    "Medicine",
    "Category II",
    "Category III",
    "HCPCS",
)
MIN_SUMMARY_WORDS = 35
# Word-trigram Jaccard similarity above which two records count as near-copies.
MAX_SIMILARITY = 0.35

_WORD = re.compile(r"[a-z0-9]+")


def record_problems(record: Procedure) -> list[str]:
    """What one record lacks for the curated library (empty when it is complete)."""
    problems = [f"missing section '{key}'" for key in REQUIRED if key not in record.sections]
    summary = record.sections.get("summary")
    if isinstance(summary, str) and len(summary.split()) < MIN_SUMMARY_WORDS:
        problems.append(
            f"summary has {len(summary.split())} words; write at least {MIN_SUMMARY_WORDS}"
        )
    if "indications" in record.sections and len(record.section_text("indications")) < 2:
        problems.append("give at least two indications")
    if "risks" in record.sections and len(record.section_text("risks")) < 2:
        problems.append("give at least two risks")
    steps = record.sections.get("procedure")
    if steps is not None and not (isinstance(steps, list) and len(steps) >= 2):
        problems.append("'procedure' must be a list of at least two ordered steps")
    if len(record.aliases) < 3:
        problems.append("give at least three aliases (lay terms, abbreviations, other names)")
    for spec in SECTIONS:
        if spec.key in record.sections:
            problems.extend(_shape_problems(spec, record.sections[spec.key]))
    if record.reviewed is None:
        problems.append("add 'reviewed' with the date a second reader last checked the record")
    if record.category.startswith("Evaluation and Management") and not record.time:
        problems.append(
            "E/M codes need 'time': the minutes that select the code, or a note that time does not"
        )
    for alias in record.aliases:
        others = [c for c in _CODE_IN_TEXT.findall(alias) if c != record.code]
        if others:
            problems.append(
                f"alias {alias!r} names code {others[0]}: aliases are names of this code's service"
            )
    head = record.category.split(" / ")[0]
    if head not in CPT_SECTIONS or " / " not in record.category:
        problems.append(
            "category must read '<section> / <subsection>' with a section among: "
            + ", ".join(CPT_SECTIONS)
        )
    return problems


_CODE_IN_TEXT = re.compile(r"\b(?:\d{5}|\d{4}[FTU]|[A-V]\d{4})\b")
_KINDS = {"text": str, "list": list}


def _shape_problems(spec: SectionSpec, value: object) -> list[str]:
    """The section's shape against the one shape the library uses for it."""
    if spec.shape != "table":
        if isinstance(value, _KINDS[spec.shape]):
            return []
        wanted = "a paragraph (string)" if spec.shape == "text" else "a list of strings"
        return [f"section '{spec.key}' must be {wanted}"]
    if not isinstance(value, dict):
        return [f"section '{spec.key}' must be a table with parts {_labels(spec)}"]
    problems = []
    known = {label: (kind, required) for label, kind, required in spec.parts}
    for label in value:
        if label not in known:
            problems.append(
                f"'{spec.key}.{label}' is not a part of this section; use {_labels(spec)}"
            )
    for label, (kind, required) in known.items():
        if label not in value:
            if required:
                problems.append(f"section '{spec.key}' lacks its part '{label}'")
        elif not isinstance(value[label], _KINDS[kind]):
            wanted = "a string" if kind == "text" else "a list of strings"
            problems.append(f"'{spec.key}.{label}' must be {wanted}")
    return problems


def _labels(spec: SectionSpec) -> str:
    return ", ".join(label for label, _, _ in spec.parts)


def full_text(record: Procedure) -> str:
    parts = [record.name, *record.aliases]
    for key in SECTION_KEYS:
        if key != "similar_codes":
            parts.extend(flatten(record.sections.get(key)))
    return " ".join(parts)


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def nearest_neighbours(records: Iterable[Procedure]) -> dict[str, tuple[str, float]]:
    """For each record, the most similar other record and their Jaccard similarity."""
    sets = {r.code: shingles(full_text(r)) for r in records}
    owners: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for code, grams in sets.items():
        for gram in grams:
            owners[gram].append(code)
    best: dict[str, tuple[str, float]] = {code: ("", 0.0) for code in sets}
    for code, grams in sets.items():
        shared: dict[str, int] = defaultdict(int)
        for gram in grams:
            for other in owners[gram]:
                if other != code:
                    shared[other] += 1
        for other, count in shared.items():
            union = len(grams) + len(sets[other]) - count
            score = count / union if union else 0.0
            if score > best[code][1]:
                best[code] = (other, score)
    return best
