# The field of 0013 holds a seal of the stored assessment, not only its inputs (decision 0047).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0013_target_assessed_inputs"),
    ]

    operations = [
        migrations.RenameField(
            model_name="target",
            old_name="assessed_inputs",
            new_name="assessment_seal",
        ),
    ]
