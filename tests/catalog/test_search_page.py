"""The search page's own state: filter chips, facet links, pages past the end, forged
page numbers and the default sort, through the page."""

from urllib.parse import parse_qsl

import pytest
from django.urls import reverse

from photolib.catalog.search import query
from photolib.photos.models import People

pytestmark = pytest.mark.django_db

URL = "/catalog/"


@pytest.fixture
def photos(cleared):
    return {
        "sunset": cleared("Sunset over the harbour", tags=("harbour", "sunset"),
                          place="Old harbour", width=1600, height=900, make="Canon",
                          gps=(52.3702, 4.8952)),
        "market": cleared("Harbour market crowd", tags=("market", "harbour"),
                          place="Market square", width=800, height=1200, make="NIKON",
                          people=People.CONSENTED, gps=(48.8566, 2.3522)),
        "tower": cleared("Clock tower", tags=("architecture",), place="Town hall",
                         width=1000, height=1000, make="Canon",
                         description="Seen from the harbour, harbour, harbour"),
    }


@pytest.fixture
def officer(client, catalog_world):
    client.force_login(catalog_world["marketing"])
    return client


def pairs(href: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(href, keep_blank_values=True))


def chips(response) -> dict[str, list[tuple[str, str]]]:
    """Each chip's link text, to the query it links to."""
    return {c.remove_label: pairs(c.href) for c in response.context["chips"]}


EVERY_FILTER = {
    "q": "harbour", "tag": ["harbour", "sunset"], "place": "harbour",
    "taken_from": "2025-01-01", "taken_to": "2025-12-31", "shape": "landscape",
    "min_px": "1000", "make": "Canon", "people": "none", "lat": "52.37", "lon": "4.89",
    "radius": "50", "sort": "newest", "page": "1",
}


def test_one_chip_per_active_filter_each_removing_only_itself(officer, photos, catalog_world):
    params = {**EVERY_FILTER, "group": str(catalog_world["group"].pk)}
    response = officer.get(URL, params)
    assert [p.title for p in response.context["result"].photos] == ["Sunset over the harbour"]
    found = chips(response)
    everything = pairs("&".join(f"{k}={v}" for k, vs in params.items() if k != "page"
                                for v in (vs if isinstance(vs, list) else [vs])))
    expected_removed = {
        "Remove words: harbour": [("q", "harbour")],
        "Remove group: Harbour Photos": [("group", str(catalog_world["group"].pk))],
        "Remove tag: harbour": [("tag", "harbour")],
        "Remove tag: sunset": [("tag", "sunset")],
        "Remove place: harbour": [("place", "harbour")],
        "Remove taken from: 2025-01-01": [("taken_from", "2025-01-01")],
        "Remove taken until: 2025-12-31": [("taken_to", "2025-12-31")],
        "Remove orientation: Landscape": [("shape", "landscape")],
        "Remove long edge at least: 1000 px": [("min_px", "1000")],
        "Remove camera make: Canon": [("make", "Canon")],
        "Remove people: No identifiable people": [("people", "none")],
        "Remove near: 52.37, 4.89 within 50 km": [("lat", "52.37"), ("lon", "4.89"),
                                                  ("radius", "50")],
    }
    assert set(found) == set(expected_removed)
    for label, removed in expected_removed.items():
        # Everything else kept (the sort too), only that filter gone, no page.
        assert found[label] == sorted(set(everything) - set(removed)), label
    body = response.content.decode()
    assert '<ul class="chips" aria-label="Active filters">' in body
    assert '<span class="visually-hidden">Remove </span>tag: harbour' in body


def test_following_a_chip_removes_that_filter(officer, photos):
    response = officer.get(URL, {"q": "harbour", "shape": "portrait"})
    assert [p.title for p in response.context["result"].photos] == ["Harbour market crowd"]
    href = next(c.href for c in response.context["chips"] if c.kind == "orientation")
    after = officer.get(f"{URL}?{href}")
    assert {p.title for p in after.context["result"].photos} == {
        "Sunset over the harbour", "Harbour market crowd", "Clock tower"}
    assert [c.kind for c in after.context["chips"]] == ["words"]


def test_no_filters_no_chips(officer, photos):
    response = officer.get(URL, {"sort": "taken"})
    assert response.context["chips"] == []
    assert 'aria-label="Active filters"' not in response.content.decode()


def test_the_same_tag_twice_counts_once(officer, photos):
    response = officer.get(URL, {"tag": ["harbour", "harbour", "sunset", " harbour"]})
    assert response.context["active_tags"] == ("harbour", "sunset")
    assert [c.remove_label for c in response.context["chips"]] == [
        "Remove tag: harbour", "Remove tag: sunset"]
    assert response.content.decode().count('<input type="hidden" name="tag" value="harbour">') == 1
    # Removing the one tag removes every copy of it.
    href = response.context["chips"][0].href
    assert pairs(href) == [("tag", "sunset")]
    assert [p.title for p in officer.get(f"{URL}?{href}").context["result"].photos] == [
        "Sunset over the harbour"]


