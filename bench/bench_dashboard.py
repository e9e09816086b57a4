"""Load test of the dashboard pages on a running server (gunicorn, 2 workers, loopback only).

Usage (after `make run` has filled the demo, or with CAPSANTE_DATA_DIR pointing to a filled one):
    .venv/bin/python bench/bench_dashboard.py [--requests 400] [--concurrency 4]

Prints p50 / p95 / max latency for each page and its ratio to a baseline page measured in the
same run (the static accessibility statement, which touches no indicator).
"""

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from capsante.engine import load_definitions  # noqa: E402

DEFINITIONS = len(load_definitions())  # the catalogue's count, read, not written down
PAGES = {
    "baseline (déclaration d'accessibilité)": "/accessibilite/",
    f"tableau de bord Mayenne ({DEFINITIONS} définitions au catalogue)": (
        "/indicateurs/territoire/departement/53/"
    ),
    f"tableau de bord Sarthe ({DEFINITIONS} définitions au catalogue)": (
        "/indicateurs/territoire/departement/72/"
    ),
    "page indicateur INS Mayenne": "/indicateurs/INS_QUALIFICATION/departement/53/",
    "feuille de route Mayenne": None,  # resolved at start
    "liste d'appels ESMS télésanté (région)": "/campagnes/esms-telesante-52/appels/",
    "liste d'appels zéro fax Sarthe": "/campagnes/zero-fax-72/appels/",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


COOKIES: dict[str, str] = {}


def login(port: int, username: str, password: str) -> None:
    """Log in like a browser: read the CSRF token, post the form, keep the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/comptes/connexion/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf = response.getheader("Set-Cookie").split("csrftoken=")[1].split(";")[0]
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    )
    conn.request(
        "POST",
        "/comptes/connexion/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{port}/comptes/connexion/",
        },
    )
    response = conn.getresponse()
    response.read()
    session = [c for c in response.headers.get_all("Set-Cookie") if c.startswith("sessionid=")]
    if response.status != 302 or not session:
        raise RuntimeError("connexion impossible")
    COOKIES["sessionid"] = session[0].split("sessionid=")[1].split(";")[0]


def get(port: int, path: str) -> float:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in COOKIES.items())} if COOKIES else {}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def measure(port: int, path: str, requests: int, concurrency: int) -> list[float]:
    for _ in range(10):  # warm-up
        get(port, path)
    with ThreadPoolExecutor(concurrency) as pool:
        return sorted(pool.map(lambda _: get(port, path), range(requests)))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    env = dict(
        os.environ,
        DEBUG="false",
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="capsante.settings",
        CAPSANTE_HTTPS="false",  # plain http on loopback: no redirect, no HTTPS-only cookies
    )
    subprocess.run(
        [sys.executable, "-m", "capsante.cli", "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "capsante.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                get(port, "/accessibilite/")
                break
            except OSError:
                time.sleep(0.1)
        roadmap = (
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "capsante.cli",
                    "shell",
                    "-c",
                    "from capsante.roadmaps.models import Roadmap; print(Roadmap.objects.get(territory__code='53').pk)",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        PAGES["feuille de route Mayenne"] = f"/feuilles-de-route/{roadmap}/"
        login(port, "ars.admin", "demo-cap-esante")
        results = {
            name: measure(port, path, args.requests, args.concurrency)
            for name, path in PAGES.items()
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
    base_p95 = results[next(iter(results))][int(0.95 * args.requests) - 1]
    print(
        f"{args.requests} requêtes par page, {args.concurrency} en parallèle, gunicorn 2 workers, 127.0.0.1"
    )
    rows = (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "capsante.cli",
                "shell",
                "-c",
                "from capsante.campaigns.models import FollowUp; "
                "print(FollowUp.objects.filter(campaign__slug='esms-telesante-52').count())",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    print(f"liste d'appels ESMS : {rows} structures suivies")
    print(f"{'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95 / base':>11}")
    for name, times in results.items():
        p95 = times[int(0.95 * len(times)) - 1]
        print(
            f"{name:<44} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f} {p95 / base_p95:11.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
