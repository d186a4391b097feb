"""Every field a download carries, read back by readers that share no code with the writer
(exiftool for EXIF, IPTC-IIM and XMP; Pillow's IPTC reader for IIM; the c2pa Reader for the
Content Credentials), for web, print and ZIP downloads: values, consistency between IIM
and XMP, JFIF first, no GPS or camera EXIF, and a signature that is trusted under the
city's CA and invalid after one changed byte.
"""

import io
import json
import zipfile

import c2pa
import pytest
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image, IptcImagePlugin

from photolib.catalog.embedding import CONSENT_ASSERTION, TRAINING_ASSERTION
from photolib.catalog.models import Download
from photolib.catalog.services import collection_add, collection_create
from photolib.consent.models import CommunityGroup
from photolib.devca import local_chain
from photolib.photos import moderation
from photolib.photos.models import People, Photo
from tests.catalog.conftest import upload
from tests.catalog.exiftool import exiftool, segments, xmp_packet
from tests.catalog.test_downloads import body_of, post_download
from tests.catalog.test_print_files import downloads_stored
from tests.consent.conftest import grant, publish
from tests.photos.conftest import pdf_upload

pytestmark = pytest.mark.django_db
PLUS = "http://ns.useplus.org/ldf/vocab/"


def reader(data: bytes, trust: bytes | None) -> c2pa.Reader:
    config = {"verify": {"verify_trust": True}}
    if trust is not None:
        config["trust"] = {"trust_anchors": trust.decode()}
    context = c2pa.Context(settings=c2pa.Settings.from_dict(config))
    return c2pa.Reader("image/jpeg", io.BytesIO(data), context=context)


def active_manifest(data: bytes, trust: bytes) -> tuple[str, dict]:
    with reader(data, trust) as r:
        store = json.loads(r.json())
        return r.get_validation_state(), store["manifests"][store["active_manifest"]]


def assertion(manifest: dict, label: str) -> dict:
    [found] = [a["data"] for a in manifest["assertions"] if a["label"] == label]
    return found


def iim_by_pillow(data: bytes) -> dict[tuple[int, int], str]:
    info = IptcImagePlugin.getiptcinfo(Image.open(io.BytesIO(data)))
    return {key: (value[0] if isinstance(value, list) else value).decode()
            for key, value in info.items()}


def approved(world, title, capture, *, group=None, **kwargs) -> Photo:
    with capture(execute=True):
        photo = upload(world["resident"], group or world["group"], title, **kwargs)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    with capture(execute=True):
        moderation.photo_approve(photo_id=photo.pk, acting_user=world["reviewer"])
    return Photo.objects.cleared().get(pk=photo.pk)


