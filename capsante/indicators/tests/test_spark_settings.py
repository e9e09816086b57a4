"""The Spark engine's master and options come from the environment (CAPSANTE_SPARK_*)."""

import pytest

from capsante.engine.spark_backend import LOOPBACK_CONF, on_loopback
from capsante.settings import env_conf


def test_spark_options_read_as_pairs_or_json(monkeypatch):
    monkeypatch.setenv(
        "CAPSANTE_SPARK_CONF", "spark.executor.memory=8g, spark.sql.shuffle.partitions=64"
    )
    assert env_conf("CAPSANTE_SPARK_CONF") == {
        "spark.executor.memory": "8g",
        "spark.sql.shuffle.partitions": "64",
    }
    monkeypatch.setenv("CAPSANTE_SPARK_CONF", '{"spark.driver.host": "10.0.0.5"}')
    assert env_conf("CAPSANTE_SPARK_CONF") == {"spark.driver.host": "10.0.0.5"}
    monkeypatch.setenv("CAPSANTE_SPARK_CONF", "")
    assert env_conf("CAPSANTE_SPARK_CONF") == {}
    monkeypatch.setenv("CAPSANTE_SPARK_CONF", "spark.executor.memory")
    with pytest.raises(ValueError, match="key=value"):
        env_conf("CAPSANTE_SPARK_CONF")


def test_only_local_and_loopback_masters_bind_the_driver_to_the_loopback(settings):
    assert settings.SPARK_MASTER == "local[*]"
    assert on_loopback("local[*]") and on_loopback("spark://127.0.0.1:7077")
    assert not on_loopback("spark://spark-master.example:7077")
    assert not on_loopback("yarn")
    assert LOOPBACK_CONF["spark.driver.host"] == "127.0.0.1"
