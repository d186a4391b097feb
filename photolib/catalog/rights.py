"""Rights metadata carried inside every downloaded file, as XMP (IPTC Core,
IPTC Extension/PLUS, XMP Rights and Photoshop namespaces).

``rights_xmp`` builds the packet; ``embed_xmp`` places it in a JPEG as an APP1
segment right after the start-of-image marker, without re-encoding the pixels;
``stream_with_xmp`` does the same to a stored file chunk by chunk, so a full-resolution
print file never has to be held in memory whole.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET  # noqa: S405 - we build XML, never parse untrusted input
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
    "photolib": "https://photolib.example/ns/consent/1.0/",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
# PLUS model-release vocabulary (useplus.org): what the uploader attested.
MODEL_RELEASE = {
    "none": "http://ns.useplus.org/ldf/vocab/MR-NAP",  # not applicable: no people
    "consented": "http://ns.useplus.org/ldf/vocab/MR-NON",  # consent, no written release
    "release": "http://ns.useplus.org/ldf/vocab/MR-LMR",  # release on file
    "minors": "http://ns.useplus.org/ldf/vocab/MR-LMR",
}


@dataclass(frozen=True)
class RightsInfo:
    creator: str
    credit_line: str
    copyright_notice: str
    usage_terms: str
    web_statement: str
    licensor_name: str
    licensor_url: str
    people: str
    consent_receipt_id: str
    title: str


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _alt(parent: ET.Element, prefix: str, name: str, text: str) -> None:
    alt = ET.SubElement(ET.SubElement(parent, _q(prefix, name)), _q("rdf", "Alt"))
    li = ET.SubElement(alt, _q("rdf", "li"))
    li.set("{http://www.w3.org/XML/1998/namespace}lang", "x-default")
    li.text = text


def rights_xmp(info: RightsInfo) -> bytes:
    root = ET.Element(_q("x", "xmpmeta"))
    rdf = ET.SubElement(root, _q("rdf", "RDF"))
    d = ET.SubElement(rdf, _q("rdf", "Description"))
    d.set(_q("rdf", "about"), "")
    d.set(_q("photoshop", "Credit"), info.credit_line)
    d.set(_q("xmpRights", "Marked"), "True")
    d.set(_q("xmpRights", "WebStatement"), info.web_statement)
    d.set(_q("plus", "ModelReleaseStatus"), MODEL_RELEASE.get(info.people, MODEL_RELEASE["none"]))
    d.set(_q("photolib", "ConsentReceiptID"), info.consent_receipt_id)
    creator = ET.SubElement(ET.SubElement(d, _q("dc", "creator")), _q("rdf", "Seq"))
    ET.SubElement(creator, _q("rdf", "li")).text = info.creator
    _alt(d, "dc", "title", info.title)
    _alt(d, "dc", "rights", info.copyright_notice)
    _alt(d, "xmpRights", "UsageTerms", info.usage_terms)
    licensor = ET.SubElement(ET.SubElement(d, _q("plus", "Licensor")), _q("rdf", "Seq"))
    entry = ET.SubElement(licensor, _q("rdf", "li"))
    entry.set(_q("rdf", "parseType"), "Resource")
    ET.SubElement(entry, _q("plus", "LicensorName")).text = info.licensor_name
    ET.SubElement(entry, _q("plus", "LicensorURL")).text = info.licensor_url
    body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>' + body
            + b'<?xpacket end="r"?>')


def embed_xmp(jpeg: bytes, packet: bytes) -> bytes:
    """Insert ``packet`` as an XMP APP1 segment after SOI; the image data is untouched.

    Raises ``ValueError`` if ``jpeg`` is not a JPEG or the packet exceeds one segment.
    """
    if jpeg[:2] != SOI:
        raise ValueError("not a JPEG")
    return jpeg[:2] + xmp_segment(packet) + jpeg[2:]


SOI = b"\xff\xd8"
CHUNK_BYTES = 64 * 1024


def xmp_segment(packet: bytes) -> bytes:
    """The APP1 segment (marker, length, XMP namespace, packet) that carries ``packet``.

    Raises ``ValueError`` if the packet exceeds one segment."""
    payload = XMP_HEADER + packet
    if len(payload) + 2 > 0xFFFF:
        raise ValueError("XMP packet too large for one APP1 segment")
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def stream_with_xmp(source: BinaryIO, packet: bytes,
                    chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The JPEG read from ``source`` with ``packet`` inserted after SOI, as chunks of at most
    ``chunk_bytes`` (plus the segment in the first): what :func:`embed_xmp` returns, without
    ever holding more than one chunk. Raises ``ValueError`` before yielding anything if the
    source is not a JPEG or the packet is too large."""
    segment = xmp_segment(packet)
    head = source.read(2)
    if head != SOI:
        raise ValueError("not a JPEG")
    yield head + segment
    while chunk := source.read(chunk_bytes):
        yield chunk


def read_xmp(jpeg: bytes) -> bytes | None:
    """The XMP packet of a JPEG, if any (used by tests and the inspect tools)."""
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker = jpeg[pos + 1]
        if marker in (0xD9, 0xDA):
            break
        length = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        data = jpeg[pos + 4:pos + 2 + length]
        if marker == 0xE1 and data.startswith(XMP_HEADER):
            return data[len(XMP_HEADER):]
        pos += 2 + length
    return None
