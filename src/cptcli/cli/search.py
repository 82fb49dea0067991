"""``cpt search``: fuzzy search over codes, names, lay terms and indications, one query
or one a line from standard input.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Annotated, Any, Optional

import typer

from cptcli.cli.base import (
    ENV,
    command,
    complete_field,
    current_index,
    err,
    fail,
    format_option,
    header_option,
    in_range,
    json_line,
    load_index,
    open_index,
    out,
    out_json,
    out_rich,
    output_format,
    paged_output,
    report,
    resolve_sections,
    section_option,
    settings,
    warn,
)
from cptcli.cli.fields import FieldsCommand, chosen_fields, fields_option, json_option, pick, stamp
from cptcli.cli.shared import load_families, load_history, load_modifiers, parse_billed, stdin_lines
from cptcli.errors import ExitCode

MAX_QUERY = 500  # characters: longer text is not a search query


@command(cls=FieldsCommand)
@paged_output
def search(
    query: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="QUERY...", help="Words, a code, a code prefix or a range."),
    ] = None,
    limit: Annotated[
        Optional[int],
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            callback=in_range(1),
            help="Most results (default 10, or limit in the settings file).",
        ),
    ] = None,
    field_: Annotated[
        str,
        typer.Option(
            "--field",
            "-f",
            metavar="FIELD",
            help="Where to look: all, name, aliases, indications, text.",
            autocompletion=complete_field,
        ),
    ] = "all",
    category: Annotated[
        Optional[str],
        typer.Option("--category", "-c", metavar="TEXT", help="Only categories containing TEXT."),
    ] = None,
    min_score: Annotated[
        float,
        typer.Option(
            "--min-score",
            metavar="SCORE",
            callback=in_range(0, 100),
            help="Drop results below this score (0 to 100).",
        ),
    ] = 40.0,
    section: Annotated[
        Optional[list[str]], section_option("Also print these sections of the top result.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Print every match, not just --limit.")
    ] = False,
    json_: Annotated[bool, json_option()] = False,
    format_: Annotated[Optional[str], format_option()] = None,
    header: Annotated[bool, header_option()] = False,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read one query per line from standard input.")
    ] = False,
    fields: Annotated[Optional[str], fields_option()] = None,
) -> None:
    """Search codes, names, lay terms and indications.

    A query is words (lay terms, abbreviations and typos work), a code, a code prefix,
    a range of codes, or codes as written on a bill. On a terminal the results are a
    table; piped, one tab-separated line per result.

    Examples:

      cpt search knee replacement     lay words
      cpt search colonoscopy -n 3     the best three
      cpt search 9921                 a code prefix: a family
      cpt search 99202-99205          a range of codes
      cpt search "CPT 99214-25"       a code as on a bill
      cpt search mri knee --json      JSON for scripts
      cpt search colonoscopy -s prep  the top one's preparation
      cpt search --stdin < queries.txt
    """
    from cptcli.search import FIELD_CHOICES, Results, SearchOptions, find

    chosen = chosen_fields("search", fields)
    json_ = json_ or chosen is not None
    if limit is None:
        limit = settings().limit

    if stdin:
        if chosen is not None:
            raise typer.BadParameter("--json FIELDS does not work with --stdin")
        if query:
            raise typer.BadParameter("give queries either as words or with --stdin, not both")
        if field_ not in FIELD_CHOICES or min_score != min_score:
            raise typer.BadParameter("check --field and --min-score")
        options = SearchOptions(
            10**9 if all_ else limit, FIELD_CHOICES[field_], category, min_score
        )
        _search_stdin(options, "json" if json_ else (format_ or "jsonl"), header)
        return
    text = " ".join(query or []).strip()
    if not text:
        raise typer.BadParameter("give words or a code to search for", param_hint="QUERY")
    if len(text) > MAX_QUERY:
        raise typer.BadParameter(
            f"the query is {len(text)} characters long; give at most {MAX_QUERY}",
            param_hint="QUERY",
        )
    if min_score != min_score:  # NaN compares unequal to itself
        raise typer.BadParameter("give a number from 0 to 100", param_hint="--min-score")
    if field_ not in FIELD_CHOICES:
        raise typer.BadParameter(f"choose one of: {', '.join(FIELD_CHOICES)}", param_hint="--field")
    wanted = resolve_sections(section)
    # With --section the output is a report, not rows: it keeps the table layout.
    fmt = output_format(format_ or ("table" if wanted and not json_ else None), json_)
    json_ = fmt == "json"
    options = SearchOptions(10**9 if all_ else limit, FIELD_CHOICES[field_], category, min_score)
    from cptcli.modifiers import asks_for_modifiers

    if asks_for_modifiers(text):
        _search_modifiers(text, options.limit, json_)
        return
    reference, billed, asked = None, [], text
    if any(c.isdigit() for c in text):
        reference = load_modifiers()
        billed = _billed_codes(text, reference)
        if billed:
            asked = " ".join(ref.code for ref in billed)
    if wanted:
        asked = _without_section_words(asked, wanted)
    opened = open_index()
    # Search the cached index while the freshness check runs; redo it if the data changed.
    results = find(opened.index, asked, options) if opened.index is not None else Results([], 0)
    if ENV.terminal and not json_:
        from cptcli import render

        render.warm_up()  # load the renderer meanwhile
    if not opened.is_fresh():
        index = current_index(opened)
        results = find(index, asked, options)
    else:
        index = opened.index
        report(index.problems)
    matches, total, notes = results
    for note in notes:
        err(f"note: {note}")
    deleted = _deleted_codes(index, asked, matches, options.limit)
    total = max(total, len(matches))
    explained = _explained(billed, reference)
    places = _prefix_places(asked)
    if json_:
        document: dict[str, Any] = {
            "query": text,
            "total": total,
            **stamp(),
            "results": [pick(m.to_dict(), chosen) for m in matches],
        }
        if deleted:
            document["history"] = [entry.to_dict(names) for entry, names in deleted]
        if places:
            document["family"] = [{"prefix": p, **place.to_dict()} for p, place in places]
        if wanted and matches:
            document["top"] = _top_sections(matches[0].code, wanted)
        if billed:
            document["billed"] = [
                {
                    "written": ref.written,
                    "code": ref.code,
                    "modifiers": [
                        m.to_dict() if m else {"code": c, "known": False}
                        for c, m in ((c, reference.get(c)) for c in ref.modifiers)
                    ],
                    "units": ref.units,
                }
                for ref in billed
            ]
        out_json(document)
    elif fmt != "table":
        from cptcli import render
        from cptcli.output.formats import tabular

        # Only the rows go to stdout, so that cut, awk and spreadsheets see one record a
        # line; what the query was read as goes to stderr.
        for prefix, place in places:
            err(render.family_line(prefix, place))
        for entry, names in deleted:
            err(render.plain_history(entry, names, ENV.width, notice=False))
        for modifier in explained:
            err(f"modifier {modifier.code}: {modifier.name}. See `cpt modifier {modifier.code}`.")
        if matches:
            out(tabular(fmt, render.MATCH_COLUMNS, render.match_rows(matches), header))
        if len(matches) < total:
            err(render.shown_of(len(matches), total))
    elif matches or deleted or places:
        from cptcli import render

        for prefix, place in places:
            out(render.family_line(prefix, place))
        for entry, names in deleted:
            if ENV.terminal:
                out_rich(*render.rich_history(entry, names, ENV.width, notice=False))
            else:
                out(render.plain_history(entry, names, ENV.width, notice=False) + "\n")
        if matches and ENV.terminal:
            out_rich(render.rich_matches(matches, text, width=ENV.width))
            out_rich(*render.rich_blocks(render.modifier_blocks(explained), ENV.width))
        elif matches:
            out(render.plain_matches(matches, ENV.width))
            if explained:
                out("\n" + render.plain_blocks(render.modifier_blocks(explained), ENV.width))
        if len(matches) < total:
            err(render.shown_of(len(matches), total))
    if deleted and not matches:
        return
    if not matches:
        if category and find(index, text, options._replace(category=None)).matches:
            fail(
                f"Matches for {text!r} exist, but none in a category containing {category!r}. "
                "Drop --category to see them."
            )
        if places:
            fail(f"The library has no code starting with {places[0][0]}; its place is shown above.")
        fail(f"No procedure matches {text!r}. Try fewer or other words, or a lower --min-score.")
    if not any(m.confidence in ("exact", "strong") for m in matches):
        err(_no_strong_note(len(index)))
    if wanted and fmt == "table":
        from cptcli.cli.show import print_codes

        out("")
        print_codes([matches[0].code], wanted, json_=False)


def _search_stdin(options: Any, fmt: str, header: bool) -> None:
    """One search per line of standard input (blank lines and # comments skipped), in
    one process; a bad line is reported with its number and does not stop the rest."""
    from cptcli.search import find

    if fmt not in ("jsonl", "json", "tsv", "csv", "markdown"):
        raise typer.BadParameter("with --stdin choose jsonl, json, tsv, csv or markdown")
    index = load_index()
    reference = None
    answers: list[dict[str, Any]] = []
    problems = 0
    for number, text in stdin_lines():
        if len(text) > MAX_QUERY:
            err(f"error: line {number}: the query is {len(text)} characters long")
            problems += 1
            continue
        asked = text
        if any(c.isdigit() for c in text):
            reference = reference or load_modifiers()
            billed = _billed_codes(text, reference)
            asked = " ".join(ref.code for ref in billed) if billed else text
        matches, total, _ = find(index, asked, options)
        if not matches:
            err(f"error: line {number}: no procedure matches {text!r}")
            problems += 1
        answers.append(
            {
                "line": number,
                "query": text,
                "total": total,
                "results": [m.to_dict() for m in matches],
            }
        )
    if fmt == "jsonl":
        out("\n".join(json_line(a) for a in answers), cleaned=True)
    elif fmt == "json":
        out_json(answers)
    else:
        from cptcli.output.formats import tabular

        headers = ("query", "rank", "code", "score", "confidence", "name", "category")
        rows = [
            (
                a["query"],
                str(rank),
                r["code"],
                f"{r['score']:.0f}",
                r["confidence"],
                r["name"],
                r["category"],
            )
            for a in answers
            for rank, r in enumerate(a["results"], 1)
        ]
        out(tabular(fmt, headers, rows, header))
    if problems:
        raise typer.Exit(int(ExitCode.NOT_FOUND))


def _top_sections(code: str, wanted: list[str]) -> Any:
    """The asked-for sections of the top result, for --json (one document, no text)."""
    from cptcli.store import Library

    library = Library(ENV.folders())
    record = library.find(code)
    report(library.problems)
    return record.to_dict(wanted) if record is not None else None


def _prefix_places(text: str) -> list[Any]:
    """(prefix, place in the code set) for each code prefix of a code query."""
    from cptcli.search import parse_code_query

    parsed = parse_code_query(text)
    if parsed is None or not parsed.prefixes:
        return []
    from cptcli.lookup import prefix_place

    families = load_families()
    places = [(p, prefix_place(families, p)) for p in parsed.prefixes]
    return [(p, place) for p, place in places if place is not None]


def _without_section_words(text: str, wanted: list[str]) -> str:
    """The query without words that name the sections asked for with --section
    ("colonoscopy prep -s prep" searches for colonoscopy and prints its preparation)."""
    from cptcli.sections import BY_KEY

    names = set()
    for key in wanted:
        spec = BY_KEY[key]
        for name in (spec.key, spec.title, *spec.aliases):
            names.update(name.lower().replace("_", " ").split())
    kept = [w for w in text.split() if w.lower() not in names]
    return " ".join(kept) if kept else text


def _billed_codes(text: str, reference: Any) -> list[Any]:
    """The codes of a query written as on a bill ("CPT 80053", "99214-25", "97110 x 3"),
    or [] when the query is plain codes or words (searched as they are)."""
    return parse_billed(text, reference, decorated_only=True) or []


def _explained(billed: list[Any], reference: Any) -> list[Any]:
    """The known modifiers of the codes as written, each once, in order."""
    seen: dict[str, Any] = {}
    for ref in billed:
        for code in ref.modifiers:
            modifier = reference.get(code)
            if modifier is not None:
                seen.setdefault(code, modifier)
            else:
                warn(f"modifier {code} is not in the modifier reference (see `cpt modifier`)")
    return list(seen.values())


def _search_modifiers(text: str, limit: int, json_: bool) -> None:
    from cptcli.modifiers import find_modifiers

    reference = load_modifiers()
    found = find_modifiers(reference, text, limit)
    if json_:
        out_json(
            {
                "query": text,
                "total": len(found),
                **stamp(),
                "results": [],
                "modifiers": [m.to_dict() for m in found],
            }
        )
    elif found:
        from cptcli import render

        if ENV.terminal:
            out_rich(*render.rich_blocks(render.modifier_blocks(found), ENV.width))
        else:
            out(render.plain_blocks(render.modifier_blocks(found), ENV.width).rstrip("\n"))
    if not found:
        fail(f"No modifier matches {text!r}. `cpt modifier` lists them all.")


def _no_strong_note(size: int) -> str:
    return (
        f"note: no strong match. The library has {size} codes and the one you need may not "
        "be among them. Try other words, --field name, or the code family (a code prefix "
        "such as `cpt search 121`)."
    )


def _deleted_codes(index: Any, text: str, matches: list[Any], limit: int) -> list[Any]:
    """Deleted codes named by a code query, with their replacements' names; the
    replacements found in the library are added to ``matches`` (in place)."""
    from cptcli.search import parse_code_query

    if parse_code_query(text) is None:
        return []
    from cptcli.lookup import deleted_in_query, replacement_matches, replacement_names
    from cptcli.store import Library

    history = load_history()
    entries = deleted_in_query(history, text)
    if not entries:
        return []
    shown = {m.code for m in matches}
    extra = [m for m in replacement_matches(index, entries) if m.code not in shown]
    matches[:] = (matches + extra)[:limit]
    library = Library(ENV.folders())
    return [(e, replacement_names(library, history, e)) for e in entries]
