"""Names that do not collide with the help resources and the events to come: a roadmap's
"ressources utiles" become useful links, its "focus événement" an event highlight."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("roadmaps", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("Resource", "UsefulLink"),
        migrations.RenameModel("HistoricalResource", "HistoricalUsefulLink"),
        migrations.RenameModel("EventFocus", "EventHighlight"),
        migrations.RenameModel("HistoricalEventFocus", "HistoricalEventHighlight"),
    ]
