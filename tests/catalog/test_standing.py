"""``why_not_cleared`` explains, never decides: for every condition of the rights-cleared
rule broken alone it gives a reason, and for a cleared photo it gives none."""

import pytest

from photolib.photos.models import Photo
from photolib.photos.standing import Absence, why_not_cleared
from tests.catalog.test_rights_cleared import CONDITIONS

EXPECTED = {
    "unapproved": Absence.NOT_APPROVED, "rejected": Absence.NOT_APPROVED,
    "withdrawn_photo": Absence.WITHDRAWN, "taken_down": Absence.TAKEN_DOWN,
    "ingest_unfinished": Absence.PROCESSING, "consent_withdrawn": Absence.GROUP_WITHDRAWN,
    "withdrawn_then_rejoined": Absence.GROUP_WITHDRAWN, "term_expired": Absence.EXPIRED,
    "minors_without_release": Absence.NO_RELEASE,
    "people_without_required_release": Absence.NO_RELEASE,
}


def test_a_cleared_photo_has_no_reason(cleared):
    assert why_not_cleared(cleared()) is None


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.__name__.strip("_"))
def test_every_broken_condition_is_explained(catalog_world, cleared, condition):
    photo = cleared()
    condition(photo, catalog_world)
    photo = Photo.objects.select_related("consent_record", "agreement_version",
                                         "attestation").get(pk=photo.pk)
    assert not Photo.objects.cleared().filter(pk=photo.pk).exists()
    standing = why_not_cleared(photo)
    assert standing is not None
    name = condition.__name__.strip("_")
    assert standing.absence == EXPECTED.get(name, Absence.OTHER), name
