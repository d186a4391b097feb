"""Personal data leaves the hashed record: a record hashes a salted commitment to
it, and the data sits in an erasable ``ConsentEvidence`` row beside it.

The record format changes in place: no city runs the product yet, so the ledger
is empty when this runs (column changes do not fire PostgreSQL's row trigger).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0004_agreement_protection'),
    ]

    operations = [
        migrations.RemoveField(model_name='consentrecord', name='subject_email'),
        migrations.RemoveField(model_name='consentrecord', name='subject_name'),
        migrations.RemoveField(model_name='consentrecord', name='ip_address'),
        migrations.RemoveField(model_name='consentrecord', name='user_agent'),
        migrations.AddField(
            model_name='consentrecord',
            name='personal_commitment',
            field=models.CharField(default='', help_text='Salted SHA-256 of the personal data in its evidence row.', max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='consentrecord',
            name='collection_method',
            field=models.CharField(choices=[('join_form', 'Join form: the full agreement shown, each of its statements ticked separately'), ('reaccept_form', 'Re-acceptance form: a member shown the new agreement version in full, each of its statements ticked separately'), ('withdraw_button', 'Withdrawal page: “Withdraw consent” button pressed on a page that states the effect'), ('photo_withdraw_button', 'My photos: “Withdraw photo” button for this one photo, confirmed in a dialogue'), ('erasure', 'Account erasure: the person asked for their account to be deleted (confirmed with their password, or by a letter an administrator acted on)'), ('seed', 'Recorded by a script (demo seed or data migration), not by the person on a form')], max_length=200),
        ),
        migrations.CreateModel(
            name='ConsentEvidence',
            fields=[
                ('record', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='evidence', serialize=False, to='consent.consentrecord')),
                ('salt', models.CharField(max_length=64)),
                ('account_id', models.BigIntegerField()),
                ('email', models.EmailField(max_length=254)),
                ('display_name', models.CharField(blank=True, max_length=120)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('user_agent', models.CharField(blank=True, max_length=512)),
            ],
            options={
                'verbose_name': 'consent evidence',
                'verbose_name_plural': 'consent evidence',
            },
        ),
    ]
