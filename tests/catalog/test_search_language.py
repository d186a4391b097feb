"""Search as a city uses it, on whichever database runs the suite (PostgreSQL's backend
on PostgreSQL, FTS5 on SQLite; ``.ci/run`` runs this file on both): stems in the group's
language, accents, typos, synonyms, exclusion, relevance order, every match reachable
by paging, and odd input. A refused photo matching every search is among the data and
must never be found."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from photolib.catalog import search
from photolib.catalog.models import SearchDocument, Synonym
from photolib.catalog.search.index import index_photo
from photolib.photos import moderation
from photolib.photos.models import Photo, PhotoAttestation

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def officer(client, catalog_world):
    client.force_login(catalog_world["marketing"])
    return client


def titles(**params) -> list[str]:
    return [p.title for p in search.search(search.Filters(**params), with_facets=False).photos]


def refuse(photo, world):
    moderation.photo_take_down(photo_id=photo.pk, acting_user=world["reviewer"],
                               reason="complaint")


def german(world):
    group = world["group"]
    group.search_language = "german"
    group.save(update_fields=["search_language"])


# --- language ---------------------------------------------------------------------------------

def test_english_words_match_their_other_forms(cleared, catalog_world):
    cleared("Harbours at night", tags=("boats",), place="North pier")
    cleared("Sunset", tags=("sky",), place="Beach")
    refuse(cleared("Harbour sunsets", tags=("boats",)), catalog_world)
    assert titles(q="harbour") == ["Harbours at night"]
    assert titles(q="sunsets", sort="newest") == ["Sunset"]
    assert titles(q="boat") == ["Harbours at night"]


def test_a_german_group_stems_german_words(cleared, catalog_world):
    german(catalog_world)
    cleared("Bahnhöfe im Winter", tags=("zug",), place="Hauptbahnhof")
    cleared("Die alten Brücken", tags=("fluss",), place="Altstadt")
    refuse(cleared("Bahnhof bei Nacht", tags=("zug",)), catalog_world)
    assert SearchDocument.objects.filter(language="german").count() == 3
    assert titles(q="Bahnhof") == ["Bahnhöfe im Winter"]
    assert titles(q="bahnhofe") == ["Bahnhöfe im Winter"]
    assert titles(q="Brücke") == ["Die alten Brücken"]
    assert titles(q="brucken") == ["Die alten Brücken"]
    if connection.vendor == "postgresql":
        # German stop words are not required ("der" is in no title): PostgreSQL's
        # configurations drop them; the SQLite default has no stop-word lists.
        assert titles(q="der Bahnhof im") == ["Bahnhöfe im Winter"]


def test_accents_never_matter(cleared):
    cleared("Noël market", tags=("winter",), place="Place de l'Église")
    cleared("Cafe terrace", tags=("summer",), place="Quay")
    assert titles(q="noel") == ["Noël market"]
    assert titles(q="Noël") == ["Noël market"]
    assert titles(q="eglise") == ["Noël market"]
    assert titles(q="café") == ["Cafe terrace"]


def test_documents_are_read_in_their_own_language(cleared, catalog_world, settings):
    """With the site in English and one group in German, each document is matched in its
    own language; an exclusion holds for both."""
    cleared("Harbours in spring", tags=("boats",), place="Quay")
    group = catalog_world["group"]
    german(catalog_world)
    cleared("Häfen im Frühling", tags=("boote",), place="Kai")
    assert set(SearchDocument.objects.values_list("language", flat=True)) == {"english",
                                                                              "german"}
    # The group's first photo was indexed in English before the group chose German.
    assert search.languages_in_use() == ("english", "german")
    assert search.languages_in_use(group.pk) == ("english", "german")
    assert titles(q="harbour") == ["Harbours in spring"]
    assert titles(q="Hafen") == ["Häfen im Frühling"]
    assert titles(q="harbour OR hafen", sort="newest") == ["Häfen im Frühling",
                                                           "Harbours in spring"]
    assert titles(q="harbour OR hafen -boote", sort="newest") == ["Harbours in spring"]


def test_documents_indexed_before_a_language_change_are_found_until_reindexed(
        cleared, catalog_world, settings):
    """The site's language and then the group's change; the documents already written
    keep being read in the language they were indexed in, with and without the group's
    filter, until they are indexed again."""
    cleared("Harbours in spring", tags=("boats",), place="Quay")
    settings.PHOTOLIB_SEARCH_LANGUAGE = "dutch"
    assert search.languages_in_use() == ("english",)
    assert titles(q="harbour") == ["Harbours in spring"]
    german(catalog_world)
    group = catalog_world["group"].pk
    assert search.languages_in_use(group) == ("english",)
    assert titles(q="harbour", group=group) == ["Harbours in spring"]
    cleared("Häfen im Frühling", tags=("boote",), place="Kai")
    assert search.languages_in_use() == ("english", "german")
    assert titles(q="Hafen", group=group) == ["Häfen im Frühling"]
    assert titles(q="harbours", group=group) == ["Harbours in spring"]


def test_a_search_before_any_document_reads_the_configured_language(catalog_world):
    assert search.languages_in_use() == ("english",)
    german(catalog_world)
    assert search.languages_in_use(catalog_world["group"].pk) == ("german",)
    assert titles(q="Hafen") == []


def test_every_search_language_has_its_own_index_of_words():
    """On PostgreSQL a document's words are indexed in its language's index (limited to
    documents marked cleared in that language; migration 0014), which a search's
    ``language = ... AND vector @@ ...`` condition needs to be answered from the index: a
    language added to ``languages.LANGUAGES`` needs its index too."""
    if connection.vendor != "postgresql":
        pytest.skip("the per-language GIN indexes are PostgreSQL's")
    from photolib import languages

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes "
                       "WHERE tablename = 'catalog_searchdocument' AND indexdef LIKE %s",
                       ["%USING gin (vector)%"])
        found = dict(cursor.fetchall())
    assert sorted(found) == sorted(f"catalog_doc_vector_{name}" for name in languages.LANGUAGES)
    for name in languages.LANGUAGES:
        where = found[f"catalog_doc_vector_{name}"].split(" WHERE ", 1)[1]
        assert where == f"(cleared AND ((language)::text = '{name}'::text))", where


def test_an_unknown_site_language_stops_start_up_with_the_fix():
    env = {"PATH": "/usr/bin:/bin", "PHOTOLIB_SEARCH_LANGUAGE": "klingon",
           "DJANGO_SETTINGS_MODULE": "photolib.settings"}
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "PHOTOLIB_SEARCH_LANGUAGE='klingon' is not a search language" in done.stderr
    assert "german" in done.stderr


# --- typos and synonyms -------------------------------------------------------------------------

def test_a_typo_finds_the_nearest_word(cleared, catalog_world):
    cleared("Sunset over the harbour", tags=("sunset",))
    refuse(cleared("Harbour at dawn", tags=("boats",)), catalog_world)
    for typo in ("harbur", "harbor", "habour"):
        result = search.search(search.Filters(q=typo), with_facets=False)
        assert [p.title for p in result.photos] == ["Sunset over the harbour"], typo
        assert result.showing_for == "harbour", typo


def test_one_slip_in_a_short_word_is_corrected(cleared):
    """Two letters swapped in a six-letter word share few trigrams with it ("yelolw" and
    "yellow": 0.27, under pg_trgm's 0.3); one edit away, it is still the word meant."""
    cleared("Yellow tram", tags=("tram",))
    cleared("Yodel festival", tags=("music",))
    for typo in ("yelolw", "yelow", "yelliw"):
        result = search.search(search.Filters(q=typo), with_facets=False)
        assert [p.title for p in result.photos] == ["Yellow tram"], typo
        assert result.showing_for == "yellow", typo
    # Two slips in a short word are too many: nothing is guessed.
    result = search.search(search.Filters(q="yelwol"), with_facets=False)
    assert (result.photos, result.showing_for) == ([], "")


def test_the_nearest_word_is_the_one_fewest_edits_away():
    from photolib.catalog.search import words

    assert words.edits("yelolw", "yellow") == 1  # a swap is one edit
    assert words.edits("harbur", "harbour") == 1
    assert words.edits("yelwol", "yellow") == 2
    assert words.edits("", "abc") == 3
    # One edit beats a higher trigram similarity; two slips in a short word find nothing.
    assert words.correction("yelolw", ["yodel", "yellow", "yell"]) == "yellow"
    assert words.correction("yelwol", ["yodel", "yellow"]) is None
    assert words.correction("marketplce", ["marketplace", "marker"]) == "marketplace"


def test_an_exact_word_is_never_displaced_by_a_correction(cleared):
    cleared("Harbor lights", tags=("night",))
    cleared("Sunset over the harbour", tags=("sunset",))
    result = search.search(search.Filters(q="harbor"), with_facets=False)
    # "harbor" is a word of the catalog: found as typed, nothing corrected or suggested.
    assert [p.title for p in result.photos] == ["Harbor lights"]
    assert (result.showing_for, result.suggestion) == ("", "")


def test_few_matches_offer_a_suggestion(cleared):
    cleared("Sunset over the harbour", tags=("sunset",))
    cleared("Harbour wall", tags=("stone",))
    result = search.search(search.Filters(q="harbur OR sunset"), with_facets=False)
    assert [p.title for p in result.photos] == ["Sunset over the harbour"]
    assert result.suggestion == "harbour OR sunset"


def test_synonyms_kept_by_reviewers(cleared, catalog_world):
    cleared("City hall at dusk", tags=("architecture",))
    cleared("Rathaus im Schnee", tags=("winter",))
    cleared("Town hall square", tags=("market",))
    cleared("Hall of mirrors", tags=("museum",), place="Old town")
    refuse(cleared("City hall steps", tags=("architecture",)), catalog_world)
    everyone = ["City hall at dusk", "Rathaus im Schnee", "Town hall square"]
    assert titles(q="town hall", sort="newest") == ["Hall of mirrors", "Town hall square"]
    Synonym.objects.create(terms="town hall, city hall, Rathaus")
    assert sorted(titles(q='"town hall"')) == sorted(everyone)
    assert sorted(titles(q="rathaus")) == sorted(everyone)
    assert sorted(titles(q="city hall")) == sorted(everyone)
    # Typed as two words, "town hall" still finds the hall in the old town.
    assert sorted(titles(q="town hall")) == sorted(everyone + ["Hall of mirrors"])
    assert titles(q="-rathaus hall") == ["Hall of mirrors"]


def test_a_synonym_needs_two_terms():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least two terms"):
        Synonym(terms="town hall, , town hall").full_clean()


# --- relevance ------------------------------------------------------------------------------------

def test_relevance_orders_title_then_tags_then_place_then_description(cleared):
    # Uploaded best match first, so that newest first is the opposite order.
    cleared("Lantern at night", tags=("night",), place="Quay")
    cleared("Evening walk", tags=("lantern",), place="Quay")
    cleared("Street corner", tags=("night",), place="Lantern square")
    cleared("Old houses", tags=("night",), place="Quay", description="An iron lantern")
    expected = ["Lantern at night", "Evening walk", "Street corner", "Old houses"]
    assert titles(q="lantern") == expected
    assert titles(q="lantern", sort="relevance") == expected
    assert titles(q="lantern", sort="newest") == expected[::-1]


def test_the_search_page_orders_words_by_relevance_by_default(officer, cleared):
    cleared("Lantern at night", tags=("night",))
    cleared("Evening walk", tags=("lantern",))
    page = officer.get(reverse("catalog:search"), {"q": "lantern"}).content.decode()
    assert page.index("Lantern at night") < page.index("Evening walk")


# --- every match reachable ------------------------------------------------------------------------

def clone(photo: Photo, n: int) -> list:
    """``n`` copies of a cleared photo (its rows, attestation, tags and document), each
    as cleared as the original: the rule reads rows, not files."""
    attestation = PhotoAttestation.objects.get(photo=photo)
    tags = list(photo.tags.all())
    ids = []
    for i in range(n):
        copy = Photo.objects.get(pk=photo.pk)
        copy.pk = None
        copy.id = None
        copy._state.adding = True
        copy.title = f"{photo.title} {i:03d}"
        copy.uploaded_at = photo.uploaded_at - timedelta(minutes=i + 1)
        copy.save()
        a = PhotoAttestation.objects.get(pk=attestation.pk)
        a.pk = None
        a.id = None
        a._state.adding = True
        a.photo = copy
        a.save()
        copy.tags.set(tags)
        index_photo(Photo.objects.select_related("owner", "group").get(pk=copy.pk))
        ids.append(copy.pk)
    return ids


@pytest.fixture
def many(cleared, catalog_world):
    refuse(cleared("Harbour view refused", tags=("harbour",)), catalog_world)
    first = cleared("Harbour view", tags=("harbour",))
    ids = [first.pk, *clone(first, 345)]
    assert Photo.objects.cleared().count() == 346
    return set(ids)


def _walk(**params) -> tuple[list, list]:
    seen, results = [], []
    page = 1
    while True:
        result = search.search(search.Filters(**params, page=page), with_facets=False)
        results.append(result)
        seen += [p.pk for p in result.photos]
        if not result.has_next:
            return seen, results
        page += 1


@pytest.mark.parametrize("params", [{"q": "harbour"}, {"q": "harbour", "sort": "newest"},
                                    {"sort": "newest"}, {"sort": "taken"}],
                         ids=["relevance", "newest", "everything", "taken"])
def test_paging_reaches_the_last_of_346_matches(many, params):
    seen, results = _walk(**params)
    assert len(seen) == len(set(seen)) == 346
    assert set(seen) == many
    assert results[0].total == 346 and not results[0].total_capped
    assert [r.page for r in results] == list(range(1, 16))
    assert results[-1].pages == 15 and len(results[-1].photos) == 346 - 14 * 24
    past = search.search(search.Filters(**params, page=99), with_facets=False)
    assert past.photos == [] and past.past_end


@pytest.mark.parametrize("params", [{"q": "harbour"}, {"q": "harbour", "sort": "newest"}],
                         ids=["relevance", "newest"])
def test_over_the_cap_later_pages_still_reach_every_match(many, params, monkeypatch):
    monkeypatch.setattr(search.query, "FACET_CAP", 100)
    seen, results = _walk(**params)
    assert set(seen) == many and len(seen) == 346
    assert results[0].total_display == "100+" and results[0].pages_display == "5+"
    assert len(results) == 15


# --- odd input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["!!! ???", "---", '""', "OR OR"])
def test_only_punctuation_gives_an_empty_result_with_a_reason(cleared, q):
    cleared("Harbour view")
    result = search.search(search.Filters(q=q))
    assert result.photos == [] and result.total == 0
    assert "no words to search for" in result.notice


def test_only_stop_words_find_nothing_and_do_not_fail(cleared, catalog_world):
    cleared("Harbour view")
    cleared("The mill and the view of the dunes")
    # PostgreSQL indexes no stop words, so nothing matches; SQLite matches them as words.
    expected = [] if connection.vendor == "postgresql" else ["The mill and the view of the dunes"]
    assert titles(q="the and of") == expected


def test_a_huge_query_is_bounded(cleared, officer):
    cleared("Harbour view")
    q = " ".join(["harbour"] * 2000)  # 15,999 characters
    assert titles(q=q) == ["Harbour view"]
    page = officer.get(reverse("catalog:search"), {"q": "x" * 10_000})
    assert page.status_code == 200
    assert "at most 200 characters" in page.content.decode()


def test_the_page_says_what_it_corrected_and_offers_suggestions(officer, cleared):
    cleared("Sunset over the harbour", tags=("sunset",), place="Quay")
    cleared("Harbour wall", tags=("stone",), place="Quay")
    page = officer.get(reverse("catalog:search"), {"q": "harbur"}).content.decode()
    assert "Showing results for <strong>harbour</strong>" in page
    assert "Sunset over the harbour" in page and "Harbour wall" in page
    page = officer.get(reverse("catalog:search"), {"q": "harbur OR sunset"}).content.decode()
    assert "Did you mean" in page and "q=harbour+OR+sunset" in page
    page = officer.get(reverse("catalog:search"), {"q": "!!!"}).content.decode()
    assert "There are no words to search for" in page


@pytest.mark.parametrize(("lang", "showing", "suggestion", "no_words"), [
    ("de", "Ergebnisse für <strong>harbour</strong>", "Meinten Sie <a href=",
     "Es gibt keine Wörter, nach denen gesucht werden kann"),
    ("fr", "Résultats pour <strong>harbour</strong>", "Vouliez-vous dire <a href=",
     "Il n’y a aucun mot à rechercher"),
])
def test_the_page_says_it_in_the_readers_language(officer, cleared, lang, showing, suggestion,
                                                  no_words):
    cleared("Sunset over the harbour", tags=("sunset",), place="Quay")
    cleared("Harbour wall", tags=("stone",), place="Quay")
    url = reverse("catalog:search")
    page = officer.get(url, {"q": "harbur"}, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert showing in page
    page = officer.get(url, {"q": "harbur OR sunset"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert suggestion in page.content.decode()
    page = officer.get(url, {"q": "!!!"}, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert no_words in page and "There are no words" not in page


def test_pages_past_the_cap_have_a_next_link_to_the_end(officer, many, monkeypatch):
    monkeypatch.setattr(search.query, "FACET_CAP", 100)
    page = officer.get(reverse("catalog:search"), {"q": "harbour", "page": 5}).content.decode()
    assert "Page 5 of 5+" in page and ">Next</a>" in page
    last = officer.get(reverse("catalog:search"), {"q": "harbour", "page": 15}).content.decode()
    assert "Page 15 of" in last and ">Next</a>" not in last
    assert last.count('class="photo-tile"') == 346 - 14 * 24


def test_a_group_switched_to_german_in_the_admin_is_read_in_german(client, cleared,
                                                                     catalog_world,
                                                                     django_capture_on_commit_callbacks):
    """A reviewer changes the group's language in the admin; its photos are re-indexed
    (by the task the admin asks for) and then found by their German stems."""
    from tests.conftest import staff_login

    cleared("Alte Brücken am Fluss", tags=("fluss",), place="Altstadt")
    # "Brücke " (no prefix while typing): English reads "brucken" as a word of its own,
    # so the photo is found only as a typo correction.
    assert search.search(search.Filters(q="Brücke ")).showing_for == "brucken"
    group = catalog_world["group"]
    staff_login(client, catalog_world["reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("admin:consent_communitygroup_change", args=[group.pk]),
                           {"name": group.name, "slug": group.slug,
                            "description": group.description, "search_language": "german"})
    assert done.status_code == 302, done.content.decode()[:2000]
    assert SearchDocument.objects.get().language == "german"
    found = search.search(search.Filters(q="Brücke "))
    assert [p.title for p in found.photos] == ["Alte Brücken am Fluss"]
    assert found.showing_for == ""  # found as written: the stems agree
