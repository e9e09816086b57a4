"""The value table's index of hand-entered figures holds them only (decision 0027).

Every value had an entry in it, nearly all empty: 5.4 M keys after a first national compute,
rebuilt each time (1.3 s of the rebuild). The index is now partial, over the values that have a
hand-entered figure. The old one is dropped by name, as in 0006: altering the field the usual
way would make SQLite copy the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD = "indicators_indicatorvalue_manual_entry_id_b75f20a3"


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0006_value_indexes_covered_by_others"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="indicatorvalue",
                    name="manual_entry",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="indicators.manualentry",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"DROP INDEX IF EXISTS {OLD}",
                    reverse_sql=(
                        f"CREATE INDEX IF NOT EXISTS {OLD}"
                        " ON indicators_indicatorvalue (manual_entry_id)"
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="indicatorvalue",
            index=models.Index(
                condition=models.Q(("manual_entry__isnull", False)),
                fields=["manual_entry"],
                name="value_of_manual_entry",
            ),
        ),
    ]
