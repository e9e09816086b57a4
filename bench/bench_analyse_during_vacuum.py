"""What analysing the value table costs while autovacuum vacuums it (decision 0029).

    nice -n 5 bash scripts/with-postgres.sh .venv/bin/python bench/bench_analyse_during_vacuum.py

After a large store autovacuum vacuums the value table for a while; a store that adds rows then
analyses it. For each way, a fresh table shaped like the value table gets 5.4 M rows (a first
national compute), then, as soon as autovacuum is vacuuming it, a transaction adds one month
(36,223 rows, an import's recompute) and analyses the table:

- `wait`: ANALYZE as the store did before 0029;
- `bounded`: the store's way since 0029 — at most 200 ms for the lock (`lock_timeout`, in a
  savepoint), otherwise the statistics are left to autovacuum.

Prints the analyse's seconds, whether autovacuum was still vacuuming the table just after (a
waiting ANALYZE makes PostgreSQL cancel it after `deadlock_timeout`), and the ANALYZE of the same
table once nothing holds it. Plain psycopg: the same statements as `storage._refresh_statistics`.
"""

# ruff: noqa: S608 - the table names are made here, from two fixed words

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from postgres import autovacuum_workers, create_database, database_url  # noqa: E402

ROWS = 5_389_909
MONTH_ROWS = 36_223
WAIT = "200ms"  # storage.STATISTICS_WAIT


def vacuuming(con, table: str) -> bool:
    return autovacuum_workers(con, table) > 0


def one_way(con, way: str) -> dict:
    table = f"bench_values_{way}"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"CREATE TABLE {table} (id bigserial PRIMARY KEY, indicator_id int, territory_id int,"
        " period varchar(7), numerator float8, denominator float8, value float8, version int,"
        " is_current bool, run_id int, manual_entry_id int, created_at timestamptz DEFAULT now())"
    )
    con.execute(
        f"INSERT INTO {table} (indicator_id, territory_id, period, numerator, denominator, value,"
        " version, is_current, run_id) SELECT g % 21, g % 35000, '2024-'"
        " || lpad((g % 12 + 1)::text, 2, '0'), g, g, 1, 1, true, 1"
        f" FROM generate_series(1, {ROWS}) AS g"
    )
    started = time.perf_counter()
    while not vacuuming(con, table):
        if time.perf_counter() - started > 180:
            raise SystemExit("autovacuum did not start on the table within 3 minutes")
        time.sleep(0.2)
    waited_for_autovacuum = time.perf_counter() - started
    with con.transaction():
        con.execute(
            f"INSERT INTO {table} (indicator_id, territory_id, period, numerator, version,"
            " is_current, run_id) SELECT 1, g, '2026-01', g, 1, true, 2"
            f" FROM generate_series(1, {MONTH_ROWS}) AS g"
        )
        started = time.perf_counter()
        if way == "wait":
            con.execute(f"ANALYZE {table}")
            analysed = True
        else:
            con.execute("SELECT set_config('lock_timeout', %s, true)", [WAIT])
            try:
                with con.transaction():  # a savepoint
                    con.execute(f"ANALYZE {table}")
                analysed = True
            except Exception as error:  # psycopg.errors.LockNotAvailable
                analysed = False
                print(f"  {way}: {type(error).__name__}: {str(error).strip()}")
            con.execute("SELECT set_config('lock_timeout', '0', true)")
        seconds = time.perf_counter() - started
    still = vacuuming(con, table)
    while vacuuming(con, table):
        time.sleep(0.5)
    started = time.perf_counter()
    con.execute(f"ANALYZE {table}")
    alone = time.perf_counter() - started
    con.execute(f"DROP TABLE {table}")
    return {
        "way": way,
        "autovacuum began after": waited_for_autovacuum,
        "analyse": seconds,
        "analysed": analysed,
        "vacuum still running after": still,
        "analyse alone": alone,
    }


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    import psycopg  # lazy: after the arguments, so that --help answers without a server

    url = database_url()
    create_database(url)
    with psycopg.connect(url, autocommit=True) as con:
        timeout = con.execute("SHOW deadlock_timeout").fetchone()[0]
        print(
            f"{ROWS:,} rows, then {MONTH_ROWS:,} in the analysing transaction; deadlock_timeout {timeout}"
        )
        for way in ("wait", "bounded"):
            r = one_way(con, way)
            print(
                f"{r['way']:8s} analyse {r['analyse']:.2f} s (analysed: {r['analysed']}),"
                f" autovacuum still vacuuming just after: {r['vacuum still running after']};"
                f" the same ANALYZE with nothing in the way {r['analyse alone']:.2f} s"
                f" (autovacuum began {r['autovacuum began after']:.1f} s after the insert)"
            )


if __name__ == "__main__":
    main()