def assert_carries_every_field(data: bytes, photo: Photo, download: Download, ca: bytes, *,
                               release: str, minors_age: str | None = None,
                               actions: tuple[str, ...], stated_use: str = "Websites") -> None:
    owner = photo.owner.public_credit_name
    credit = photo.credit_line()
    notice = f"© {(photo.taken_at or photo.uploaded_at).year} {owner}"
    licence = f"http://127.0.0.1:8000/licence/{photo.pk}/"
    version = photo.agreement_version
    instructions = (f"{credit}. Licence {download.pk}: {licence}. No AI/ML training.")
    tags = exiftool(data)

    # EXIF: the creator and copyright, nothing from the camera, no position.
    assert tags["IFD0:Artist"] == owner
    assert tags["IFD0:Copyright"] == notice
    exif_groups = {key.split(":")[0] for key in tags} & {
        "IFD0", "ExifIFD", "GPS", "IFD1", "InteropIFD", "MakerNotes"}
    assert exif_groups == {"IFD0"}
    assert {k for k in tags if k.startswith("IFD0:")} == {"IFD0:Artist", "IFD0:Copyright"}
    assert not [k for k in tags if "GPS" in k or k.endswith((":Make", ":Model"))]

    # IPTC-IIM (APP13), UTF-8, the same values as the XMP (cut to IIM's byte limits).
    assert tags["IPTC:CodedCharacterSet"] == "\x1b%G"
    assert tags["IPTC:By-line"] == owner
    assert tags["IPTC:Credit"] == credit.encode()[:32].decode()
    assert tags["IPTC:CopyrightNotice"] == notice
    assert tags["IPTC:Source"] == "Example City (demo)"
    assert tags["IPTC:ObjectName"] == photo.title
    assert tags["IPTC:SpecialInstructions"] == instructions
    iim = iim_by_pillow(data)
    iim.pop((2, 0), None)  # the record version exiv2 adds
    assert iim == {
        (1, 90): "\x1b%G", (2, 80): owner, (2, 110): credit.encode()[:32].decode(),
        (2, 116): notice, (2, 115): "Example City (demo)",
        (2, 5): photo.title, (2, 40): instructions,
        **({(2, 120): photo.description} if photo.description else {})}

    # XMP: Dublin Core, Photoshop, XMP Rights, IPTC Core, PLUS, our consent namespace.
    assert tags["XMP-dc:Title"] == photo.title
    assert tags["XMP-dc:Creator"] == owner
    assert tags["XMP-dc:Rights"] == notice
    assert tags["XMP-photoshop:Credit"] == credit
    assert tags["XMP-photoshop:Source"] == "Example City (demo)"
    assert tags["XMP-photoshop:Instructions"] == instructions
    assert tags["XMP-xmpRights:Marked"] in (True, "True")
    assert tags["XMP-xmpRights:WebStatement"] == licence
    assert tags["XMP-xmpRights:UsageTerms"].startswith(
        "Licensed to Example City (demo) (non-exclusive) for: ")
    assert tags["XMP-plus:LicenseID"] == str(download.pk)
    assert tags["XMP-plus:LicenseeName"] == ("Example City (demo), Marketing and "
                                             "Communications")
    assert tags["XMP-plus:LicensorName"] == "Example City (demo)"
    assert tags["XMP-plus:LicensorURL"] == "http://127.0.0.1:8000"
    assert tags["XMP-plus:CopyrightOwnerName"] == owner
    assert tags["XMP-plus:ImageCreatorName"] == owner
    granted = photo.consent_record.created_at
    assert str(tags["XMP-plus:LicenseStartDate"]).replace(":", "-") == f"{granted:%Y-%m-%d}"
    if photo.rights_expire_at:
        assert str(tags["XMP-plus:LicenseEndDate"]).replace(":", "-") == (
            f"{photo.rights_expire_at:%Y-%m-%d}")
    else:
        assert "XMP-plus:LicenseEndDate" not in tags
    assert tags["XMP-plus:ModelReleaseStatus"] == release
    assert tags.get("XMP-plus:MinorModelAgeDisclosure") == minors_age
    packet = xmp_packet(data)
    assert f"{PLUS}{release}" in packet  # the full vocabulary URI, as PLUS asks
    assert f'plus:DataMining="{PLUS}DMI-PROHIBITED-AIMLTRAINING"' in packet or (
        f"<plus:DataMining>{PLUS}DMI-PROHIBITED-AIMLTRAINING</plus:DataMining>" in packet)
    assert tags["XMP-photolib:ConsentReceiptID"] == str(photo.consent_record_id)
    assert tags["XMP-photolib:AgreementVersion"] == f"{photo.group.name} v{version.number}"
    assert tags["XMP-photolib:AgreementSHA256"] == version.text_sha256
    if photo.alt_text:
        assert tags["XMP-iptcCore:AltTextAccessibility"] == photo.alt_text
    if photo.extended_description:
        assert tags["XMP-iptcCore:ExtDescrAccessibility"] == photo.extended_description

    # JFIF stays first; the Content Credentials are trusted under the city's CA.
    assert segments(data)[0][0] == 0xE0 and segments(data)[0][1].startswith(b"JFIF\x00")
    state, manifest = active_manifest(data, ca)
    assert state == "Trusted"
    steps = [a["action"] for a in assertion(manifest, "c2pa.actions.v2")["actions"]]
    assert steps == ["c2pa.opened", *actions, "c2pa.edited.metadata"]
    [ingredient] = manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf"
    assert ingredient["instance_id"] == f"photolib:original:sha256:{photo.sha256}"
    consent = assertion(manifest, CONSENT_ASSERTION)
    assert consent["consent_receipt_id"] == str(photo.consent_record_id)
    assert consent["agreement_version"] == f"{photo.group.name} v{version.number}"
    assert consent["agreement_sha256"] == version.text_sha256
    assert consent["stated_use"] == stated_use
    assert consent["licence_id"] == str(download.pk)
    assert assertion(manifest, TRAINING_ASSERTION) == {"entries": {
        "cawg.ai_training": {"use": "notAllowed"},
        "cawg.ai_generative_training": {"use": "notAllowed"}}}
    work = assertion(manifest, "stds.schema-org.CreativeWork")
    assert (work["author"][0]["name"], work["creditText"], work["copyrightNotice"],
            work["license"]) == (owner, credit, notice, licence)


def test_a_web_download_carries_every_field_and_trusted_credentials(
        client, catalog_world, django_capture_on_commit_callbacks, city_ca):
    photo = approved(catalog_world, "Harbour at dusk", django_capture_on_commit_callbacks,
                     gps=(52.37, 4.89), people=People.CONSENTED,
                     description="Boats at the old quay.")
    Photo.objects.filter(pk=photo.pk).update(alt_text="Fishing boats moored at dusk",
                                             extended_description="Three boats, orange sky.")
    photo.refresh_from_db()
    client.force_login(catalog_world["marketing"])
    data = body_of(post_download(client, photo))
    download = Download.objects.get()
    assert_carries_every_field(data, photo, download, city_ca, release="MR-LMR",
                               actions=("c2pa.resized",))
    assert Image.open(io.BytesIO(data)).size == (1200, 800)  # decodes as a plain JPEG


