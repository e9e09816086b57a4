"""Fill the demo: generate files in the real formats for real communes, then import them all
through the same path as any file, then compute the indicators once."""

import json
import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.test.utils import override_settings
from django.utils.text import capfirst

from capsante.ingest import registry
from capsante.ingest.generator import generate
from capsante.territories.models import Level, Territory
from capsante.ui.formats import month_short

from .models import ImportRecord, ImportStatus
from .services import run_import

# Directories and references first, so that later files can be checked against them.
IMPORT_ORDER = [
    "finess",
    "rpps",
    "mssante",
    "am-mes",
    "am-dmp-documents",
    "am-dmp-consultations",
    "am-telehealth",
    "am-telehealth-offer",
    "survey",
    "cyber-register",
    "ins-fhir",
    "ins-hl7",
]
Progress = Callable[[str, int, int], None]


def communes_for_generator() -> list[dict]:
    """The real communes, with their populations, as the generator takes them."""
    rows = Territory.objects.filter(level=Level.COMMUNE).values_list(
        "code",
        "name",
        "population",
        "parent__code",
        "parent__parent__code",
        "epci__code",
        "latitude",
        "longitude",
    )
    return [
        {
            "code": code,
            "name": name,
            "population": population or 0,
            "departement_code": dep or "",
            "region_code": region or "",
            "epci_code": epci,
            "latitude": lat,
            "longitude": lon,
        }
        for code, name, population, dep, region, epci, lat, lon in rows.iterator(chunk_size=10_000)
    ]


def generate_files(out_dir: Path, scale: str, seed: int, progress: Progress | None = None) -> dict:

    manifest_path = out_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("seed") == seed and manifest.get("scale") == scale:
            return manifest
    communes = communes_for_generator()
    if not communes:
        raise RuntimeError("Aucune commune en base : lancez d'abord `capsante load_territories`.")
    generate(out_dir, communes, scale, seed, progress=progress)
    return json.loads(manifest_path.read_text(encoding="utf-8"))


def _options(entry: dict) -> dict:
    meta = entry.get("meta", {})
    if entry["connector"] in ("ins-fhir", "ins-hl7"):
        return {"period": meta["period"]} if meta.get("period") else {}
    if entry["connector"] == "survey":
        return {"survey": meta["survey"], "mapping": meta["mapping"]}
    return {}


def step_name(step: str) -> str:
    """A step of the demo's generation or imports as the console shows it: the source as the
    upload form names it, after its producer (« documents versés au DMP », not
    « am-dmp-documents »), and a month as a form writes it (« Identités patients (FHIR), 01/2024 »)."""
    code, _, period = step.partition(" ")
    # The generator's identity step is « ins »: its files are the FHIR connector's.
    connector = registry.CONNECTORS.get(code) or registry.CONNECTORS.get(f"{code}-fhir")
    if connector is None:
        return capfirst(step)
    name = connector.label.split(" – ", 1)[-1]
    if len(name) > 44:  # the bar keeps its room on an 80-column terminal
        name = re.sub(r" \(.*\)$", "", name)[:44]
    return capfirst(f"{name}, {month_short(period)}" if period else name)


def import_files(
    out_dir: Path, manifest: dict, progress: Progress | None = None
) -> list[ImportRecord]:
    """Import each file of the manifest not yet imported (same hash): idempotent."""
    done = set(
        ImportRecord.objects.filter(
            status__in=[ImportStatus.IMPORTED, ImportStatus.UNCHANGED]
        ).values_list("file_hash", flat=True)
    )
    entries = sorted(
        manifest["files"], key=lambda f: (IMPORT_ORDER.index(f["connector"]), f["path"])
    )
    records = []
    with override_settings(RECOMPUTE_AFTER_IMPORT=False):
        for index, entry in enumerate(entries):
            if progress:
                progress(entry["connector"], index, len(entries))
            if entry["sha256"] in done:
                continue
            record = run_import(
                entry["connector"], out_dir / entry["path"], options=_options(entry)
            )
            records.append(record)
            if record.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
                errors = "; ".join(e["reason"] for e in record.errors[:3])
                raise RuntimeError(f"{entry['path']} : {record.message} {errors}")
    if progress:
        progress("imports terminés", len(entries), len(entries))
    return records


def demo_dir(scale: str, seed: int) -> Path:
    return Path(settings.DATA_DIR) / "demo" / f"{scale}-{seed}"
