"""The modifier reference: what each common CPT and HCPCS modifier tells a payer.

The bundled ``data/modifiers.toml`` holds one ``[[modifier]]`` table per modifier::

    [[modifier]]
    code = "25"
    system = "CPT"                 # or "HCPCS"
    name = "Separate E/M service on the day of a procedure"
    group = "E/M"
    explanation = "What it tells the payer, in plain words."
    use = ["When it is used", ...]
    not_for = ["A common misuse", ...]   # optional
    related = ["57", "59"]               # optional

Like the code history it is precompiled to JSON in the wheel. Nothing here prints.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

KEYS = ("code", "system", "name", "group", "explanation", "use", "not_for", "related")
SYSTEMS = ("CPT", "HCPCS")
_CODE = re.compile(r"^[0-9A-Z]{2}$")


class Modifier(NamedTuple):
    code: str
    system: str
    name: str
    group: str
    explanation: str
    use: tuple[str, ...]
    not_for: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "system": self.system,
            "name": self.name,
            "group": self.group,
            "explanation": self.explanation,
            "use": list(self.use),
            "not_for": list(self.not_for),
            "related": list(self.related),
        }


class Modifiers(NamedTuple):
    by_code: dict[str, Modifier]

    def get(self, code: str) -> Modifier | None:
        return self.by_code.get(code.strip().upper())

    def __len__(self) -> int:
        return len(self.by_code)

    def all(self) -> list[Modifier]:
        return sorted(self.by_code.values(), key=lambda m: (m.code[0].isalpha(), m.code))


EMPTY = Modifiers({})


def modifier_problems(data: dict[str, Any]) -> list[str]:
    """Every problem of a parsed modifier file (empty when it is valid)."""
    problems: list[str] = []
    if set(data) - {"modifier"}:
        problems.append("unknown top-level key; the file holds [[modifier]] tables only")
    entries = data.get("modifier", [])
    if not isinstance(entries, list) or not entries:
        return [*problems, "'modifier' must be a non-empty array of tables ([[modifier]])"]
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"entry {i}: must be a table")
            continue
        code = entry.get("code")
        if not (isinstance(code, str) and _CODE.match(code)):
            problems.append(f"entry {i}: 'code' must be two capitals or digits (got {code!r})")
            continue
        if code in seen:
            problems.append(f"{code}: listed twice")
        seen.add(code)
        for key in entry:
            if key not in KEYS:
                problems.append(f"{code}: unknown key {key!r}")
        if entry.get("system") not in SYSTEMS:
            problems.append(f"{code}: 'system' must be one of {', '.join(SYSTEMS)}")
        for key in ("name", "group", "explanation"):
            value = entry.get(key)
            if not (isinstance(value, str) and value.strip()):
                problems.append(f"{code}: '{key}' must be a non-empty string")
        for key in ("use", "not_for", "related"):
            value = entry.get(key, [] if key != "use" else None)
            if not (
                isinstance(value, list)
                and all(isinstance(v, str) and v.strip() for v in value)
                and (value or key != "use")
            ):
                problems.append(f"{code}: '{key}' must be a list of non-empty strings")
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("related"), list):
            missing = [r for r in entry["related"] if r not in seen]
            if missing:
                problems.append(
                    f"{entry.get('code')}: related modifier {missing[0]!r} is not listed"
                )
    return problems


def modifiers_from_data(data: dict[str, Any]) -> Modifiers:
    return Modifiers(
        {
            e["code"]: Modifier(
                code=e["code"],
                system=e["system"],
                name=e["name"].strip(),
                group=e["group"].strip(),
                explanation=" ".join(e["explanation"].split()),
                use=tuple(e["use"]),
                not_for=tuple(e.get("not_for", ())),
                related=tuple(e.get("related", ())),
            )
            for e in data.get("modifier", [])
        }
    )


def parse_modifiers(raw: bytes, path: Path) -> dict[str, Any]:
    """The file's bytes decoded, parsed and checked (RecordError on the first problem)."""
    from cptcli.tables import parse_table

    return parse_table(raw, path, modifier_problems)


def load_modifiers(path: Path, compiled: Path | None = None) -> Modifiers:
    """The table, from its precompiled copy when one matches the file. A missing file
    is an empty table; a broken one raises RecordError."""
    from cptcli.tables import load_table

    data = load_table(path, compiled, modifier_problems)
    return EMPTY if data is None else modifiers_from_data(data)


MODIFIER_WORDS = frozenset({"modifier", "modifiers", "mod", "mods"})


def asks_for_modifiers(query: str) -> bool:
    """Whether a search query asks about modifiers ("modifier 59", "bilateral modifier")."""
    return any(w in MODIFIER_WORDS for w in re.findall(r"[a-z]+", query.lower()))


def find_modifiers(reference: Modifiers, query: str, limit: int = 10) -> list[Modifier]:
    """Modifiers for a query: the codes it names first, then the best matches of its
    other words in names, explanations and uses (typos tolerated)."""
    from cptcli.search import similarity, terms_of

    words = [w for w in re.findall(r"[0-9a-z]+", query.lower()) if w not in MODIFIER_WORDS]
    named = [reference.get(w) for w in words if len(w) == 2]
    found = [m for m in named if m is not None]
    terms = [t for t in terms_of(" ".join(words)) if not (len(t) == 2 and reference.get(t))]
    if terms:
        scored = []
        for modifier in reference.all():
            if modifier in found:
                continue
            text = terms_of(
                " ".join([modifier.name, modifier.group, modifier.explanation, *modifier.use])
            )
            name = set(terms_of(modifier.name))
            score = 0.0
            for term in terms:
                best = max((similarity(term, t) for t in text), default=0.0)
                score += best * (1.5 if term in name else 1.0)
            if score >= 0.8 * len(terms):
                scored.append((-score, modifier.code, modifier))
        found += [m for _, _, m in sorted(scored)]
    return found[:limit]
