"""HTML → PDF with WeasyPrint, offline: the DSFR's Marianne font read from the installed
django-dsfr package, no URL fetched. PDF/UA-1 gives a tagged PDF with language and title.

WeasyPrint is imported when a PDF is made, not with this module: it takes a fifth of a second
to import (0.35 s before its libraries were loaded by file name, decision 0033), which
the HTML and DOCX reports (they read `font_css`) and every command that imports the reports would
otherwise pay (bench/RESULTS.md, *Commands*). While it lays out and writes, the cyclic garbage
collector waits (`_CollectorPause`, decision 0034). A command that will write a PDF starts a
process that imports WeasyPrint while Django starts, and lays the document out there
(`start_layout_process`, decision 0035)."""

import gc
import io
import os
import shutil
import signal
import sys
import tempfile
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


def _render(html: str, fonts=None):
    """The laid-out document; `fonts`, a WeasyPrint font configuration that already holds the
    fonts (`LayoutProcess`), or a new one."""
    _load_weasyprint()
    from weasyprint import HTML  # lazy: imported when a PDF is made (module docstring)
    from weasyprint.text.fonts import FontConfiguration  # lazy: the same

    return HTML(
        string=printable(html), base_url=str(FONT_DIR), url_fetcher=_fetcher_class()()
    ).render(font_config=fonts or FontConfiguration(), pdf_variant="pdf/ua-1")


def document(html: str):
    """The laid-out document (pages and boxes), for writing or for inspecting the layout.
    Characters no document can carry are dropped first (``core.text``)."""
    with _collector_paused():
        return _render(html)


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`: laid out by the process `start_layout_process` started, when there
    is one (the first document only), or here."""
    global _layout_process
    process, _layout_process = _layout_process, None
    content = process.lay_out(html) if process is not None else None
    return content if content is not None else _written(html)


def _written(html: str, fonts=None) -> bytes:
    """The PDF of `html` laid out and written here, the collector held (`_render`'s `fonts`)."""
    with _collector_paused():
        return _render(html, fonts).write_pdf(pdf_variant="pdf/ua-1")


class LayoutProcess:
    """A child process that imports WeasyPrint at once, then lays out the one document it is
    sent and sends its PDF back.

    A command that writes a PDF spends a third of a second starting Django and as much
    importing WeasyPrint, one after the other, on a machine with two cores or more. Forked
    before Django starts, the child imports WeasyPrint meanwhile, then lays out a few words to
    load the fonts and ready fontconfig, Pango and the PDF writer (the roadmap PDF 1.67 →
    1.33 s, bench/RESULTS.md, *Commands*, 4 December, fifth session). The child reads no
    database, only the files a report may read (`ReportURLFetcher`); the parent sends it the
    HTML through a pipe, once, and no copy of it is written anywhere.

    Whatever goes wrong in the child (killed, out of memory, a document WeasyPrint refuses),
    `lay_out` answers None and the caller lays the document out itself, so that an error is
    raised where it can be read. A parent that ends without a document closes the pipe: the
    child sees it empty and ends too."""

    def __init__(self) -> None:
        html_in, self._html_out = os.pipe()
        self._pdf_in, pdf_out = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child
            os.close(self._html_out)
            os.close(self._pdf_in)
            # The command's output is its own (`$(capsante report …)` ends with the command);
            # the child writes only to the log, on the error output.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self._serve(html_in, pdf_out)
        os.close(html_in)
        os.close(pdf_out)

    @staticmethod
    def _serve(html_in: int, pdf_out: int) -> None:
        succeeded = False
        folder = None
        try:
            # Stopped by its parent (`stop`): the folder below is removed all the same.
            signal.signal(signal.SIGTERM, _exit_on_signal)
            # WeasyPrint's temporary files (the fonts it hands to fontconfig) in a folder of its
            # own, removed here: this process ends without running their finalisers.
            folder = tempfile.tempdir = tempfile.mkdtemp(prefix="capsante-pdf-")
            # What WeasyPrint warns of (an address refused, a font missing) is written as the
            # parent writes its own lines: this process started before Django set its logging.
            from django.utils.log import configure_logging  # lazy: in the layout process only

            configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
            fonts = _fonts_loaded()
            with os.fdopen(html_in, "rb") as pipe:
                html = pipe.read().decode()
            if html:
                content = _written(html, fonts)
                with os.fdopen(pdf_out, "wb") as pipe:
                    pipe.write(content)
            succeeded = True
        except BaseException:  # noqa: BLE001, S110 - the parent lays the document out again
            pass
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            # No exit handlers, no flush of buffers inherited from the parent: they are its own.
            os._exit(0 if succeeded else 1)

    def lay_out(self, html: str) -> bytes | None:
        """The PDF the child made of `html`, or None when it made none."""
        content = b""
        try:
            with os.fdopen(self._html_out, "wb") as pipe:
                pipe.write(html.encode())
            with os.fdopen(self._pdf_in, "rb") as pipe:
                content = pipe.read()
        except OSError:  # the child has ended: nobody reads the HTML
            pass
        _, status = os.waitpid(self.pid, 0)
        return content if status == 0 and content.startswith(b"%PDF-") else None

    def stop(self) -> None:
        """End the child before it is sent anything (the command's document was read back,
        decision 0050): it would otherwise finish importing WeasyPrint and loading the fonts
        for nothing, on the other core, holding the command's error output open meanwhile."""
        os.close(self._html_out)
        os.close(self._pdf_in)
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:  # it has ended already
            pass
        os.waitpid(self.pid, 0)


def _exit_on_signal(number: int, frame: object) -> None:
    raise SystemExit(1)


_layout_process: LayoutProcess | None = None

# A few words in each of Marianne's faces: laid out and written once while the child waits for
# its document, they leave fontconfig, Pango and the PDF writer ready, and the fonts loaded.
_WARM_UP = (
    "<html lang='fr'><head><title>Cap e-santé</title><style>{fonts}"
    " html {{ font-family: Marianne, sans-serif; }}</style></head><body><p>Numérique en santé"
    " <b>feuille de route</b> <i>2025-2026</i> <b><i>Sarthe</i></b></p></body></html>"
)


def _fonts_loaded():
    """A WeasyPrint font configuration holding Marianne, after a first small document."""
    _load_weasyprint()
    from weasyprint.text.fonts import FontConfiguration  # lazy: in the layout process only

    fonts = FontConfiguration()
    _written(_WARM_UP.format(fonts=font_css()), fonts)
    return fonts


def stop_layout_process() -> None:
    """End the process `start_layout_process` started if no document was sent to it."""
    global _layout_process
    process, _layout_process = _layout_process, None
    if process is not None:
        process.stop()


def start_layout_process() -> None:
    """Imports WeasyPrint in a child process from now on, for this process's first PDF
    (`LayoutProcess`). Only where a process can be forked safely: Linux, before any thread."""
    global _layout_process
    if sys.platform == "linux" and _layout_process is None and "weasyprint" not in sys.modules:
        _layout_process = LayoutProcess()
