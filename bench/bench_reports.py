"""Time to generate the Sarthe roadmap PDF on the demo database, against baselines in the same run.

Usage (after `make run` has filled the demo, or with CAPSANTE_DATA_DIR pointing to a filled one):
    .venv/bin/python bench/bench_reports.py [--repeat 3]

First, cold: the Sarthe roadmap PDF as the first thing a fresh process makes (a child process:
Django started and the report modules imported, as in a server's worker, then the clock; it
includes WeasyPrint's import, the fonts' loading and the templates' compiling, not Python's or
Django's start; the files are in the system's cache after earlier runs).

Then, in this process, each the median of --repeat runs (after one warm-up):
- baseline 1: the same document as HTML only (data gathering + templates, no PDF layout);
- baseline 2: WeasyPrint on a one-page document with the same fonts (the fixed cost of a PDF);
- the Sarthe roadmap PDF, end to end (data, charts, layout, PDF/UA-1 writing);
- the Mayenne committee report PDF from a fresh snapshot (data + snapshot + layout).
The roadmap's warm-up run is printed too, labelled for what it is: the first roadmap of this
process, WeasyPrint and the fonts already loaded by the one-page document.
Prints seconds, pages and the ratios; the target is the Sarthe PDF under 10 s on 2 cores, cold
as warm.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsante.settings")
TARGET_SECONDS = 10.0


COLD: dict[str, float] = {}


def timed(function, repeat: int, name: str = "") -> tuple[float, object]:
    start = time.perf_counter()
    result = function()  # warm-up: templates compiled, fonts loaded, caches filled
    # (recorded: the first run of `function` in this process, not a cold start)
    COLD[name] = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cold_pdf() -> None:
    """In a fresh process (`--cold`): the Sarthe roadmap PDF, the first thing it makes after
    Django's start and the imports a server's worker has done; prints its seconds."""
    import django

    django.setup()
    from capsante.reports import roadmap_document
    from capsante.roadmaps.models import Roadmap

    roadmap = Roadmap.objects.select_related("territory").filter(territory__code="72").first()
    if roadmap is None:
        sys.exit("Base de démonstration vide.")
    loaded = "weasyprint" in sys.modules
    start = time.perf_counter()
    roadmap_document.roadmap_pdf(roadmap)
    print(f"{time.perf_counter() - start} {int(loaded)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold:
        cold_pdf()
        return
    cold = subprocess.run(
        [sys.executable, __file__, "--cold"], capture_output=True, text=True, check=False
    )
    if cold.returncode:
        sys.exit(cold.stderr or cold.stdout)
    cold_s, weasyprint_was_loaded = cold.stdout.split()[-2:]
    cold_s = float(cold_s)

    import django

    django.setup()
    from django.db import transaction

    from capsante.reports import committee_render, committee_report, roadmap_document
    from capsante.roadmaps.models import Roadmap
    from capsante.territories.models import Level, Territory
    from capsante.ui import pdf

    roadmap = Roadmap.objects.select_related("territory").filter(territory__code="72").first()
    if roadmap is None or not roadmap.territory.indicator_values.exists():
        sys.exit("Base de démonstration vide : lancez `make run` (ou `capsante demo`) d'abord.")
    mayenne = Territory.objects.get(level=Level.DEPARTEMENT, code="53")
    one_page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title><style>'
        + pdf.font_css()
        + "html { font-family: Marianne }</style></head><body><h1>Une page</h1>"
        "<p>Texte de référence, même police, même variante PDF/UA-1.</p></body></html>"
    )

    def committee_pdf() -> bytes:
        # Built and rendered without storing: the bench leaves no snapshot behind.
        with transaction.atomic():
            data = committee_report.build(mayenne, *_range())
            return committee_render.to_pdf(data)

    html_s, _ = timed(lambda: roadmap_document.roadmap_html(roadmap), args.repeat)
    page_s, _ = timed(lambda: pdf.html_to_pdf(one_page), args.repeat)
    pdf_s, content = timed(lambda: roadmap_document.roadmap_pdf(roadmap), args.repeat, "pdf")
    committee_s, committee = timed(committee_pdf, args.repeat)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
    pages = next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")
    print(
        f"Feuille de route de la Sarthe, médiane de {args.repeat} générations (après échauffement)"
    )
    print(f"  HTML seul (données + gabarits)           {html_s:7.2f} s")
    print(f"  WeasyPrint, document d'une page          {page_s:7.2f} s")
    print(f"  PDF de la feuille de route ({pages} pages)       {pdf_s:7.2f} s")
    print(
        f"  {'idem, à froid (processus neuf)':<41}{cold_s:7.2f} s"
        + (" (WeasyPrint déjà importé !)" if weasyprint_was_loaded == "1" else "")
    )
    print("    (après le démarrage de Django : import de WeasyPrint, polices, gabarits compris)")
    print(f"  {'idem, 1er de ce processus de mesure':<41}{COLD['pdf']:7.2f} s")
    print("    (WeasyPrint et les polices déjà chargés par le document d'une page)")
    print(
        f"  rapport de comité Mayenne (PDF)          {committee_s:7.2f} s ({len(committee) // 1024} Kio)"
    )
    print(f"  ratio PDF / HTML seul                    {pdf_s / html_s:7.1f}")
    print(f"  ratio PDF / PDF d'une page               {pdf_s / page_s:7.1f}")
    verdict = "OK" if max(pdf_s, cold_s, COLD["pdf"]) < TARGET_SECONDS else "TROP LENT"
    print(f"  objectif < {TARGET_SECONDS:.0f} s (à froid comme à chaud) : {verdict}")


def _range():
    import datetime as dt

    return dt.date(2026, 1, 1), dt.date(2026, 6, 30)


if __name__ == "__main__":
    main()
