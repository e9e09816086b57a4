from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from capsante.engine import Definition, load_definitions

from .staging_data import write_staging


@pytest.fixture(scope="session")
def catalogue() -> list[Definition]:
    return load_definitions()


@pytest.fixture(scope="session")
def by_code(catalogue: list[Definition]) -> dict[str, Definition]:
    return {d.code: d for d in catalogue}


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return write_staging(tmp_path / "staging")


@pytest.fixture(scope="session")
def shared_staging(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same set, written once, for tests that only read it."""
    return write_staging(tmp_path_factory.mktemp("shared") / "staging")


# The test cluster's JVMs (master, workers, executors) run short jobs on small data: the
# just-in-time compiler's first tier only, and one garbage-collector thread. On two cores the
# optimising tier's compilations outlast the queries they would speed up: the cluster test
# 136 → 82 s (bench/RESULTS.md, *The test suite's time*). Values do not depend on it. The local
# session keeps the JVM's defaults (measured: no faster either way); so does users' Spark.
QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

# One local Spark for every test that needs one: its start and the JVM's warming up take
# 30–40 s, which each module paid again with a session of its own.
# Its queries are evaluated by the interpreter, not compiled: on the test set's few rows,
# compiling each query's Java (whole-stage, then each expression) costs more than running it —
# the local Spark tests 205 → 105–115 s (bench/RESULTS.md, *The test suite's time*). Both ways
# give the same values; the cluster test keeps Spark's default, compiled, so users' way is
# still what is compared with DuckDB on every definition.
LOCAL_SPARK = (
    "local[2]",
    {
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.codegen.wholeStage": "false",
        # Spark's own switch for its test suites: expressions interpreted too.
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        # Every Spark test of the run shares this driver: after a few recomputes Spark keeps
        # 0.5 GiB of its heap for itself, and its default 1 GiB then failed now and then to
        # serialise a task ("Java heap space", 2 runs of 5 on 5 December, sixth session).
        "spark.driver.memory": "2g",
    },
)


@pytest.fixture(scope="session")
def _local_spark_stopped_at_the_end() -> Iterator[None]:
    yield
    stop_local_spark()


@pytest.fixture
def spark(_local_spark_stopped_at_the_end: None) -> object:
    """The running local session, started by the first test that asks (`getOrCreate`)."""
    from capsante.engine.spark_backend import local_session

    return local_session(*LOCAL_SPARK)


def stop_local_spark() -> None:
    """A test that starts a session of its own (another master) stops the shared one first:
    `getOrCreate` would hand it the running session whatever master it asks for."""
    # lazy: pyspark is an optional extra, loaded only where Spark runs.
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
