"""Three indexes of the value table that others already cover (decision 0026).

The (indicator, territory, month) index and the indicator's own are beginnings of the unique key
(indicator, territory, month, version); the territory's own is the beginning of the (territory,
in force) index. Each was maintained for every value stored and built again after each first
compute. Dropped by name, on both databases: altering the fields the usual way would make SQLite
copy the whole table twice.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "indicators_indicatorvalue"
COVERED = {
    "indicators__indicat_73be26_idx": "indicator_id, territory_id, period",
    "indicators_indicatorvalue_indicator_id_a69c020d": "indicator_id",
    "indicators_indicatorvalue_territory_id_773bea0f": "territory_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0005_stored_block"),
        ("territories", "0002_name_type"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="indicatorvalue",
                    name="indicators__indicat_73be26_idx",
                ),
                migrations.AlterField(
                    model_name="indicatorvalue",
                    name="indicator",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="values",
                        to="indicators.indicator",
                    ),
                ),
                migrations.AlterField(
                    model_name="indicatorvalue",
                    name="territory",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="indicator_values",
                        to="territories.territory",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} ({columns})",
                )
                for name, columns in COVERED.items()
            ],
        ),
    ]
