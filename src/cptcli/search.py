"""Text normalisation and ranking: what a query means and how well a record answers it.

Everything here is a pure function of its inputs. The index (``index.py``) stores, for
each searchable string of each record, the set of *terms* produced by
:func:`index_terms`; a query is split into *units* (its words, and adjacent pairs
joined) and each unit is compared with terms by :func:`similarity`. A string's score
depends only on those unit-term similarities, so looking only at terms with a non-zero
similarity (what the index does) gives exactly the ranking an exhaustive scan would.

Scale: scores run from 0 to 100.
  100  the exact code, or the query is exactly a record's name
  ~95  the query is exactly one of a record's aliases
  80+  every query word found in a name or alias (fewer extra words: higher)
  60+  every query word found in an indication, or a typo-level match in a name
  <40  weak: filtered out by default (``--min-score``)
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from cptcli.models import Match

# --- fields --------------------------------------------------------------------------

# Searchable fields: (name shown as matched_field, weight). Order is the tie-break rank.
FIELDS: tuple[tuple[str, float], ...] = (
    ("name", 1.0),
    ("alias", 0.95),
    # misspellings and search-only variants: found, never shown as names
    ("search term", 0.9),
    ("indication", 0.75),
    ("summary", 0.65),
    ("purpose", 0.6),
)
FIELD_INDEX = {name: i for i, (name, _) in enumerate(FIELDS)}
FIELD_WEIGHTS = tuple(weight for _, weight in FIELDS)
# The --field choices and the fields each covers.
FIELD_CHOICES: dict[str, tuple[str, ...]] = {
    "all": tuple(name for name, _ in FIELDS),
    "name": ("name",),
    "aliases": ("alias", "search term"),
    "indications": ("indication",),
    "text": ("summary", "purpose"),
}
DEFAULT_MIN_SCORE = 40.0
# A record matched across several strings counts for less than one string covering all.
UNION_FACTOR = 0.8

# --- normalisation -------------------------------------------------------------------

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "and",
        "or",
        "to",
        "in",
        "on",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "be",
        "been",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "per",
        "via",
        "into",
        "than",
        "then",
        "about",
        "after",
        "before",
        "during",
        "your",
        "my",
        "me",
        "our",
        "their",
        "his",
        "her",
        "any",
        "some",
        "can",
        "may",
        "who",
        "what",
        "which",
        "when",
        "where",
        "how",
        "do",
        "does",
    ]
)
# Words after which a Roman numeral or a number word is read as a number
# ("factor VII" = "factor 7", "type II" = "type 2", "stage four" = "stage 4").
NUMERAL_CONTEXT = frozenset(
    [
        "factor",
        "factors",
        "type",
        "class",
        "grade",
        "stage",
        "phase",
        "level",
        "tier",
        "schedule",
        "cranial",
        "nerve",
    ]
)
_ROMAN = {"i": 1, "v": 5, "x": 10}
_ROMAN_RE = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_TOKEN_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents ("Anesthésie" -> "anesthesie")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def roman_value(word: str) -> int | None:
    """The value of a Roman numeral from i to xxxix, else None."""
    if not word or not _ROMAN_RE.match(word):
        return None
    total, previous = 0, 0
    for char in reversed(word):
        value = _ROMAN[char]
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


def stem(word: str) -> str:
    """Strip a plural ending: "biopsies" -> "biopsy", "x-rays" -> "ray"."""
    if len(word) <= 3 or not word.endswith("s") or word[-2] in "su" or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("is") or any(c.isdigit() for c in word):
        return word
    return word[:-1]


class Token(NamedTuple):
    term: str  # normalised form
    start: int  # span in the original text
    end: int
    # A number read from a Roman numeral or a number word after a context word
    # ("factor VII" -> "7"): it means that number only as written, never through a
    # vocabulary phrase that uses the digit otherwise ("chem 7").
    numeral: bool = False


def analyze(text: str, keep_stopwords: bool = False) -> list[Token]:
    """Split text into normalised tokens with their spans in the original text."""
    tokens: list[Token] = []
    previous = ""
    for found in _TOKEN_RE.finditer(text):
        word = found.group()
        numeral = False
        if previous in NUMERAL_CONTEXT:
            raw = fold(word)
            value = roman_value(raw)
            numeral = value is not None or raw in NUMBER_WORDS or raw.isdigit()
            if value is not None:
                term = str(value)
            elif raw in NUMBER_WORDS:
                term = NUMBER_WORDS[raw]
            else:
                term = stem(raw)
        else:
            cached = _NORMAL.get(word)
            if cached is None:
                raw = fold(word)
                cached = (raw, stem(raw))
                if len(_NORMAL) < _NORMAL_MAX:
                    _NORMAL[word] = cached
            raw, term = cached
        previous = raw
        if keep_stopwords or term not in STOPWORDS:
            tokens.append(Token(term, found.start(), found.end(), numeral))
    return tokens


# word as written -> (folded, folded and stemmed); words repeat a lot across a library
_NORMAL: dict[str, tuple[str, str]] = {}
_NORMAL_MAX = 500_000


def terms_of(text: str) -> list[str]:
    return [t.term for t in analyze(text)]


# --- vocabulary ----------------------------------------------------------------------


class Vocabulary:
    """Synonyms, abbreviations and word endings that widen what a record is found by."""

    def __init__(self) -> None:
        # phrase (tuple of terms) -> extra terms to add when the phrase occurs
        self.phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.suffixes: dict[str, tuple[str, ...]] = {}
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._by_suffix: dict[str, tuple[str, ...]] = {}

    def add_phrase(self, phrase: tuple[str, ...], extra: Iterable[str]) -> None:
        if not phrase:
            return
        merged = dict.fromkeys(self.phrases.get(phrase, ()))
        merged.update(dict.fromkeys(t for t in extra if t))
        self.phrases[phrase] = tuple(merged)
        firsts = self._by_first.setdefault(phrase[0], [])
        if phrase not in firsts:
            firsts.append(phrase)

    def compiled(self) -> dict[str, Any]:
        """The normalised vocabulary as plain JSON-able data (stored with an index)."""
        return {
            "phrases": [[list(p), list(extra)] for p, extra in self.phrases.items()],
            "suffixes": {s: list(extra) for s, extra in self.suffixes.items()},
        }

    @classmethod
    def from_compiled(cls, data: dict[str, Any]) -> Vocabulary:
        vocab = cls()
        for phrase, extra in data.get("phrases", []):
            vocab.add_phrase(tuple(phrase), extra)
        vocab.suffixes = {s: tuple(extra) for s, extra in data.get("suffixes", {}).items()}
        return vocab

    def starting_with(self, term: str) -> list[tuple[str, ...]]:
        return self._by_first.get(term, [])

    def suffix_terms(self, term: str) -> tuple[str, ...]:
        """Terms added for the word endings ``term`` has ("appendectomy" -> "removal")."""
        found = self._by_suffix.get(term)
        if found is None:
            found = tuple(
                extra
                for suffix, extras in self.suffixes.items()
                if term.endswith(suffix) and term != suffix
                for extra in extras
            )
            if len(self._by_suffix) < 500_000:
                self._by_suffix[term] = found
        return found


def vocabulary_from_data(data: dict[str, Any]) -> Vocabulary:
    vocab = Vocabulary()
    for group in data.get("equivalent", []):
        phrases = [tuple(terms_of(t)) for t in group.get("terms", [])]
        every = [term for p in phrases for term in p]
        for phrase in phrases:
            vocab.add_phrase(phrase, [t for t in every if t not in phrase])
    for entry in data.get("abbreviation", []):
        abbr = terms_of(entry.get("abbr", ""))
        for meaning in entry.get("means", []):
            vocab.add_phrase(tuple(terms_of(meaning)), abbr)
    for entry in data.get("suffix", []):
        suffix = fold(entry.get("suffix", ""))
        if suffix:
            extra = [t for a in entry.get("adds", []) for t in terms_of(a)]
            vocab.suffixes[suffix] = tuple(extra)
    return vocab


def load_vocabulary(path: Path) -> Vocabulary:
    from cptcli.library.reading import TABLE_LIMIT
    from cptcli.store import parse_toml, read_text

    return vocabulary_from_data(parse_toml(read_text(path, TABLE_LIMIT, "table"), str(path)))


def index_terms(tokens: Sequence[Token], vocab: Vocabulary) -> dict[str, tuple[int, ...]]:
    """Every term a string is found by, with the token positions it comes from.

    The tokens themselves; two adjacent tokens joined when one is very short
    ("x ray" -> "xray"); the vocabulary's additions for phrases and word endings.
    """
    out: dict[str, tuple[int, ...]] = {}

    def add(term: str, positions: tuple[int, ...]) -> None:
        if term not in out:
            out[term] = positions

    terms = [t.term for t in tokens]
    for i, term in enumerate(terms):
        add(term, (i,))
    for i in range(len(terms) - 1):
        a, b = terms[i], terms[i + 1]
        if min(len(a), len(b)) <= 2 and a.isalpha() and b.isalpha():
            add(a + b, (i, i + 1))
    # Terms the vocabulary adds are marked as derived; they match a little below the
    # words actually written ("knee replacement" beats "TKA anesthesia" for that query).
    for i, term in enumerate(terms):
        for phrase in vocab.starting_with(term):
            if tuple(terms[i : i + len(phrase)]) == phrase:
                span = tuple(range(i, i + len(phrase)))
                for extra in vocab.phrases[phrase]:
                    if extra not in out:
                        add(DERIVED + extra, span)
        for extra in vocab.suffix_terms(term):
            if extra not in out:
                add(DERIVED + extra, (i,))
    return out


# --- similarity ----------------------------------------------------------------------

DERIVED = "\x01"  # marks an indexed term that comes from the vocabulary, not the text
SYNONYM_FACTOR = 0.95


def allowed_edits(term: str) -> int:
    """Typos tolerated in a query word, scaled to its length; none in numbers."""
    if any(c.isdigit() for c in term):
        return 0
    n = len(term)
    return 0 if n <= 3 else 1 if n <= 5 else 2 if n <= 9 else 3


def similarity(query: str, term: str) -> float:
    """How well one query unit matches one indexed term, from 0 to 1.

    1 for equal; a prefix of three letters or more scores 0.7-0.9; a typo within
    :func:`allowed_edits` (optimal string alignment distance, so a swap of two letters
    counts once) scores up to 0.9 by the share of letters that differ.
    """
    if query == term:
        return 1.0
    best = 0.0
    if len(query) >= 3 and term.startswith(query) and not query.isdigit():
        best = 0.7 + 0.2 * len(query) / len(term)
    limit = allowed_edits(query)
    if limit and abs(len(query) - len(term)) <= limit and not any(c.isdigit() for c in term):
        from rapidfuzz.distance import OSA

        edits = OSA.distance(query, term, score_cutoff=limit)
        if edits <= limit:
            best = max(best, min(0.9, 1.0 - edits / max(len(query), len(term))))
    return best


def term_similarity(query: str, term: str) -> float:
    """:func:`similarity` for an indexed term, derived terms counting slightly less."""
    if term.startswith(DERIVED):
        return SYNONYM_FACTOR * similarity(query, term[1:])
    return similarity(query, term)


class Unit(NamedTuple):
    """A query word, or two adjacent query words joined ("x ray" -> "xray")."""

    text: str
    covers: tuple[int, ...]
    written_only: bool = False  # match words as written, not vocabulary additions


def query_units(query: str) -> tuple[list[str], list[Unit]]:
    tokens = analyze(query) or analyze(query, keep_stopwords=True)
    # A repeated word counts once: "knee knee knee" asks no more than "knee".
    seen: set[str] = set()
    tokens = [t for t in tokens if not (t.term in seen or seen.add(t.term))]  # type: ignore[func-returns-value]
    words = [t.term for t in tokens]
    units = [Unit(w, (i,), tokens[i].numeral) for i, w in enumerate(words)]
    for i in range(len(words) - 1):
        if words[i].isalpha() and words[i + 1].isalpha():
            units.append(Unit(words[i] + words[i + 1], (i, i + 1)))
    return words, units


def matching_terms(
    unit: str,
    vocabulary: Sequence[str],
    plain: Sequence[str] | None = None,
    written_only: bool = False,
) -> list[tuple[int, float]]:
    """(index, similarity) of every term of a sorted vocabulary with similarity > 0.

    ``plain`` is the vocabulary without derived-term marks (see :func:`plain_terms`);
    ``written_only`` leaves out the terms the vocabulary derived.
    """
    found: dict[int, float] = {}
    end = len(vocabulary)
    # Equal, then every term the unit is a prefix of (they sort right after it),
    # written and derived.
    for start in (unit,) if written_only else (unit, DERIVED + unit):
        i = bisect_left(vocabulary, start)
        while i < end and vocabulary[i].startswith(start):
            found[i] = term_similarity(unit, vocabulary[i])
            i += 1
    if allowed_edits(unit):
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        for _, _, j in process.extract_iter(
            unit,
            plain if plain is not None else plain_terms(vocabulary),
            scorer=OSA.distance,
            score_cutoff=allowed_edits(unit),
        ):
            if j not in found and not (written_only and vocabulary[j].startswith(DERIVED)):
                found[j] = term_similarity(unit, vocabulary[j])
    return [(j, s) for j, s in found.items() if s > 0]


# What each query word reached in the index searched last: a picker searches on every
# keystroke, and all but the word being typed repeat from the last search.
_REACHED: dict[tuple[str, bool, frozenset[int]], tuple[list[str], dict[int, float]]] = {}
_REACHED_IN: list[object] = [None]  # the index those string numbers belong to
_REACH_BUDGET = 400_000  # remembered (string, similarity) pairs in all: a few tens of MB


def _reach(
    index: SearchableIndex,
    unit: str,
    written_only: bool,
    plain: Sequence[str],
    fields: frozenset[int],
) -> tuple[list[str], dict[int, float]]:
    """The terms a query word matches and, for each string of the allowed fields that
    holds one, its best similarity; remembered for the last index searched (the answer
    is a pure function of the arguments)."""
    if _REACHED_IN[0] is not index:
        _REACHED.clear()
        _REACHED_IN[0] = index
    key = (unit, written_only, fields)
    known = _REACHED.get(key)
    if known is not None:
        return known
    terms: list[str] = []
    reach: dict[int, float] = {}
    for term, sim in matching_terms(unit, index.vocabulary, plain, written_only):
        terms.append(index.vocabulary[term])
        for string in index.postings(term):
            if index.str_field[string] in fields and sim > reach.get(string, 0.0):
                reach[string] = sim
    if sum(len(r) for _, r in _REACHED.values()) + len(reach) > _REACH_BUDGET:
        _REACHED.clear()
    if len(reach) <= _REACH_BUDGET // 4:  # a word found nearly everywhere is not kept
        _REACHED[key] = (terms, reach)
    return terms, reach


def plain_terms(vocabulary: Sequence[str]) -> list[str]:
    return [t[1:] if t.startswith(DERIVED) else t for t in vocabulary]


# --- scoring -------------------------------------------------------------------------


def string_score(sims: Sequence[float], n_terms: int, weight: float) -> float:
    """Score of one string from its best similarity for each query word."""
    if not sims:
        return 0.0
    matched = sum(1 for s in sims if s > 0)
    coverage = sum(sims) / len(sims)
    precision = min(1.0, matched / n_terms) if n_terms else 0.0
    return 100.0 * weight * coverage * (0.8 + 0.2 * precision)


def union_score(best: Sequence[float]) -> float:
    """Score of a record whose words are found across several of its strings."""
    return 100.0 * UNION_FACTOR * sum(best) / len(best) if best else 0.0


# --- code queries --------------------------------------------------------------------

_CODE = r"(?:\d{5}|\d{4}[FTUftu]|[A-Va-v]\d{4})"
_CODE_RE = re.compile(rf"^{_CODE}$")
_PREFIX_RE = re.compile(r"^(?:\d{2,4}|[A-Va-v]\d{1,3})$")
_RANGE_RE = re.compile(rf"^({_CODE})\s*[-\u2013]\s*({_CODE})$")


class CodeQuery(NamedTuple):
    exact: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()


def parse_code_query(query: str) -> CodeQuery | None:
    """A query made only of codes, code prefixes and code ranges, else None."""
    text = re.sub(r"\s*[-\u2013]\s*", "-", query.strip())
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    if not parts:
        return None
    exact, prefixes, ranges = [], [], []
    for part in parts:
        if _CODE_RE.match(part):
            exact.append(part.upper())
        elif _PREFIX_RE.match(part):
            prefixes.append(part.upper())
        elif (found := _RANGE_RE.match(part)) is not None:
            low, high = found.group(1).upper(), found.group(2).upper()
            ranges.append((min(low, high), max(low, high)))
        else:
            return None
    return CodeQuery(tuple(exact), tuple(prefixes), tuple(ranges))


def _in_range(code: str, low: str, high: str) -> bool:
    return (
        len(code) == len(low) and low <= code <= high and code[-1:].isdigit() == low[-1:].isdigit()
    )


def code_matches(codes: Sequence[str], query: CodeQuery) -> list[tuple[int, float, str]]:
    """(record, score, what matched) for a code query, in the order to show them."""
    position = {code: i for i, code in enumerate(codes)}
    results: list[tuple[int, float, str]] = []
    seen: set[int] = set()
    for code in query.exact:
        if code in position and position[code] not in seen:
            seen.add(position[code])
            results.append((position[code], 100.0, code))
    ranged = []
    for i, code in enumerate(codes):
        if i in seen:
            continue
        for low, high in query.ranges:
            if _in_range(code, low, high):
                ranged.append((i, 100.0, f"{low}-{high}"))
                break
        else:
            for prefix in query.prefixes:
                if code.startswith(prefix):
                    ranged.append((i, 100.0 * len(prefix) / len(code), prefix))
                    break
    ranged.sort(key=lambda r: codes[r[0]])
    return results + ranged


# --- the search ----------------------------------------------------------------------


class SearchableIndex(Protocol):
    """What :func:`search` needs from an index (see ``index.Index``)."""

    codes: Sequence[str]
    names: Sequence[str]
    categories: Sequence[str]
    systems: Sequence[str]
    vocabulary: Sequence[str]
    str_record: Sequence[int]
    str_field: Sequence[int]
    str_terms: Sequence[int]

    def postings(self, term: int) -> Sequence[int]: ...

    def text(self, string: int) -> str: ...


class SearchOptions(NamedTuple):
    limit: int = 10
    fields: tuple[str, ...] = FIELD_CHOICES["all"]
    category: str | None = None
    min_score: float = DEFAULT_MIN_SCORE


class Results(NamedTuple):
    """The best matches (at most the limit), how many matched in all, and notes on how
    the query was read."""

    matches: list[Match]
    total: int
    notes: tuple[str, ...] = ()


# Score thresholds of the confidence labels for matches on words.
STRONG, PARTIAL = 75.0, 55.0


def confidence(score: float, field: str, text: str, query: str) -> str:
    """The label of a word match: exact when a name or alias says just what the query
    says, else strong, partial or weak by score."""
    if field in ("name", "alias", "search term") and terms_of(text) == terms_of(query):
        return "exact"
    return "strong" if score >= STRONG else "partial" if score >= PARTIAL else "weak"


def search(index: SearchableIndex, query: str, options: SearchOptions | None = None) -> list[Match]:
    """Rank the index's records for a query; best first, at most ``options.limit``."""
    return find(index, query, options).matches


