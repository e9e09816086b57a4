"""Uploaded files are no longer kept: delete those earlier versions left under DATA_DIR/uploads/.

Identity files (INS in FHIR or HL7) hold NIR, names and birth dates; the import record keeps the
file's name, size and hash, which is all the provenance needs.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations


def purge_uploads(apps, schema_editor):
    shutil.rmtree(Path(settings.DATA_DIR) / "uploads", ignore_errors=True)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(purge_uploads, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="importrecord",
            name="upload",
        ),
    ]
