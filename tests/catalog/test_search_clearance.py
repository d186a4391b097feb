"""The search documents' marks of the rights-cleared rule (``cleared``, ``cleared_until``):
written only from ``Photo.objects.cleared()``, unset on PostgreSQL by triggers in the
transaction of any change to what the rule reads, and never enough on their own to show
a photo (pages check the rule itself). Through the real services, on the real database.
"""

import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from photolib.catalog import search
from photolib.catalog.models import SearchDocument
from photolib.catalog.search.index import clearance_audit, clearance_periodic, refresh_clearance
from photolib.consent.models import CollectionMethod, ConsentRecord
from photolib.consent.services import RequestContext, consent_withdraw
from photolib.photos import moderation
from photolib.photos.models import Photo, PhotoAttestation

CONTEXT = RequestContext(ip_address="192.0.2.7", user_agent="pytest")
MIGRATION = import_module("photolib.catalog.migrations.0013_search_clearance")
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                   reason="the triggers are PostgreSQL's")


def marks() -> dict:
    return dict(SearchDocument.objects.values_list("photo_id", "cleared"))


def found(**params) -> list:
    return [p.pk for p in search.search(search.Filters(**params)).photos]


# --- the triggers watch what the rule reads ---------------------------------------------------

def _rule_sql() -> str:
    sql, params = Photo.objects.cleared().order_by().values("pk").query.sql_with_params()
    return sql


def test_the_triggers_watch_every_photo_column_the_rule_reads():
    """A column of photos_photo that ``cleared()`` reads but the trigger does not watch
    would let a change keep a stale mark: the rule's own SQL names them."""
    read = set(re.findall(r'"photos_photo"\."(\w+)"', _rule_sql()))
    read -= {"id"}  # the key the documents are found by
    assert read, "the rule reads the photo's row"
    assert read <= set(MIGRATION.WATCHED_PHOTO_COLUMNS), read - set(
        MIGRATION.WATCHED_PHOTO_COLUMNS)


def test_the_rule_reads_only_tables_the_triggers_watch():
    tables = set(re.findall(r'(?:FROM|JOIN) "(\w+)"', _rule_sql()))
    assert tables <= {"photos_photo", "photos_photoattestation", "consent_consentrecord",
                      "consent_agreementversion"}, tables


def test_the_withdrawals_the_rule_reads_are_the_ones_that_unmark():
    sql, params = ConsentRecord.objects.withdrawals().query.sql_with_params()
    assert set(params) & {a.value for a in ConsentRecord.Action} == set(
        MIGRATION.ENDING_ACTIONS)


# --- marks follow the rule --------------------------------------------------------------------

def test_approval_marks_the_document(cleared):
    photo = cleared("Harbour at dawn")
    doc = SearchDocument.objects.get(pk=photo.pk)
    assert doc.cleared and doc.cleared_until == photo.rights_expire_at


def _expire(photo, world, capture):
    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=timezone.now()
                                             - timedelta(days=1))


def _not_own_work(photo, world, capture):
    PhotoAttestation.objects.filter(photo=photo).update(own_work=False)


def _unprocessed(photo, world, capture):
    Photo.objects.filter(pk=photo.pk).update(processed_at=None)


def _status(photo, world, capture):
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.PENDING_REVIEW)


def _withdraw_group(photo, world, capture):
    with capture(execute=True):
        consent_withdraw(user=world["resident"], group=world["group"],
                         method=CollectionMethod.WITHDRAW_BUTTON, context=CONTEXT)


def _release_required(photo, world, capture):
    PhotoAttestation.objects.filter(photo=photo).update(people="consented")
    refresh_clearance()  # consented people and no release asked for: still cleared
    assert marks()[photo.pk]
    with connection.cursor() as cursor:  # as the superuser, inside the test's transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE consent_agreementversion "
                       "DISABLE TRIGGER consent_agreement_published_immutable")
        cursor.execute("UPDATE consent_agreementversion SET release_required_for_people = %s "
                       "WHERE id = %s", [True, photo.agreement_version_id])


CHANGES = [_expire, _not_own_work, _unprocessed, _status, _withdraw_group, _release_required]