def find(index: SearchableIndex, query: str, options: SearchOptions | None = None) -> Results:
    """:func:`search` with the number of records that matched in all."""
    options = options or SearchOptions()
    allowed = _category_filter(index, options.category)
    code_query = parse_code_query(query)
    if code_query is not None:
        padded, notes = _restored_zeros(index.codes, code_query)
        if padded:
            code_query = code_query._replace(exact=(*code_query.exact, *padded))
        found = [
            Match(
                code=index.codes[r],
                name=index.names[r],
                category=index.categories[r],
                score=score,
                matched_field="code",
                matched_text=index.codes[r],
                highlights=((0, len(index.codes[r])),) if score == 100 else (),
                system=index.systems[r],
                confidence="exact" if index.codes[r] == what else "strong",
            )
            for r, score, what in code_matches(index.codes, code_query)
            if (allowed is None or r in allowed) and score >= options.min_score
        ]
        # A query made only of codes is answered by codes: "450" must not match
        # "450 mL" in a summary.
        return Results(found[: options.limit], len(found), notes)
    return _text_search(index, query, options, allowed)


def _restored_zeros(codes: Sequence[str], query: CodeQuery) -> tuple[list[str], tuple[str, ...]]:
    """Codes of three or four digits whose leading zeros a spreadsheet dropped (811 for
    00811), when the library has the padded code: they are listed first."""
    have = set(codes)
    padded, notes = [], []
    for prefix in query.prefixes:
        if prefix.isdigit() and len(prefix) in (3, 4) and prefix.zfill(5) in have:
            padded.append(prefix.zfill(5))
            notes.append(f"read {prefix} as {prefix.zfill(5)} (spreadsheets drop leading zeros)")
    return padded, tuple(notes)


