"""``cpt show --format html``: the handout page, its escaping, and the page as a real
browser shows and prints it (headless Chromium from the system packages).

The browser tests need ``chromium`` and ``pdftotext`` (poppler-utils); ``.ci/run``
installs both. Without them these tests fail with a message saying so, never skip.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cptcli import render
from cptcli.output import html
from cptcli.sections import SECTIONS
from cptcli.store import load_record

from .conftest import ROOT

CODE_SET = "CPT 2026, HCPCS Level II 2026"
EVERY = "99990"  # a fixture record with every section
EVERY_NAME = "Example handout procedure with every section"
HOSTILE = "99998"  # a fixture record whose text is full of markup and control characters
DELETED = "99997"  # deleted in the fixture history, replaced by 99990
ABSENT = "99991"  # a valid code in a fixture family, without a record

# The elements and attributes a handout may contain: anything else came from data.
ELEMENTS = {
    "html", "head", "meta", "title", "style", "body", "main", "article", "header", "h1",
    "h2", "h3", "span", "p", "strong", "dl", "dt", "dd", "section", "ul", "ol", "li",
    "aside", "footer",
}  # fmt: skip
ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "class", "id", "role", "value"}


class Elements(HTMLParser):
    """Every start tag of a document with its attributes, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(document: str) -> Elements:
    parser = Elements()
    parser.feed(document)
    parser.close()
    return parser


def show_html(invoke, *args: str):  # type: ignore[no-untyped-def]
    return invoke("show", *args, "--format", "html")


# --- the page as text ----------------------------------------------------------------


def test_page_is_one_self_contained_document(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    result = show_html(invoke, EVERY)
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    assert f"<title>{EVERY} {EVERY_NAME}</title>" in page
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
    ) in page
    assert "@media print" in page and "@page" in page
    # Nothing to fetch: no URLs, no scripts, no imports, no fonts.
    assert not re.search(r"https?:|//|url\(|@import|@font-face|<script|<link|<img", page, re.I)
    parsed = parse(page)
    assert {tag for tag, _ in parsed.tags} <= ELEMENTS
    assert {name for _, attrs in parsed.tags for name in attrs} <= ATTRIBUTES
    headings = [s.title for s in SECTIONS]
    for title in headings:
        assert f"<h2>{title}</h2>" in page, title
    text = "".join(parsed.text)
    assert render.NOTICE in text and "Reviewed 2026-11-30" in text and CODE_SET in text
    # The sections in the canonical order.
    positions = [page.index(f"<h2>{title}</h2>") for title in headings]
    assert positions == sorted(positions)


