"""Search in the site's (or a group's) language, accents folded, typos corrected.

PostgreSQL: the ``unaccent`` and ``pg_trgm`` extensions (both trusted: the database owner
may create them), one text-search configuration per language (``photolib_<name>``: a
copy of the built-in one with ``unaccent`` in front of its stemmer), and a trigram index
on the dictionary of indexed words. SQLite: an FTS5 table of each document's stemmed
words, filled here from the documents' text (``manage.py reindex_search`` rewrites it
field by field, and rebuilds PostgreSQL's vectors in the new configurations)."""

from django.db import migrations, models

from photolib.languages import LANGUAGES, stem
from photolib.catalog.search.words import WORD

FTS = ("CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search_fts USING fts5("
       "photo_id UNINDEXED, language UNINDEXED, title, tags, place, description, "
       "tokenize = 'unicode61 remove_diacritics 2')")


def forward(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name in LANGUAGES:
            config = f"photolib_{name}"
            execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config}")
            execute(f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = pg_catalog.{name})")
            dictionary = "simple" if name == "simple" else f"{name}_stem"
            execute(f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING FOR "
                    f"asciiword, asciihword, hword_asciipart, word, hword, hword_part "
                    f"WITH unaccent, {dictionary}")
        execute("CREATE INDEX IF NOT EXISTS catalog_searchword_trgm "
                "ON catalog_searchword USING gin (word gin_trgm_ops)")
    elif schema_editor.connection.vendor == "sqlite":
        execute(FTS)
        Document = apps.get_model("catalog", "SearchDocument")
        rows = [(doc.pk.hex, doc.language,
                 " ".join(stem(w, doc.language) for w in WORD.findall(doc.text)))
                for doc in Document.objects.only("pk", "language", "text").iterator()]
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany("INSERT INTO catalog_search_fts (photo_id, language, title, "
                               "tags, place, description) VALUES (?, ?, '', '', '', ?)", rows)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_searchword_trgm")
        for name in LANGUAGES:
            schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS photolib_{name}")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS catalog_search_fts")


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0007_download_owner_told'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('word', models.CharField(max_length=60, primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name='Synonym',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('terms', models.TextField(help_text='The terms, separated by commas: town hall, city hall, Rathaus')),
                ('note', models.CharField(blank=True, max_length=200)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['terms'],
            },
        ),
        migrations.AddField(
            model_name='searchdocument',
            name='language',
            field=models.CharField(default='english', max_length=20),
        ),
        migrations.RunPython(forward, backward),
    ]
