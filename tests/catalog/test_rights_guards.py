"""Guards on the rights metadata a downloaded file carries: the PLUS model-release status
says what the uploader attested (codes from useplus.org's vocabulary), and the usage
terms name the agreement's own permitted uses, no more.

The tests fail on mutations the older tests let through (see bench/MUTATION.md).
"""

import io
import re
import struct
import xml.etree.ElementTree as ET  # noqa: S405 - parses only packets this code just built

import pytest
from PIL import Image

from photolib.catalog import services
from photolib.catalog.rights import NS, XMP_HEADER, RightsInfo, embed_xmp, read_xmp, rights_xmp
from photolib.consent.models import USE_LABELS, CommunityGroup
from photolib.photos.models import People
from tests.consent.conftest import grant, publish

# No module-wide database mark: the packet tests need none (the download tests get one
# through catalog_world), which keeps them fast in the mutation run.
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"

# PLUS model release status: MR-NAP "not applicable" only when no people appear;
# MR-NON "none": people appear, no written release exists (they consented orally);
# MR-LMR "limited or incomplete": a release on file, valid for the agreement's uses only.
MODEL_RELEASE_TABLE = [
    (People.NONE, "MR-NAP"),
    (People.CONSENTED, "MR-NON"),
    (People.RELEASE, "MR-LMR"),
    (People.MINORS, "MR-LMR"),
]


def q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def info(**overrides) -> RightsInfo:
    values = {"creator": "Rosa Ruiz", "credit_line": "Photo: Rosa Ruiz / Harbour Photos",
              "copyright_notice": "© 2025 Rosa Ruiz", "usage_terms": "Licensed for: Websites.",
              "web_statement": "https://city.example/licence/1/",
              "licensor_name": "Example City", "licensor_url": "https://city.example",
              "people": People.NONE, "consent_receipt_id": "receipt-1", "title": "Dusk & <sea>"}
    values.update(overrides)
    return RightsInfo(**values)


