from django.db import migrations


def load(apps, schema_editor):
    from outreach.economies import load_economies

    load_economies(apps.get_model("outreach", "Economy"))


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
