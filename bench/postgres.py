"""For benches run under scripts/with-postgres.sh, which starts an empty server."""

import os
import sys


def database_url() -> str:
    """DATABASE_URL, which scripts/with-postgres.sh sets; without it, how to run the bench."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        script = os.path.relpath(sys.argv[0])
        sys.exit(
            f"{script} measures PostgreSQL: run it under a server of its own,\n"
            f"    bash scripts/with-postgres.sh .venv/bin/python {script}"
        )
    return url


def create_database(url: str) -> None:
    """The database named by DATABASE_URL, created on its server if missing."""
    import psycopg  # lazy: only the PostgreSQL runs need it

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def autovacuum_workers(connection, table: str | None = None) -> int:
    """How many autovacuum workers run in the connection's database, on `table` when given."""
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        " AND datname = current_database()"
    )
    if table is None:
        return connection.execute(sql).fetchone()[0]
    return connection.execute(sql + " AND query LIKE %s", [f"%VACUUM%{table}%"]).fetchone()[0]
