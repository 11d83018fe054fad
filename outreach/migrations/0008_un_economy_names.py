from django.db import migrations


def load(apps, schema_editor):
    # Existing databases took Babel's CLDR names in 0002; economy names now follow the UN M49
    # short names (outreach/data/un_m49_names.csv), so every economy row is written again.
    from outreach.economies import load_economies

    load_economies(apps.get_model("outreach", "Economy"))


class Migration(migrations.Migration):
    dependencies = [("outreach", "0007_primary_email_addresses")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
