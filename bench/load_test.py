"""Load test: 200 people at once on the platform served as in production (gunicorn as its systemd
unit starts it, the worker beside it), through Locust (bench/locustfile.py).

Usage (PostgreSQL, as the issue asks; `make install-bench` first):
    bash scripts/with-postgres.sh .venv/bin/python bench/load_test.py [--users 200] [--minutes 3]
On SQLite (the embedded default), without the wrapper.

It fills a data folder of its own (data/bench/load-<database>/) with `capsante demo` — the
region's demo, the same as `make run` — unless its database already holds it, starts gunicorn
(3 processes of 2 threads, as docs/exploitation/systemd/capsante-web.service) and the worker, then
lets Locust bring the people in (10 a second) and keep them for the given minutes; the figures
are those of the steady state, once everyone is in (`--reset-stats`: the sign-ins, each a
deliberately slow password hash, all fall in the first 20 seconds, which no real morning does). The people are
visitors of the public pages, partners signed in, people subscribing to a newsletter (a public
form, rate-limited per address: each person has an address of their own behind the proxy) and
machine clients of the API; each reads for 3 to 10 seconds between pages.

Prints, for each kind of request: count, failures, p50, p95, p99, max (ms); and whether the
issue's targets hold: no error, département dashboard p95 < 300 ms. Exit status 1 if not.
"""

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from postgres import create_database  # bench/, the script's own directory

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DASHBOARD = "tableau de bord département"  # the visitors' and the partners' lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


PENDING = (
    "from capsante.jobs.models import Job; "
    "print(Job.objects.filter(status__in=['queued', 'running']).count())"
)


def wait_for_the_queue(env: dict, seconds: float = 1800) -> None:
    """The demo's first fill queues its recomputes: the load starts once the worker is idle."""
    deadline = time.monotonic() + seconds
    while True:
        out = subprocess.run(
            [BIN / "capsante", "shell", "-c", PENDING], env=env, check=True,
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        if int(out.strip().splitlines()[-1]) == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("le travailleur n'a pas vidé sa file")
        time.sleep(5)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--spawn-rate", type=float, default=10)
    args = parser.parse_args()
    database = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    data_dir = ROOT / "data" / "bench" / f"load-{database}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        CAPSANTE_DATA_DIR=str(data_dir),
        DEBUG="false",
        CAPSANTE_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        # Behind nginx: the people's addresses come in X-Forwarded-For (one trusted proxy).
        CAPSANTE_TRUSTED_PROXIES="1",
        LOG_LEVEL="WARNING",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if database == "postgresql":
        create_database(env["DATABASE_URL"])
    started = time.monotonic()
    subprocess.run([BIN / "capsante", "migrate", "--no-input", "-v0"], env=env, check=True)
    subprocess.run([BIN / "capsante", "collectstatic", "--no-input", "-v0"], env=env, check=True)
    # `demo` skips what is there already: a second run starts at once.
    subprocess.run([BIN / "capsante", "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"démonstration prête en {time.monotonic() - started:.0f} s ({database})", flush=True)

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    processes = [
        subprocess.Popen([BIN / "capsante", "worker", "--no-startup-delay", "-v0"], env=env),
        subprocess.Popen(
            [BIN / "gunicorn", "capsante.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "3", "--threads", "2", "--timeout", "120",
             "--forwarded-allow-ips", "127.0.0.1", "--log-level", "warning"],
            env=env,
        ),
    ]  # fmt: skip
    results = data_dir / "locust"
    try:
        wait_for(f"{host}/healthz")
        wait_for_the_queue(env)
        for path in ("/", "/indicateurs/territoire/departement/72/", "/ressources/?q=Laval"):
            for _ in range(6):  # each of the 3 processes builds its caches
                wait_for(host + path)
        locust = subprocess.run(
            [BIN / "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "--host", host, "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", f"{int(args.minutes * 60)}s", "--csv", str(results),
             "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
             "--reset-stats"],
            env=env, check=False,
        )  # fmt: skip
        if locust.returncode:
            print(f"Locust a échoué (code {locust.returncode})")
            return 1
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(30)
    return report(
        results.with_name("locust_stats.csv"), results.with_name("locust_failures.csv"), args
    )


def report(stats_file: Path, failures_file: Path, args) -> int:
    rows = list(csv.DictReader(stats_file.open(encoding="utf-8")))
    print(
        f"\n{args.users} personnes, {args.minutes:g} min, gunicorn 3 processus × 2 fils + "
        "travailleur, 127.0.0.1\n"
    )
    print("| requêtes | nombre | échecs | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    dashboard_p95: dict[str, float] = {}
    failures = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "**toutes**"
        print(
            f"| {row['Type']} {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
        if row["Name"].startswith(DASHBOARD):
            dashboard_p95[row["Name"].removeprefix(DASHBOARD).strip(" ()")] = float(row["95%"])
        if row["Name"] == "Aggregated":
            failures = int(row["Failure Count"])
    exceptions = failures_file.with_name("locust_exceptions.csv")
    if exceptions.exists():
        for row in csv.DictReader(exceptions.open(encoding="utf-8")):
            failures += int(row["Count"])
            print(f"exception dans un scénario : {row['Message']} ({row['Count']} fois)")
    for failure in csv.DictReader(failures_file.open(encoding="utf-8")):
        print(f"échec : {failure['Name']} — {failure['Error']} ({failure['Occurrences']} fois)")
    met = failures == 0 and bool(dashboard_p95) and max(dashboard_p95.values()) < 300
    print(
        f"\nobjectifs : 0 erreur → {failures} ; tableau de bord p95 < 300 ms → "
        f"{', '.join(f'{who} {p:.0f} ms' for who, p in dashboard_p95.items())} : "
        f"{'atteints' if met else 'NON atteints'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
