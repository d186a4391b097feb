"""The release rule is stated once (``release_needed``) and applied twice: by the upload and,
on stored rows, inside ``cleared()``. Both must agree on every combination."""

import pytest

from photolib.photos.models import RELEASE_ALWAYS, People, Photo, _release_needed_q, release_needed
from tests.catalog.conftest import upload
from tests.consent.conftest import grant, make_user, publish
from tests.photos.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def test_release_rule_in_words():
    assert {People.RELEASE, People.MINORS} == RELEASE_ALWAYS
    assert not release_needed(People.NONE, required_for_people=True)
    assert not release_needed(People.CONSENTED, required_for_people=False)
    assert release_needed(People.CONSENTED, required_for_people=True)
    assert release_needed(People.RELEASE, required_for_people=False)
    assert release_needed(People.MINORS, required_for_people=False)


@pytest.mark.parametrize("required", [False, True])
def test_the_query_and_the_function_agree_on_every_answer(required,
                                                          django_capture_on_commit_callbacks):
    from photolib.consent.models import CommunityGroup

    group = CommunityGroup.objects.create(name=f"G{required}", slug=f"g-{required}")
    publish(group, release_required_for_people=required)
    resident = make_user(f"r{required}@example.org")
    grant(resident, group)
    photos = {}
    for people in People.values:
        with django_capture_on_commit_callbacks(execute=True):
            photos[people] = upload(resident, group, f"Photo {people} {required}",
                                    people=people, release=_release_for(people, required))
    needing = set(Photo.objects.filter(_release_needed_q()).values_list("attestation__people",
                                                                       flat=True))
    assert needing == {p for p in People.values
                       if release_needed(p, required_for_people=required)}


def _release_for(people, required):
    if not release_needed(people, required_for_people=required):
        return None
    return pdf_upload()