def _category_filter(index: SearchableIndex, category: str | None) -> set[int] | None:
    if not category:
        return None
    wanted = fold(category)
    return {i for i, c in enumerate(index.categories) if wanted in fold(c)}


_MINUTES = re.compile(
    r"(?<![\w.])(\d{1,3}(?:\.\d+)?)\s*-?\s*"
    r"(minutes?|mins?|m|hours?|hrs?|h)(?![a-z])",
    re.IGNORECASE,
)


def minutes_in(query: str) -> tuple[str, int | None]:
    """A duration stated in a query ("53 min", "35 minutes", "1.5 hours") and the query
    without it; (query, None) when it states none."""
    found = _MINUTES.search(query)
    if found is None:
        return query, None
    value = float(found.group(1))
    if found.group(2).lower().startswith("h"):
        value *= 60
    rest = " ".join((query[: found.start()] + " " + query[found.end() :]).split())
    return (rest, round(value)) if rest and value > 0 else (query, None)


def time_fit(facts: str, minutes: int) -> float | None:
    """How well a record's time rule fits a stated duration: None when it has no rule,
    0 when the minutes fall outside it, else a value from 1 up that is higher the closer
    the rule's lower bound is to the minutes (so 35 minutes fits "30 or more" better
    than "20 or more")."""
    low, high, unit = ([*facts.split("|"), "", "", ""])[:3] if facts else ("", "", "")
    if not (low or high or unit):
        return None
    lo = int(low) if low else 0
    hi = int(high) if high else None
    if minutes < lo or (hi is not None and minutes > hi):
        return 0.0
    if unit and not low:
        return 1.0
    # a range closed on both sides that holds the minutes says more than an open one
    return 1.0 + lo / max(minutes, 1) + (0.5 if hi is not None else 0.0)


