from django.db import migrations


def install(apps, schema_editor):
    from lianxi.meetings.defaults import MEETING_TYPES

    Channel = apps.get_model("directory", "Channel")
    MeetingType = apps.get_model("meetings", "MeetingType")
    for order, (code, name) in enumerate(MEETING_TYPES, start=1):
        channel = Channel.objects.filter(code=code).first()
        if channel is None:  # an admin removed or renamed the channel's code: leave the type to them
            continue
        MeetingType.objects.get_or_create(code=code, defaults={"name": name, "channel": channel,
                                                               "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("directory", "0002_default_channels_categories")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
