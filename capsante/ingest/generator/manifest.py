"""`manifest.json`: what a generation wrote, for which connector, with row counts and hashes."""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class ManifestFile:
    path: str  # relative to the output directory, with forward slashes
    connector: str
    rows: int
    bytes: int
    sha256: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Manifest:
    seed: int
    scale: str
    start: str
    end: str
    extraction_date: str
    departements: list[str]
    communes: int
    population: int
    files: list[ManifestFile] = field(default_factory=list)
    calibration: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def add(self, root: Path, path: Path, connector: str, rows: int, **meta: Any) -> ManifestFile:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        entry = ManifestFile(
            path=path.relative_to(root).as_posix(),
            connector=connector,
            rows=rows,
            bytes=path.stat().st_size,
            sha256=digest.hexdigest(),
            meta=dict(meta),
        )
        self.files.append(entry)
        return entry

    def by_connector(self, connector: str) -> list[ManifestFile]:
        return [f for f in self.files if f.connector == connector]

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, directory: Path) -> Path:
        path = directory / MANIFEST_NAME
        with open(path, "w", encoding="utf-8", newline="") as handle:
            json.dump(self.to_dict(), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        return path

    @classmethod
    def read(cls, directory: Path | str) -> "Manifest":
        with open(Path(directory) / MANIFEST_NAME, encoding="utf-8") as handle:
            data = json.load(handle)
        files = [ManifestFile(**f) for f in data.pop("files")]
        return cls(files=files, **data)
