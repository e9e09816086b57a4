"""For benches run under scripts/with-postgres.sh, which starts an empty server."""


def create_database(url: str) -> None:
    """The database named by DATABASE_URL, created on its server if missing."""
    import psycopg  # lazy: only the PostgreSQL runs need it

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
