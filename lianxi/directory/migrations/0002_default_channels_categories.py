from django.db import migrations


def install(apps, schema_editor):
    from lianxi.directory.defaults import CATEGORIES, CHANNELS

    Channel = apps.get_model("directory", "Channel")
    Category = apps.get_model("directory", "Category")
    for order, (code, name) in enumerate(CHANNELS, start=1):
        Channel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
