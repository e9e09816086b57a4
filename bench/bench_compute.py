"""End to end: `capsante indicators compute` storing its values, a monthly import's recompute, and
the pages, at national (or region) scale, on SQLite or on PostgreSQL.

    nice -n 5 .venv/bin/python bench/bench_compute.py --scale national            # SQLite
    nice -n 5 bash scripts/with-postgres.sh .venv/bin/python bench/bench_compute.py --scale national --pages

In a fresh data directory (data/bench/compute-<database>-<scale>/): the demo's territories of
France, seed roadmaps and accounts (`capsante demo --no-data`), the staged tables of
bench_engine.py copied in, then, each as the real command in its own process:

1. `capsante indicators compute` on an empty value table (every value is new), then again with
   nothing changed (the steady state: every value compared, none written); the command prints
   its split: preparation (catalogue, membership from the database), engine, storage, targets.
   On PostgreSQL the second waits, if need be, until no autovacuum worker runs in the
   database (the wait is printed, two seconds when none did): a nightly recompute does not run
   beside the vacuum of a first national load, which would take one of the two cores;
2. `capsante import am-dmp-documents <one new month, national>`: parse, stage, and the recompute
   it triggers (only the definitions that read the table, only the months the import touched and
   the rolling windows that include them); its run's seconds against the full recompute's; then
   the full recompute again, the nightly one (the import's recompute kept the fingerprints of
   the months it stored, decision 0041: every block is then left alone by its fingerprint;
   until that decision, the import's months were compared figure by figure);
3. with --pages: gunicorn (2 workers, loopback, DEBUG off) on that database, logged in as the
   regional administrator, `--requests` requests per page after 10 warm-up ones: the
   département dashboard, an indicator page (with the ranking of the région's départements) and
   the région's indicator page (its départements' table and map), against a static page; first
   with the content cache turned off (every request reads the values), then as deployed (a
   page's figures kept while nothing they show changes: most requests do not read them).

Every command runs as deployed: `pandas`, installed in this environment for the tests and the
engine bench's baseline, is not where the platform runs (`pip install .`), and pyarrow would
import it (0.16 s) at its first array to ask whether it is a DataFrame; the commands' path
starts with a folder in which it fails to import (`bench_engine.as_deployed`).

Each compute prints the command's wall time, what of it is not the run's own stages (start-up,
libraries, the staging lock), its stages (from the run's INFO line, two decimals), and two
ratios: the whole command's wall time over the engine's (end to end), and (engine + storage)
over the engine.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_engine import as_deployed, data_dir, generate, path_first  # noqa: E402
from postgres import autovacuum_workers, create_database, database_url  # noqa: E402

CAPSANTE = [sys.executable, "-m", "capsante.cli"]
NEW_MONTH = "2026-01"


LAST_STDERR = [""]


def run(env: dict[str, str], *arguments: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [*CAPSANTE, *arguments], env=env, cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{' '.join(arguments)}: {done.stderr[-3000:]}")
    LAST_STDERR[0] = done.stderr
    return seconds, done.stdout


def shell(env: dict[str, str], code: str) -> str:
    return run(env, "shell", "-c", code)[1].strip().splitlines()[-1]


def autovacuum_done(limit_s: float = 300.0) -> float:
    """Seconds waited until no autovacuum worker runs in the bench's database (at most
    `limit_s`): two looks a second apart that find none."""
    import psycopg  # lazy: only the PostgreSQL runs need it

    started = time.perf_counter()
    with psycopg.connect(database_url(), autocommit=True) as connection:
        quiet = 0
        while quiet < 2 and time.perf_counter() - started < limit_s:
            quiet = quiet + 1 if autovacuum_workers(connection) == 0 else 0
            time.sleep(1.0)
    return time.perf_counter() - started


def french_number(text: str) -> float:
    """'5 417 609' or '1,3' (as the command writes them) → a float."""
    return float(re.sub(r"[\s\u202f]", "", text).replace(",", "."))


STAGES = ("preparation", "engine", "storage", "targets")


def split_of(output: str, log: str) -> dict[str, float]:
    """The run's stages in seconds, from the INFO log's line (two decimals; the command's own
    line rounds them to one), and its counts from the command's line."""
    found = re.findall(rf"({'|'.join(STAGES)}) ([0-9.]+) s", _last_run_line(log))
    figures = {k: float(v) for k, v in found}
    number = r"([0-9][0-9\s\u202f]*(?:,[0-9]+)?)"
    rows = re.search(rf"{number}\s*valeurs? calculées?, {number}\s*nouvelles?", output)
    if rows:
        figures["rows"], figures["new"] = french_number(rows[1]), french_number(rows[2])
    return figures


def _last_run_line(log: str) -> str:
    lines = re.findall(r"computation [0-9]+: (.+)", log)
    return lines[-1] if lines else ""


