"""The ranking module, rule by rule, on small in-memory libraries."""

from __future__ import annotations

import pytest

from cptcli.index import index_records
from cptcli.models import Procedure
from cptcli.paths import vocabulary_file
from cptcli.search import (
    SearchOptions,
    allowed_edits,
    analyze,
    fold,
    highlight,
    load_vocabulary,
    parse_code_query,
    query_units,
    roman_value,
    search,
    similarity,
    stem,
    terms_of,
)

VOCAB = load_vocabulary(vocabulary_file())


def record(code: str, name: str, aliases=(), indications=(), summary=""):  # type: ignore[no-untyped-def]
    sections = {}
    if indications:
        sections["indications"] = list(indications)
    if summary:
        sections["summary"] = summary
    return Procedure(
        code=code,
        name=name,
        category="Test / Records",
        aliases=tuple(aliases),
        sections=sections,
        source=f"{code}.toml",
    )


LIBRARY = index_records(
    [
        record("85230", "Clotting factor VII activity assay", ["FVII test"]),
        record("85240", "Clotting factor VIII activity assay", ["hemophilia A test"]),
        record("85250", "Clotting factor IX activity assay"),
        record("85210", "Clotting factor II (prothrombin) assay"),
        record("85220", "Clotting factor V assay"),
        record("71046", "Chest radiograph, two views", ["chest xray"]),
        record("47562", "Laparoscopic cholecystectomy"),
        record("85025", "Complete blood count with differential", ["CBC"]),
        record("76700", "Abdominal ultrasound, complete"),
        record("93000", "Electrocardiogram with interpretation", ["ECG", "EKG"]),
        record("27447", "Total knee arthroplasty", ["knee replacement", "TKA"]),
        record("01402", "Anesthesia for total knee arthroplasty", ["knee replacement anesthesia"]),
        record(
            "93590",
            "Closure of a paravalvular leak, mitral prosthesis",
            indications=["Evidence of hemolysis", "Heart failure symptoms"],
        ),
        record("99214", "Office visit, established patient, moderate", summary="Hemolysis"),
        record("90750", "Zoster vaccine, recombinant", ["shingles shot"]),
        record("11720", "Nail debridement, one to five nails", summary="Vitamin six"),
    ],
    VOCAB,
)


def top(query: str, **options: object) -> list[str]:
    return [m.code for m in search(LIBRARY, query, SearchOptions(**options))]  # type: ignore[arg-type]


# --- normalisation -----------------------------------------------------------------


def test_fold_case_and_accents() -> None:
    assert fold("Anesthésie ÉCG") == "anesthesie ecg"


@pytest.mark.parametrize(
    ("word", "value"), [("i", 1), ("iv", 4), ("vii", 7), ("viii", 8), ("ix", 9), ("xiii", 13)]
)
def test_roman_values(word: str, value: int) -> None:
    assert roman_value(word) == value


@pytest.mark.parametrize("word", ["vim", "mix", "civil", "x-", "", "iiii"])
def test_not_roman(word: str) -> None:
    assert roman_value(word) is None


@pytest.mark.parametrize(
    ("plural", "singular"),
    [("biopsies", "biopsy"), ("nails", "nail"), ("x-rays", "x-ray"), ("lens", "lens")],
)
def test_plurals(plural: str, singular: str) -> None:
    assert stem(plural) == stem(singular)


def test_numerals_only_after_a_context_word() -> None:
    assert terms_of("factor VII") == terms_of("factor 7") == terms_of("Factor seven")
    # "vi" and "ix" inside ordinary words, or on their own without context, stay words
    assert "6" not in terms_of("vitamin vi deficiency")
    assert "9" not in terms_of("mix")


def test_hyphens_and_punctuation() -> None:
    assert query_units("x-ray")[0] == query_units("x ray")[0]
    units = {u.text for u in query_units("x ray")[1]}
    assert "xray" in units  # joined pair matches the one-word spelling


def test_typo_allowance_scales_with_length() -> None:
    assert [allowed_edits(w) for w in ("ecg", "knee", "mitral", "cholecystectomy")] == [0, 1, 2, 3]
    assert allowed_edits("85230") == 0


def test_similarity_grades() -> None:
    assert similarity("knee", "knee") == 1.0
    assert 0.7 <= similarity("chole", "cholecystectomy") < 1.0  # prefix
    assert 0 < similarity("paravalvlar", "paravalvular") < 1.0  # dropped letter
    assert similarity("mitarl", "mitral") > 0  # swapped letters count as one edit
    assert similarity("nee", "knee") == 0  # three letters: no typo allowed
    assert similarity("bnee", "knee") > 0  # first-letter typo still found


# --- ranking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("factor VII", "85230"),
        ("factor 7", "85230"),
        ("factor viii", "85240"),
        ("factor 8", "85240"),
        ("factor IX", "85250"),
        ("factor 2", "85210"),
        ("factor five", "85220"),
    ],
)
def test_numerals_are_equal(query: str, code: str) -> None:
    assert top(query)[0] == code


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("chest x-ray", "71046"),
        ("chest xray", "71046"),
        ("chest x ray", "71046"),
        ("CXR", "71046"),
        ("gallbladder removal", "47562"),
        ("cbc", "85025"),
        ("EKG", "93000"),
        ("abdominal US", "76700"),
        ("abdomen sonogram", "76700"),
        ("shingles vaccine", "90750"),
        ("TKA", "27447"),
    ],
)
def test_abbreviations_and_synonyms_from_the_vocabulary(query: str, code: str) -> None:
    assert top(query)[0] == code


