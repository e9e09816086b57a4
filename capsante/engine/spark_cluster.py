"""A Spark standalone cluster on this machine's loopback: one master and N workers.

Started from the scripts that ship with pyspark (`bin/spark-class`, the Master and Worker classes
that `sbin/start-master.sh` and `start-worker.sh` run), as Spark's own standalone mode. The tests
use it to run the engine on a real cluster rather than in local mode, and the benchmarks to
measure one; in production the cluster is Spark's business and the engine only needs its master
URL (`CAPSANTE_SPARK_MASTER=spark://host:7077`).

    with StandaloneCluster(workers=2, cores=1, memory="1g") as cluster:
        backend = SparkBackend(staging, master=cluster.master, conf=cluster.conf)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"


def spark_home() -> Path:
    """The Spark distribution inside the pyspark package."""
    # lazy: pyspark is an optional extra.
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ClusterError(RuntimeError):
    """The cluster did not start; the message holds the end of its logs."""


class StandaloneCluster:
    def __init__(
        self,
        workers: int = 2,
        cores: int = 1,
        memory: str = "1g",
        executor_memory: str = "768m",
        timeout_s: float = 90.0,
        java_options: str = "",
    ):
        """`java_options` go to every JVM of the cluster (master, workers, executors) and to a
        driver started with `conf`."""
        self.workers = workers
        self.cores = cores
        self.memory = memory
        self.executor_memory = executor_memory
        self.timeout_s = timeout_s
        self.java_options = java_options
        self.port = free_port()
        self.master = f"spark://127.0.0.1:{self.port}"
        self.directory = Path(tempfile.mkdtemp(prefix="capsante-spark-"))
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def conf(self) -> dict[str, str]:
        """Options a driver needs to use the whole cluster."""
        return {
            "spark.executor.memory": self.executor_memory,
            "spark.executor.cores": str(self.cores),
            "spark.cores.max": str(self.cores * self.workers),
            "spark.sql.shuffle.partitions": str(2 * self.cores * self.workers),
            **(
                {
                    "spark.executor.extraJavaOptions": self.java_options,
                    "spark.driver.extraJavaOptions": self.java_options,
                }
                if self.java_options
                else {}
            ),
        }

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(spark_home()),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_LOG_DIR=str(self.directory / "logs"),
            SPARK_WORKER_DIR=str(self.directory / "work"),
            PYSPARK_PYTHON=sys.executable,
            SPARK_NO_DAEMONIZE="1",
        )
        if self.java_options:
            env["SPARK_DAEMON_JAVA_OPTS"] = self.java_options
        return env

    def _start(self, name: str, *arguments: str) -> None:
        log = (self.directory / f"{name}.log").open("wb")
        command = [str(spark_home() / "bin" / "spark-class"), *arguments]
        # Spark's own launcher with our fixed arguments, no shell.
        process = subprocess.Popen(command, env=self._env(), stdout=log, stderr=subprocess.STDOUT)  # nosec B603
        self.processes.append(process)

    def start(self) -> Self:
        web = free_port()
        self._start(
            "master", MASTER_CLASS, "--host", "127.0.0.1", "--port", str(self.port),
            "--webui-port", str(web),
        )  # fmt: skip
        self._wait(lambda: self._listening(self.port), "the master")
        for index in range(self.workers):
            self._start(
                f"worker-{index}", WORKER_CLASS, "--host", "127.0.0.1",
                "--cores", str(self.cores), "--memory", self.memory,
                "--webui-port", str(free_port()), "--work-dir", str(self.directory / f"work-{index}"),
                self.master,
            )  # fmt: skip
        self._wait(lambda: self._registered() >= self.workers, f"{self.workers} workers")
        return self

    def _listening(self, port: int) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", port)) == 0

    def _registered(self) -> int:
        log = (self.directory / "master.log").read_text(errors="replace")
        return log.count("Registering worker")

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                break
            if ready():
                return
            time.sleep(0.25)
        raise ClusterError(f"{what} did not start:\n{self.logs()}")

    def logs(self, tail: int = 2000) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}"
            for path in sorted(self.directory.glob("*.log"))
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