# Words that ask for an add-on code (an add-on is reported only with its primary).
ADD_ON_WORDS = frozenset({"with", "add", "addon", "additional", "each", "plus", "em", "e"})


def _by_minutes(
    index: SearchableIndex,
    kept: list[tuple[int, float, int]],
    minutes: int,
    words: Sequence[str],
) -> list[tuple[int, float, int]]:
    """Ranked records reordered for a stated duration. Among the records that match the
    words nearly as well as the best one, those whose time rule holds the minutes come
    first: an add-on only when the query asks for one, the more commonly billed code
    (a crisis or family session is not what "psychotherapy 30 minutes" means), then the
    tightest rule. A record whose rule excludes the minutes moves down."""
    facts = getattr(index, "facts", None)
    if facts is None or not kept:
        return kept
    wants_add_on = bool(ADD_ON_WORDS & set(words))
    close = max(score for _, score, _ in kept) * 0.9
    fitting, rest = [], []
    for item in kept:
        record, score, _ = item
        fact = facts[record]
        fit = time_fit(fact, minutes)
        if score >= close and fit:
            add_on = fact.split("|")[3] == "1"
            fitting.append(((add_on != wants_add_on, common_tier(fact), -fit, -score), item))
        elif fit == 0:
            rest.append((score * 0.6, item))
        else:
            rest.append((score, item))
    fitting.sort(key=lambda f: f[0])
    rest.sort(key=lambda r: -r[0])
    top = max(score for _, score, _ in kept)
    # the fitting records lead, shown with the best score; the rest keep their own
    return [(r, top, s) for _, (r, _, s) in fitting] + [
        (r, min(score, top), s) for score, (r, _, s) in rest
    ]


