"""An index of the search documents not marked cleared: the five-minute job asks the rule
about those only (``index.refresh_clearance(hidden_only=True)``)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0015_search_language_probe'),
        ('consent', '0012_agreement_language'),
        ('photos', '0007_translatable_labels'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='searchdocument',
            index=models.Index(condition=models.Q(('cleared', False)), fields=['photo'], name='catalog_doc_unmarked'),
        ),
    ]