def description(packet: bytes) -> ET.Element:
    assert packet.startswith(b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>')
    assert packet.endswith(b'<?xpacket end="r"?>')
    root = ET.fromstring(packet)  # noqa: S314 - our own packet
    assert root.tag == q("x", "xmpmeta")
    found = root.find(f"{q('rdf', 'RDF')}/{q('rdf', 'Description')}")
    assert found is not None
    return found


def alt_text(node: ET.Element, prefix: str, name: str) -> str:
    items = node.findall(f"{q(prefix, name)}/{q('rdf', 'Alt')}/{q('rdf', 'li')}")
    assert len(items) == 1
    assert items[0].get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"
    return items[0].text


def model_release(packet: bytes) -> str:
    value = description(packet).get(q("plus", "ModelReleaseStatus"))
    assert value.startswith(PLUS_VOCAB), value
    return value.removeprefix(PLUS_VOCAB)


@pytest.mark.parametrize(("people", "code"), MODEL_RELEASE_TABLE, ids=[p for p, _ in
                                                                        MODEL_RELEASE_TABLE])
def test_model_release_status_follows_the_attestation(people, code):
    assert model_release(rights_xmp(info(people=people))) == code


def test_every_rights_field_is_in_the_packet():
    facts = info()
    d = description(rights_xmp(facts))
    assert d.get(q("rdf", "about")) == ""
    assert d.get(q("photoshop", "Credit")) == facts.credit_line
    assert d.get(q("xmpRights", "Marked")) == "True"
    assert d.get(q("xmpRights", "WebStatement")) == facts.web_statement
    assert d.get(q("photolib", "ConsentReceiptID")) == facts.consent_receipt_id
    creators = d.findall(f"{q('dc', 'creator')}/{q('rdf', 'Seq')}/{q('rdf', 'li')}")
    assert [c.text for c in creators] == [facts.creator]
    assert alt_text(d, "dc", "title") == facts.title
    assert alt_text(d, "dc", "rights") == facts.copyright_notice
    assert alt_text(d, "xmpRights", "UsageTerms") == facts.usage_terms
    licensors = d.findall(f"{q('plus', 'Licensor')}/{q('rdf', 'Seq')}/{q('rdf', 'li')}")
    assert len(licensors) == 1
    assert licensors[0].get(q("rdf", "parseType")) == "Resource"
    assert licensors[0].find(q("plus", "LicensorName")).text == facts.licensor_name
    assert licensors[0].find(q("plus", "LicensorURL")).text == facts.licensor_url


def test_the_packet_is_utf8_text():
    packet = rights_xmp(info(title="Zoë’s harbour", creator="Zoë Ünal"))
    assert "Zoë’s harbour".encode() in packet and "Zoë Ünal".encode() in packet
    assert b"&#" not in packet  # characters as UTF-8, not character references
    assert b"<?xml" not in packet  # no declaration inside the xpacket


def jpeg(**save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, "JPEG", **save)
    return out.getvalue()


def test_xmp_goes_right_after_soi_and_reads_back_with_the_pixels_untouched():
    original = jpeg()
    packet = rights_xmp(info())
    embedded = embed_xmp(original, packet)
    assert embedded[:2] == b"\xff\xd8" and embedded[2:4] == b"\xff\xe1"
    length = struct.unpack(">H", embedded[4:6])[0]
    assert length == 2 + len(XMP_HEADER) + len(packet)
    assert embedded[6:6 + len(XMP_HEADER)] == XMP_HEADER
    assert embedded[4 + length:] == original[2:]
    assert read_xmp(embedded) == packet
    assert Image.open(io.BytesIO(embedded)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_read_xmp_skips_other_segments_and_stops_at_the_image_data():
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    with_exif = jpeg(exif=exif.tobytes())  # an APP1 that is EXIF, not XMP
    assert read_xmp(with_exif) is None
    packet = rights_xmp(info())
    segment = embed_xmp(b"\xff\xd8", packet)[2:]
    # After the JFIF, EXIF, quantisation and Huffman segments, just before the scan: found.
    scan = with_exif.index(b"\xff\xda")
    assert read_xmp(with_exif[:scan] + segment + with_exif[scan:]) == packet
    # Past the start of the scan it is image data, not a segment: never read.
    assert read_xmp(with_exif[:-2] + segment + with_exif[-2:]) is None
    # An end-of-image marker ends the walk, whatever follows it.
    assert read_xmp(b"\xff\xd8\xff\xd9\x00\x02" + segment) is None
    assert read_xmp(b"\xff\xd8\xff\xfe\x00\x02" + segment) == packet  # a comment: skipped


@pytest.mark.parametrize("data", [b"", b"\xff\xd8", b"\xff\xd8\xff", b"\xff\xd8\xff\xe1\x00",
                                  b"\xff\xd8\x00\x00\x00\x00"])
def test_read_xmp_of_truncated_or_foreign_bytes_is_none(data):
    assert read_xmp(data) is None


def test_embed_refuses_what_is_not_a_jpeg_or_does_not_fit_one_segment():
    with pytest.raises(ValueError, match=r"^not a JPEG$"):
        embed_xmp(b"\x89PNG\r\n\x1a\n", rights_xmp(info()))
    room = 0xFFFF - 2 - len(XMP_HEADER)
    assert read_xmp(embed_xmp(jpeg(), b"x" * room)) == b"x" * room
    with pytest.raises(ValueError, match=r"^XMP packet too large for one APP1 segment$"):
        embed_xmp(jpeg(), b"x" * (room + 1))


# --- through a real download ------------------------------------------------------------

def downloaded_xmp(photo, officer) -> bytes:
    prepared = services.download_prepare(photo_id=photo.pk, user=officer, rendition="web",
                                         use="web", campaign="Harbour festival")
    from django.core.files.storage import storages

    with storages["downloads"].open(prepared.storage_name, "rb") as fh:
        packet = read_xmp(fh.read())
    assert packet is not None
    return packet


def test_a_download_of_consented_people_says_no_release_not_no_people(catalog_world, cleared):
    photo = cleared("Harbour crowd", people=People.CONSENTED)
    assert model_release(downloaded_xmp(photo, catalog_world["marketing"])) == "MR-NON"
    nobody = cleared("Empty harbour", people=People.NONE)
    assert model_release(downloaded_xmp(nobody, catalog_world["marketing"])) == "MR-NAP"


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
    packet = downloaded_xmp(photo, catalog_world["marketing"])
    assert alt_text(description(packet), "xmpRights", "UsageTerms") == terms


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


def test_streaming_refuses_a_file_that_is_not_a_jpeg_in_words():
    from photolib.catalog.rights import stream_with_xmp

    with pytest.raises(ValueError, match="^not a JPEG$"):
        list(stream_with_xmp(io.BytesIO(b"GIF89a" + b"\0" * 64), b"<x/>"))
