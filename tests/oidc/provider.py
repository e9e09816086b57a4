"""Starts the tests' OpenID Connect provider (provider.mjs, panva's oidc-provider) on the
loopback and stops it afterwards."""

import json
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = Path(os.environ.get("CAPSANTE_TEST_OIDC_PROVIDER_DIR", ROOT / ".venv" / "oidc-provider"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_provider(clients: list[dict], accounts: dict[str, dict], log: Path):
    """The provider's issuer URL, while it runs; what it prints goes to `log`. Installs the
    package first if needed (a fixed version, into the git-ignored .venv; `make install-test`
    does it too)."""
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "oidc-provider.sh"), str(MODULES)], check=True, timeout=300
    )
    port = free_port()
    env = {
        **os.environ,
        "OP_MODULES": str(MODULES),
        "OP_CONFIG": json.dumps({"port": port, "clients": clients, "accounts": accounts}),
    }
    with open(log, "w") as output:
        process = subprocess.Popen(
            ["node", str(Path(__file__).with_name("provider.mjs"))],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "ready" not in log.read_text().split():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test OpenID provider did not start: {log.read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
