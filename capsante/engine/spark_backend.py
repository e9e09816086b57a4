"""The national-scale backend: the same definitions on Apache Spark.

The SQL the engine builds (DuckDB dialect) is transpiled with sqlglot, so a definition is written
once. pyspark is an optional extra (`pip install .[spark]`): it is imported only when this backend
is instantiated. The master is a plain argument (the Django settings pass CAPSANTE_SPARK_MASTER
and CAPSANTE_SPARK_CONF): `local[*]` on one machine, `spark://host:7077` for a standalone cluster,
or any master Spark accepts. Local and loopback masters bind the driver to 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from .backend import Backend, Progress, Territory
from .definitions import Definition
from .files import parquet_files, table_dir
from .query import table_ref
from .staging import CONTRACT, PARTITIONED

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

LOOPBACK_CONF = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Errors only, from the JVM's start (setLogLevel comes after the session): a master that
    # does not answer otherwise fills the terminal with Java stacks before the engine's message.
    "spark.log.level": "ERROR",
    "spark.sql.shuffle.partitions": "4",
    # Periods are 'YYYY-MM' strings; without this Spark may type partition values itself.
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
}


# How long a standalone master's address is given to answer before the engine says it does not:
# Spark itself retries for over a minute and then ends in a Java traceback.
MASTER_ANSWER_SECONDS = 5.0


class SparkUnavailable(RuntimeError):
    """Spark cannot run here: pyspark or Java missing, master unreachable, session refused.

    The message is for the person who started the computation, in French."""


class MasterUnreachable(SparkUnavailable):
    """The standalone master's address is unreadable or nothing answers there."""


def to_spark_sql(sql: str) -> str:
    """DuckDB-dialect SQL → Spark SQL.

    A discrete quantile (`query.MEDIAN`, or one a definition writes) is written in Spark's own
    form, `PERCENTILE_DISC(q) WITHIN GROUP (ORDER BY x)`: sqlglot 30.30 writes DuckDB's
    `QUANTILE_DISC(x, q)` as `PERCENTILE_DISC(x, q)`, which Spark refuses, and the `WITHIN
    GROUP` form as `PERCENTILE_APPROX`, which is approximate."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_exact_percentile).sql(dialect="spark")


def _exact_percentile(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileDisc):
        quantile, order = node.this.this, node.expression
    elif isinstance(node, exp.PercentileDisc) and node.expression is not None:
        quantile = node.expression
        order = exp.Order(expressions=[exp.Ordered(this=node.this.copy())])
    else:
        return node
    return exp.WithinGroup(
        this=exp.Anonymous(this="PERCENTILE_DISC", expressions=[quantile.copy()]),
        expression=order.copy(),
    )


def on_loopback(master: str) -> bool:
    """A master on this machine: local mode, or a cluster listening on the loopback."""
    host = master.removeprefix("spark://").split(":")[0]
    return master.startswith("local") or host in {"127.0.0.1", "localhost"}


def check_ready(master: str, timeout_s: float = MASTER_ANSWER_SECONDS) -> None:
    """Raise `SparkUnavailable` if Spark cannot start on `master`, before any JVM is started.

    Checked: pyspark installed, Java found, and for a standalone master (`spark://host:port`,
    several `host:port` separated by commas for a master with standbys) one address that
    accepts a connection within `timeout_s`. Other masters (`local[*]`, `yarn`, `k8s://…`)
    are left to Spark.
    """
    try:
        # lazy: pyspark is an optional extra; importing it starts no JVM.
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailable(
            "Le moteur Spark n'est pas installé : il demande le module pyspark "
            "(pip install '.[spark]' dans le dossier de la plateforme) et Java."
        ) from exc
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailable(
            "Le moteur Spark demande Java : ni JAVA_HOME ni la commande java ne sont trouvés."
        )
    if not master.startswith("spark://"):
        return
    failures = []
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise MasterUnreachable(
                f"Adresse du maître Spark illisible : {master} (attendu : spark://hôte:port)."
            )
        try:
            with socket.create_connection((host, int(port)), timeout=timeout_s):
                return
        except OSError as exc:
            failures.append(f"{address} : {_connection_failure(exc, timeout_s)}")
    raise MasterUnreachable(f"Le maître Spark {master} ne répond pas ({' ; '.join(failures)}).")


def _connection_failure(exc: OSError, timeout_s: float) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée, aucun maître n'écoute à cette adresse"
    if isinstance(exc, TimeoutError):
        return f"aucune réponse en {timeout_s:.0f} s"
    if isinstance(exc, socket.gaierror):
        return "nom d'hôte inconnu"
    return exc.strerror or str(exc)


def local_session(master: str = "local[*]", conf: dict[str, str] | None = None) -> SparkSession:
    """A SparkSession on `master` with the UI off and few shuffle partitions (`conf` on top).

    Named `local_session` for history: any master works; local and loopback ones bind the
    driver to 127.0.0.1, others take their addresses from `conf` or Spark's defaults.
    """
    check_ready(master)
    if on_loopback(master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # lazy: pyspark is an optional extra, and SPARK_LOCAL_IP must be set before it loads.
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("capsante-engine")
    loopback = LOOPBACK_CONF if on_loopback(master) else {}
    for key, value in {**loopback, **LOCAL_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Py4J's and PySpark's errors have no common base but Exception.
        raise SparkUnavailable(
            f"La session Spark n'a pas démarré sur le maître {master} : {_session_failure(exc, master)}"
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def _session_failure(exc: Exception, master: str) -> str:
    """What went wrong, in a sentence rather than Spark's Java stack."""
    text = str(exc)
    if "stopped SparkContext" in text and master.startswith("spark://"):
        # Spark gave up registering with the master (three tries of 20 s, not configurable).
        return (
            "quelque chose répond à cette adresse, mais pas un maître Spark qui accepte "
            "l'application. Vérifiez l'adresse et le port (7077 par défaut), que des travailleurs "
            "sont rattachés au maître et que sa version de Spark est celle de pyspark."
        )
    lines = [line.strip().removeprefix(": ") for line in text.splitlines() if line.strip()]
    # Py4J's first line names the Java call; the second the Java exception and its message.
    java = [line for line in lines if line.startswith(("java.", "org.apache.spark"))]
    return (java or lines or [type(exc).__name__])[0][:300]


