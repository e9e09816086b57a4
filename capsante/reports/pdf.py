"""HTML → PDF with WeasyPrint, offline: the DSFR's Marianne font read from the installed
django-dsfr package, no URL fetched. PDF/UA-1 gives a tagged PDF with language and title."""

from functools import cache
from pathlib import Path

import dsfr
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONT_DIR = Path(dsfr.__file__).parent / "static" / "dsfr" / "dist" / "fonts"
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


def _url_fetcher() -> URLFetcher:
    """Only local files: a report never reaches the network, whatever its content says."""
    return URLFetcher(allowed_protocols={"file", "data"})


def document(html: str):
    """The laid-out document (pages and boxes), for writing or for inspecting the layout."""
    return HTML(string=html, base_url=str(FONT_DIR), url_fetcher=_url_fetcher()).render(
        font_config=FontConfiguration(), pdf_variant="pdf/ua-1"
    )


def html_to_pdf(html: str) -> bytes:
    return document(html).write_pdf(pdf_variant="pdf/ua-1")
