"""Documents laid out once per edition, then served from disk (decision 0050).

Laying out the roadmap document takes WeasyPrint about a second of one core (16 pages:
bench/RESULTS.md, *Commands*), where making its HTML takes a tenth of that. The same HTML lays
out to the same document, so a document is kept under the fingerprint of its HTML and of what
else the layout reads (WeasyPrint's version, the platform's): asked again while nothing it shows
has changed, it is read back instead of laid out. Anything the document shows that changes — a
figure, a target, a text, the day of its edition — changes its HTML, and so makes a new
edition. Instants that would differ at every request (the minute it was produced) are left out
of the fingerprint as placeholders (`Stamps`) and written into the HTML only when it is laid
out: a kept document says when it was laid out, which is when its content was last new.

Files are kept in DOCUMENTS_DIR, shared by every process (the web's workers, the commands), one
per document: a new edition replaces the previous one. Only documents that hold no personal
data are kept (a document's caller decides): a copy on disk must not outlive what the
retention rules delete from the database.
"""

import functools
import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from django.conf import settings

NAME = re.compile(r"^[a-z0-9-]+$")


class Stamps:
    """Placeholders for the instants a document states but its fingerprint leaves out."""

    def __init__(self, **values: str) -> None:
        self._values = values

    def placeholder(self, name: str) -> str:
        # Letters and dashes only: HTML escaping and the templates' filters leave them as they are.
        return f"capsante-stamp-{name}-9c1e"

    def placeholders(self) -> dict[str, str]:
        """What a template is given for each stamp while its fingerprint is taken."""
        return {name: self.placeholder(name) for name in self._values}

    def written(self, html: str) -> str:
        for name, value in self._values.items():
            html = html.replace(self.placeholder(name), value)
        return html


@functools.cache
def _layout_versions() -> str:
    """What a layout reads besides the HTML: the libraries' versions (django-dsfr's for the
    Marianne fonts) and our PDF module (its settings of WeasyPrint), read once per process."""
    packages = "|".join(
        f"{package}={metadata.version(package)}"
        for package in ("weasyprint", "pydyf", "django-dsfr", "capsante")
    )
    module = hashlib.sha256((Path(__file__).parent / "pdf.py").read_bytes()).hexdigest()
    return f"{packages}|pdf.py={module}"


def fingerprint(content_key: str) -> str:
    digest = hashlib.sha256(_layout_versions().encode())
    digest.update(content_key.encode())
    return digest.hexdigest()[:32]


def _path(name: str, key: str, suffix: str) -> Path:
    return Path(settings.DOCUMENTS_DIR) / f"{name}--{key}{suffix}"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:  # never made, or replaced by another process meanwhile
        return None


def _keep(path: Path, content: bytes, name: str, suffix: str) -> None:
    """Written whole under its final name (another process reads it or nothing), then the
    document's previous editions removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for previous in path.parent.glob(f"{name}--*{suffix}"):
        if previous != path:
            previous.unlink(missing_ok=True)


def kept(
    name: str,
    content_key: str,
    make: Callable[[], bytes],
    suffix: str = ".pdf",
    refresh: bool = False,
) -> bytes:
    """The document `make` makes, read back when it was made before under the same
    `content_key` — text that changes whenever the document would (its HTML, or the version of
    its data and its day); `refresh` makes it again. `name` is the document's own, one kept
    edition per name: lower-case letters, digits and dashes."""
    if not NAME.match(name):
        raise ValueError(f"Document name {name!r}: lower-case letters, digits and dashes only")
    path = _path(name, fingerprint(content_key), suffix)
    content = None if refresh else _read(path)
    if content is None:
        content = make()
        _keep(path, content, name, suffix)
    return content


def kept_html(
    name: str,
    html: str,
    lay_out: Callable[[str], bytes],
    stamps: Stamps | None = None,
    refresh: bool = False,
) -> bytes:
    """The PDF `lay_out` makes of `html`, its stamps written in, kept under the HTML itself."""
    return kept(
        name, html, lambda: lay_out(stamps.written(html) if stamps else html), refresh=refresh
    )


def is_kept(name: str, content_key: str, suffix: str = ".pdf") -> bool:
    """Whether the edition of `name` made under `content_key` is the one kept."""
    return _path(name, fingerprint(content_key), suffix).exists()


def kept_names(prefix: str, suffix: str = ".pdf") -> set[str]:
    """The names of the documents beginning with `prefix` of which an edition is kept."""
    folder = Path(settings.DOCUMENTS_DIR)
    return {path.name.rsplit("--", 1)[0] for path in folder.glob(f"{prefix}*--*{suffix}")}


def forget(name: str) -> None:
    """Remove every kept edition of the document `name` (the document is gone)."""
    for path in Path(settings.DOCUMENTS_DIR).glob(f"{name}--*"):
        path.unlink(missing_ok=True)