def test_record_text_is_escaped_never_markup(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    page = show_html(invoke, HOSTILE).stdout
    parsed = parse(page)
    # Markup in the record stays text: no element or attribute came from the data.
    assert {tag for tag, _ in parsed.tags} <= ELEMENTS
    assert {name for _, attrs in parsed.tags for name in attrs} <= ATTRIBUTES
    assert [tag for tag, _ in parsed.tags].count("h1") == 1
    text = "".join(parsed.text)
    assert 'Escaping check <script>alert("x")</script> & "quotes"' in text
    assert "Test <b>Fixtures</b> & more" in text and "it's <i>literal</i>" in text
    assert "Step with </li></ol><script>1</script>" in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "it&#x27;s &lt;i&gt;literal&lt;/i&gt;" in page
    # Control characters (bell, escape, the right-to-left override) are removed.
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", page)
    assert "Bell and [31mred[0m and RTL override" in text
    assert f"<title>{HOSTILE} Escaping check &lt;script&gt;" in page


def test_escaping_helpers_cover_attributes_too() -> None:
    part = render.Part("code", '"><script>', detail="a & b")
    written = html.parts_html([part])
    assert written == (
        '<ul class="codes">\n<li><span class="code">&quot;&gt;&lt;script&gt;</span> a &amp; b'
        "</li>\n</ul>"
    )


def test_section_selects_sections(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    page = show_html(invoke, EVERY, "-s", "risks", "-s", "prep").stdout
    assert re.findall(r"<h2>([^<]*)</h2>", page) == ["Preparation", "Risks and Complications"]
    assert f"{EVERY_NAME}</h1>" in page and render.NOTICE in page


def test_misses_are_notes_on_the_page_and_on_stderr(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    result = show_html(invoke, DELETED, EVERY, ABSENT, "-s", "summary")
    assert result.exit_code == 1
    page = result.stdout
    notes = re.findall(r'<aside class="miss" role="note">\n<h2>([^<]*)</h2>', page)
    assert notes == [f"{DELETED}: deleted code", f"{ABSENT}: not in the library"]
    assert page.index(DELETED) < page.index("<h1><span") < page.index(f"{ABSENT}: not")
    assert "Replaced by" in page and f'<span class="code">{EVERY}</span> {EVERY_NAME}' in page
    assert "falls in: Test fixtures &gt; Made-up records &gt; Example procedures" in page
    assert f"note: {DELETED} was deleted in 2024; replaced by {EVERY}" in result.stderr
    assert f"error: No procedure {ABSENT} in the library" in result.stderr
    assert "<title>Procedure information: 99997, 99990, 99991</title>" in page


def test_deleted_code_alone_exits_zero_as_in_text(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    result = show_html(invoke, DELETED)
    text = invoke("show", DELETED)
    assert result.exit_code == text.exit_code == 0
    # No record on the page: it still ends with the code set and the notice.
    assert f"The library describes {CODE_SET}." in result.stdout
    assert render.NOTICE in result.stdout


def test_not_a_code_is_a_usage_error_with_a_note(invoke, fixed_data: Path) -> None:  # type: ignore[no-untyped-def]
    result = show_html(invoke, "HELLO")
    assert result.exit_code == 2
    assert "<h2>HELLO</h2>" in result.stdout and "is not a procedure code" in result.stdout
    assert "error: 'HELLO' is not a procedure code" in result.stderr


def test_unknown_format_names_html(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "--format", "pdf")
    assert result.exit_code == 2 and "html" in result.stderr


def test_html_output_imports_no_rich() -> None:
    from .test_process import heavy, imported_modules

    assert heavy(imported_modules(["show", "85230", "--format", "html"])) == set()


# --- the page in a real browser --------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "Chromium is needed to test the HTML handout in a real browser and is not "
            "installed: run `apt-get install -y chromium poppler-utils` (.ci/run does)."
        )
    return found


def _pdftotext() -> str:
    found = shutil.which("pdftotext")
    if not found:
        pytest.fail(
            "pdftotext is needed to read the printed handout and is not installed: run "
            "`apt-get install -y poppler-utils` (.ci/run does)."
        )
    return found


FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium(tmp: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium run once on a page, with its own profile folder."""
    command = [_chromium(), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args, page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext puts a form feed after every page)."""
    text = subprocess.run(
        [_pdftotext(), str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return [page for page in text.split("\f")[:-1]]


def lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip()]


class Proxy:
    """A proxy that answers nothing and writes down the host of every request; Chromium
    sends all its http and https traffic through it."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(32)
        self.hosts: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def flag(self) -> str:
        return f"--proxy-server=http://127.0.0.1:{self.server.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    head = conn.recv(4096).decode("latin-1")
                except OSError:
                    continue
                found = re.match(r"[A-Z]+ (?:https?://)?([^/:\s]+)", head)
                self.hosts.append(found.group(1) if found else head[:40])

    def page_requests(self) -> list[str]:
        """Requests other than the browser's own calls home (time, accounts, search
        preconnects), which it makes whatever page it shows."""
        own = (".google.com", ".googleapis.com", ".gstatic.com")
        return [h for h in self.hosts if not h.endswith(own)]

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    watcher = Proxy()
    yield watcher
    watcher.close()


@pytest.fixture
def handout(invoke, fixed_data: Path, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A page with a record with every section, a hostile record, a deleted code and a
    code the library does not have, written to a file."""
    result = show_html(invoke, EVERY, HOSTILE, DELETED, ABSENT)
    assert result.exit_code == 1  # the absent code
    path = tmp_path / "handout.html"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def test_browser_shows_the_page_and_fetches_nothing(
    handout: Path, tmp_path: Path, proxy: Proxy
) -> None:
    dom = chromium(tmp_path, handout, proxy.flag, "--dump-dom").stdout
    assert proxy.page_requests() == []
    parsed = parse(dom)
    tags = {tag for tag, _ in parsed.tags}
    assert tags <= ELEMENTS, tags - ELEMENTS  # no script, img or link came from the data
    assert not any(
        name in ("src", "href") or name.startswith("on")
        for _, attrs in parsed.tags
        for name in attrs
    )
    text = re.sub(r"\s+", " ", "".join(parsed.text))
    for expected in (
        f"{EVERY} {EVERY_NAME}",
        *(s.title for s in SECTIONS),
        render.NOTICE,
        CODE_SET,
        "Reviewed 2026-11-30",
        'Escaping check <script>alert("x")</script>',
        f"{DELETED}: deleted code",
        f"{ABSENT}: not in the library",
    ):
        assert expected in text, expected
    csp = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert csp[0]["content"].startswith("default-src 'none'; style-src 'unsafe-inline'")


def test_the_proxy_sees_what_a_page_fetches(tmp_path: Path, proxy: Proxy) -> None:
    """The check above can fail: a page that names outside resources is caught."""
    page = tmp_path / "fetching.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        '<link rel="stylesheet" href="http://fonts.example.test/a.css"></head>'
        '<body><img src="http://cdn.example.test/x.png" alt=""></body></html>',
        encoding="utf-8",
    )
    chromium(tmp_path, page, proxy.flag, "--dump-dom")
    assert {"fonts.example.test", "cdn.example.test"} <= set(proxy.page_requests())


def test_printed_handout(handout: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "out.pdf"
    chromium(tmp_path, handout, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    count = len(re.findall(rb"/Type\s*/Page\b", data))
    pages = pdf_pages(pdf)
    assert count == len(pages) >= 3  # each record starts a page
    # Code and name at the top of a record's first page; its foot on its last.
    first = lines(pages[0])
    assert first[0].startswith(f"{EVERY} Example handout procedure")
    every = "\n".join(p for p in pages if "Example handout" in p or "Alternatives" in p)
    for title in (s.title for s in SECTIONS):
        assert title in every, title
    starts = [lines(p)[0] for p in pages]
    hostile = next(i for i, s in enumerate(starts) if s.startswith(f"{HOSTILE} Escaping"))
    assert starts[hostile + 1] == f"{DELETED}: deleted code"
    # Notes after a record start a page; notes in a row share it.
    assert f"{ABSENT}: not in the library" in pages[hostile + 1]
    assert len(pages) == hostile + 2
    before = " ".join(" ".join(lines(p)) for p in pages[:hostile])
    assert "Reviewed 2026-11-30. Describes CPT 2026, HCPCS Level II 2026." in before
    assert "Informational only, not medical or coding advice." in before
    last = " ".join(lines(pages[-1]))
    assert "CPT is a registered trademark of the American Medical Association." in last


def test_print_keeps_headings_with_their_first_lines(tmp_path: Path) -> None:
    """Records of growing length, each starting a page, move every heading across the
    foot of a page in turn: no printed page may end with a heading."""
    fragments, headings = [], set()
    for n in range(16, 44):
        bullets = ", ".join(f'"Filler line {i} of {n}"' for i in range(n))
        path = tmp_path / f"{99000 + n}.toml"
        path.write_text(
            f'code = "{99000 + n}"\nname = "Length {n}"\ncategory = "Test"\n'
            f'summary = "Short."\nindications = [{bullets}]\n'
            f'duration = "{" ".join(["A long duration paragraph"] * 12)}."\n'
            '[risks]\ncommon = ["Risk one", "Risk two"]\nrare = ["Rare one"]\n',
            encoding="utf-8",
        )
        record = load_record(path)
        blocks = render.layout(record)
        headings |= {b.title for b in blocks}
        headings |= {p.text for b in blocks for p in b.parts if p.kind == "label"}
        fragments.append(html.record_html(record, blocks))
    page = tmp_path / "lengths.html"
    page.write_text(html.page(fragments, "lengths"), encoding="utf-8")
    pdf = tmp_path / "lengths.pdf"
    chromium(tmp_path, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    pages = pdf_pages(pdf)
    assert len(pages) > len(fragments)  # records run over a page, so headings reach the foot
    ends = [lines(p)[-1] for p in pages if lines(p)]
    assert not [end for end in ends if end in headings]


def test_screenshot(handout: Path, tmp_path: Path) -> None:
    png = tmp_path / "handout.png"
    chromium(tmp_path, handout, f"--screenshot={png}", "--window-size=900,1200")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(data[16:20], "big") == 900  # IHDR width
    assert int.from_bytes(data[20:24], "big") == 1200


def test_readme_shows_the_committed_screenshot() -> None:
    image = ROOT / "docs" / "handout.png"
    data = image.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) < 300_000
    assert "(docs/handout.png)" in (ROOT / "README.md").read_text(encoding="utf-8")
