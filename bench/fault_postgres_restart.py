"""Fault: PostgreSQL restarted while the platform serves people and its worker waits for jobs.

Usage: .venv/bin/python bench/fault_postgres_restart.py [--seconds 60] [--restart-at 15]

It starts a PostgreSQL server of its own (a throwaway cluster on a free loopback port, as
scripts/with-postgres.sh), a platform on it (territories of France loaded), gunicorn as its
systemd unit starts it (3 processes of 2 threads) and the worker; 4 clients read pages that
reach the database (a département page, the API's territories, /readyz) without pause. At
`--restart-at` seconds PostgreSQL is restarted (`pg_ctl restart -m fast`: every connection is
cut). Once it is back, a mail job is queued: the same worker, never restarted, must run it.

Prints: how long PostgreSQL was away, the requests that failed and when (first, last), the
requests after the last failure (all must succeed), whether gunicorn and the worker are the
processes started at the beginning, and how long the job took to run. Exit status 1 if a
request failed after PostgreSQL was back, or the worker died, or the job did not run.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
PATHS = ("/territoires/departement/72/", "/api/v1/territories?level=departement", "/readyz")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A cluster of its own, run as `postgres` when this script runs as root."""

    def __init__(self, root: Path):
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.data, self.port = root / "pg", free_port()
        self.data.mkdir()
        self.as_user: list[str] = []
        if os.getuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.ctl("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args], check=True, stdout=subprocess.DEVNULL
        )

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off"
        self.ctl(
            "pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "server.log"),
            "-o", options, action, *extra,
        )  # fmt: skip


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def pending(env: dict) -> int:
    out = subprocess.run(
        [BIN / "capsante", "shell", "-v0", "-c",
         "from capsante.jobs.models import Job; "
         "print(Job.objects.filter(status__in=['queued', 'running']).count())"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    return int(out[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--restart-at", type=float, default=15)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="capsante-fault-"))
    os.chmod(root, 0o755)
    postgres = Postgres(root)
    postgres.pg_ctl("start")
    data = root / "data"
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=postgres.url, CAPSANTE_DATA_DIR=str(data), DEBUG="false",
        CAPSANTE_HTTPS="false", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )  # fmt: skip
    processes: list[subprocess.Popen] = []
    try:
        for command in (("migrate", "--no-input", "-v0"), ("load_territories", "-v0")):
            subprocess.run([BIN / "capsante", *command], env=env, check=True)
        port = free_port()
        worker = subprocess.Popen(
            [BIN / "capsante", "worker", "--no-startup-delay", "-v1"], env=env,
            stdout=(root / "worker.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        web = subprocess.Popen(
            [BIN / "gunicorn", "capsante.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "3", "--threads", "2", "--log-level", "warning"],
            env=env, stdout=(root / "web.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes += [worker, web]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while get(base + "/readyz") != 200:
            if time.monotonic() > deadline:
                raise TimeoutError("la plateforme ne répond pas (readyz)")
            time.sleep(0.5)

        # Loading the territories queued their recompute: the mail job must not wait behind it.
        while pending(env):
            time.sleep(1)
        outcomes: list[tuple[float, str, int]] = []
        start = time.monotonic()
        stop = threading.Event()

        def client(offset: int) -> None:
            n = offset
            while not stop.is_set():
                path = PATHS[n % len(PATHS)]
                outcomes.append((time.monotonic() - start, path, get(base + path)))
                n += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(args.restart_at)
        cut = time.monotonic()
        postgres.pg_ctl("restart", "-m", "fast")
        away = time.monotonic() - cut
        back_at = time.monotonic() - start
        time.sleep(2)
        queued = time.monotonic()
        subprocess.run(
            [BIN / "capsante", "shell", "-v0", "-c",
             "from capsante.outbox import services as s; "
             "s.queue_mail('test', 'Essai', 'Après le redémarrage', ['x@example.org']); "
             "s.enqueue_batch()"],
            env=env, check=True,
        )  # fmt: skip
        job_seconds = None
        while time.monotonic() - queued < 60:
            done = subprocess.run(
                [BIN / "capsante", "shell", "-c",
                 "from capsante.jobs.models import Job; "
                 "print(Job.objects.filter(kind='mail', status='succeeded').count())"],
                env=env, check=True, capture_output=True, text=True,
            ).stdout.split()  # fmt: skip
            if done and done[-1] != "0":
                job_seconds = time.monotonic() - queued
                break
            time.sleep(0.5)
        time.sleep(max(0.0, args.seconds - (time.monotonic() - start)))
        stop.set()
        for thread in threads:
            thread.join()
        failed = [(t, path, status) for t, path, status in outcomes if status != 200]
        last_failure = max((t for t, _, _ in failed), default=None)
        after = [o for o in outcomes if last_failure is None or o[0] > last_failure]
        after_back = [o for o in outcomes if o[0] > back_at + 1]
        errors_after_back = [o for o in after_back if o[2] != 200]
        alive = worker.poll() is None and web.poll() is None
        print(f"PostgreSQL absent {away:.1f} s (redémarré à t = {args.restart_at:.0f} s)")
        print(
            f"{len(outcomes)} requêtes en {args.seconds:.0f} s, {len(failed)} en échec"
            + (
                f" entre t = {min(t for t, _, _ in failed):.1f} s et t = {last_failure:.1f} s"
                if failed
                else ""
            )
        )
        statuses: dict[str, int] = {}
        for _, path, status in failed:
            key = f"{path} → {status or 'connexion refusée'}"
            statuses[key] = statuses.get(key, 0) + 1
        for key, count in sorted(statuses.items()):
            print(f"  {key} : {count}")
        print(f"après la dernière erreur : {len(after)} requêtes, toutes réussies")
        print(
            f"plus d'une seconde après le retour de PostgreSQL : {len(after_back)} requêtes, "
            f"{len(errors_after_back)} en échec"
        )
        print(
            "gunicorn et le travailleur : "
            + ("les mêmes processus, toujours là" if alive else "l'un s'est arrêté")
        )
        print(
            "travail mis en file après le retour : "
            + (f"exécuté en {job_seconds:.1f} s" if job_seconds else "NON exécuté en 60 s")
        )
        said = [
            line
            for line in (root / "worker.log").read_text().splitlines()
            if "injoignable" in line or "Error" in line
        ]
        print("le travailleur a écrit : " + (" / ".join(said[:3]) if said else "rien d'anormal"))
        ok = not errors_after_back and alive and job_seconds is not None
        print("résultat : " + ("tenu" if ok else "NON tenu"))
        return 0 if ok else 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
        postgres.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
