"""The same searches through every backend the database runs: PostgreSQL's full-text
backend where the database is PostgreSQL, and the portable one everywhere (so that on
PostgreSQL both are exercised). Each must find the same photos and counts, and never
one that is not cleared: a taken-down photo matching every search is among the data."""

from collections import Counter
from datetime import datetime

import pytest
from django.db import connection

from photolib.catalog import search
from photolib.catalog.search.backends import (
    PortableBackend,
    PostgresBackend,
    SqliteBackend,
    get_backend,
)
from photolib.photos import moderation
from photolib.photos.models import People

pytestmark = pytest.mark.django_db

# title: (upload kwargs, tags); listed oldest first, uploaded in this order.
PHOTOS = {
    "Sunset over the harbour": dict(
        tags=("harbour", "sunset"), place="Old harbour", width=1600, height=900,
        make="Canon", taken=datetime(2024, 6, 21, 20, 0), gps=(52.3702, 4.8952)),
    "Fishing boats at dawn": dict(
        tags=("boats", "harbour"), place="North pier", width=1200, height=800,
        make="NIKON", taken=datetime(2025, 3, 2, 6, 30), description="Trawlers moored"),
    # In the corner of the bounding box of a 5 km circle round (52.37, 4.89), 6.5 km
    # from its centre: outside the circle.
    "Clock tower": dict(
        tags=("architecture",), place="Town hall", width=1000, height=1000, make="Canon",
        taken=datetime(2025, 8, 10, 12, 0), gps=(52.41, 4.96)),
    "Market crowd": dict(
        tags=("market", "people"), place="Market square", width=800, height=1200,
        make="NIKON", people=People.CONSENTED, taken=datetime(2025, 5, 1, 10, 0),
        description="Stalls by the harbour wall"),
}
NEWEST_FIRST = list(reversed(PHOTOS))
REFUSED = "Harbour sunset at the old pier"

# (filters, titles found, newest first), the same for every backend.
SEARCHES = [
    (dict(q="harbour", sort="newest"),
     ["Market crowd", "Fishing boats at dawn", "Sunset over the harbour"]),
    (dict(q="harbour sunset", sort="newest"), ["Sunset over the harbour"]),
    (dict(q='"old harbour"', sort="newest"), ["Sunset over the harbour"]),
    (dict(q="harb", sort="newest"),
     ["Market crowd", "Fishing boats at dawn", "Sunset over the harbour"]),
    (dict(q="clock tow", sort="newest"), ["Clock tower"]),
    (dict(q="lighthouse"), []),
    (dict(sort="newest"), NEWEST_FIRST),
    (dict(sort="taken"),
     ["Clock tower", "Market crowd", "Fishing boats at dawn", "Sunset over the harbour"]),
    (dict(shape="portrait", sort="newest"), ["Market crowd"]),
    (dict(shape="square", sort="newest"), ["Clock tower"]),
    (dict(shape="landscape", sort="newest"),
     ["Fishing boats at dawn", "Sunset over the harbour"]),
    (dict(make="canon", sort="newest"), ["Clock tower", "Sunset over the harbour"]),
    (dict(tags=("harbour",), sort="newest"),
     ["Fishing boats at dawn", "Sunset over the harbour"]),
    (dict(tags=("harbour", "sunset"), sort="newest"), ["Sunset over the harbour"]),
    (dict(tags=("no-such-tag",), sort="newest"), []),
    (dict(place="square", sort="newest"), ["Market crowd"]),
    (dict(people="consented", sort="newest"), ["Market crowd"]),
    (dict(min_px=1500, sort="newest"), ["Sunset over the harbour"]),
    (dict(near_lat=52.37, near_lon=4.89, radius_km=5, sort="newest"),
     ["Sunset over the harbour"]),
    (dict(near_lat=52.37, near_lon=4.89, radius_km=7, sort="newest"),
     ["Clock tower", "Sunset over the harbour"]),
    (dict(taken_from=datetime(2025, 1, 1).date(), taken_to=datetime(2025, 6, 30).date(),
          sort="newest"), ["Market crowd", "Fishing boats at dawn"]),
    (dict(q="harbour", make="nikon", sort="newest"),
     ["Market crowd", "Fishing boats at dawn"]),
]


