"""A command that writes a PDF has it laid out by a process started before Django, which imports
WeasyPrint meanwhile (`pdf.LayoutProcess`, decision 0035). The document is the one laid out in
the command's own process; whatever happens to that other process, the PDF still comes out; it
leaves no file behind and writes its warnings as the command does. Each case in a fresh
interpreter, forked as `capsante report … --output r.pdf` forks."""

import os
import re
import subprocess
import sys
import time

import pytest

from capsante.cli import writes_a_pdf
from capsante.ui import pdf

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the process is forked on Linux")

DOCUMENT = (
    "<html lang='fr'><head><title>Feuille de route</title><style>{fonts}"
    " html {{ font-family: Marianne; }}</style></head><body><h1>Numérique en santé</h1>"
    "<p><b>Objectif 1</b> : généraliser <i>Mon espace santé</i> en Sarthe {extra}</p>"
    + "<p>Action suivie, jalon atteint, 74,3 % des Espaces santé alimentés.</p>" * 60
    + "</body></html>"
)

COMMAND = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "capsante.settings"
from capsante.ui import pdf
pdf.start_layout_process()
print("layout process:", pdf._layout_process.pid, flush=True)
{before}
import django
django.setup()
{make}
print("WeasyPrint imported here:", "weasyprint" in sys.modules)
"""

MAKE = """
html = open(sys.argv[1], encoding="utf-8").read()
data = pdf.html_to_pdf(html)
assert data.startswith(b"%PDF-"), data[:20]
open(sys.argv[2], "wb").write(data)
"""


def _command(tmp_path, before: str = "", make: str = MAKE, extra: str = "") -> tuple[str, str]:
    source = tmp_path / "document.html"
    source.write_text(DOCUMENT.format(fonts=pdf.font_css(), extra=extra), encoding="utf-8")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"CAPSANTE_DATA_DIR": str(tmp_path / "data"), "TMPDIR": str(temporary)}
    done = subprocess.run(
        [sys.executable, "-c", COMMAND.format(before=before, make=make),
         str(source), str(tmp_path / "document.pdf")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def _text(path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607 - poppler's, installed for the tests
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def _fonts(path) -> list[str]:
    done = subprocess.run(
        ["pdffonts", str(path)],  # noqa: S607 - poppler's, installed for the tests
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    # « SCKYUG+Marianne … »: the subset's tag is random, the face is what is read.
    return sorted(line.split()[0].split("+")[-1] for line in done.stdout.splitlines()[2:])


def test_the_layout_process_makes_the_pdf_the_command_would_have_made(tmp_path):
    output, _ = _command(tmp_path)
    # The command never imported WeasyPrint: the other process laid the document out.
    assert "WeasyPrint imported here: False" in output
    laid_out_here = tmp_path / "here.pdf"
    laid_out_here.write_bytes(pdf.html_to_pdf((tmp_path / "document.html").read_text()))
    made = tmp_path / "document.pdf"
    assert _text(made) == _text(laid_out_here)
    assert "74,3 % des Espaces santé alimentés" in _text(made)
    assert _fonts(made) == _fonts(laid_out_here) == ["Marianne", "Marianne-Bold", "Marianne-Italic"]
    # WeasyPrint's fonts, handed to fontconfig as files, are removed with the process.
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_layout_process_that_died_leaves_the_command_to_lay_the_document_out(tmp_path):
    killed = (
        "import signal, time; os.kill(pdf._layout_process.pid, signal.SIGKILL); time.sleep(0.2)"
    )
    output, _ = _command(tmp_path, before=killed)
    assert "WeasyPrint imported here: True" in output
    assert "74,3 % des Espaces santé alimentés" in _text(tmp_path / "document.pdf")


def test_an_address_refused_is_written_to_the_log_as_the_command_writes_it(tmp_path):
    output, errors = _command(tmp_path, extra="<img src='file:///etc/passwd'>")
    assert "WeasyPrint imported here: False" in output
    # « 04/12/2026 19:22:50 erreur weasyprint : … », Paris time, as the command's own lines.
    assert re.search(
        r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d erreur weasyprint : .*"
        r"adresse refusée dans un rapport : file:///etc/passwd",
        errors,
    ), errors
    assert "root:" not in _text(tmp_path / "document.pdf")


def test_a_command_that_ends_without_a_document_ends_its_layout_process(tmp_path):
    output, _ = _command(tmp_path, make="")
    child = int(re.search(r"layout process: (\d+)", output).group(1))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _running(child):
        time.sleep(0.1)
    assert not _running(child)
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("waited", [0, 0.3, 4], ids=["at-once", "importing", "fonts-loaded"])
def test_a_command_whose_document_was_read_back_stops_its_layout_process(tmp_path, waited):
    """The roadmap's edition read back (decision 0050): the process that was importing
    WeasyPrint for it is stopped before the command ends, whatever it was doing, and leaves no
    folder behind."""
    stop = f"import time; time.sleep({waited}); pdf.stop_layout_process()"
    output, _ = _command(tmp_path, make=stop)
    child = int(re.search(r"layout process: (\d+)", output).group(1))
    assert not _running(child), "stopped and reaped before the command ends"
    assert "WeasyPrint imported here: False" in output
    assert list((tmp_path / "tmp").iterdir()) == []


def _running(pid: int) -> bool:
    """Whether the process runs still (ended and not yet reaped counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize(
    ("arguments", "forks"),
    [
        (["report", "roadmap", "--territory", "72", "--output", "r.pdf"], True),
        (["report", "committee", "--territory", "Sarthe", "--output=Comité.PDF"], True),
        (["report", "committee", "--territory", "72", "--output", "c.docx"], False),
        (["report", "roadmap", "--territory", "72", "--output", "r.html"], False),
        (["report", "--help"], False),
        (["indicators", "show", "MES_ACTIVATION", "--output", "x.pdf"], False),
    ],
)
def test_only_a_report_written_as_pdf_starts_a_layout_process(arguments, forks):
    assert writes_a_pdf(arguments) is forks
