"""The value table's index of each value's run, dropped (decision 0038).

Only a run's deletion would look values up by their run (to refuse it: the key protects them),
and the platform never deletes a run. The index was built again after each first compute (1 s
nationally) and written for every value stored. Dropped by name, on both databases, as 0006
did: altering the field the usual way would make SQLite copy the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "indicators_indicatorvalue"
INDEX = "indicators_indicatorvalue_run_id_d914d4a0"


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0010_computed_blocks_in_force"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="indicatorvalue",
                    name="run",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="values",
                        to="indicators.computationrun",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (run_id)",
                ),
            ],
        ),
    ]
