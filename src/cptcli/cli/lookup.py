"""Looking codes up: ``cpt search`` and ``cpt show``.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Annotated, Any, Optional

import typer

from cptcli.cli.base import (
    ENV,
    command,
    complete_code,
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
from cptcli.cli.fields import FieldsCommand, chosen_fields, fields_option, json_option, pick
from cptcli.errors import CptError, ExitCode

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
        out("")
        _show([matches[0].code], wanted, json_=False)


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
    for number, text in _stdin_lines():
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
        out("\n".join(json_line(a) for a in answers))
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


def stamp(document: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """A JSON document with the code set and the program version after its identifying
    keys (once per document; without an argument, just those two keys)."""
    from cptcli import __version__
    from cptcli.codeset import CODE_SET

    if document is None:
        return {"code_set": CODE_SET, "version": __version__}
    stamped: dict[str, Any] = {}
    for key, value in document.items():
        stamped[key] = value
        if key == "code_set":
            stamped["version"] = __version__
    return stamped


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


def _parse_billed(text: str, reference: Any, decorated_only: bool = False) -> Optional[list[Any]]:
    """Codes as written on a bill, each restored leading zero noted on stderr; None when
    the text is not made of codes (or, with ``decorated_only``, is bare codes that the
    search reads as they are)."""
    from cptcli.billed import is_decorated, parse_codes

    refs = parse_codes(text, reference.by_code if len(reference) else None)
    if refs is None or (decorated_only and not is_decorated(refs, text)):
        return None
    for ref in refs:
        if ref.padded:
            err(f"note: read {ref.written} as {ref.code} (spreadsheets drop leading zeros)")
    return refs


def _billed_codes(text: str, reference: Any) -> list[Any]:
    """The codes of a query written as on a bill ("CPT 80053", "99214-25", "97110 x 3"),
    or [] when the query is plain codes or words (searched as they are)."""
    return _parse_billed(text, reference, decorated_only=True) or []


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


@command(cls=FieldsCommand)
@paged_output
def show(
    codes: Annotated[
        list[str],
        typer.Argument(
            metavar="CODE...",
            help="One or more codes; - reads one code per line from standard input.",
            autocompletion=complete_code,
        ),
    ],
    section: Annotated[
        Optional[list[str]],
        section_option(
            "Only these sections (repeatable): a key, title, alias or prefix; "
            "cpt sections lists them."
        ),
    ] = None,
    json_: Annotated[bool, json_option()] = False,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text, markdown, html (a page to print), json (as --json) or jsonl "
            "(one JSON document per line).",
        ),
    ] = "text",
    fields: Annotated[Optional[str], fields_option()] = None,
    brief: Annotated[
        Optional[bool],
        typer.Option(
            "--brief/--full",
            "-b",
            help="The short view: what it is, why, how to prepare, how long, main risks "
            "(--full: the whole record, when the settings file asks for brief).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the summary of one or more procedures.

    Codes may be written as on a bill (99214-25, CPT 80053, 97110 x 3). Sections
    are chosen with --section by key, title, alias or prefix: cpt sections lists
    them. Without --section, text, markdown and html show the sections named in the
    settings file (cpt help settings), else all.

    Examples:

      cpt show 99214                   the whole summary
      cpt show 45378 -s prep -s risks  preparation and risks
      cpt show 99213 99214             several codes
      cpt show 85230 --json            JSON for scripts
      cpt show 93590 --format markdown
      cpt show 66984 --format html > handout.html
      cpt show 99214 --brief           the short view
      cut -f1 codes.tsv | cpt show - --format jsonl
    """
    if format_ not in ("text", "markdown", "html", "json", "jsonl"):
        raise typer.BadParameter(
            "choose one of: text, markdown, html, json, jsonl", param_hint="--format"
        )
    if brief and (section or format_ in ("markdown", "html")):
        raise typer.BadParameter(
            "--brief picks its own parts; drop --section and --format markdown/html",
            param_hint="--brief",
        )
    lines: dict[str, int] = {}
    if "-" in codes:
        codes, lines = _stdin_codes(codes)
    chosen = chosen_fields("show", fields)
    mode = "json" if json_ or (chosen is not None and format_ != "jsonl") else format_
    wanted = resolve_sections(section)
    if wanted is None and mode in ("text", "markdown", "html"):
        configured = settings()  # JSON keeps every section: scripts rely on it
        wanted = list(configured.sections) if configured.sections else None
        if brief is None and mode == "text":
            brief = configured.brief
    _show(codes, wanted, mode, lines, chosen, bool(brief))


