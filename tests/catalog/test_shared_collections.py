"""Shared collections: the owner shares with marketing colleagues, editors add, remove
and download, only the owner renames, shares or deletes, every change is in the history,
and a recall tells editors too. Through the real services and pages."""

import zipfile
from io import BytesIO

import pytest
from django.urls import reverse

from photolib.catalog import services
from photolib.catalog.errors import CollectionRefused
from photolib.catalog.models import Collection, CollectionEvent, CollectionItem, RecallNotice
from photolib.consent.services import RequestContext
from photolib.photos import moderation
from tests.consent.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(catalog_world):
    owner = catalog_world["marketing"]
    return {"owner": owner, "editor": make_user("eve@example.org", role="marketing"),
            "outsider": make_user("otto@example.org", role="marketing"),
            "resident": catalog_world["resident"], "reviewer": catalog_world["reviewer"],
            "collection": services.collection_create(owner=owner, name="Harbour fest")}


def url(name, collection, **kw):
    return reverse(f"catalog:{name}", args=[collection.pk if hasattr(collection, "pk")
                                            else collection])


def actions(collection):
    return list(CollectionEvent.objects.filter(collection=collection).order_by("at", "pk")
                .values_list("action", "actor__email", "detail"))


def test_the_owner_shares_by_email_and_the_editor_sees_it(client, team):
    c = team["collection"]
    client.force_login(team["owner"])
    response = client.post(url("collection_share", c), {"email": "EVE@example.org"})
    assert response.status_code == 302
    assert list(c.editors.all()) == [team["editor"]]
    client.force_login(team["editor"])
    listing = client.get(reverse("catalog:collections")).content.decode()
    assert "Harbour fest" in listing and "Shared with you by Mark" in listing
    page = client.get(url("collection", c))
    assert page.status_code == 200
    assert "Shared with you by Mark (mark@example.org)" in page.content.decode()


@pytest.mark.parametrize("who", ["resident", "reviewer", "nobody", "owner"])
def test_only_marketing_colleagues_can_be_editors(client, team, who):
    c = team["collection"]
    email = {"resident": "rosa@example.org", "reviewer": "rita@example.org",
             "nobody": "ghost@example.org", "owner": "mark@example.org"}[who]
    client.force_login(team["owner"])
    response = client.post(url("collection_share", c), {"email": email})
    assert response.status_code == 400
    assert response.context["share_form"].errors["email"]
    assert c.editors.count() == 0
    assert [a for a, *_ in actions(c)] == ["created"]


def test_an_inactive_colleague_cannot_be_an_editor(team):
    team["outsider"].is_active = False
    team["outsider"].save(update_fields=["is_active"])
    with pytest.raises(CollectionRefused):
        services.collection_share(collection=team["collection"], acting_user=team["owner"],
                                  email="otto@example.org")


def test_an_editor_adds_removes_and_downloads_the_zip(client, team, cleared):
    c = team["collection"]
    services.collection_share(collection=c, acting_user=team["owner"], email="eve@example.org")
    photo, other = cleared("Boats at dawn"), cleared("Fish market")
    client.force_login(team["editor"])
    assert client.post(url("collection_add", c), {"photo_id": photo.pk}).status_code == 302
    assert client.post(url("collection_add", c), {"photo_id": other.pk}).status_code == 302
    assert client.post(url("collection_remove", c), {"photo_id": other.pk}).status_code == 302
    assert list(c.items.values_list("photo_key", flat=True)) == [photo.pk]
    response = client.post(url("collection_zip", c), {"rendition": "web", "use": "web",
                                                      "campaign": "Festival site"})
    assert response.status_code == 200
    names = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content))).namelist()
    assert any(n.endswith(".jpg") for n in names) and "README.txt" in names
    assert photo.downloads.get().user == team["editor"]
    assert actions(c) == [
        ("created", "mark@example.org", "Harbour fest"),
        ("shared", "mark@example.org", "eve@example.org"),
        ("added", "eve@example.org", "Boats at dawn"),
        ("added", "eve@example.org", "Fish market"),
        ("removed", "eve@example.org", "Fish market"),
    ]
    body = client.get(url("collection", c)).content.decode()
    assert "Eve removed a photo: “Fish market”" in body
    assert "Mark shared it with: eve@example.org" in body


@pytest.mark.parametrize("name", ["collection", "collection_add", "collection_remove",
                                  "collection_zip", "collection_share", "collection_unshare",
                                  "collection_rename", "collection_delete"])