def _text_search(
    index: SearchableIndex, query: str, options: SearchOptions, allowed: set[int] | None
) -> Results:
    query, minutes = minutes_in(query)
    words, units = query_units(query)
    if not words:
        return Results([], 0)
    n = len(words)
    field_ok = {FIELD_INDEX[f] for f in options.fields}
    # best similarity of each query word, per string
    best: dict[int, list[float]] = {}
    matched_terms: set[str] = set()
    plain = getattr(index, "plain_vocabulary", None) or plain_terms(index.vocabulary)
    fields = frozenset(field_ok)
    for unit in units:
        terms, reach = _reach(index, unit.text, unit.written_only, plain, fields)
        matched_terms.update(terms)
        for string, sim in reach.items():
            sims = best.get(string)
            if sims is None:
                sims = best[string] = [0.0] * n
            for i in unit.covers:
                if sim > sims[i]:
                    sims[i] = sim
    # A context numeral counts only beside its context word: "factor VII" must not score
    # on the 7 of "chem 7".
    numerals = [u.covers[0] for u in units if u.written_only and u.covers[0] > 0]
    if numerals:
        for sims in best.values():
            for i in numerals:
                if sims[i - 1] == 0:
                    sims[i] = 0.0
        best = {k: v for k, v in best.items() if any(v)}
    facts = getattr(index, "facts", None)
    ranked = rank_strings(
        best,
        n,
        lambda s: (index.str_record[s], index.str_field[s], index.str_terms[s]),
        (lambda record: common_tier(facts[record])) if facts is not None else None,
    )
    if minutes is not None:
        ranked = _by_minutes(index, ranked, minutes, words)
    kept = [
        (record, score, string)
        for record, score, string in ranked
        if (allowed is None or record in allowed) and score >= options.min_score
    ]
    results = []
    # The vocabulary the index was built with, to highlight a synonym's source words.
    stored = getattr(index, "highlight_vocabulary", None)
    vocab = stored() if stored is not None else _highlight_vocabulary()
    for record, score, string in kept[: options.limit]:
        text = index.text(string)
        field = FIELDS[index.str_field[string]][0]
        results.append(
            Match(
                code=index.codes[record],
                name=index.names[record],
                category=index.categories[record],
                score=score,
                matched_field=field,
                matched_text=text,
                highlights=highlight(text, matched_terms, units, vocab),
                system=index.systems[record],
                confidence=confidence(score, field, text, query),
            )
        )
    return Results(results, len(kept))