def test_a_single_tag_is_removable(officer, photos):
    response = officer.get(URL, {"tag": "market"})
    (chip,) = response.context["chips"]
    assert (chip.remove_label, chip.href) == ("Remove tag: market", "")


def test_a_tag_facet_for_an_active_tag_adds_no_duplicate(officer, photos):
    response = officer.get(URL, {"tag": "harbour", "page": "1"})
    links = dict((f.value, href) for f, href in response.context["facets"]["tag"])
    assert pairs(links["harbour"]) == [("tag", "harbour")]
    assert pairs(links["market"]) == [("tag", "harbour"), ("tag", "market")]
    # Other facets replace their filter instead of repeating the key.
    shape_links = officer.get(URL, {"shape": "portrait"}).context["facets"]["shape"]
    assert all(dict(pairs(href)).keys() == {"shape"} and len(pairs(href)) == 1
               for _f, href in shape_links)


def test_a_page_past_the_end_says_how_many_pages_there_are(officer, photos, monkeypatch):
    monkeypatch.setattr(query, "PAGE_SIZE", 2)
    response = officer.get(URL, {"q": "harbour", "page": "99"})
    assert response.status_code == 200
    assert response.context["result"].photos == []
    body = response.content.decode()
    assert "There are only 2 pages of results." in body
    assert "Page 99 of 2" not in body
    assert 'No photos.' in body
    assert pairs(response.context["last_page_href"]) == [("page", "2"), ("q", "harbour")]
    last = officer.get(f"{URL}?{response.context['last_page_href']}")
    assert len(last.context["result"].photos) == 1
    assert "Page 2 of 2" in last.content.decode()


def test_one_page_past_the_end_reads_in_the_singular(officer, photos):
    body = officer.get(URL, {"page": "3"}).content.decode()
    assert "There is only 1 page of results." in body


@pytest.mark.parametrize(("page", "message"), [
    ("abc", "The page must be a whole number, such as 2."),
    ("-1", "Pages are numbered from 1."),
    ("0", "Pages are numbered from 1."),
    ("99999999999999999999999999", "There is no such page."),
    ("1e9", "The page must be a whole number, such as 2."),
])
def test_a_forged_page_is_a_form_error_with_a_way_back(officer, photos, page, message):
    response = officer.get(URL, {"q": "harbour", "page": page})
    assert response.status_code == 200
    assert response.context["result"] is None
    body = response.content.decode()
    assert message in body
    assert '<a href="?q=harbour">Go to the first page</a>' in body


def test_a_word_search_defaults_to_best_match(officer, photos):
    # The tower is the newest upload but matches "harbour" only in its description.
    first_visit = officer.get(URL)
    assert first_visit.context["result"].photos[0].title == "Clock tower"  # newest first
    assert '<option value="" selected>Best match</option>' in first_visit.content.decode()
    typed = officer.get(URL, {"q": "harbour", "sort": ""})
    assert [p.title for p in typed.context["result"].photos][-1] == "Clock tower"
    newest = officer.get(URL, {"q": "harbour", "sort": "newest"})
    assert [p.title for p in newest.context["result"].photos][0] == "Clock tower"
    assert '<option value="newest">Newest</option>' in first_visit.content.decode()
    assert '<option value="taken">Date taken</option>' in first_visit.content.decode()


def test_an_old_relevance_link_still_means_best_match(officer, photos):
    response = officer.get(URL, {"q": "harbour", "sort": "relevance"})
    assert response.context["form"].is_valid()
    assert [p.title for p in response.context["result"].photos][-1] == "Clock tower"
    assert reverse("catalog:search") == URL


def test_chips_and_orientation_facets_speak_the_readers_language(officer, photos):
    """The chip names its filter, and the orientation facet its shapes, in the page's
    language (the engine counts shapes under English keys)."""
    response = officer.get(reverse("catalog:search"), {"q": "harbour"},
                           HTTP_ACCEPT_LANGUAGE="de")
    body = response.content.decode()
    assert "Suchbegriffe: harbour" in body and "words: harbour" not in body
    shapes = {f.value: f.label for f, _ in response.context["facets"]["shape"]}
    assert shapes and set(shapes.values()) <= {"Querformat", "Hochformat", "Quadratisch"}
    french = officer.get(reverse("catalog:search"), {"q": "harbour"},
                         HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "mots: harbour" in french