def test_anyone_else_gets_the_same_404_as_a_forged_id(client, team, cleared, name):
    c = team["collection"]
    photo = cleared("Boats at dawn")
    client.force_login(team["outsider"])
    data = {"photo_id": photo.pk, "rendition": "web", "use": "web", "campaign": "x",
            "email": "otto@example.org", "user_id": team["outsider"].pk,
            "rename-name": "Mine now"}
    method = client.get if name == "collection" else client.post
    theirs = method(url(name, c), data)
    forged = method(url(name, 987654), data)
    assert theirs.status_code == forged.status_code == 404
    assert "No such collection." in theirs.content.decode()
    assert "No such collection." in forged.content.decode()
    c.refresh_from_db()
    assert c.name == "Harbour fest" and c.items.count() == 0 and c.editors.count() == 0
    assert [a for a, *_ in actions(c)] == ["created"]


def test_unsharing_takes_it_away(client, team):
    c = team["collection"]
    services.collection_share(collection=c, acting_user=team["owner"], email="eve@example.org")
    client.force_login(team["owner"])
    assert client.post(url("collection_unshare", c),
                       {"user_id": team["editor"].pk}).status_code == 302
    assert c.editors.count() == 0
    assert client.post(url("collection_unshare", c), {"user_id": "x"}).status_code == 302
    client.force_login(team["editor"])
    assert client.get(url("collection", c)).status_code == 404
    assert [a for a, *_ in actions(c)] == ["created", "shared", "unshared"]


def test_only_the_owner_renames_shares_unshares_or_deletes(client, team):
    c = team["collection"]
    services.collection_share(collection=c, acting_user=team["owner"], email="eve@example.org")
    client.force_login(team["editor"])
    page = client.get(url("collection", c)).content.decode()
    assert "Delete collection" not in page and "Rename" not in page
    assert client.post(url("collection_rename", c),
                       {"rename-name": "Eve's now"}).status_code == 400
    assert client.post(url("collection_share", c),
                       {"email": "otto@example.org"}).status_code == 400
    client.post(url("collection_unshare", c), {"user_id": team["editor"].pk})
    client.post(url("collection_delete", c))
    c.refresh_from_db()
    assert c.name == "Harbour fest"
    assert list(c.editors.all()) == [team["editor"]]
    assert [a for a, *_ in actions(c)] == ["created", "shared"]

    client.force_login(team["owner"])
    assert client.post(url("collection_rename", c),
                       {"rename-name": "Harbour fest 2027",
                        "rename-description": "Posters"}).status_code == 302
    c.refresh_from_db()
    assert (c.name, c.description) == ("Harbour fest 2027", "Posters")
    assert actions(c)[-1] == ("renamed", "mark@example.org",
                              "Harbour fest → Harbour fest 2027")
    assert client.post(url("collection_rename", c), {"rename-name": " "}).status_code == 400
    assert client.post(url("collection_delete", c)).status_code == 302
    assert not Collection.objects.filter(pk=c.pk).exists()


def test_a_recall_tells_the_editors_too(team, cleared, django_capture_on_commit_callbacks):
    c = team["collection"]
    services.collection_share(collection=c, acting_user=team["owner"], email="eve@example.org")
    photo = cleared("Boats at dawn")
    services.collection_add(collection=c, photo_id=photo.pk, acting_user=team["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=photo.pk, acting_user=photo.owner,
                                  context=RequestContext(ip_address="127.0.0.1"))
    told = {n.user.email: n.collections for n in RecallNotice.objects.select_related("user")}
    assert told == {"mark@example.org": ["Harbour fest"], "eve@example.org": ["Harbour fest"]}
    assert "outsider" not in told and CollectionItem.objects.filter(collection=c).exists()


def test_the_admin_shows_a_collection_with_its_history_and_changes_nothing(client, team,
                                                                            cleared):
    """An administrator sees who changed the collection and how; an edit through the admin
    (which would leave no history line) is refused and changes nothing."""
    from photolib.accounts.models import User
    from tests.conftest import staff_login

    c = team["collection"]
    services.collection_share(collection=c, acting_user=team["owner"], email="eve@example.org")
    services.collection_add(collection=c, acting_user=team["editor"],
                            photo_id=cleared("Boats at dawn").pk)
    admin = User.objects.create_superuser("chief@example.org", "a-long-admin-password",
                                          display_name="Chief")
    staff_login(client, admin)
    change = reverse("admin:catalog_collection_change", args=[c.pk])
    page = client.get(change)
    assert page.status_code == 200
    body = page.content.decode()
    for line in ("created the collection", "shared it with", "eve@example.org",
                 "added a photo", "Boats at dawn"):
        assert line in body, line
    assert 'name="name"' not in body  # shown, not editable
    refused = client.post(change, {"name": "Renamed in the admin", "owner": team["owner"].pk})
    assert refused.status_code == 403
    c.refresh_from_db()
    assert c.name == "Harbour fest" and len(actions(c)) == 3
    assert client.post(reverse("admin:catalog_collection_delete", args=[c.pk]),
                       {"post": "yes"}).status_code == 403
    assert Collection.objects.filter(pk=c.pk).exists()
