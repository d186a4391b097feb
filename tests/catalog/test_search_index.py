"""The search documents' upkeep: dropping one, and rewriting an owner's after their names
change (the photos app's lifecycle receivers call these)."""

import pytest

from photolib.accounts.models import User
from photolib.catalog import search
from photolib.catalog.models import SearchDocument, SearchWord
from tests.catalog.conftest import upload
from tests.consent.conftest import grant, make_user

pytestmark = pytest.mark.django_db


def _titles(q: str) -> set[str]:
    return {p.title for p in search.search(search.Filters(q=q), with_facets=False).photos}


def test_reindex_owner_rewrites_every_approved_photo_with_the_new_credit_name(
        cleared, catalog_world):
    resident = catalog_world["resident"]
    mine = [cleared("Sunset over the harbour"), cleared("Clock tower", tags=("tower",))]
    pending = upload(resident, catalog_world["group"], "Fishing boats")
    other = make_user("olaf@example.org")
    grant(other, catalog_world["group"])
    User.objects.filter(pk=resident.pk).update(credit_name="Lighthouse Keeper")
    assert _titles("lighthouse") == set()

    assert search.reindex_owner(resident.pk) == len(mine)
    assert _titles("lighthouse") == {p.title for p in mine}
    assert not SearchDocument.objects.filter(photo=pending).exists()
    assert search.reindex_owner(other.pk) == 0


def test_unindex_photo_drops_the_document_once(cleared):
    photo = cleared("Clock tower", tags=("tower",))
    assert _titles("clock") == {"Clock tower"}
    assert search.unindex_photo(photo.pk) is True
    assert not SearchDocument.objects.filter(photo=photo).exists()
    assert _titles("clock") == set()
    assert search.unindex_photo(photo.pk) is False


def test_a_tag_renamed_or_deleted_in_the_admin_is_searched_as_it_now_is(
        cleared, waiting, client, django_capture_on_commit_callbacks, monkeypatch):
    """A tag's name is among the words of each document that carries it: renamed or
    deleted (through the admin's own forms), the photos' documents are rebuilt in the
    background, so that the old name finds nothing and the new one finds them (a
    person's name taken out of the tags must stop finding their photos), while the
    photos stay found by their other words. The old name leaves the typo dictionary
    unless a document still holds it. Photos without a document are not asked for, and
    the requests are split into chunks."""
    from django.urls import reverse

    from photolib.catalog.search import index
    from photolib.outbox.models import OutboxMessage
    from photolib.photos.models import Tag
    from tests.conftest import staff_login

    staff_login(client, User.objects.create_superuser(
        "chief@example.org", "a-long-admin-password", display_name="Chief"))
    monkeypatch.setattr(index, "REINDEX_CHUNK", 1)
    quay = cleared("Quay at noon", tags=("lighthouse", "boats"))
    pier = cleared("Pier at dusk", tags=("lighthouse",))
    cleared("Boats at dawn")  # holds the word "boats" without the tag
    waiting("Not yet approved", tags=("lighthouse", "boats"))
    assert _titles("lighthouse") == {"Quay at noon", "Pier at dusk"}
    tag = Tag.objects.get(name="lighthouse")

    before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:photos_tag_change", args=[tag.pk]),
                               {"name": "beacon"})
    assert response.status_code == 302
    asked = OutboxMessage.objects.filter(task_name=index.REINDEX_PHOTOS_TASK, pk__gt=before)
    assert sorted(m.args for m in asked) == sorted(
        [[[str(quay.pk)], ["lighthouse"]], [[str(pier.pk)], ["lighthouse"]]])
    assert _titles("lighthouse") == set()
    # Nor offered as a correction: no document holds the word any more.
    assert not SearchWord.objects.filter(word="lighthouse").exists()
    assert _titles("beacon") == {"Quay at noon", "Pier at dusk"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:photos_tag_delete", args=[Tag.objects.get(name="boats").pk]),
            {"post": "yes"})
    assert response.status_code == 302
    assert _titles("boats") == {"Boats at dawn"}
    assert SearchWord.objects.filter(word="boats").exists()  # another photo's title
    assert _titles("quay") == {"Quay at noon"}
    assert search.search(search.Filters(tags=("beacon",))).total == 2

    # A save that keeps the name asks for nothing.
    count = OutboxMessage.objects.filter(task_name=index.REINDEX_PHOTOS_TASK).count()
    with django_capture_on_commit_callbacks(execute=True):
        Tag.objects.get(name="beacon").save()
    assert OutboxMessage.objects.filter(task_name=index.REINDEX_PHOTOS_TASK).count() == count