@pytest.fixture(params=["portable", "postgres", "sqlite"])
def backend(request):
    if request.param == "postgres":
        if connection.vendor != "postgresql":
            pytest.skip("the PostgreSQL backend needs a PostgreSQL database")
        return PostgresBackend()
    if request.param == "sqlite":
        if connection.vendor != "sqlite":
            pytest.skip("the FTS5 backend needs SQLite")
        return SqliteBackend()
    return PortableBackend()


@pytest.fixture
def photos(cleared, catalog_world):
    made = {title: cleared(title, **spec) for title, spec in PHOTOS.items()}
    # Matches every search above and is the newest: it must never be found.
    refused = cleared(REFUSED, tags=("harbour", "sunset", "boats"), place="Old harbour",
                      width=1600, height=900, make="Canon", people=People.CONSENTED,
                      taken=datetime(2025, 6, 1), gps=(52.3702, 4.8952),
                      description="Market crowd, clock tower, fishing boats at dawn")
    moderation.photo_take_down(photo_id=refused.pk, acting_user=catalog_world["reviewer"],
                               reason="complaint")
    return made


def _search(backend, names=search.FACETS, **params):
    result = backend.search(search.Filters(**params), names)
    assert REFUSED not in [p.title for p in result.photos]
    return result


def _facets(result) -> dict[str, dict[str, int]]:
    return {name: {f.label: f.count for f in found} for name, found in result.facets.items()}


def _expected_facets(titles: list[str], catalog_world) -> dict[str, dict[str, int]]:
    """The five facets' counts over these photos, from the table above."""
    specs = [PHOTOS[t] for t in titles]
    shape = {1: "Landscape", -1: "Portrait", 0: "Square"}
    counts = {
        "group": Counter(catalog_world["group"].name for _ in specs),
        "tag": Counter(tag for s in specs for tag in s["tags"]),
        "year": Counter(str(s["taken"].year) for s in specs),
        "shape": Counter(shape[(s["width"] > s["height"]) - (s["width"] < s["height"])]
                         for s in specs),
        "make": Counter(s["make"] for s in specs),
    }
    return {name: dict(c) for name, c in counts.items()}


def test_each_backend_finds_the_same_cleared_photos(backend, photos, catalog_world):
    # One loop rather than one test per search: the photos are made once per backend.
    for params, titles in SEARCHES:
        result = _search(backend, **params)
        assert [p.title for p in result.photos] == titles, params
        assert (result.total, result.total_capped, result.pages) == (len(titles), False, 1), \
            params
        assert _facets(result) == _expected_facets(titles, catalog_world), params


def test_relevance_ranks_the_title_first(backend, photos):
    result = _search(backend, q="harbour")
    assert [p.title for p in result.photos][0] == "Sunset over the harbour"
    assert {p.title for p in result.photos} == {
        "Sunset over the harbour", "Fishing boats at dawn", "Market crowd"}


def test_a_minus_excludes_a_word(backend, photos):
    """``-word`` excludes documents holding it, on every backend; so does a phrase."""
    result = _search(backend, q="-market harbour", sort="newest")
    assert [p.title for p in result.photos] == ["Fishing boats at dawn",
                                                "Sunset over the harbour"]
    only_exclusion = _search(backend, q="-harbour", sort="newest")
    assert [p.title for p in only_exclusion.photos] == ["Clock tower"]
    assert [p.title for p in _search(backend, q='harbour -"harbour wall"',
                                     sort="newest").photos] == [
        "Fishing boats at dawn", "Sunset over the harbour"]


@pytest.mark.parametrize(("q", "nothing"), [
    ("harbour -harbour", True), ('"old harbour" -harbour', True),
    ('"old harbour" -"old harbour"', True), ('-"old harbour" "old harbour" quay', True),
    ("harbour -harbou", False), ("harbour OR boats -harbour", False),
    ("-harbour harbour", False),  # the last word is also a prefix: "harbourside"
    ("harbour -old", False), ('harbour -"old harbour"', False)])
