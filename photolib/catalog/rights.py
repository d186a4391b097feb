"""Rights metadata carried inside every downloaded file: which fields say what, in IPTC-IIM,
XMP (Dublin Core, IPTC Core, PLUS, XMP Rights, Photoshop) and EXIF.

This module only maps the facts of one download (``RightsInfo``) to field values; it
writes nothing. ``photolib.catalog.embedding`` hands the three mappings to the metadata
library (pyexiv2) and then signs the file (C2PA). Keeping the mapping pure keeps it cheap
to test field by field and under mutation testing.

Codes come from the standards' own vocabularies (see /work/shared/REFERENCES.md):
PLUS model-release and minor-age codes and the IPTC 2023.1 data-mining values.
"""

from __future__ import annotations

from dataclasses import dataclass

PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
#: Our own XMP namespace: the consent the file was licensed under.
PHOTOLIB_NS = "https://photolib.example/ns/consent/1.0/"
PHOTOLIB_PREFIX = "photolib"

# Model release status (PLUS): what the uploader attested, and whether a signed release is
# on file. No people: not applicable. People who consented with no written release: the
# releases are incomplete (limited). A release on file (always so for minors, and for any
# people where the agreement asks for releases; the rights-cleared rule enforces it):
# unlimited releases, for the uses the agreement licenses.
MR_NOT_APPLICABLE = "MR-NAP"
MR_LIMITED = "MR-LMR"
MR_UNLIMITED = "MR-UMR"
#: Minor model age disclosure: the uploader says a minor appears but not their age.
AGE_UNKNOWN = "AG-UNK"
# Data mining (IPTC Photo Metadata 2023.1, plus:DataMining).
DMI_ALLOWED = "DMI-ALLOWED"
DMI_NO_AI_TRAINING = "DMI-PROHIBITED-AIMLTRAINING"

# IIM field limits in bytes (IPTC IIM 4.2): longer values are cut at a character boundary.
IIM_LIMITS = {
    "Iptc.Application2.ObjectName": 64,
    "Iptc.Application2.Byline": 32,
    "Iptc.Application2.Credit": 32,
    "Iptc.Application2.Source": 32,
    "Iptc.Application2.Copyright": 128,
    "Iptc.Application2.SpecialInstructions": 256,
    "Iptc.Application2.Caption": 2000,
}
#: IIM 1:90, "ESC % G": the record's text is UTF-8.
IIM_UTF8 = "\x1b%G"


@dataclass(frozen=True)
class RightsInfo:
    """Everything one downloaded file says about its rights (built by
    ``catalog.services.rights_for``)."""

    title: str
    creator: str
    credit_line: str
    copyright_notice: str
    usage_terms: str
    web_statement: str
    licensor_name: str
    licensor_url: str
    licensee_name: str
    licence_id: str
    licence_start: str  # ISO date
    licence_end: str  # ISO date, or "" for a perpetual licence
    people: str  # photos.models.People value
    release_on_file: bool
    minors_disclosed: bool  # True only in a business-to-business file (see services)
    ai_training_allowed: bool
    consent_receipt_id: str
    agreement_version: str  # "<group> v<number>"
    agreement_sha256: str
    stated_use: str
    source: str
    description: str = ""
    alt_text: str = ""
    extended_description: str = ""


def model_release_code(people: str, *, release_on_file: bool) -> str:
    """The PLUS model-release code for a people answer (``photos.models.People``)."""
    if people == "none":
        return MR_NOT_APPLICABLE
    return MR_UNLIMITED if release_on_file else MR_LIMITED


def data_mining_code(*, ai_training_allowed: bool) -> str:
    return DMI_ALLOWED if ai_training_allowed else DMI_NO_AI_TRAINING


def special_instructions(info: RightsInfo) -> str:
    training = ("AI/ML training permitted." if info.ai_training_allowed
                else "No AI/ML training.")
    return f"{info.credit_line}. Licence {info.licence_id}: {info.web_statement}. {training}"


