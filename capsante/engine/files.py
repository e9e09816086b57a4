"""Where the engine's files are: the catalogue's definition files and the staged tables' Parquet
files. Plain paths, nothing heavy imported: a page that checks a rolling window's kept list of
missing communes (`gaps.kept_gaps`) finds its files without loading Arrow, YAML and the SQL checks
that reading the catalogue brings (`staging`, `definitions`: 0.34 s of a 0.9 s report command).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "indicators" / "definitions"
DEFINITION_SUFFIXES = (".yaml", ".yml")


def definition_file(code: str, directory: Path | None = None) -> Path | None:
    """The catalogue's file of the indicator `code` (a definition's code is its file's name), or
    None when it has none."""
    folder = directory if directory is not None else DEFAULT_DIR
    for suffix in DEFINITION_SUFFIXES:
        path = folder / f"{code}{suffix}"
        if path.is_file():
            return path
    return None


def text_digest(text: str) -> str:
    """What identifies a definition's text: a definition read from it (`Definition.digest`) and
    a list kept for that definition (`gaps.kept_gaps`) carry the same."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str | None:
    """`text_digest` of a definition file as it is now, or None when it cannot be read."""
    try:
        return text_digest(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def table_dir(staging_root: Path, table: str) -> Path:
    return Path(staging_root) / table


def parquet_files(staging_root: Path, table: str) -> list[Path]:
    """Every Parquet file of a table; temporary files of an import in progress are skipped."""
    root = table_dir(staging_root, table)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.parquet") if not p.name.startswith((".", "_")))