def test_a_print_download_of_minors_discloses_their_age_and_a_web_one_does_not(
        client, catalog_world, django_capture_on_commit_callbacks, city_ca):
    photo = approved(catalog_world, "School regatta", django_capture_on_commit_callbacks,
                     people=People.MINORS, release=pdf_upload(), width=2400, height=1600)
    client.force_login(catalog_world["marketing"])
    printed = body_of(post_download(client, photo, rendition="print", use="print"))
    download = Download.objects.get(rendition="print")
    assert_carries_every_field(printed, photo, download, city_ca, release="MR-UMR",
                               minors_age="AG-UNK", actions=(),
                               stated_use="Print (brochures, posters, magazines)")
    web = body_of(post_download(client, photo))
    assert_carries_every_field(web, photo, Download.objects.get(rendition="web"), city_ca,
                               release="MR-UMR", actions=("c2pa.resized",))
    assert "XMP-plus:MinorModelAgeDisclosure" not in exiftool(web)


def test_every_file_in_a_zip_carries_its_own_licence(client, catalog_world, city_ca,
                                                     django_capture_on_commit_callbacks):
    officer = catalog_world["marketing"]
    photos = [approved(catalog_world, title, django_capture_on_commit_callbacks)
              for title in ("Harbour one", "Harbour two")]
    collection = collection_create(owner=officer, name="Festival")
    for photo in photos:
        collection_add(collection=collection, photo_id=photo.pk)
    client.force_login(officer)
    response = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                           {"rendition": "web", "use": "web", "campaign": "Festival"})
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    names = [n for n in archive.namelist() if n.endswith(".jpg")]
    assert len(names) == 2
    for name in names:
        [download] = [d for d in Download.objects.all() if d.pk.hex[:8] == name[:8]]
        assert_carries_every_field(archive.read(name), download.photo, download, city_ca,
                                   release="MR-NAP", actions=("c2pa.resized",))


def test_a_changed_byte_makes_the_credentials_invalid_and_an_unknown_ca_is_not_trusted(
        catalog_world, cleared, city_ca):
    from photolib.catalog import services

    photo = cleared("Lighthouse")
    prepared = services.download_prepare(photo_id=photo.pk, user=catalog_world["marketing"],
                                         rendition="web", use="web", campaign="Test")
    with storages["downloads"].open(prepared.storage_name, "rb") as fh:
        data = fh.read()
    with reader(data, city_ca) as r:
        assert r.get_validation_state() == "Trusted"
    # Not trusted by a verifier that does not know the city's CA (signature still valid).
    with reader(data, None) as r:
        assert r.get_validation_state() == "Valid"
    # One byte of the image data changed: the hard binding no longer matches.
    scan = data.rindex(b"\xff\xda") + 200
    tampered = data[:scan] + bytes([data[scan] ^ 0x01]) + data[scan + 1:]
    with reader(tampered, city_ca) as r:
        assert r.get_validation_state() == "Invalid"
        codes = [f["code"] for f in json.loads(r.json())["validation_results"][
            "activeManifest"]["failure"]]
    assert "assertion.dataHash.mismatch" in codes


def test_an_agreement_that_allows_ai_training_says_so_in_every_field(
        client, catalog_world, django_capture_on_commit_callbacks, city_ca):
    group = CommunityGroup.objects.create(name="Open Data Photos", slug="open-data")
    publish(group, text="Open agreement", ai_training_allowed=True)
    grant(catalog_world["resident"], group)
    photo = approved(catalog_world, "Open harbour", django_capture_on_commit_callbacks,
                     group=group)
    client.force_login(catalog_world["marketing"])
    data = body_of(post_download(client, photo))
    assert f"{PLUS}DMI-ALLOWED" in xmp_packet(data)
    tags = exiftool(data)
    assert tags["IPTC:SpecialInstructions"].endswith("AI/ML training permitted.")
    state, manifest = active_manifest(data, city_ca)
    assert state == "Trusted"
    assert assertion(manifest, TRAINING_ASSERTION) == {"entries": {
        "cawg.ai_training": {"use": "allowed"},
        "cawg.ai_generative_training": {"use": "allowed"}}}


def test_a_download_that_cannot_be_signed_leaves_nothing_behind(
        client, catalog_world, cleared, settings):
    photo = cleared("Unsigned harbour")
    settings.PHOTOLIB_C2PA_KEY_PEM = local_chain("Someone else").key_pem  # not the chain's
    client.force_login(catalog_world["marketing"])
    response = post_download(client, photo)
    assert response.status_code == 503
    assert "could not be signed just now" in response.content.decode()
    assert not Download.objects.exists()
    assert downloads_stored() == []
