"""The roadmap document's first download after a change: laid out by the web server, as before
decision 0051, or read back from the edition the worker laid out meanwhile.

    .venv/bin/python bench/bench_editions.py [--rounds 5]

On the commands bench's demo (data/bench/commands/, built by `bench_commands.py`), the platform
runs as `make run` runs it: `capsante serve` and `capsante worker`, each its own process. This
script is the editor: it changes the Sarthe roadmap's document (an action's progress, shown in
it) through the platform's service, as the action's page does, then downloads the document over
HTTP. In each round:

- **laid out by the web**: the worker paused (SIGSTOP), a change, then the download: the server
  lays the new edition out, as every first download after a change did before decision 0051.
  The worker, let go, finds the edition current (nothing laid out).
- **read back**: a change, the worker's job waited for (its time recorded), then the download.

Prints the sorted times of both downloads and of the worker's jobs, and their medians.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench" / "commands"
sys.path.insert(0, str(ROOT / "bench"))

from bench_commands import build_demo, environment  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(arguments: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "capsante"), *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def download(address: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(address, timeout=120) as response:  # noqa: S310 - our server
        size = len(response.read())
        assert response.headers["Content-Type"] == "application/pdf"
    return time.perf_counter() - started, size


def wait_for_server(address: str, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            sys.exit("capsante serve stopped")
        try:
            urllib.request.urlopen(address, timeout=5).read()  # noqa: S310 - our server
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("capsante serve did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    env = environment()
    build_demo(env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsante.settings")
    import django

    django.setup()
    from django.urls import reverse

    from capsante.jobs.models import Job, JobStatus
    from capsante.roadmaps.models import Action, Roadmap
    from capsante.roadmaps.services import update_action

    sarthe = Roadmap.objects.get(territory__code="72")
    action = Action.objects.filter(objective__roadmap=sarthe).order_by("pk").first()
    port = free_port()
    address = f"http://127.0.0.1:{port}" + reverse("reports:roadmap_document", args=[sarthe.pk])
    server = start(["serve", "--noreload", f"127.0.0.1:{port}"], env)
    worker = start(["worker", "--no-startup-delay"], env)
    progress = action.progress

    def change() -> int:
        nonlocal progress
        progress = (progress + 1) % 100
        update_action(action, {"progress": progress})
        return Job.objects.filter(kind="editions").order_by("-pk").values_list("pk", flat=True)[0]

    def ended(job_id: int) -> Job:
        while True:
            job = Job.objects.get(pk=job_id)
            if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
                return job
            time.sleep(0.05)

    laid_out, read_back, jobs, sizes = [], [], [], set()
    try:
        wait_for_server(address, server)  # the edition kept: its first layout, not timed
        print(f"{options.rounds} rounds on {DATA}; the Sarthe's roadmap document")
        for _ in range(options.rounds):
            worker.send_signal(signal.SIGSTOP)
            job_id = change()
            seconds, size = download(address)
            laid_out.append(seconds)
            worker.send_signal(signal.SIGCONT)
            ended(job_id)
            job_id = change()
            job = ended(job_id)
            assert job.status == JobStatus.SUCCEEDED, job.message
            jobs.append((job.finished_at - job.started_at).total_seconds())
            seconds, size = download(address)
            read_back.append(seconds)
            sizes.add(size)
    finally:
        worker.send_signal(signal.SIGCONT)
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=60)
    for label, times in (
        ("first download after a change, laid out by the web", laid_out),
        ("first download after a change, the worker's edition", read_back),
        ("the worker's job (HTML, then the layout)", jobs),
    ):
        listed = " ".join(f"{t:.3f}" for t in sorted(times))
        print(f"  {label}: median {statistics.median(times):.3f} s ({listed})")
    print(f"  PDF sizes: {', '.join(f'{s / 1024:.0f} KiB' for s in sorted(sizes))}")


if __name__ == "__main__":
    main()
