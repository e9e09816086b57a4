"""A FINESS establishment is an Establishment in the code: "structure" in the help directory to
come (data·inclusion) means a help organisation. The database label and the table stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0001_initial"),
        # The campaigns' tables point to the model by its former name: create them first.
        ("campaigns", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("Structure", "Establishment"),
        migrations.RenameModel("HistoricalStructure", "HistoricalEstablishment"),
    ]
