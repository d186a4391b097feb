"""An index on the documents' language and group: a search reads its words in the
languages the documents are in (``query.languages_in_use``, one probe per language), so
that documents indexed before a language changed are still found until reindexed."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0014_search_language_indexes'),
        ('consent', '0012_agreement_language'),
        ('photos', '0007_translatable_labels'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='searchdocument',
            index=models.Index(fields=['language', 'group'], name='catalog_doc_language_group'),
        ),
    ]
