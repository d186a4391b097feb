"""Uses logged before the digest existed count as told: the first digest names only new
ones."""

from django.db import migrations, models


def mark_past_uses_told(apps, schema_editor):
    download = apps.get_model("catalog", "Download")
    download.objects.filter(owner_told_at__isnull=True).update(owner_told_at=models.F("at"))


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_recall'),
    ]

    operations = [
        migrations.AddField(
            model_name='download',
            name='owner_told_at',
            field=models.DateTimeField(blank=True, help_text="When the photo's owner was told of this use (the first-use mail or the weekly digest).", null=True),
        ),
        migrations.RunPython(mark_past_uses_told, migrations.RunPython.noop),
    ]
