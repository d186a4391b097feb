"""The search documents' upkeep: dropping one, and rewriting an owner's after their names
change (the photos app's lifecycle receivers call these)."""

import pytest

from photolib.accounts.models import User
from photolib.catalog import search
from photolib.catalog.models import SearchDocument
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