def test_words_that_exclude_what_they_ask_for_are_answered_without_a_search(
        photos, q, nothing):
    """A query whose exclusion covers one of its own clauses matches nothing, and is
    answered without asking the documents (on PostgreSQL such a query walked every
    document in date order looking for a match that cannot exist); the others still
    search, and an engine asked the same words finds nothing either."""
    from django.test.utils import CaptureQueriesContext

    assert search.words.parse(q).excludes_itself is nothing
    with CaptureQueriesContext(connection) as queries:
        result = search.search(search.Filters(q=q))
    asked = any("catalog_searchdocument" in x["sql"] for x in queries.captured_queries)
    assert asked is not nothing
    if nothing:
        assert (result.total, result.photos) == (0, [])
        assert get_backend().search(search.Filters(q=q), ()).total == 0


def test_pages(backend, photos, monkeypatch):
    monkeypatch.setattr(search.query, "PAGE_SIZE", 3)
    pages = [_search(backend, sort="newest", page=n) for n in (1, 2, 3)]
    assert [[p.title for p in r.photos] for r in pages] == [NEWEST_FIRST[:3],
                                                            NEWEST_FIRST[3:], []]
    assert {(r.total, r.pages, r.page) for r in pages} == {(4, 2, 1), (4, 2, 2), (4, 2, 3)}


def test_a_capped_total_and_exact_date_order(backend, photos, monkeypatch):
    monkeypatch.setattr(search.query, "FACET_CAP", 2)
    monkeypatch.setattr(search.query, "PAGE_SIZE", 1)
    pages = [_search(backend, (), sort="newest", page=n) for n in (1, 2)]
    assert [r.photos[0].title for r in pages] == NEWEST_FIRST[:2]
    assert all((r.total, r.total_capped, r.total_display) == (2, True, "2+") for r in pages)


def test_facets_only_when_named(photos):
    assert search.search(search.Filters(), with_facets=False).facets == {}
    named = search.search(search.Filters(), facet_names=("make", "nonsense", "tag"))
    assert list(named.facets) == ["tag", "make"]


def test_the_database_vendor_chooses_the_backend():
    expected = PostgresBackend if connection.vendor == "postgresql" else SqliteBackend
    assert type(get_backend()) is expected
    assert get_backend() is get_backend()


@pytest.mark.parametrize("cap", [10_000, 2])
def test_postgres_counts_and_samples_alike_in_one_pass_or_two(photos, monkeypatch, cap):
    """PostgreSQL reads the count and the sample (facets, tiers, the page) in one statement
    when both would list every match from GIN, and in two otherwise; over the cap the one
    pass's rows are not the newest and the sample is read again. Every way gives the same
    answer, the photos whose licence term has just ended left out."""
    from django.utils import timezone

    from photolib.catalog.models import SearchDocument
    from photolib.catalog.search.backends import postgres

    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs a PostgreSQL database")
    monkeypatch.setattr(search.query, "FACET_CAP", cap)
    ended = SearchDocument.objects.get(photo__title="Fishing boats at dawn")
    ended.cleared_until = timezone.now()  # marked, but its term is over by the search
    ended.save(update_fields=["cleared_until"])
    asked = [dict(q=q, sort=sort) for q in ("harbour", "harb", "boats OR clock", "harbour -wall",
                                            '"old harbour"', "market", "harbour OR clock")
             for sort in ("relevance", "newest", "taken")]
    asked += [dict(params, sort="relevance") for params, _ in SEARCHES if params.get("q")]
    passes = []

    def answers(one_pass: bool) -> list:
        monkeypatch.setattr(postgres._Plan, "one_pass", lambda plan: one_pass)
        out = []
        for params in asked:
            r = _search(PostgresBackend(), **params)
            out.append((params, [p.title for p in r.photos], r.total, r.total_capped,
                        r.has_next, _facets(r)))
        return out

    original = postgres.PostgresBackend._sample

    def counting(*args, **kwargs):
        passes.append(kwargs.get("count_to") is not None)
        return original(*args, **kwargs)

    monkeypatch.setattr(postgres.PostgresBackend, "_sample", staticmethod(counting))
    together, apart = answers(True), answers(False)
    assert together == apart
    assert any(passes) and not all(passes)
    harbour = next(a for a in together if a[0] == dict(q="harbour", sort="newest"))
    assert harbour[1:4] == (["Market crowd", "Sunset over the harbour"], 2, False)
    wider = next(a for a in together if a[0] == dict(q="harbour OR clock", sort="newest"))
    assert wider[1] == ["Market crowd", "Clock tower", "Sunset over the harbour"]
    assert wider[2:4] == ((2, True) if cap == 2 else (3, False))
