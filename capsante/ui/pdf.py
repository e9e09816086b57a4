"""HTML → PDF with WeasyPrint, offline: the DSFR's Marianne font read from the installed
django-dsfr package, no URL fetched. PDF/UA-1 gives a tagged PDF with language and title.

WeasyPrint is imported when a PDF is made, not with this module: it takes a fifth of a second
to import (0.35 s before its libraries were loaded by file name, decision 0033), which
the HTML and DOCX reports (they read `font_css`) and every command that imports the reports would
otherwise pay (bench/RESULTS.md, *Commands*). While it lays out and writes, the cyclic garbage
collector waits (`_CollectorPause`, decision 0034)."""

import gc
import io
import sys
import threading
from contextlib import contextmanager, redirect_stdout
from functools import cache
from pathlib import Path
from urllib.request import url2pathname

import dsfr
from django.conf import settings

from capsante.ui.text import printable

DSFR_STATIC = Path(dsfr.__file__).parent / "static"
FONT_DIR = DSFR_STATIC / "dsfr" / "dist" / "fonts"
PROJECT_DIR = Path(__file__).resolve().parent.parent
FACES = [
    ("Regular", "normal", 400),
    ("Regular_Italic", "italic", 400),
    ("Bold", "normal", 700),
    ("Bold_Italic", "italic", 700),
]


@cache
def font_css() -> str:
    """@font-face rules for Marianne; WOFF rather than WOFF2, which FreeType reads without brotli."""
    rules = []
    for name, style, weight in FACES:
        path = FONT_DIR / f"Marianne-{name}.woff"
        if path.exists():
            rules.append(
                f"@font-face {{ font-family: Marianne; src: url('{path.as_uri()}') format('woff');"
                f" font-style: {style}; font-weight: {weight}; }}"
            )
    return "\n".join(rules)


def allowed_roots() -> list[Path]:
    """The folders a report may read: the DSFR's fonts and files, the project's static files."""
    roots = [DSFR_STATIC, *PROJECT_DIR.glob("*/static"), Path(settings.STATIC_ROOT)]
    return [root.resolve() for root in roots]


def serves(url: str, roots: list[Path]) -> bool:
    """Whether a report may read this ``file:`` URL: only under `roots` (`allowed_roots`)."""
    path = Path(url2pathname(url.split("?", 1)[0].split("#", 1)[0][len("file:") :]))
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in roots)


@contextmanager
def _libraries_by_file_name():
    """While WeasyPrint loads Pango, HarfBuzz and fontconfig, `ctypes.util.find_library` finds
    nothing. WeasyPrint tries each library under six names, three of them before the Linux file
    name (``libpango-1.0.so.0``), and for each name the loader does not know cffi calls
    `find_library`, which on Linux runs ``ldconfig -p``, then ``gcc`` and ``ld`` when a compiler
    is installed: 86 programs run and a tenth of a second at each first PDF (bench/RESULTS.md,
    *Commands*, 4 December). The file names load without that search."""
    import ctypes.util  # lazy: only to load WeasyPrint

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = search


def _load_weasyprint() -> None:
    if "weasyprint" in sys.modules or sys.platform != "linux":
        return
    try:
        # WeasyPrint prints its installation advice when a library is missing: not yet missing.
        with _libraries_by_file_name(), redirect_stdout(io.StringIO()):
            import weasyprint  # noqa: F401  # lazy: imported when a PDF is made (docstring)
    except OSError:
        # A system whose loader does not know the file names (libraries outside its paths): the
        # import starts again, with the search.
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]


@cache
def _fetcher_class():
    _load_weasyprint()
    # lazy: WeasyPrint is imported when a PDF is made (see the module's docstring).
    from weasyprint.urls import URLFetcher

    class ReportURLFetcher(URLFetcher):
        """Fetches the project's fonts and static files and ``data:`` URLs, and nothing else.

        A report's HTML carries texts written by users (notes, decisions, resource links);
        whatever they contain, the PDF never reads the server's files (``file:///etc/passwd``
        as an image or an attachment) nor reaches the network. A refused URL is left out of the
        document, with a warning in the log."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
            self.roots = allowed_roots()

        def fetch(self, url, headers=None):
            if url.lower().startswith("file:") and not serves(url, self.roots):
                raise ValueError(f"adresse refusée dans un rapport : {url}")
            return super().fetch(url, headers)

    return ReportURLFetcher


class _CollectorPause:
    """The cyclic garbage collector held while WeasyPrint lays out and writes a document.

    A layout makes some hundreds of thousands of objects, so the collector runs its full
    collections, each walking every object of the process — Django's and WeasyPrint's modules
    included: 0.14 s of the roadmap PDF's 1.5 s, a fifth of its layout and writing (bench/
    RESULTS.md, *Commands*, 4 December, third session). The layout's objects are freed by their
    counts as usual; the few cycles among them wait for the collection after the document
    (2 MiB for the roadmap's 15 pages, 3 MiB for 40). Counted, so that two documents made at
    once in a threaded server leave the collector as they found it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents = 0
        self._was_enabled = True

    @contextmanager
    def __call__(self):
        with self._lock:
            if self._documents == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._documents += 1
        try:
            yield
        finally:
            with self._lock:
                self._documents -= 1
                if self._documents == 0 and self._was_enabled:
                    gc.enable()


_collector_paused = _CollectorPause()


def _render(html: str):
    _load_weasyprint()
    from weasyprint import HTML  # lazy: imported when a PDF is made (module docstring)
    from weasyprint.text.fonts import FontConfiguration  # lazy: the same

    return HTML(
        string=printable(html), base_url=str(FONT_DIR), url_fetcher=_fetcher_class()()
    ).render(font_config=FontConfiguration(), pdf_variant="pdf/ua-1")


def document(html: str):
    """The laid-out document (pages and boxes), for writing or for inspecting the layout.
    Characters no document can carry are dropped first (``core.text``)."""
    with _collector_paused():
        return _render(html)


def html_to_pdf(html: str) -> bytes:
    with _collector_paused():
        return _render(html).write_pdf(pdf_variant="pdf/ua-1")
