# Each account has a language for pages, mail and receipts (issue 16).

import photolib.accounts.language
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_user_time_zone'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='language',
            field=models.CharField(blank=True, choices=photolib.accounts.language.language_choices, default='', help_text='The language of the site, your emails and your receipts.', max_length=8, verbose_name='language'),
        ),
        migrations.AlterField(
            model_name='user',
            name='credit_name',
            field=models.CharField(help_text='How you want to be credited on your photos.', max_length=120, verbose_name='credit name'),
        ),
        migrations.AlterField(
            model_name='user',
            name='display_name',
            field=models.CharField(help_text='How the site greets you.', max_length=120, verbose_name='display name'),
        ),
    ]
