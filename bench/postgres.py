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
