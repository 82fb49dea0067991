"""The sections of a procedure summary: canonical keys, titles, aliases, name resolution.

This module is the single source of truth for which sections exist and in which order
they are shown. It imports nothing heavy, so every command can use it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from cptcli.errors import UsageError


class SectionSpec(NamedTuple):
    key: str
    title: str
    aliases: tuple[str, ...] = ()
    # The one shape the curated library uses: "text", "list", or "table" with its
    # labelled parts as (label, "text" or "list", required).
    shape: str = "text"
    parts: tuple[tuple[str, str, bool], ...] = ()


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("summary", "Summary", ("overview", "about")),
    SectionSpec("purpose", "Purpose", ("why", "goal")),
    SectionSpec("indications", "Indications", ("reasons", "when"), "list"),
    SectionSpec("preparation", "Preparation", ("prep", "before"), "list"),
    SectionSpec("procedure", "Procedure Description", ("steps", "description", "how"), "list"),
    SectionSpec("tools", "Tools, Equipment, or Technology", ("equipment", "technology"), "list"),
    SectionSpec("anesthesia", "Anesthesia or Sedation", ("sedation", "anaesthesia")),
    SectionSpec("duration", "Duration", ("time", "length")),
    SectionSpec("setting", "Setting", ("location", "place", "where")),
    SectionSpec("personnel", "Personnel", ("staff", "team", "who"), "list"),
    SectionSpec(
        "risks",
        "Risks and Complications",
        ("complications", "dangers"),
        "table",
        (("common", "list", True), ("rare", "list", True)),
    ),
    SectionSpec("benefits", "Benefits", (), "list"),
    SectionSpec("recovery", "Recovery", ("aftercare",)),
    SectionSpec(
        "alternatives",
        "Alternatives",
        ("options",),
        "table",
        (("options", "list", True), ("compared", "list", False)),
    ),
    SectionSpec(
        "patient_experience",
        "Patient Experience",
        ("experience", "feel"),
        "table",
        (("during", "text", True), ("after", "text", True)),
    ),
    SectionSpec("similar_codes", "Similar Codes", ("similar", "related", "codes"), "list"),
)

SECTION_KEYS: tuple[str, ...] = tuple(spec.key for spec in SECTIONS)
BY_KEY: dict[str, SectionSpec] = {spec.key: spec for spec in SECTIONS}

# Titles for the labelled parts of a table-shaped section. Any other label is shown
# with its first letter capitalised and underscores as spaces.
PART_TITLES: dict[str, str] = {
    "common": "Common risks",
    "rare": "Rare risks",
    "serious": "Serious risks",
    "minor": "Minor risks",
    "major": "Major risks",
    "before": "Before the procedure",
    "during": "During the procedure",
    "after": "After the procedure",
    "options": "Options",
    "compared": "Pros and cons",
}


def part_title(label: str) -> str:
    """The heading shown for a labelled part such as ``risks.common``."""
    return PART_TITLES.get(label, label.replace("_", " ").capitalize())


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip()


def _names(spec: SectionSpec) -> list[str]:
    return [_fold(spec.key), _fold(spec.title), *(_fold(a) for a in spec.aliases)]


def section_names() -> list[str]:
    """Every key a user can pass to ``--section`` (for help text and completion)."""
    return list(SECTION_KEYS)


def resolve_section(name: str) -> str:
    """Map a user-given section name to its canonical key.

    A name may be the key, the title, an alias, or an unambiguous prefix of any of
    them, in any case, with spaces, hyphens or underscores alike.
    """
    folded = _fold(name)
    if not folded:
        raise UsageError(_unknown_message(name))
    exact = [spec.key for spec in SECTIONS if folded in _names(spec)]
    if exact:
        return exact[0]
    prefixed = sorted(
        {spec.key for spec in SECTIONS if any(n.startswith(folded) for n in _names(spec))}
    )
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise UsageError(
            f"Section name {name!r} is ambiguous: it could be {', '.join(prefixed)}. "
            "Type more letters."
        )
    raise UsageError(_unknown_message(name))


def resolve_sections(names: list[str]) -> list[str]:
    """Resolve several names, keeping canonical order and dropping repeats."""
    wanted = {resolve_section(n) for n in names}
    return [key for key in SECTION_KEYS if key in wanted]


def _unknown_message(name: str) -> str:
    return (
        f"Unknown section {name!r}. Valid sections: {', '.join(SECTION_KEYS)} "
        "(see `cpt sections` for titles and aliases)."
    )