def _stdin_lines() -> Any:
    """(line number, text) of each line of standard input that says something: blank
    lines and # comments are skipped."""
    import sys

    for number, line in enumerate(sys.stdin, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            yield number, text


def _stdin_codes(args: list[str]) -> tuple[list[str], dict[str, int]]:
    """The arguments with - replaced by the codes read from standard input, one per
    line, and the line each code was read from."""
    out: list[str] = []
    lines: dict[str, int] = {}
    for arg in args:
        if arg != "-":
            out.append(arg)
            continue
        for number, text in _stdin_lines():
            out.append(text)
            lines.setdefault(text, number)
    return out, lines


def _bundled_table(module: str, what: str) -> Any:
    """A bundled reference table (history, modifiers or families); a broken file is a
    warning and an empty table, never a failed command."""
    import importlib

    from cptcli import paths

    table = importlib.import_module(f"cptcli.{module}")
    try:
        return getattr(table, f"load_{module}")(
            getattr(paths, f"{module}_file")(), paths.bundled_compiled_dir()
        )
    except CptError as exc:
        warn(f"{what} not loaded: {exc}")
        return table.EMPTY


def load_history() -> Any:
    return _bundled_table("history", "code history")


def load_modifiers() -> Any:
    return _bundled_table("modifiers", "modifier reference")


def load_families() -> Any:
    return _bundled_table("families", "code families")


def read_codes(args: list[str]) -> tuple[list[Any], Any]:
    """Codes as written on bills ("99214-25", "80053,85025", "CPT 80053", "811"), each a
    CodeRef; an argument that is not made of codes is kept as text (and reported). Also
    the modifier reference, loaded only when an argument is more than a plain code."""
    from cptcli.billed import CodeRef
    from cptcli.store import normalize_code

    refs: list[Any] = []
    reference = None
    for arg in args:
        plain = normalize_code(arg)
        if plain is not None:
            refs.append(CodeRef(plain, written=arg))
            continue
        if reference is None:
            reference = load_modifiers()
        parsed = _parse_billed(arg, reference)
        refs.extend(parsed if parsed is not None else [arg])
    return refs, reference


def _show(
    codes: list[str],
    sections: Optional[list[str]],
    json_: Any,
    lines: Optional[dict[str, int]] = None,
    fields: Optional[list[str]] = None,
    brief: bool = False,
) -> None:
    """Print the answers for codes; ``json_`` is False/"text", True/"json" or "jsonl";
    ``lines`` gives the input line of codes read from standard input (a bad line is
    reported with its number and does not stop the rest); ``fields`` picks JSON keys;
    ``brief`` asks for the short view of each record."""
    mode = {False: "text", True: "json"}.get(json_, json_)
    lines = lines or {}
    from cptcli.errors import NotFoundError
    from cptcli.lookup import absent, lookup_codes

    refs, reference = read_codes(codes)
    library, answers = lookup_codes(ENV.folders(), load_history(), refs)
    report(library.problems)
    found = [a for _, a in answers if not isinstance(a, CptError)]
    errors = [a for _, a in answers if isinstance(a, CptError)]
    # A valid code without a record is answered with its place in the code set.
    missing = {}
    families = None
    for text, answer in answers:
        if isinstance(answer, NotFoundError) and "could not be loaded" not in str(answer):
            families = families or load_families()
            gap = absent(library, families, text)
            if gap is not None:
                missing[text] = gap
    if mode in ("json", "jsonl"):
        # Each answer as a document, in the order asked: a record, a deleted code, a code
        # the library lacks, or an argument that is no code (found: false and the error).
        documents = [
            pick(
                (
                    stamp(_brief_document(a))
                    if brief and a.record is not None
                    else stamp(_with_modifiers(a.to_dict(sections), reference))
                )
                if not isinstance(a, CptError)
                else (
                    stamp(missing[t].to_dict())
                    if t in missing
                    else {"input": t, "found": False, "error": str(a)}
                ),
                fields,
            )
            for t, a in answers
        ]
        if mode == "jsonl":
            out("\n".join(json_line(d) for d in documents))
        else:
            out_json(documents[0] if len(refs) == 1 else documents)
    elif mode == "markdown":
        _print_markdown(library, found, sections, reference)
        for gap in missing.values():
            err(f"{gap.code} is not in the library: {' > '.join(gap.place.names())}")
    elif mode == "html":
        _print_html(library, answers, missing, sections, reference)
    else:
        if found and brief:
            _print_briefs(library, found)
        elif found:
            _print_records(library, found, sections, reference)
        for gap in missing.values():
            _print_absent(gap, first=not found and gap is next(iter(missing.values())))
    if errors:
        worst = max(e.exit_code for e in errors)
        if lines:  # batch input: bad lines are problems of the data, not usage errors
            worst = min(worst, ExitCode.NOT_FOUND)
        messages = [
            (f"line {lines[t]}: {a}" if t in lines else str(a))
            for t, a in answers
            if isinstance(a, CptError)
        ]
        for message in messages[:-1]:
            err(f"error: {message}")
        fail(messages[-1], worst)


def _record_blocks(
    library: Any, item: Any, sections: Optional[list[str]], reference: Any
) -> list[Any]:
    """A found record's blocks: its sections (similar codes with their names) and what
    the code as written adds (modifiers, units)."""
    from cptcli import render

    names = {}
    if sections is None or "similar_codes" in sections:
        for code in item.record.similar_codes:
            name = library.name_of(code)
            if name is not None:
                names[code] = name
    blocks = render.layout(item.record, sections, names)
    if item.billed is not None:
        blocks += render.billed_blocks(item.record, item.billed, reference)
    return blocks


def _print_markdown(
    library: Any, found: list[Any], sections: Optional[list[str]], reference: Any
) -> None:
    from cptcli import render
    from cptcli.output.markdown import markdown_procedure

    pages = []
    for item in found:
        if item.record is None:
            pages.append(render.plain_history(item.change, item.names, 100, notice=True))
            continue
        blocks = _record_blocks(library, item, sections, reference)
        pages.append(markdown_procedure(item.record, blocks, item.change))
    if pages:
        out("\n\n---\n\n".join(pages))


def _print_html(
    library: Any,
    answers: list[Any],
    missing: dict[str, Any],
    sections: Optional[list[str]],
    reference: Any,
) -> None:
    """One page for every answer, in the order asked: records as articles, and a short
    note for each code the page cannot describe (also told on stderr)."""
    from cptcli import render
    from cptcli.output import html

    fragments, records = [], []
    for text, answer in answers:
        if not isinstance(answer, CptError) and answer.record is not None:
            blocks = _record_blocks(library, answer, sections, reference)
            fragments.append(html.record_html(answer.record, blocks, answer.change))
            records.append(answer.record)
        elif not isinstance(answer, CptError):
            entry = answer.change
            fragments.append(html.history_note(entry, answer.names))
            err(f"note: {html.change_line(entry)}")
        elif text in missing:
            gap = missing[text]
            fragments.append(html.absent_note(gap.code, render.absent_block(gap)))
        else:
            fragments.append(html.message_note(text, str(answer)))
    out(html.page(fragments, html.page_title(records, [t for t, _ in answers])))


def _print_absent(gap: Any, first: bool) -> None:
    from cptcli import render

    if ENV.terminal:
        out_rich(*render.rich_blocks([render.absent_block(gap)], ENV.width))
    else:
        out(
            ("" if first else "\n")
            + render.plain_blocks([render.absent_block(gap)], ENV.width).rstrip("\n")
        )


def _with_modifiers(item: dict[str, Any], reference: Any) -> dict[str, Any]:
    billed = item.get("billed")
    if billed:
        billed["modifiers"] = [
            (m.to_dict() if m is not None else {"code": code, "known": False})
            for code, m in ((c, reference.get(c)) for c in billed["modifiers"])
        ]
    return item


def _brief_document(item: Any) -> dict[str, Any]:
    from cptcli.output.brief import brief

    return brief(item.record).to_dict()


def _print_briefs(library: Any, found: list[Any]) -> None:
    """The short view of each record, a blank line between them, the notice once."""
    from cptcli import render
    from cptcli.lookup import record_origin
    from cptcli.output.brief import brief, plain_brief, rich_brief

    for i, item in enumerate(found):
        if i:
            out("")
        if item.record is None and ENV.terminal:
            out_rich(*render.rich_history(item.change, item.names, ENV.width, notice=False))
            continue
        if item.record is None:
            out(render.plain_history(item.change, item.names, ENV.width, notice=False))
            continue
        origin = render.origin_line(record_origin(item.record))
        if ENV.terminal:
            out_rich(rich_brief(brief(item.record), ENV.width, render.THEME))
            if origin:
                out_rich(render.unwrapped(origin, render.THEME["category"]))
        else:
            out(plain_brief(brief(item.record), ENV.width) + (f"\n{origin}" if origin else ""))
    if ENV.terminal:
        from rich.text import Text

        out_rich(Text(render.NOTICE, style=render.THEME["notice"]))
    else:
        out(render.wrap_text(render.NOTICE, ENV.width))
    report(library.problems)


def _print_records(
    library: Any, found: list[Any], sections: Optional[list[str]], reference: Any = None
) -> None:
    from cptcli import render
    from cptcli.lookup import record_origin

    for i, item in enumerate(found):
        last = i == len(found) - 1
        if i and not ENV.terminal:
            out("\n" + render.rule(ENV.width))  # panels set records apart on a terminal
        if item.record is None:
            if ENV.terminal:
                out_rich(*render.rich_history(item.change, item.names, ENV.width, notice=last))
            else:
                text = render.plain_history(item.change, item.names, ENV.width, notice=last)
                out(text + ("" if last else "\n"))
            continue
        record = item.record
        blocks = _record_blocks(library, item, sections, reference)
        origin = record_origin(record)
        if ENV.terminal:
            out_rich(
                *render.rich_procedure(
                    record,
                    blocks,
                    header=True,
                    notice=last,
                    width=ENV.width,
                    change=item.change,
                    origin=origin,
                )
            )
        else:
            text = render.plain_procedure(
                record,
                blocks,
                width=ENV.width,
                header=True,
                notice=last,
                change=item.change,
                origin=origin,
            )
            out(text + ("" if last else "\n"))