def rank_strings(
    best: dict[int, list[float]],
    n: int,
    describe: Any,
    tier: Any = None,
) -> list[tuple[int, float, int]]:
    """Combine per-string similarities into ranked (record, score, best string).

    ``describe(string)`` gives (record, field, number of terms); ``tier(record)`` how
    commonly the code is billed (1 most). Records are ordered by whole points of score,
    then by how common the code is, then by exact score, field rank and code order
    (record number follows code order).
    """
    per_record: dict[int, tuple[float, int, int]] = {}  # record -> (score, field, string)
    union: dict[int, list[float]] = {}
    for string, sims in best.items():
        record, field_no, n_terms = describe(string)
        weight = FIELD_WEIGHTS[field_no]
        score = string_score(sims, n_terms, weight)
        current = per_record.get(record)
        if current is None or (score, -field_no, -string) > (current[0], -current[1], -current[2]):
            per_record[record] = (score, field_no, string)
        if n > 1:
            acc = union.setdefault(record, [0.0] * n)
            for i, sim in enumerate(sims):
                if sim * weight > acc[i]:
                    acc[i] = sim * weight
    ranked = []
    for record, (score, field_no, string) in per_record.items():
        if n > 1:
            score = max(score, union_score(union[record]))
        ranked.append((round(score, 6), field_no, record, string))
    common = tier or (lambda record: UNRANKED)
    # Scores within the same point count as a tie: the more commonly billed code first.
    ranked.sort(key=lambda r: (-int(r[0]), common(r[2]), -r[0], r[1], r[2]))
    return [(record, score, string) for score, _, record, string in ranked]


