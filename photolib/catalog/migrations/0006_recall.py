"""Recall: listings (when a photo was in the catalog) and recall notices; a collection
keeps its item when the photo leaves or is deleted (``photo_key`` names it)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_photo_keys(apps, schema_editor):
    item = apps.get_model("catalog", "CollectionItem")
    for row in item.objects.filter(photo_key__isnull=True).only("pk", "photo_id").iterator():
        item.objects.filter(pk=row.pk).update(photo_key=row.photo_id)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_download_file_key'),
        ('photos', '0003_legal_hold_and_location_choice'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Listing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('photo_key', models.UUIDField(db_index=True, help_text="The photo's id, kept after it is deleted.")),
                ('title', models.CharField(blank=True, help_text='The title marketing saw (empty once erased).', max_length=200)),
                ('listed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('ended_at', models.DateTimeField(blank=True, db_index=True, help_text='When the scan saw it leave the catalog.', null=True)),
                ('reason', models.CharField(blank=True, choices=[('withdrawn', 'withdrawn by the photographer'), ('deleted', 'deleted by the photographer'), ('group_withdrawn', 'the photographer withdrew their consent for the group'), ('taken_down', "taken down by the library's reviewers"), ('expired', 'the licence term ended'), ('erased', "the photographer's account was erased"), ('other', "it no longer meets the library's conditions")], max_length=16)),
                ('rights_ended_at', models.DateTimeField(blank=True, help_text='When the rights ended: the withdrawal, takedown, erasure or end of term.', null=True)),
            ],
            options={
                'ordering': ['-listed_at'],
            },
        ),
        migrations.CreateModel(
            name='RecallNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('downloads', models.JSONField(default=list, help_text='Their downloads of it when told: at, use, campaign, rendition.')),
                ('collections', models.JSONField(default=list, help_text='Names of their collections that held it.')),
                ('mailed_at', models.DateTimeField(blank=True, null=True)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='collectionitem',
            name='collection_photo_once',
        ),
        migrations.RemoveField(
            model_name='collection',
            name='photos',
        ),
        migrations.AddField(
            model_name='collectionitem',
            name='photo_key',
            field=models.UUIDField(db_index=True, help_text="The photo's id, kept after it is deleted.", null=True),
        ),
        migrations.RunPython(copy_photo_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='collectionitem',
            name='photo_key',
            field=models.UUIDField(db_index=True, help_text="The photo's id, kept after it is deleted."),
        ),
        migrations.AlterField(
            model_name='collectionitem',
            name='photo',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='photos.photo'),
        ),
        migrations.AddConstraint(
            model_name='collectionitem',
            constraint=models.UniqueConstraint(fields=('collection', 'photo_key'), name='collection_photo_key_once'),
        ),
        migrations.AddField(
            model_name='listing',
            name='photo',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='listings', to='photos.photo'),
        ),
        migrations.AddField(
            model_name='recallnotice',
            name='listing',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='catalog.listing'),
        ),
        migrations.AddField(
            model_name='recallnotice',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recall_notices', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='listing',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('photo_key',), name='listing_one_open_per_photo'),
        ),
        migrations.AddConstraint(
            model_name='recallnotice',
            constraint=models.UniqueConstraint(fields=('listing', 'user'), name='recall_notice_once_per_user'),
        ),
    ]
