"""Autovacuum analyses the value table once 10,000 of its rows have changed (PostgreSQL).

Its default — once a tenth of the table has changed — would leave a new month unknown to the
planner for a year of monthly imports at national scale. A store analyses the table itself
when it adds rows, unless autovacuum is vacuuming it at that moment (waiting would cancel the
vacuum): then this setting has autovacuum analyse it within a minute (`storage._refresh_statistics`).
"""

from django.db import migrations

TABLE = "indicators_indicatorvalue"
OPTIONS = {"autovacuum_analyze_scale_factor": "0", "autovacuum_analyze_threshold": "10000"}


def set_options(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        options = ", ".join(f"{name} = {value}" for name, value in OPTIONS.items())
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({options})")


def reset_options(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET ({', '.join(OPTIONS)})")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_value_index_of_manual_entries_only"),
    ]

    operations = [migrations.RunPython(set_options, reset_options)]
