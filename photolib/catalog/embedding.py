"""Writes the rights into a download copy, then signs it.

``embed_rights`` hands the field mappings of ``catalog.rights`` to exiv2 (pyexiv2), which
writes EXIF (APP1), XMP (APP1) and IPTC-IIM (APP13, inside a Photoshop block with its
digest) after the JFIF APP0 and leaves the compressed image data untouched.
``sign_credentials`` then adds a C2PA manifest (Content Credentials) signed with the
city's certificate; it must come last, since any later change breaks its hash binding.

Both work on files on disk, but each reads the file into memory while it works (the C2PA
signer several times its size): see ``catalog.services``.
"""

from __future__ import annotations

import json
from pathlib import Path

import c2pa
import pyexiv2
from django.conf import settings

from photolib.catalog.rights import (
    PHOTOLIB_NS,
    PHOTOLIB_PREFIX,
    RightsInfo,
    data_mining_code,
    exif_fields,
    iptc_fields,
    xmp_fields,
)

pyexiv2.registerNs(PHOTOLIB_NS, PHOTOLIB_PREFIX)
pyexiv2.set_log_level(3)  # warnings from exiv2 would go to stderr, not to our logs

#: The assertion label the consent facts travel under (a C2PA custom label: reverse DNS).
CONSENT_ASSERTION = "org.photolib.consent"
#: CAWG's training-and-data-mining assertion (the C2PA 2.x home of the old c2pa.training-mining).
TRAINING_ASSERTION = "cawg.training-mining"
CLAIM_GENERATOR = {"name": "photolib community photo library", "version": "1"}


class EmbeddingFailed(Exception):
    """The metadata library or the C2PA signer refused the file or the certificate."""


def embed_rights(path: Path, info: RightsInfo) -> None:
    """Write ``info`` into the JPEG at ``path`` in place: EXIF Artist and Copyright (and
    no other EXIF: whatever EXIF the file had is cleared first, so no GPS or camera facts
    can ride along), IPTC-IIM and XMP. Raises ``EmbeddingFailed`` when exiv2 cannot read
    or write the file."""
    try:
        with pyexiv2.Image(str(path)) as image:
            image.clear_exif()
            image.modify_exif(exif_fields(info))
            image.modify_iptc(iptc_fields(info))
            image.modify_xmp(xmp_fields(info))
    except RuntimeError as exc:
        raise EmbeddingFailed(f"exiv2 refused {path.name}: {exc}") from exc


def manifest_definition(info: RightsInfo, *, actions: list[str], original_format: str,
                        original_sha256: str) -> dict:
    """The C2PA manifest of one download: the resident's original as the parent ingredient
    (named by its SHA-256, which the library keeps), what was done to it (``c2pa.opened``
    first, as C2PA requires, then ``actions``), who made it, the licence, the consent it
    was given under, and whether AI/ML training is allowed."""
    use = "allowed" if info.ai_training_allowed else "notAllowed"
    return {
        "claim_generator_info": [CLAIM_GENERATOR],
        "title": info.title,
        "format": "image/jpeg",
        "ingredients": [{
            "title": f"{info.title} (original)",
            "format": original_format or "image/jpeg",
            "relationship": "parentOf",
            "label": "original",
            "instance_id": f"photolib:original:sha256:{original_sha256}",
        }],
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [
                {"action": "c2pa.opened", "parameters": {"ingredientIds": ["original"]}},
                *({"action": action} for action in actions),
                {"action": "c2pa.edited.metadata",
                 "description": "Rights, credit and licence written into the file"},
            ]}},
            {"label": "stds.schema-org.CreativeWork", "data": {
                "@context": "https://schema.org",
                "@type": "Photograph",
                "name": info.title,
                "author": [{"@type": "Person", "name": info.creator}],
                "creditText": info.credit_line,
                "copyrightNotice": info.copyright_notice,
                "copyrightHolder": {"@type": "Person", "name": info.creator},
                "license": info.web_statement,
                "usageInfo": info.usage_terms,
                "acquireLicensePage": info.web_statement,
                "identifier": info.licence_id,
            }},
            {"label": CONSENT_ASSERTION, "data": {
                "consent_receipt_id": info.consent_receipt_id,
                "agreement_version": info.agreement_version,
                "agreement_sha256": info.agreement_sha256,
                "stated_use": info.stated_use,
                "licence_id": info.licence_id,
                "licensee": info.licensee_name,
                "licence_start": info.licence_start,
                "licence_end": info.licence_end or None,
            }},
            {"label": TRAINING_ASSERTION, "data": {"entries": {
                "cawg.ai_training": {"use": use},
                "cawg.ai_generative_training": {"use": use},
            }}},
            {"label": "photolib.data-mining", "data": {
                "plus_data_mining": data_mining_code(
                    ai_training_allowed=info.ai_training_allowed)}},
        ],
    }


def _signer() -> c2pa.Signer:
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(
        alg=b"es256", sign_cert=settings.PHOTOLIB_C2PA_CHAIN_PEM,
        private_key=settings.PHOTOLIB_C2PA_KEY_PEM,
        ta_url=settings.PHOTOLIB_C2PA_TSA_URL.encode() if settings.PHOTOLIB_C2PA_TSA_URL
        else None))


def _context() -> c2pa.Context:
    # No thumbnail: making one decodes the image, which a download never does.
    return c2pa.Context(settings=c2pa.Settings.from_dict(
        {"builder": {"thumbnail": {"enabled": False}}}))


def sign_credentials(source: Path, dest: Path, manifest: dict) -> None:
    """Write ``source`` with a signed C2PA manifest to ``dest``. Raises ``EmbeddingFailed``
    when the signer refuses the certificate, the key or the manifest."""
    try:
        signer = _signer()
    except c2pa.C2paError as exc:
        raise EmbeddingFailed(f"the C2PA certificate or key was refused: {exc}") from exc
    try:
        with c2pa.Builder(json.dumps(manifest), context=_context()) as builder, \
                open(source, "rb") as src, open(dest, "w+b") as dst:
            builder.sign(signer, "image/jpeg", src, dst)
    except c2pa.C2paError as exc:
        raise EmbeddingFailed(f"C2PA signing failed: {exc}") from exc
    finally:
        signer.close()
