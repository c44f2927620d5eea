"""Load the PMQ as data (items from questionnaires/pmq.py)."""

from django.db import migrations


def load_pmq(apps, schema_editor):
    from questionnaires import pmq

    pmq.install(
        apps.get_model("questionnaires", "Instrument"), apps.get_model("questionnaires", "Item")
    )


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]
    operations = [migrations.RunPython(load_pmq, migrations.RunPython.noop)]