class SparkBackend(Backend):
    # Measured on a two-worker standalone cluster (bench/RESULTS.md): one query per definition
    # is as fast as the shared plan there, whose cached relations each cost Spark jobs of their
    # own; `compute(..., shared=True)` runs the shared plan (a test checks both give the same).
    shared_by_default = False

    def __init__(
        self,
        staging_root: Path | str,
        *,
        membership: pa.Table | None = None,
        population: pa.Table | None = None,
        spark: SparkSession | None = None,
        master: str = "local[*]",
        conf: dict[str, str] | None = None,
    ):
        """Pass `spark` to reuse a session (the backend then leaves it running on close), or
        `master` and `conf` to start one."""
        self.staging_root = Path(staging_root).resolve()
        self._owns_session = spark is None
        self.spark = spark if spark is not None else local_session(master, conf)
        self._kept: dict[str, DataFrame] = {}
        given = {"territory_membership": membership, "territory_population": population}
        for table in CONTRACT:
            self._frame(table, given.get(table)).createOrReplaceTempView(table_ref(table))

    def _frame(self, table: str, arrow: pa.Table | None) -> DataFrame:
        if arrow is not None:
            return self._from_arrow(arrow.select(CONTRACT[table].names))
        if not parquet_files(self.staging_root, table):
            return self._from_arrow(CONTRACT[table].empty_table())
        folder = str(table_dir(self.staging_root, table))
        # The contract's schema, given rather than inferred: inferring it is one Spark job per
        # table before anything is computed.
        schema = CONTRACT[table]
        if table in PARTITIONED:
            fields = [f for f in schema if f.name != "period"] + [pa.field("period", pa.string())]
            schema = pa.schema(fields)
        reader = self.spark.read.schema(_spark_schema(schema))
        if table in PARTITIONED:
            reader = reader.option("basePath", folder)
        return reader.parquet(folder)

    def _from_arrow(self, arrow: pa.Table) -> DataFrame:
        schema = _spark_schema(arrow.schema)
        try:
            # Arrow straight to Spark (pyspark ≥ 4); rows through Python otherwise.
            return self.spark.createDataFrame(arrow, schema=schema)
        except (TypeError, ValueError):
            return self.spark.createDataFrame(arrow.to_pylist(), schema=schema)

    def run_sql(self, sql: str) -> pa.Table:
        frame = self.spark.sql(to_spark_sql(sql))
        if hasattr(frame, "toArrow"):
            return frame.toArrow()
        rows = [row.asDict() for row in frame.collect()]
        return pa.Table.from_pylist(rows)

    def materialize(self, name: str, sql: str) -> None:
        # Cached, hence computed once, at the first query that reads it (forcing it now would
        # cost one more Spark job per relation, which on small data is most of the time).
        frame = self.spark.sql(to_spark_sql(sql)).cache()
        frame.createOrReplaceTempView(name)
        self._kept[name] = frame

    def drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        frame = self._kept.pop(name, None)
        if frame is not None:
            frame.unpersist()

    def close(self) -> None:
        for table in CONTRACT:
            self.spark.catalog.dropTempView(table_ref(table))
        if self._owns_session:
            self.spark.stop()


def _spark_schema(schema: pa.Schema) -> Any:
    # lazy: pyspark is an optional extra.
    from pyspark.sql import types as T

    mapping = {
        pa.string(): T.StringType(),
        pa.int64(): T.LongType(),
        pa.float64(): T.DoubleType(),
        pa.bool_(): T.BooleanType(),
        pa.date32(): T.DateType(),
    }
    fields = []
    for field in schema:
        if field.type not in mapping:
            raise TypeError(f"no Spark type for {field.name}: {field.type}")
        fields.append(T.StructField(field.name, mapping[field.type], True))
    return T.StructType(fields)


def compute(
    definitions: Iterable[Definition],
    staging_root: Path | str,
    periods: Collection[str] | None = None,
    territories: Sequence[Territory] | None = None,
    progress: Progress | None = None,
    *,
    snapshot_period: str | None = None,
    membership: pa.Table | None = None,
    population: pa.Table | None = None,
    spark: SparkSession | None = None,
    master: str = "local[*]",
    conf: dict[str, str] | None = None,
) -> pa.Table:
    """Compute definitions with Spark; same contract as the DuckDB `compute`."""
    backend = SparkBackend(
        staging_root,
        membership=membership,
        population=population,
        spark=spark,
        master=master,
        conf=conf,
    )
    with backend:
        return backend.compute(definitions, periods, territories, snapshot_period, progress)
