"""Search, filters, facets, sorting, pages and bad input, through the page."""

import pytest
from django.urls import reverse

from photolib.catalog import search
from photolib.photos.models import People

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(cleared):
    return {
        "sunset": cleared("Sunset over the harbour", tags=("harbour", "sunset"),
                          place="Old harbour", width=1600, height=900, make="Canon",
                          gps=(52.3702, 4.8952)),
        "market": cleared("Saturday market crowd", tags=("market", "people"),
                          place="Market square", width=800, height=1200, make="NIKON",
                          people=People.CONSENTED, description="Stalls by the harbour wall",
                          gps=(48.8566, 2.3522)),
        "tower": cleared("Clock tower", tags=("architecture",), place="Town hall",
                         width=1000, height=1000, make="Canon"),
    }


def results(client, **params) -> list[str]:
    response = client.get(reverse("catalog:search"), params)
    assert response.status_code == 200
    result = response.context["result"]
    return [p.title for p in result.photos] if result else []


@pytest.fixture
def officer(client, catalog_world):
    client.force_login(catalog_world["marketing"])
    return client


def test_words_rank_title_above_description(officer, photos):
    assert results(officer, q="harbour") == ["Sunset over the harbour", "Saturday market crowd"]


def test_prefix_of_the_last_word_matches_while_typing(officer, photos):
    assert results(officer, q="clock tow") == ["Clock tower"]
    assert results(officer, q="harb")[0] == "Sunset over the harbour"


def test_filters(officer, photos, catalog_world):
    assert results(officer, shape="portrait") == ["Saturday market crowd"]
    assert results(officer, shape="square") == ["Clock tower"]
    assert set(results(officer, make="canon")) == {"Sunset over the harbour", "Clock tower"}
    assert results(officer, people="consented") == ["Saturday market crowd"]
    assert results(officer, tag="sunset") == ["Sunset over the harbour"]
    assert results(officer, place="square") == ["Saturday market crowd"]
    assert set(results(officer, min_px=1500)) == {"Sunset over the harbour"}
    assert results(officer, lat=52.37, lon=4.89, radius=5) == ["Sunset over the harbour"]
    assert results(officer, taken_from="2025-01-01", taken_to="2025-12-31", sort="taken")
    assert results(officer, taken_from="2030-01-01") == []
    assert len(results(officer, group=catalog_world["group"].pk)) == 3


def test_facets_count_the_match_set(officer, photos):
    response = officer.get(reverse("catalog:search"), {"q": "harbour"})
    result = response.context["result"]
    facets = {k: {f.label: f.count for f in v} for k, v in result.facets.items()}
    assert facets["tag"]["harbour"] == 1 and facets["tag"]["market"] == 1
    assert facets["shape"] == {"Landscape": 1, "Portrait": 1}
    assert facets["make"] == {"Canon": 1, "NIKON": 1}
    assert facets["year"] == {"2025": 2}
    assert facets["group"] == {"Harbour Photos": 2}


def test_the_tag_facet_keeps_the_most_frequent_then_by_name_when_ties_pass_the_limit(cleared):
    """Twelve tags shown: the most frequent first, and among tags with the same count
    (here thirteen with one photo each, for eleven places) those first by name."""
    singles = [f"t{i:02d}" for i in range(13, 0, -1)]
    cleared("One", tags=("alpha", *singles[:7]))
    cleared("Two", tags=("alpha", *singles[7:]))
    cleared("Three", tags=("alpha",))
    result = search.search(search.Filters())
    assert [(f.label, f.count) for f in result.facets["tag"]] == (
        [("alpha", 3)] + [(name, 1) for name in sorted(singles)[:search.query.FACET_LIMIT - 1]])


def test_the_query_string_carries_the_whole_state(officer, photos):
    response = officer.get(reverse("catalog:search"), {"q": "harbour", "shape": "landscape"})
    body = response.content.decode()
    assert 'value="harbour"' in body and 'value="landscape" selected' in body


@pytest.mark.parametrize("params", [
    {"shape": "diagonal"}, {"taken_from": "2025-13-45"}, {"lat": "north", "lon": "1",
                                                          "radius": "2"},
    {"lat": "95", "lon": "1", "radius": "2"}, {"lat": "50"}, {"q": "x" * 10_000},
    {"page": "-3"}, {"group": "99999"}, {"min_px": "lots"},
    {"taken_from": "2026-01-02", "taken_to": "2026-01-01"},
])
def test_bad_input_is_a_message_never_a_500(officer, photos, params):
    response = officer.get(reverse("catalog:search"), params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["result"] is None
    assert 'role="alert"' in response.content.decode()


def test_page_past_the_end_is_empty_with_a_message(officer, photos):
    response = officer.get(reverse("catalog:search"), {"page": "50"})
    assert response.status_code == 200
    assert response.context["result"].photos == []
    assert "There is only 1 page of results." in response.content.decode()


def test_websearch_syntax_never_errors(officer, photos):
    for q in ['"old harbour', "-", "or or", "a & b | !c", "sunset -market", "(((", "'"]:
        assert officer.get(reverse("catalog:search"), {"q": q}).status_code == 200


def test_query_count_is_constant_in_the_number_of_results(officer, cleared,
                                                          django_assert_max_num_queries,
                                                          django_assert_num_queries):
    for i in range(search.FEW):  # fewer would ask for typo corrections (a test below)
        cleared(f"Harbour first {i}")
    with django_assert_max_num_queries(20) as small:
        officer.get(reverse("catalog:search"), {"q": "harbour"})
    for i in range(6):
        cleared(f"Harbour number {i}")
    with django_assert_num_queries(len(small.captured_queries)):
        officer.get(reverse("catalog:search"), {"q": "harbour"})


def test_marketing_only(client, catalog_world, photos):
    client.force_login(catalog_world["resident"])
    assert client.get(reverse("catalog:search")).status_code == 403
    assert client.get(reverse("catalog:photo", args=[photos["tower"].pk])).status_code == 403


def test_search_service_caps_large_counts(photos, monkeypatch):
    monkeypatch.setattr(search.query, "FACET_CAP", 2)
    result = search.search(search.Filters())
    assert result.total_capped and result.total_display == "2+"


def test_the_search_document_copies_the_photos_facts(photos):
    """Filters, facets and sorts read the document's copy of the facts: it must equal
    the photo (and its attestation's people) once approved."""
    from photolib.catalog.models import SearchDocument

    for photo in photos.values():
        photo.refresh_from_db()
        doc = SearchDocument.objects.get(photo=photo)
        assert {name: getattr(doc, name) for name in search.DOCUMENT_FACTS} == \
            {name: getattr(photo, name) for name in search.DOCUMENT_FACTS}
        assert doc.people == photo.attestation.people
        assert photo.title in doc.text


def test_a_re_render_keeps_the_document_equal_to_the_photo(
        photos, django_capture_on_commit_callbacks):
    from photolib.catalog.models import SearchDocument
    from photolib.photos.ingest import photo_rerender

    photo = photos["tower"]
    SearchDocument.objects.filter(photo=photo).update(width=1, height=2)
    with django_capture_on_commit_callbacks(execute=True):
        photo_rerender(photo_id=photo.pk, force=True)
    doc = SearchDocument.objects.get(photo=photo)
    assert (doc.width, doc.height) == (1000, 1000)