def test_word_order_case_plural_and_typos() -> None:
    assert top("ARTHROPLASTY KNEE TOTAL")[0] == "27447"
    assert top("knees replacements")[0] == "27447"
    assert top("laparoscopic cholecystectmy")[0] == "47562"
    assert top("eletrocardiogram")[0] == "93000"


def test_procedure_ranks_above_its_anesthesia_code() -> None:
    assert top("knee replacement")[:2] == ["27447", "01402"]
    assert top("knee replacement anesthesia")[0] == "01402"


def test_indications_rank_below_names_of_similar_strength() -> None:
    results = search(LIBRARY, "hemolysis")
    assert [m.code for m in results[:2]] == ["93590", "99214"]
    assert results[0].matched_field == "indication"
    assert results[0].matched_text == "Evidence of hemolysis"
    assert results[1].matched_field == "summary"


def test_field_filter() -> None:
    assert top("hemolysis", fields=("name", "alias")) == []
    assert top("hemolysis", fields=("indication",)) == ["93590"]


def test_category_filter() -> None:
    assert top("factor", category="records")
    assert top("factor", category="nothing like this") == []


def test_min_score_and_scale() -> None:
    exact = search(LIBRARY, "Laparoscopic cholecystectomy")[0]
    assert exact.score == 100
    alias = search(LIBRARY, "hemophilia A test")[0]
    assert 90 <= alias.score < 100
    assert all(m.score >= 90 for m in search(LIBRARY, "factor", SearchOptions(min_score=90)))


def test_ties_break_by_score_then_field_then_code() -> None:
    results = search(LIBRARY, "clotting factor assay")
    scores = [m.score for m in results]
    assert scores == sorted(scores, reverse=True)
    for a, b in zip(results, results[1:]):
        if a.score == b.score and a.matched_field == b.matched_field:
            assert a.code < b.code


# --- codes -------------------------------------------------------------------------


def test_code_queries() -> None:
    assert parse_code_query("85230") is not None
    assert parse_code_query("factor 7") is None
    assert top("85230") == ["85230"]
    assert top("852") == ["85210", "85220", "85230", "85240", "85250"]  # prefix: code order
    assert top("85210-85240") == ["85210", "85220", "85230", "85240"]  # range
    assert top("85240 \u2013 85210") == ["85210", "85220", "85230", "85240"]  # reversed, en dash
    assert top("93000 85025") == ["93000", "85025"]  # several codes, in the order asked
    assert top("93000, 8502") == ["93000", "85025"]  # a code and a prefix


# --- highlighting ------------------------------------------------------------------


def test_highlight_marks_matched_words_including_typos_and_synonyms() -> None:
    [match] = [m for m in search(LIBRARY, "paravalvlar leek") if m.code == "93590"]
    spans = [match.matched_text[a:b] for a, b in match.highlights]
    assert spans == ["paravalvular", "leak"]
    scan = search(LIBRARY, "abdomen sonogram")[0]
    assert scan.code == "76700"
    assert [scan.matched_text[a:b] for a, b in scan.highlights] == ["Abdominal", "ultrasound"]


def test_written_words_rank_above_vocabulary_synonyms() -> None:
    results = search(LIBRARY, "chest x-ray")
    assert results[0].code == "71046" and results[0].matched_text == "chest xray"
    # the same record through a synonym scores a little lower than through its own words
    via_synonym = search(LIBRARY, "chest radiograph", SearchOptions(fields=("alias",)))[0]
    assert via_synonym.code == "71046" and via_synonym.score < results[0].score


def test_highlight_spans_are_in_the_text() -> None:
    text = "Evidence of hemolysis"
    _, units = query_units("hemolysis")
    spans = highlight(text, {"hemolysis"}, units)
    assert [text[a:b] for a, b in spans] == ["hemolysis"]
    assert analyze(text)[-1].term == "hemolysis"


def test_remembered_words_give_the_answers_of_a_fresh_search() -> None:
    """Each word's reach is remembered between searches of the same index (the picker
    searches on every keystroke); typing a query key by key, with fields filtered or not,
    must rank exactly as a search that remembers nothing."""
    from cptcli.search import _REACHED

    queries = ["knee replacment anesthesia", "zoster vacine", "ECG interpretation", "hemolysis"]
    for options in ({}, {"fields": ("name",)}):
        for query in queries:
            for end in range(1, len(query) + 1):
                typed = query[:end]
                remembered = [
                    (m.code, m.score, m.matched_text, m.highlights)
                    for m in search(LIBRARY, typed, SearchOptions(**options))  # type: ignore[arg-type]
                ]
                _REACHED.clear()
                fresh = [
                    (m.code, m.score, m.matched_text, m.highlights)
                    for m in search(LIBRARY, typed, SearchOptions(**options))  # type: ignore[arg-type]
                ]
                assert remembered == fresh, typed
