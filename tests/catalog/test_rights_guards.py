"""Guards on the rights metadata a downloaded file carries: which PLUS codes each attestation
gets (useplus.org's vocabulary), what the data-mining field says for each agreement, how
IIM's length limits cut a value, and that the usage terms name the agreement's own permitted
uses, no more.

The mapping tests need no database (fast in the mutation run); the download tests read the
file back with exiftool (tests/catalog/exiftool.py).
"""

import re
from dataclasses import replace

import pytest

from photolib.catalog import rights, services
from photolib.catalog.rights import RightsInfo
from photolib.consent.models import USE_LABELS, CommunityGroup
from photolib.photos.models import People
from tests.catalog.exiftool import exiftool
from tests.consent.conftest import grant, publish

PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"

# PLUS model release status: MR-NAP "not applicable" only when no people appear; people
# without a written release: MR-LMR "limited or incomplete"; a release on file (always for
# minors and attached releases; for any people where the agreement requires one):
# MR-UMR "unlimited model releases". MR-NON ("none") would wrongly say nobody consented.
MODEL_RELEASE_TABLE = [
    (People.NONE, False, "MR-NAP"),
    (People.NONE, True, "MR-NAP"),
    (People.CONSENTED, False, "MR-LMR"),
    (People.CONSENTED, True, "MR-UMR"),
    (People.RELEASE, True, "MR-UMR"),
    (People.MINORS, True, "MR-UMR"),
]


def info(**overrides) -> RightsInfo:
    values = {"title": "Dusk & <sea>", "creator": "Rosa Ruiz",
              "credit_line": "Photo: Rosa Ruiz / Harbour Photos",
              "copyright_notice": "© 2025 Rosa Ruiz", "usage_terms": "Licensed for: Websites.",
              "web_statement": "https://city.example/licence/1/",
              "licensor_name": "Example City", "licensor_url": "https://city.example",
              "licensee_name": "Example City, Marketing", "licence_id": "download-1",
              "licence_start": "2025-01-02", "licence_end": "2027-01-02",
              "people": People.NONE, "release_on_file": False, "minors_disclosed": False,
              "ai_training_allowed": False, "consent_receipt_id": "receipt-1",
              "agreement_version": "Harbour Photos v1", "agreement_sha256": "ab" * 32,
              "stated_use": "Websites", "source": "Example City community photo library"}
    values.update(overrides)
    return RightsInfo(**values)


@pytest.mark.parametrize(("people", "release", "code"), MODEL_RELEASE_TABLE)
def test_model_release_status_follows_the_attestation(people, release, code):
    assert rights.model_release_code(people, release_on_file=release) == code
    fields = rights.xmp_fields(info(people=people, release_on_file=release))
    assert fields["Xmp.plus.ModelReleaseStatus"] == PLUS_VOCAB + code


def test_minor_age_is_disclosed_only_for_minors_in_a_business_file():
    key = "Xmp.plus.MinorModelAgeDisclosure"
    assert rights.xmp_fields(info(people=People.MINORS, release_on_file=True,
                                  minors_disclosed=True))[key] == PLUS_VOCAB + "AG-UNK"
    assert key not in rights.xmp_fields(info(people=People.MINORS, release_on_file=True))
    for people in (People.NONE, People.CONSENTED, People.RELEASE):
        assert key not in rights.xmp_fields(info(people=people, minors_disclosed=True))


@pytest.mark.parametrize(("allowed", "code"), [(False, "DMI-PROHIBITED-AIMLTRAINING"),
                                               (True, "DMI-ALLOWED")])
def test_data_mining_says_what_the_agreement_says(allowed, code):
    assert rights.data_mining_code(ai_training_allowed=allowed) == code
    facts = info(ai_training_allowed=allowed)
    assert rights.xmp_fields(facts)["Xmp.plus.DataMining"] == PLUS_VOCAB + code
    said = "AI/ML training permitted." if allowed else "No AI/ML training."
    assert rights.special_instructions(facts).endswith(said)


