"""What the database's query planner is told after a bulk load. Its own module, light to import:
the campaigns, the directory and the establishments call it, and the territories' loader beside
it imports GEOS."""

from django.db import connection


def refresh_statistics(*models) -> None:
    """Tell the database how many rows a bulk load left, at once.

    Right after tens of thousands of rows arrive, PostgreSQL still plans with the statistics of
    an empty table (nested loops over sequential scans: seconds per query) until autovacuum
    passes; ANALYZE fixes that, and costs a few milliseconds on SQLite too.
    """
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