def iim_truncate(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    return value.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def iptc_fields(info: RightsInfo) -> dict[str, str | list[str]]:
    """IPTC-IIM (the APP13 block many CMSs read), with the same values as the XMP."""
    values: dict[str, str] = {
        "Iptc.Application2.ObjectName": info.title,
        "Iptc.Application2.Byline": info.creator,
        "Iptc.Application2.Credit": info.credit_line,
        "Iptc.Application2.Source": info.source,
        "Iptc.Application2.Copyright": info.copyright_notice,
        "Iptc.Application2.SpecialInstructions": special_instructions(info),
    }
    if info.description:
        values["Iptc.Application2.Caption"] = info.description
    fields: dict[str, str | list[str]] = {"Iptc.Envelope.CharacterSet": IIM_UTF8}
    for key, value in values.items():
        cut = iim_truncate(value, IIM_LIMITS[key])
        fields[key] = [cut] if key == "Iptc.Application2.Byline" else cut
    return fields


def exif_fields(info: RightsInfo) -> dict[str, str]:
    """EXIF IFD0 Artist and Copyright: the only EXIF a download carries."""
    return {"Exif.Image.Artist": info.creator, "Exif.Image.Copyright": info.copyright_notice}


def _lang_alt(text: str) -> dict[str, str]:
    return {'lang="x-default"': text}


def xmp_fields(info: RightsInfo) -> dict[str, object]:
    """XMP keys in exiv2's naming (``Xmp.<prefix>.<property>``; a struct in a sequence is
    declared ``type="Seq"`` first, then its fields as ``[1]/prefix:Field``)."""
    fields: dict[str, object] = {
        "Xmp.dc.title": _lang_alt(info.title),
        "Xmp.dc.creator": [info.creator],
        "Xmp.dc.rights": _lang_alt(info.copyright_notice),
        "Xmp.photoshop.Credit": info.credit_line,
        "Xmp.photoshop.Source": info.source,
        "Xmp.photoshop.Instructions": special_instructions(info),
        "Xmp.xmpRights.Marked": "True",
        "Xmp.xmpRights.WebStatement": info.web_statement,
        "Xmp.xmpRights.UsageTerms": _lang_alt(info.usage_terms),
        "Xmp.plus.LicenseID": info.licence_id,
        "Xmp.plus.Licensee": 'type="Seq"',
        "Xmp.plus.Licensee[1]/plus:LicenseeName": info.licensee_name,
        "Xmp.plus.Licensor": 'type="Seq"',
        "Xmp.plus.Licensor[1]/plus:LicensorName": info.licensor_name,
        "Xmp.plus.Licensor[1]/plus:LicensorURL": info.licensor_url,
        "Xmp.plus.CopyrightOwner": 'type="Seq"',
        "Xmp.plus.CopyrightOwner[1]/plus:CopyrightOwnerName": info.creator,
        "Xmp.plus.ImageCreator": 'type="Seq"',
        "Xmp.plus.ImageCreator[1]/plus:ImageCreatorName": info.creator,
        "Xmp.plus.LicenseStartDate": info.licence_start,
        "Xmp.plus.ModelReleaseStatus": PLUS_VOCAB + model_release_code(
            info.people, release_on_file=info.release_on_file),
        "Xmp.plus.DataMining": PLUS_VOCAB + data_mining_code(
            ai_training_allowed=info.ai_training_allowed),
        f"Xmp.{PHOTOLIB_PREFIX}.ConsentReceiptID": info.consent_receipt_id,
        f"Xmp.{PHOTOLIB_PREFIX}.AgreementVersion": info.agreement_version,
        f"Xmp.{PHOTOLIB_PREFIX}.AgreementSHA256": info.agreement_sha256,
    }
    if info.licence_end:
        fields["Xmp.plus.LicenseEndDate"] = info.licence_end
    if info.people == "minors" and info.minors_disclosed:
        fields["Xmp.plus.MinorModelAgeDisclosure"] = PLUS_VOCAB + AGE_UNKNOWN
    if info.description:
        fields["Xmp.dc.description"] = _lang_alt(info.description)
    if info.alt_text:
        fields["Xmp.iptc.AltTextAccessibility"] = _lang_alt(info.alt_text)
    if info.extended_description:
        fields["Xmp.iptc.ExtDescrAccessibility"] = _lang_alt(info.extended_description)
    return fields
