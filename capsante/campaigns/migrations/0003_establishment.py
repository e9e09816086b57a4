"""Follow-ups and contacts point to an establishment (see structures 0002)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_stage_mss_equipped"),
        ("structures", "0002_establishment"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="followup", name="one_followup_per_structure"),
        migrations.RenameField("followup", "structure", "establishment"),
        migrations.RenameField("historicalfollowup", "structure", "establishment"),
        migrations.RenameField("contact", "structure", "establishment"),
        migrations.RenameField("historicalcontact", "structure", "establishment"),
        migrations.AddConstraint(
            model_name="followup",
            constraint=models.UniqueConstraint(
                fields=("campaign", "establishment"), name="one_followup_per_establishment"
            ),
        ),
    ]