def test_every_field_is_mapped_from_its_fact():
    facts = info(description="Boats at dusk", alt_text="Boats moored at dusk",
                 extended_description="Three fishing boats, orange sky.")
    assert rights.exif_fields(facts) == {"Exif.Image.Artist": "Rosa Ruiz",
                                         "Exif.Image.Copyright": "© 2025 Rosa Ruiz"}
    instructions = ("Photo: Rosa Ruiz / Harbour Photos. Licence download-1: "
                    "https://city.example/licence/1/. No AI/ML training.")
    assert rights.special_instructions(facts) == instructions
    assert rights.iptc_fields(facts) == {
        "Iptc.Envelope.CharacterSet": "\x1b%G",
        "Iptc.Application2.ObjectName": "Dusk & <sea>",
        "Iptc.Application2.Byline": ["Rosa Ruiz"],
        "Iptc.Application2.Credit": "Photo: Rosa Ruiz / Harbour Photo",  # 32 bytes at most
        "Iptc.Application2.Source": "Example City community photo lib",
        "Iptc.Application2.Copyright": "© 2025 Rosa Ruiz",
        "Iptc.Application2.SpecialInstructions": instructions,
        "Iptc.Application2.Caption": "Boats at dusk",
    }
    x = 'lang="x-default"'
    assert rights.xmp_fields(facts) == {
        "Xmp.dc.title": {x: "Dusk & <sea>"},
        "Xmp.dc.creator": ["Rosa Ruiz"],
        "Xmp.dc.rights": {x: "© 2025 Rosa Ruiz"},
        "Xmp.dc.description": {x: "Boats at dusk"},
        "Xmp.photoshop.Credit": "Photo: Rosa Ruiz / Harbour Photos",
        "Xmp.photoshop.Source": "Example City community photo library",
        "Xmp.photoshop.Instructions": instructions,
        "Xmp.xmpRights.Marked": "True",
        "Xmp.xmpRights.WebStatement": "https://city.example/licence/1/",
        "Xmp.xmpRights.UsageTerms": {x: "Licensed for: Websites."},
        "Xmp.iptc.AltTextAccessibility": {x: "Boats moored at dusk"},
        "Xmp.iptc.ExtDescrAccessibility": {x: "Three fishing boats, orange sky."},
        "Xmp.plus.LicenseID": "download-1",
        "Xmp.plus.Licensee": 'type="Seq"',
        "Xmp.plus.Licensee[1]/plus:LicenseeName": "Example City, Marketing",
        "Xmp.plus.Licensor": 'type="Seq"',
        "Xmp.plus.Licensor[1]/plus:LicensorName": "Example City",
        "Xmp.plus.Licensor[1]/plus:LicensorURL": "https://city.example",
        "Xmp.plus.CopyrightOwner": 'type="Seq"',
        "Xmp.plus.CopyrightOwner[1]/plus:CopyrightOwnerName": "Rosa Ruiz",
        "Xmp.plus.ImageCreator": 'type="Seq"',
        "Xmp.plus.ImageCreator[1]/plus:ImageCreatorName": "Rosa Ruiz",
        "Xmp.plus.LicenseStartDate": "2025-01-02",
        "Xmp.plus.LicenseEndDate": "2027-01-02",
        "Xmp.plus.ModelReleaseStatus": PLUS_VOCAB + "MR-NAP",
        "Xmp.plus.DataMining": PLUS_VOCAB + "DMI-PROHIBITED-AIMLTRAINING",
        "Xmp.photolib.ConsentReceiptID": "receipt-1",
        "Xmp.photolib.AgreementVersion": "Harbour Photos v1",
        "Xmp.photolib.AgreementSHA256": "ab" * 32,
    }


