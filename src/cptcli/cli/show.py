"""``cpt show``: the summary of one or more procedures, as text, Markdown, an HTML page
or JSON, for codes given or read from standard input.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Annotated, Any, Optional

import typer

from cptcli.cli.base import (
    ENV,
    command,
    complete_code,
    err,
    fail,
    json_line,
    out,
    out_json,
    out_rich,
    paged_output,
    report,
    resolve_sections,
    section_option,
    settings,
)
from cptcli.cli.fields import FieldsCommand, chosen_fields, fields_option, json_option, pick, stamp
from cptcli.cli.shared import load_families, load_history, load_modifiers, parse_billed, stdin_lines
from cptcli.errors import CptError, ExitCode


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
    print_codes(codes, wanted, mode, lines, chosen, bool(brief))


def _stdin_codes(args: list[str]) -> tuple[list[str], dict[str, int]]:
    """The arguments with - replaced by the codes read from standard input, one per
    line, and the line each code was read from."""
    out: list[str] = []
    lines: dict[str, int] = {}
    for arg in args:
        if arg != "-":
            out.append(arg)
            continue
        for number, text in stdin_lines():
            out.append(text)
            lines.setdefault(text, number)
    return out, lines


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
        parsed = parse_billed(arg, reference)
        refs.extend(parsed if parsed is not None else [arg])
    return refs, reference


def print_codes(
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
            out("\n".join(json_line(d) for d in documents), cleaned=True)
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

    # A batch from standard input repeats codes: each answer is laid out once.
    plain: dict[int, str] = {}
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
        known = plain.get(id(item)) if not last and not ENV.terminal else None
        if known is not None:
            out(known + "\n")
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
            if not last:
                plain[id(item)] = text
            out(text + ("" if last else "\n"))
