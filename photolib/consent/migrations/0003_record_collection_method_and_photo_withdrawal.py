"""Each record states its own collection method, from a fixed vocabulary; a
photo's withdrawal is a record of its own (action WITHDRAW_PHOTO, naming the
photo by a plain UUID and its title).

The record format changes in place: no city runs the product yet. Only column
additions and a wider ``action`` happen in the database; PostgreSQL's row
trigger does not fire on them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0002_ledger_protection'),
    ]

    operations = [
        migrations.AddField(
            model_name='consentrecord',
            name='photo_id',
            field=models.UUIDField(blank=True, help_text='The photo withdrawn (WITHDRAW_PHOTO only).', null=True),
        ),
        migrations.AddField(
            model_name='consentrecord',
            name='photo_title',
            field=models.CharField(blank=True, help_text='Its title then (WITHDRAW_PHOTO only).', max_length=200),
        ),
        migrations.AlterField(
            model_name='consentrecord',
            name='action',
            field=models.CharField(choices=[('GRANT', 'Grant'), ('WITHDRAW', 'Withdraw'), ('WITHDRAW_PHOTO', 'Withdraw one photo')], max_length=16),
        ),
        migrations.AlterField(
            model_name='consentrecord',
            name='collection_method',
            field=models.CharField(choices=[('join_form', 'Join form: the full agreement shown, each of its statements ticked separately'), ('reaccept_form', 'Re-acceptance form: a member shown the new agreement version in full, each of its statements ticked separately'), ('withdraw_button', 'Withdrawal page: “Withdraw consent” button pressed on a page that states the effect'), ('photo_withdraw_button', 'My photos: “Withdraw photo” button for this one photo, confirmed in a dialogue'), ('seed', 'Recorded by a script (demo seed or data migration), not by the person on a form')], max_length=200),
        ),
        migrations.AddConstraint(
            model_name='consentrecord',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('action', 'WITHDRAW_PHOTO'), ('photo_id__isnull', False), models.Q(('photo_title', ''), _negated=True)), models.Q(models.Q(('action', 'WITHDRAW_PHOTO'), _negated=True), ('photo_id__isnull', True), ('photo_title', '')), _connector='OR'), name='consent_photo_only_on_photo_withdrawal'),
        ),
    ]