def test_optional_fields_are_left_out_when_empty():
    fields = rights.xmp_fields(info(licence_end=""))
    for key in ("Xmp.plus.LicenseEndDate", "Xmp.dc.description",
                "Xmp.iptc.AltTextAccessibility", "Xmp.iptc.ExtDescrAccessibility"):
        assert key not in fields
    assert "Iptc.Application2.Caption" not in rights.iptc_fields(info())


@pytest.mark.parametrize(("value", "limit", "cut"), [
    ("abc", 3, "abc"), ("abcd", 3, "abc"), ("Zoë", 3, "Zo"), ("Zoë", 4, "Zoë"),
    ("", 5, ""), ("ééé", 5, "éé")])
def test_iim_values_are_cut_at_a_character_boundary(value, limit, cut):
    assert rights.iim_truncate(value, limit) == cut


def test_iim_limits_apply_per_field():
    long = "x" * 3000
    facts = replace(info(), title=long, creator=long, credit_line=long, source=long,
                    copyright_notice=long, description=long)
    fields = rights.iptc_fields(facts)
    assert {k: len(v[0] if isinstance(v, list) else v) for k, v in fields.items()
            if k.startswith("Iptc.Application2")} == rights.IIM_LIMITS


# --- through a real download ------------------------------------------------------------

def downloaded_tags(photo, officer, rendition="web") -> dict:
    from django.core.files.storage import storages

    prepared = services.download_prepare(photo_id=photo.pk, user=officer,
                                         rendition=rendition, use="web",
                                         campaign="Harbour festival")
    with storages["downloads"].open(prepared.storage_name, "rb") as fh:
        return exiftool(fh.read())


def test_a_download_of_consented_people_says_limited_releases_not_no_people(
        catalog_world, cleared):
    photo = cleared("Harbour crowd", people=People.CONSENTED)
    tags = downloaded_tags(photo, catalog_world["marketing"])
    # exiftool gives PLUS codes without the vocabulary prefix, which the file holds in full.
    assert tags["XMP-plus:ModelReleaseStatus"] == "MR-LMR"
    nobody = cleared("Empty harbour", people=People.NONE)
    tags = downloaded_tags(nobody, catalog_world["marketing"])
    assert tags["XMP-plus:ModelReleaseStatus"] == "MR-NAP"


def uses_named(terms: str) -> str:
    match = re.search(r"\(non-exclusive\) for: (.*?); ", terms)
    assert match, terms
    return match.group(1)


def assert_names_only(terms: str, codes: list[str]) -> None:
    assert uses_named(terms) == ", ".join(USE_LABELS[code] for code in codes)
    for code, label in USE_LABELS.items():
        assert (label in terms) == (code in codes), label


def test_usage_terms_name_only_the_agreements_permitted_uses(catalog_world, cleared):
    photo = cleared("Harbour boats")
    permitted = photo.agreement_version.permitted_uses
    assert 0 < len(permitted) < len(USE_LABELS)
    terms = services.usage_terms(photo)
    assert_names_only(terms, permitted)
    tags = downloaded_tags(photo, catalog_world["marketing"])
    assert tags["XMP-xmpRights:UsageTerms"] == terms


def test_usage_terms_follow_each_agreement(catalog_world, django_capture_on_commit_callbacks):
    from photolib.photos import moderation
    from tests.catalog.conftest import upload

    group = CommunityGroup.objects.create(name="Market Photos", slug="market")
    publish(group, text="Market agreement", permitted_uses=["outdoor", "broadcast"],
            credit_required=False, term_years=2)
    grant(catalog_world["resident"], group)
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload(catalog_world["resident"], group, "Market stalls")
    moderation.photo_approve(photo_id=photo.pk, acting_user=catalog_world["reviewer"])
    photo = services.cleared_photo(photo.pk)
    terms = services.usage_terms(photo)
    assert_names_only(terms, ["outdoor", "broadcast"])
    assert f"until {photo.rights_expire_at:%Y-%m-%d}" in terms
    assert "Credit not required." in terms
    assert f"Market Photos v1, SHA-256 {photo.agreement_version.text_sha256}." in terms