@postgres_only
@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__.strip("_"))
def test_any_change_the_rule_sees_unmarks_in_the_same_transaction(
        cleared, catalog_world, django_capture_on_commit_callbacks, change):
    """Raw updates, announced by no event: the trigger alone unmarks, and neither the
    total, the facets nor the page count the photo any more. A trigger may unmark more
    than the rule refuses (every photo under a changed agreement version): asking the
    rule again (the periodic job) marks those back, never the refused one."""
    keep = cleared("Harbour at noon")
    photo = cleared("Harbour at dusk")
    assert marks() == {keep.pk: True, photo.pk: True}
    change(photo, catalog_world, django_capture_on_commit_callbacks)
    assert marks()[photo.pk] is False
    result = search.search(search.Filters(q="harbour"))
    assert photo.pk not in [p.pk for p in result.photos]
    assert result.total == (1 if marks()[keep.pk] else 0)
    assert {f.label: f.count for f in result.facets["tag"]} == (
        {"harbour": 1} if marks()[keep.pk] else {})
    refresh_clearance(hidden_only=True)
    cleared_now = set(Photo.objects.cleared().values_list("pk", flat=True))
    assert cleared_now == ({keep.pk} if change is not _withdraw_group else set())
    assert {pk for pk, mark in marks().items() if mark} == cleared_now
    assert found(q="harbour") == list(cleared_now)


@postgres_only
def test_a_change_the_rule_does_not_read_keeps_the_mark(cleared):
    photo = cleared("Harbour at noon")
    Photo.objects.filter(pk=photo.pk).update(title="Harbour at midday",
                                             expiry_reminded_for=timezone.now())
    assert marks() == {photo.pk: True}


@postgres_only
def test_one_photo_withdrawn_unmarks_only_that_photo(cleared, catalog_world,
                                                     django_capture_on_commit_callbacks):
    keep = cleared("Harbour at noon")
    gone = cleared("Harbour at dusk")
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=gone.pk, acting_user=catalog_world["resident"],
                                  context=CONTEXT)
    assert marks() == {keep.pk: True}  # the withdrawn photo's document is gone
    assert found(q="harbour") == [keep.pk]


def test_the_periodic_job_marks_what_the_rule_clears_again(cleared):
    photo = cleared("Harbour at noon")
    Photo.objects.filter(pk=photo.pk).update(processed_at=None)
    SearchDocument.objects.filter(pk=photo.pk).update(cleared=False)  # as the trigger does
    assert found(q="harbour") == []
    Photo.objects.filter(pk=photo.pk).update(processed_at=timezone.now())
    assert "1 document(s) marked cleared" in clearance_periodic()
    assert marks() == {photo.pk: True}
    assert found(q="harbour") == [photo.pk]


def test_the_periodic_job_unmarks_ended_terms(cleared):
    photo = cleared("Harbour at noon")
    ended = timezone.now() - timedelta(minutes=1)
    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=ended)
    SearchDocument.objects.filter(pk=photo.pk).update(cleared=True, cleared_until=ended)
    assert found(q="harbour") == []  # the term's end is read at search time
    assert search.search(search.Filters(q="harbour")).total == 0
    assert "1 whose licence term ended unmarked" in clearance_periodic()
    assert marks() == {photo.pk: False}


def test_a_forged_mark_shows_nothing_and_the_audit_corrects_it(cleared, caplog):
    """A mark no trigger unset (here forged): the page checks the rule and leaves the
    photo out; the hourly audit unmarks it, and on PostgreSQL says so as an error."""
    keep = cleared("Harbour at noon")
    refused = cleared("Harbour at dusk")
    PhotoAttestation.objects.filter(photo=refused).update(own_work=False)
    SearchDocument.objects.filter(pk=refused.pk).update(cleared=True)
    assert found(q="harbour") == [keep.pk]
    assert found(q="harbour", sort="newest") == [keep.pk]
    assert "0 marked, 1 unmarked" in clearance_audit()
    assert marks() == {keep.pk: True, refused.pk: False}
    if connection.vendor == "postgresql":
        assert "the rule refuses their photos" in caplog.text


@pytest.mark.parametrize("batch", [1, 2, 3, 10])
def test_the_audit_asks_about_every_document_in_batches(cleared, catalog_world, monkeypatch,
                                                        batch):
    """The hourly audit reads the documents a batch at a time (a statement over a million
    took longer than the site's statement timeout); every batch size corrects them all."""
    from photolib.catalog.search import index

    monkeypatch.setattr(index, "AUDIT_BATCH", batch)
    photos = [cleared(f"Harbour {i}") for i in range(5)]
    for refused in photos[:2]:
        moderation.photo_take_down(photo_id=refused.pk, acting_user=catalog_world["reviewer"],
                                   reason="complaint")
        SearchDocument.objects.get_or_create(  # a document left behind
            photo=refused, defaults={"group": refused.group, "uploaded_at": refused.uploaded_at})
    SearchDocument.objects.update(cleared=True)
    SearchDocument.objects.filter(pk__in=[p.pk for p in photos[2:4]]).update(cleared=False)
    assert "2 marked, 2 unmarked" in clearance_audit()
    assert marks() == {p.pk: i >= 2 for i, p in enumerate(photos)}


