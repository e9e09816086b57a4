"""The lock of a staged table, between real processes: a second holder waits while the first is
alive, and takes the table over once the first has been killed (docs/decisions/0010)."""

import json
import os
import signal
import time

HOLD = """
import json, sys, time
from capsante.jobs import locks
with locks.staging_lock(["am_mes_activations"], {purpose!r}) as lease:
    print(json.dumps({{"held": time.time(), "recovered": lease.recovered}}), flush=True)
    time.sleep({seconds})
print(json.dumps({{"released": time.time()}}), flush=True)
"""

ROWS = """
import json
from capsante.jobs.models import StagingLock
print(json.dumps([[l.table, l.holder_pid, l.purpose] for l in StagingLock.objects.exclude(token="")]))
"""


def _lines(site, name: str) -> list[dict]:
    path = site.root / name
    text = path.read_text() if path.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _wait_for(site, name: str, key: str, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [line for line in _lines(site, name) if key in line]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"{name}: no {key!r} in {(site.root / name).read_text()[-2000:]}")


def test_a_second_holder_waits_then_takes_over_from_a_killed_one(live_site):
    site = live_site
    first = site.start("shell", "-c", HOLD.format(purpose="premier", seconds=600), log="first.log")
    _wait_for(site, "first.log", "held")
    second = site.start("shell", "-c", HOLD.format(purpose="second", seconds=0), log="second.log")
    time.sleep(8)  # long enough for the second to start and find the table taken
    assert second.poll() is None and not [x for x in _lines(site, "second.log") if "held" in x]
    assert site.python(ROWS)[0][:1] == ["am_mes_activations"]
    assert site.python(ROWS)[0][2] == "premier"

    os.killpg(first.pid, signal.SIGKILL)
    killed = time.time()
    first.wait(timeout=30)
    taken = _wait_for(site, "second.log", "held")
    assert second.wait(timeout=60) == 0
    assert taken["held"] - killed < 5  # taken over within seconds, not after a timeout
    assert site.python(ROWS) == []  # and released at the end
