"""The city's signing key: loading it, signing with it, verifying against it.

One Ed25519 key signs both kinds of evidence: ledger checkpoints (``evidence.py``)
and consent receipts (``receipts.py``), each as a compact JWS (RFC 7515, alg
``EdDSA``). The key is named by its ``kid``, the RFC 7638 JWK thumbprint of its
public half, and the public half is published as a JWKS at
``/.well-known/jwks.json``.

``settings.py`` resolves where the key comes from (``PHOTOLIB_SIGNING_KEY_FILE``,
``PHOTOLIB_SIGNING_KEY`` or, in development, a key generated once into ``var/``)
with ``read_private_pem`` and ``generate_private_pem``, and keeps the PEM as
``settings.PHOTOLIB_SIGNING_KEY_PEM``; everything else asks ``city_key()``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError, SecurityWarning
from joserfc.jwk import OKPKey

ALGORITHM = "EdDSA"
# RFC 9864 registers the fully specified "Ed25519"; "EdDSA" with an Ed25519 key is the
# same signature, and it is the name verifiers in the field (and Kantara's JWT) know.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


class SigningError(Exception):
    """Base of what ``verify_compact`` raises; ``str(exc)`` says why, in words."""


class Malformed(SigningError):
    """Not a compact JWS at all, or not one we sign (wrong algorithm, bad JSON)."""


class UnknownKey(SigningError):
    """Signed (or claiming to be signed) by a key other than the city's."""


class BadSignature(SigningError):
    """Names the city's key but the signature does not match: a byte was changed."""


def generate_private_pem() -> bytes:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def read_private_pem(pem: str | bytes) -> bytes:
    """Check that ``pem`` holds an unencrypted Ed25519 private key; return it as bytes.

    Literal ``\\n`` sequences (how one-line environment variables carry PEM) are
    turned into line breaks first. Raises ``ValueError`` saying what is wrong.
    """
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    text = text.strip().replace("\\n", "\n")
    try:
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"it is not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"it is a {type(key).__name__}, not an Ed25519 key")
    return text.encode("ascii") + b"\n"


@dataclass(frozen=True)
class CityKey:
    jwk: OKPKey
    kid: str

    def public_jwk(self) -> dict[str, Any]:
        return {**self.jwk.as_dict(private=False), "kid": self.kid, "use": "sig",
                "alg": ALGORITHM}


@lru_cache(maxsize=4)
def _load(pem: bytes) -> CityKey:
    jwk = OKPKey.import_key(pem)
    return CityKey(jwk=jwk, kid=jwk.thumbprint())


def city_key() -> CityKey:
    """The key configured in ``settings.PHOTOLIB_SIGNING_KEY_PEM`` (parsed once per PEM)."""
    from django.conf import settings

    return _load(settings.PHOTOLIB_SIGNING_KEY_PEM)


def public_jwks() -> dict[str, Any]:
    """The JWKS published at ``/.well-known/jwks.json``: the city's public key."""
    return {"keys": [city_key().public_jwk()]}


def canonical_json(data: Any) -> bytes:
    """The bytes we sign: sorted keys, no spaces, UTF-8. The same input, the same bytes."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def sign_compact(payload: dict[str, Any], *, typ: str) -> str:
    """``payload`` as a compact JWS signed with the city's key (header: alg, kid, typ).

    Ed25519 is deterministic, so the same payload always gives the same token.
    """
    key = city_key()
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": typ}
    return jws.serialize_compact(header, canonical_json(payload), key.jwk,
                                 algorithms=[ALGORITHM])


def verify_compact(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a compact JWS against the city's key; return ``(header, payload)``.

    Raises ``Malformed`` (not three base64url parts, not JSON, not EdDSA, payload
    not a JSON object), ``UnknownKey`` (its ``kid`` is not the city's key) or
    ``BadSignature`` (the city's ``kid`` but a signature that does not match).
    """
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise Malformed(_("this is not a signed receipt: a JWS has three parts separated "
                          "by dots"))
    key = city_key()
    try:
        unverified = jws.extract_compact(token.encode("ascii"))
        header = unverified.headers()
    except (JoseError, ValueError, UnicodeError) as exc:
        raise Malformed(_("this is not a signed receipt: its header cannot be read "
                          "(%(detail)s)") % {"detail": exc}) from exc
    if header.get("alg") != ALGORITHM:
        raise Malformed(_("it is signed with %(alg)s; the city signs with %(ours)s") % {
            "alg": repr(header.get("alg")), "ours": ALGORITHM})
    if header.get("kid") != key.kid:
        raise UnknownKey(_("it was signed by another key (kid %(kid)s), not the city's "
                           "key %(ours)s") % {"kid": repr(header.get("kid")), "ours": key.kid})
    try:
        verified = jws.deserialize_compact(token, key.jwk, algorithms=[ALGORITHM])
    except BadSignatureError as exc:
        raise BadSignature(_("the signature does not match its content: the receipt was "
                             "changed after the city signed it")) from exc
    except (JoseError, ValueError) as exc:
        raise Malformed(_("this is not a signed receipt (%(detail)s)") % {"detail": exc}
                        ) from exc
    try:
        payload = json.loads(verified.payload)
    except (ValueError, UnicodeError) as exc:
        raise Malformed(_("the signature holds, but its content is not JSON")) from exc
    if not isinstance(payload, dict):
        raise Malformed(_("the signature holds, but its content is not a JSON object"))
    return header, payload