def new_month_file(staging: Path, path: Path) -> int:
    """One more month of the documents table, in the file layout the source publishes."""
    import duckdb

    from capsante.ingest.connectors.am_tables.parser import job

    headers = {spec.target: spec.column for spec in job("am_dmp_documents").specs}
    last = sorted(p.name for p in (staging / "am_dmp_documents").glob("period=*"))[-1]
    source = staging / "am_dmp_documents" / last / "data.parquet"
    duckdb.sql(
        f"COPY (SELECT '{NEW_MONTH}' AS \"{headers['period']}\","  # noqa: S608
        f' commune_code AS "{headers["commune_code"]}",'
        f' document_type AS "{headers["document_type"]}",'
        f' CAST(round(documents * 1.01) AS BIGINT) AS "{headers["documents"]}"'
        f" FROM read_parquet('{source}')) TO '{path}' (HEADER, DELIMITER ';')"
    )
    return int(duckdb.sql(f"SELECT count(*) FROM read_parquet('{source}')").fetchall()[0][0])  # noqa: S608


def pages(
    env: dict[str, str], requests: int, concurrency: int, cached: bool
) -> list[tuple[str, list[float]]]:
    """Each page's times in ms, sorted. `cached`: the content cache as deployed (a page's
    figures kept up to 300 s while nothing they show changes, so after the warm-up most
    requests do not read the values); otherwise turned off, every request reading them."""
    import bench_dashboard as dash

    port = dash.free_port()
    env = dict(env, ALLOWED_HOSTS="127.0.0.1", CAPSANTE_HTTPS="false")  # plain http on loopback
    if not cached:
        env["CAPSANTE_PUBLIC_PAGE_CACHE_SECONDS"] = "0"
    run(env, "collectstatic", "--no-input", "-v0")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "capsante.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    wanted = [
        ("baseline (déclaration d'accessibilité)", "/accessibilite/"),
        ("tableau de bord Mayenne (toutes ses cartes)", "/indicateurs/territoire/departement/53/"),
        (
            "page indicateur INS Mayenne (classement)",
            "/indicateurs/INS_QUALIFICATION/departement/53/",
        ),
        ("page indicateur MES région 52 (départements)", "/indicateurs/MES_ACTIVATION/region/52/"),
        # Compared with the Mayenne and the région, whose months are checked for communes
        # missing (decision 0043): by their values, and from the gap list for a rolling window.
        (
            "page indicateur MES Laval Agglomération (deux lignes)",
            "/indicateurs/MES_ACTIVATION/epci/200083392/",
        ),
        (
            "page indicateur documents 12 mois, même EPCI",
            "/indicateurs/DMP_DOCS_PER_INHABITANT/epci/200083392/",
        ),
    ]
    try:
        for _ in range(200):
            try:
                dash.get(port, "/accessibilite/")
                break
            except OSError:
                time.sleep(0.1)
        dash.login(port, "ars.admin", "demo-cap-esante")
        return [(name, dash.measure(port, path, requests, concurrency)) for name, path in wanted]
    finally:
        server.terminate()
        server.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["region", "national"], default="national")
    parser.add_argument("--reuse", action="store_true", help="reuse the generated staged tables")
    parser.add_argument("--pages", action="store_true", help="then load-test the pages (item 3)")
    parser.add_argument(
        "--reuse-setup",
        action="store_true",
        help="SQLite: start from the database saved after the last setup (territories, accounts)",
    )
    parser.add_argument(
        "--requests", type=int, default=300, help="with --pages: requests per page (%(default)s)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=2, help="with --pages: requests at once (%(default)s)"
    )
    args = parser.parse_args()
    source = data_dir(args.scale)
    generate(args.scale, source, True)
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    work = ROOT / "data" / "bench" / f"compute-{vendor}-{args.scale}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(source / "staging", work / "staging")
    env = dict(
        os.environ,
        CAPSANTE_DATA_DIR=str(work),
        CAPSANTE_STAGING_DIR=str(work / "staging"),
        DEBUG="false",
        SECRET_KEY="bench-only",
        DJANGO_SETTINGS_MODULE="capsante.settings",
    )
    env = path_first(env, as_deployed(work / "as-deployed"))
    if vendor == "postgresql":
        create_database(database_url())
    started = time.perf_counter()
    template = ROOT / "data" / "bench" / f"setup-{args.scale}.sqlite3"
    database = work / "capsante.sqlite3"
    if vendor == "sqlite" and args.reuse_setup and template.exists():
        shutil.copy(template, database)
    else:
        run(env, "migrate", "--no-input", "-v0")
        run(env, "demo", "--no-data", "-v0")
        if vendor == "sqlite":
            # A copy of the file alone would leave out what is still in its write-ahead log.
            with sqlite3.connect(database) as live, sqlite3.connect(template) as copy:
                live.backup(copy)
    print(
        f"{vendor}, {args.scale}: territories, roadmaps, accounts in {time.perf_counter() - started:.0f} s"
    )

    # "start" is the rest of the command's wall time: the interpreter and Django starting, the
    # engine's libraries imported, the staging lock, the command's own output.
    print(
        f"\n{'step':<36}{'wall s':>8}{'start s':>9}{'prep s':>8}{'engine s':>9}{'store s':>9}"
        f"{'targets s':>10}{'values':>11}{'new':>11}"
    )
    full = steady = None
    for label in ("compute, empty value table", "compute again, nothing changed"):
        if vendor == "postgresql" and full is not None:
            print(
                f"{'':<36}(autovacuum done with the first compute's rows after {autovacuum_done():.0f} s)"
            )
        seconds, output = run(dict(env, LOG_LEVEL="INFO"), "indicators", "-v0", "compute")
        f = split_of(output, LAST_STDERR[0])
        steps = re.findall(r"storage step (.+?): ([0-9.]+) s", LAST_STDERR[0])
        full = full or seconds
        steady = seconds
        rest = seconds - sum(f.get(stage, 0) for stage in STAGES)
        print(
            f"{label:<36}{seconds:>8.2f}{rest:>9.2f}{f.get('preparation', 0):>8.2f}"
            f"{f.get('engine', 0):>9.2f}{f.get('storage', 0):>9.2f}{f.get('targets', 0):>10.2f}"
            f"{int(f.get('rows', 0)):>11,}{int(f.get('new', 0)):>11,}"
        )
        print(f"{'':<36}storage steps: " + ", ".join(f"{k} {v} s" for k, v in steps))
        if f.get("engine"):
            engine = f["engine"]
            print(
                f"{'':<36}end to end (the whole command's wall) / engine: {seconds / engine:.2f}×;"
                f" (engine + storage) / engine: {(f['storage'] + engine) / engine:.2f}×"
            )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of a command so far: {children:.0f} MiB")

    path = work / f"documents_{NEW_MONTH}.csv"
    rows = new_month_file(work / "staging", path)
    seconds, output = run(
        dict(env, LOG_LEVEL="INFO"), "import", "-v0", "am-dmp-documents", str(path)
    )
    steps = re.findall(r"storage step (.+?): ([0-9.]+) s", LAST_STDERR[0])
    stages = _last_run_line(LAST_STDERR[0])  # read before `shell` replaces the import's log
    last = shell(
        env,
        "from capsante.indicators.models import ComputationRun as R; r = R.objects.latest('pk');"
        " print(r.duration_seconds, r.rows, r.new_versions, r.periods)",
    )
    duration, values, new, periods = last.split(" ", 3)
    print(
        f"\nimport of one new month ({rows:,} rows, am-dmp-documents {NEW_MONTH}): {seconds:.1f} s"
        f" in all; its recompute: {float(duration):.1f} s, {int(values):,} values, {int(new):,} new,"
        f" periods {periods}"
    )
    print(f"its recompute: {stages or '?'}")
    print("its storage steps: " + ", ".join(f"{k} {v} s" for k, v in steps))
    # The two full computes' runs (their own seconds, the command's start-up left out, as the
    # import's recompute's): the first stores every value, the second finds none changed.
    full_run, steady_run = shell(
        env,
        "from capsante.indicators.models import ComputationRun as R;"
        " print(*R.objects.filter(trigger=None).order_by('pk')"
        ".values_list('duration_seconds', flat=True)[:2])",
    ).split()
    print(
        f"recompute after the import / full recompute: {float(duration) / float(full_run):.3f}"
        f" of the first compute's run ({float(full_run):.1f} s, every value stored),"
        f" {float(duration) / float(steady_run):.3f} of the run that found nothing changed"
        f" ({float(steady_run):.1f} s); whole import command / full compute with nothing changed"
        f" (wall): {seconds / steady:.3f}"
    )

    seconds, output = run(dict(env, LOG_LEVEL="INFO"), "indicators", "-v0", "compute")
    f = split_of(output, LAST_STDERR[0])
    steps = re.findall(r"storage step (.+?): ([0-9.]+) s", LAST_STDERR[0])
    print(
        f"\nfull compute after the import (its months were recomputed alone): {seconds:.2f} s wall,"
        f" engine {f.get('engine', 0):.2f} s, storage {f.get('storage', 0):.2f} s,"
        f" {int(f.get('new', 0)):,} new; end to end / engine"
        f" {seconds / f['engine'] if f.get('engine') else float('nan'):.2f}×"
    )
    print("storage steps: " + ", ".join(f"{k} {v} s" for k, v in steps))

    if args.pages:
        for cached, how in (
            (False, "content cache off: every request reads the values in the database"),
            (True, "content cache as deployed (300 s while nothing shown changes)"),
        ):
            results = pages(env, args.requests, args.concurrency, cached)
            base = results[0][1][int(0.95 * len(results[0][1])) - 1]
            print(
                f"\npages, {how}; {args.requests} requests each, {args.concurrency} at a time,"
                " gunicorn 2 workers"
            )
            print(f"{'page':<50}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p95/base':>10}")
            for name, times in results:
                p95 = times[int(0.95 * len(times)) - 1]
                print(
                    f"{name:<50}{statistics.median(times):>9.1f}{p95:>9.1f}{times[-1]:>9.1f}"
                    f"{p95 / base:>10.1f}"
                )


if __name__ == "__main__":
    main()
