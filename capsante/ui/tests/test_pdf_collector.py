"""While WeasyPrint lays out and writes a document, the cyclic garbage collector waits: its full
collections walked every object of the process, a tenth of the roadmap PDF's time
(`pdf._CollectorPause`). Afterwards it runs as before, and documents made at once in a threaded
server leave it as they found it."""

import gc
from concurrent.futures import ThreadPoolExecutor

import pytest

from capsante.ui import pdf

PAGES = "".join(
    f"<h2>Objectif {n}</h2>"
    + "<p>Feuille de route du numérique en santé, bilan de l’existant.</p>" * 40
    for n in range(12)
)
HTML = f"<html lang='fr'><title>Essai</title><body>{PAGES}</body></html>"


@pytest.fixture
def collections():
    """The collections the collector makes, by generation, while the test runs."""
    made: list[int] = []

    def record(phase, info):
        if phase == "start":
            made.append(info["generation"])

    gc.callbacks.append(record)
    yield made
    gc.callbacks.remove(record)


def test_no_collection_while_a_document_is_made_and_the_collector_runs_after(collections):
    assert gc.isenabled()
    pdf.html_to_pdf(HTML)  # WeasyPrint imported and its caches warm: the test is the next one
    collections.clear()
    data = pdf.html_to_pdf(HTML)
    assert data.startswith(b"%PDF-")
    # Hundreds of collections before (three of them full); now at most the one the allocations
    # just before the document may have set off.
    assert len(collections) <= 1 and 2 not in collections
    assert gc.isenabled()
    collections.clear()
    pdf.document(HTML)
    assert len(collections) <= 1 and 2 not in collections and gc.isenabled()


def test_documents_made_at_once_leave_the_collector_enabled():
    with ThreadPoolExecutor(max_workers=3) as threads:
        documents = list(threads.map(pdf.html_to_pdf, [HTML] * 9))
    assert all(d.startswith(b"%PDF-") for d in documents)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        pdf.html_to_pdf(HTML)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_documents_cycles_are_collected_afterwards():
    """Nothing of a document stays once it is written and the collector has run: three more
    documents leave the process with as many objects as before them."""
    pdf.html_to_pdf(HTML)
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(3):
        pdf.html_to_pdf(HTML)
    gc.collect()
    assert len(gc.get_objects()) - before < 1_000  # each document leaves some 30,000 in cycles
