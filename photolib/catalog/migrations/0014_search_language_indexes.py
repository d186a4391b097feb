"""One GIN index of the words per search language, over the documents marked cleared in
that language (PostgreSQL only), in place of one over all of them.

A search reads each document in its own language: ``language = 'german' AND vector @@
<the words read in German>``, one such condition per language in use. With one index for
every language, the index listed the words' postings in all languages and each of them
was then read to check its language and match the words again (half the time of counting
10,000 matches at 100k documents, bench/search.py). An index per language answers each
condition exactly: its postings are that language's only, and no row is read but to see
that it is live. A document is in one language, so each is still indexed once.

``LANGUAGES`` is the list of ``photolib.languages.LANGUAGES`` when this was written; a
language added there needs its index in a new migration (a test checks that every
language has one).
"""

from django.db import migrations

from photolib.migration_ops import postgres_indexes

LANGUAGES = ("english", "german", "french", "dutch", "spanish", "italian", "portuguese",
             "danish", "swedish", "norwegian", "finnish", "simple")

ALL_LANGUAGES = {
    "catalog_doc_cleared_vector": "ON catalog_searchdocument USING gin (vector) WHERE cleared",
}

PER_LANGUAGE = {
    f"catalog_doc_vector_{name}":
        f"ON catalog_searchdocument USING gin (vector) WHERE cleared AND language = '{name}'"
    for name in LANGUAGES
}


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0013_search_clearance'),
    ]

    operations = [
        postgres_indexes(PER_LANGUAGE),
        postgres_indexes(ALL_LANGUAGES, drop=True),
    ]