def test_migrate_marks_documents_that_the_rule_clears(cleared):
    photo = cleared("Harbour at noon")
    SearchDocument.objects.filter(pk=photo.pk).update(cleared=False)
    call_command("migrate", "catalog", verbosity=0)  # nothing to apply; post_migrate runs
    assert marks() == {photo.pk: True}


@postgres_only
def test_the_tag_filter_and_facet_read_the_documents_tag_ids(cleared):
    photo = cleared("Harbour at noon", tags=("harbour", "boats"))
    doc = SearchDocument.objects.get(pk=photo.pk)
    assert sorted(doc.tag_ids) == sorted(photo.tags.values_list("pk", flat=True))
    result = search.search(search.Filters(tags=("boats",)))
    assert [p.pk for p in result.photos] == [photo.pk]
    assert {f.label: f.count for f in result.facets["tag"]} == {"harbour": 1, "boats": 1}


@postgres_only
def test_a_deleted_tag_leaves_the_documents_and_their_facet(cleared, monkeypatch):
    """The facet ranks tag ids before it looks their names up: a deleted tag must not keep
    one of its places (one place here), or it would show one tag fewer."""
    from photolib.photos.models import Tag

    monkeypatch.setattr(search.query, "FACET_LIMIT", 1)
    monkeypatch.setattr("photolib.catalog.search.backends.postgres.FACET_LIMIT", 1)
    first = cleared("Harbour at noon", tags=("harbour", "boats"))
    cleared("Harbour at dusk", tags=("harbour", "gulls"))
    Tag.objects.get(name="harbour").delete()
    assert sorted(SearchDocument.objects.get(pk=first.pk).tag_ids) == [
        Tag.objects.get(name="boats").pk]
    facet = search.search(search.Filters()).facets["tag"]
    assert [(f.label, f.count) for f in facet] == [("boats", 1)]


# --- the page from the sample, or from its own statement ---------------------------------------

@pytest.fixture
def lanterns(cleared):
    """Eight photos matching "lantern" in each part (title, tags, place, description),
    uploaded in turn so that relevance and date orders differ."""
    made = []
    for i in range(2):
        made.append(cleared(f"Lantern {i}", tags=("night",), place="Quay"))
        made.append(cleared(f"Evening {i}", tags=("lantern",), place="Quay"))
        made.append(cleared(f"Corner {i}", tags=("night",), place="Lantern square"))
        made.append(cleared(f"Houses {i}", tags=("night",), place="Quay",
                            description="An iron lantern"))
    return made


def _all_pages(**params) -> tuple[list[str], list[bool]]:
    titles, nexts, page = [], [], 1
    while True:
        result = search.search(search.Filters(**params, page=page))
        if not result.photos:
            return titles, nexts
        titles += [p.title for p in result.photos]
        nexts.append(result.has_next)
        page += 1


@pytest.mark.parametrize("params", [{"q": "lantern"}, {"q": "lantern", "sort": "newest"},
                                    {"q": "lantern", "sort": "taken"}, {"sort": "newest"},
                                    {"tags": ("night",), "sort": "taken"}],
                         ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_every_page_is_the_same_whether_the_sample_holds_it_or_not(lanterns, monkeypatch,
                                                                   params):
    """PostgreSQL takes a page from the newest FACET_SAMPLE matches when they hold it,
    and reads it with a statement of its own otherwise: the pages, and whether another
    follows, must not depend on which."""
    monkeypatch.setattr(search.query, "PAGE_SIZE", 3)
    whole = _all_pages(**params)
    assert len(whole[0]) == len(set(whole[0])) == (6 if "tags" in params else 8)
    if params.get("q") and params.get("sort") is None:
        assert whole[0] == ["Lantern 1", "Lantern 0", "Evening 1", "Evening 0", "Corner 1",
                            "Corner 0", "Houses 1", "Houses 0"]
    for sample in (1, 2, 4, 5):
        monkeypatch.setattr(search.query, "FACET_SAMPLE", sample)
        assert _all_pages(**params) == whole, sample
    assert whole[1][-1] is False and all(whole[1][:-1])