UNRANKED = 4  # the tier of a code whose record gives no `common`


def common_tier(facts: str) -> int:
    """How commonly a record's code is billed, from its encoded facts (1 most)."""
    parts = facts.split("|") if facts else ()
    return int(parts[4]) if len(parts) > 4 and parts[4] else UNRANKED


# --- presentation helpers ------------------------------------------------------------


def highlight(
    text: str, matched_terms: set[str], units: Sequence[Unit], vocab: Vocabulary | None = None
) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` whose words matched the query (directly, by typo, or as a
    synonym's source phrase)."""
    tokens = analyze(text)
    if not tokens:
        return ()
    unit_texts = [u.text for u in units]
    spans: set[int] = set()
    for term, positions in index_terms(tokens, vocab or _highlight_vocabulary()).items():
        if term in matched_terms and any(term_similarity(u, term) > 0 for u in unit_texts):
            spans.update(positions)
    return tuple(sorted((tokens[i].start, tokens[i].end) for i in spans))


_VOCAB_CACHE: list[Vocabulary] = []


def _highlight_vocabulary() -> Vocabulary:
    if not _VOCAB_CACHE:
        from cptcli.paths import vocabulary_file

        try:
            _VOCAB_CACHE.append(load_vocabulary(vocabulary_file()))
        except Exception:  # highlighting must never fail a search
            _VOCAB_CACHE.append(Vocabulary())
    return _VOCAB_CACHE[0]


def snippet(
    text: str, spans: Sequence[tuple[int, int]], width: int = 80
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Cut long text to about ``width`` characters around the first highlight.

    ``text`` is expected with its white space already collapsed (the index stores it so).
    """
    if len(text) <= width:
        return text, tuple(spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    kept = tuple((s + shift, e + shift) for s, e in spans if s >= start and e <= end)
    return prefix + text[start:end] + suffix, kept
