"""The first PDF of a process starts no other program. WeasyPrint looks its libraries up under
six names each; for every name the loader does not know, `ctypes.util.find_library` ran
``ldconfig -p``, ``gcc`` and ``ld``: 86 programs run and a tenth of a second before each first PDF
(`pdf._libraries_by_file_name`). Where the loader does not know the file names, the search is
made as before and the PDF still comes out. Each case in a fresh interpreter, as a command is."""

import os
import subprocess
import sys

import pytest

FIRST_PDF = """
import sys
started = []
sys.addaudithook(lambda event, args: event in ("subprocess.Popen", "os.posix_spawn", "os.exec")
                 and started.append(str(args[1] if event == "subprocess.Popen" else args[0])))
{prelude}
import django
django.setup()
from capsante.ui import pdf
data = pdf.html_to_pdf("<html lang='fr'><title>Essai</title><p>Feuille de route du numérique en santé</p>")
assert data.startswith(b"%PDF-"), data[:20]
print("processes:", started)
"""

# A loader that does not know the libraries' file names: cffi loads only what
# `find_library` finds, as on a system whose libraries lie outside the loader's usual paths.
LOADER_WITHOUT_FILE_NAMES = """
import ctypes.util
import cffi.api
def searched_only(backend, name, flags):
    found = ctypes.util.find_library(name)
    if found is None:
        raise OSError(f"no library called {name!r} found")
    started.append(f"found {name}")
    return backend.load_library(found, flags)
cffi.api._load_backend_lib = searched_only
"""


def _first_pdf(tmp_path, prelude: str = "") -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "capsante.settings", "CAPSANTE_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PDF.format(prelude=prelude)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="the search it skips is Linux's")
def test_the_first_pdf_starts_no_other_program(tmp_path):
    assert "processes: []" in _first_pdf(tmp_path)


@pytest.mark.skipif(sys.platform != "linux", reason="the search it skips is Linux's")
def test_where_the_loader_does_not_know_the_file_names_the_search_finds_the_libraries(tmp_path):
    output = _first_pdf(tmp_path, LOADER_WITHOUT_FILE_NAMES)
    assert "ldconfig" in output and "found gobject-2.0" in output
    assert "could not import some external libraries" not in output
